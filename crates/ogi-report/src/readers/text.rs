//! Plain text: Word/WPS text exports (one cell per line), web pages dumped
//! as text (cells between `|`), archives that glued cells together, and
//! Markdown pipe tables. Every line is a piece; `|` becomes a cell boundary
//! in the extractor, so Markdown needs nothing of its own but dropping its
//! `|---|` rule lines and undoing its escapes (`\*`, `&lt;`), so that a
//! piece holds the text a Markdown viewer shows.

use crate::flat::Flat;

/// Decodes text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(String::from_utf8_lossy(rest).into_owned());
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (enc, _) = encoding_rs::Encoding::for_bom(bytes).ok_or("无法识别的文字编码")?;
        return Ok(enc.decode(bytes).0.into_owned());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) if e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4 => {
            // Cut off in the middle of a character: keep what is whole.
            Ok(String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned())
        }
        Err(_) => {
            let (s, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad && s.chars().filter(|&c| c == '\u{FFFD}').count() * 20 > s.chars().count() {
                return Err("文字编码无法识别（既不是 UTF-8 也不是 GB18030/GBK），或这不是文本文件".into());
            }
            Ok(s.into_owned())
        }
    }
}

pub fn read(bytes: &[u8], markdown: bool) -> Result<Flat, String> {
    if bytes.contains(&0) && !bytes.starts_with(b"\xFF\xFE") && !bytes.starts_with(b"\xFE\xFF") {
        return Err("这是二进制文件，不是文本".into());
    }
    let text = decode(bytes)?;
    let mut flat = Flat::default();
    for (i, line) in text.lines().enumerate() {
        if markdown && is_pipe_rule(line) {
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        if markdown {
            flat.line(i as u32 + 1, unescape_markdown(line));
        } else {
            flat.line(i as u32 + 1, line);
        }
    }
    if flat.pieces.is_empty() {
        return Err("文件是空的".into());
    }
    Ok(flat)
}

/// A Markdown line's text as shown: backslash escapes of ASCII punctuation
/// (`\*` → `*`) and character references (`&amp;`, `&lt;`, `&#124;`, `&#x7C;`)
/// undone, in one pass (`&amp;lt;` is `&lt;`). Anything else stays as written.
fn unescape_markdown(line: &str) -> String {
    if !line.contains(['\\', '&']) {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            if let Some(next) = rest[1..].chars().next().filter(char::is_ascii_punctuation) {
                out.push(next);
                rest = &rest[1 + next.len_utf8()..];
                continue;
            }
        } else if c == '&' {
            if let Some((decoded, len)) = char_reference(rest) {
                out.push(decoded);
                rest = &rest[len..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The character reference at the start of `s` (`&lt;`, `&#60;`, `&#x3C;`)
/// and its length in bytes.
fn char_reference(s: &str) -> Option<(char, usize)> {
    let end = s.bytes().take(12).position(|b| b == b';')?;
    let name = &s[1..end];
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let number = name.strip_prefix('#')?;
            let n = match number.strip_prefix(['x', 'X']) {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()?
                }
                None if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => number.parse().ok()?,
                _ => return None,
            };
            char::from_u32(n).filter(|&c| c != '\0')?
        }
    };
    Some((c, end + 1))
}

/// A Markdown table rule: `|---|:---:|`.
fn is_pipe_rule(line: &str) -> bool {
    let t = line.trim();
    t.contains("---") && t.contains('|') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

/// Whether the text has a Markdown table rule line (looked for in the first 64 KB).
pub fn has_pipe_rule(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if !head.windows(3).any(|w| w == b"---") {
        return false;
    }
    head.split(|&b| b == b'\n').any(|line| {
        line.windows(3).any(|w| w == b"---")
            && line.contains(&b'|')
            && line.iter().all(|b| matches!(b, b'|' | b'-' | b':' | b' ' | b'\t' | b'\r'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_gbk_and_utf8() {
        let (gbk, _, _) = encoding_rs::GBK.encode("政府信息公开工作年度报告");
        assert_eq!(decode(&gbk).unwrap(), "政府信息公开工作年度报告");
        assert_eq!(decode("\u{FEFF}规章".as_bytes()).unwrap(), "规章");
        // A file cut inside a character keeps what is whole.
        let s = "规章".as_bytes();
        assert_eq!(decode(&s[..4]).unwrap(), "规");
    }

    #[test]
    fn markdown_escapes_are_undone() {
        let f = read(
            "# 某局&lt;b&gt;&amp;lt;\\*x\\*\\_y\\_\\\\&#124;&#x7C;&bogus;&#;\\中 &\n| a |\n|---|".as_bytes(),
            true,
        )
        .unwrap();
        assert_eq!(f.pieces[0].text, "# 某局<b>&lt;*x*_y_\\||&bogus;&#;\\中 &");
        // Plain text keeps every character as printed.
        let f = read("某局&lt;\\*".as_bytes(), false).unwrap();
        assert_eq!(f.pieces[0].text, "某局&lt;\\*");
    }

    #[test]
    fn markdown_rules_are_not_rows() {
        let f = read("| 规章 | 0 |\n|---|---|\n| 行政许可 | 3 |".as_bytes(), true).unwrap();
        assert_eq!(f.pieces.len(), 2);
        assert!(read(b"\x00\x01binary", false).is_err());
    }
}
