//! Intake of published reports: archives unpacked in memory with limits,
//! and each report's agency found by the name printed in its title.
//!
//! Nothing is ever written to disk here: a ZIP's entries are read into
//! memory, so an entry named `../../etc/passwd` cannot land anywhere; it is
//! refused all the same (with the whole archive), because an archive that
//! carries one is not a batch of reports a 主管部门 should trust.

use std::io::Read;

/// How much an archive may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Files in one archive (nested ones included).
    pub entries: usize,
    /// Bytes of one file once inflated.
    pub entry_bytes: u64,
    /// Bytes of all files once inflated.
    pub total_bytes: u64,
    /// Archives inside the archive: one level (a ZIP of each district's ZIP).
    pub nesting: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits { entries: 5_000, entry_bytes: 50 << 20, total_bytes: 1 << 30, nesting: 1 };
}

/// One file to read: its name (inside the archive, `outer.zip/inner.pdf`)
/// and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
}

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// A ZIP that is a document (Word's `.docx`, any Office Open XML file),
/// not an archive of reports: it has `[Content_Types].xml` at its root.
fn is_document(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .is_ok_and(|z| z.file_names().any(|n| n.is_ok_and(|n| n == "[Content_Types].xml")))
}

/// An archive to unpack: a ZIP that is not a document.
fn is_archive(bytes: &[u8]) -> bool {
    is_zip(bytes) && !is_document(bytes)
}

/// A name as the archive stores it: UTF-8 when it is, else GBK (what
/// Windows' 压缩 tools write on a Chinese system), never mangled to CP437.
fn entry_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode_without_bom_handling(raw).0.into_owned(),
    }
}

/// Why a name cannot be trusted: an absolute path, a drive, or `..`.
fn unsafe_path(name: &str) -> bool {
    let n = name.replace('\\', "/");
    n.starts_with('/') || n.as_bytes().get(1) == Some(&b':') || n.split('/').any(|part| part == "..")
}

/// Files Windows and macOS leave in archives, not reports.
fn is_litter(name: &str) -> bool {
    let n = name.replace('\\', "/");
    n.starts_with("__MACOSX/")
        || n.ends_with('/')
        || n.rsplit('/').next().is_some_and(|base| base.starts_with('.') || base.eq_ignore_ascii_case("thumbs.db"))
}

/// The files of `bytes`: itself, or a ZIP's entries (one level of ZIPs in
/// it too). A hostile archive is refused whole, with the reason.
pub fn unpack(name: &str, bytes: Vec<u8>, limits: &Limits) -> Result<Vec<Entry>, String> {
    if !is_archive(&bytes) {
        return Ok(vec![Entry { name: name.to_string(), bytes }]);
    }
    let mut out = Vec::new();
    let mut total = 0u64;
    unzip(name, &bytes, limits, 0, &mut out, &mut total)?;
    Ok(out)
}

fn unzip(
    name: &str,
    bytes: &[u8],
    limits: &Limits,
    depth: usize,
    out: &mut Vec<Entry>,
    total: &mut u64,
) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("{name}：不是完好的 ZIP 压缩包（{e}）"))?;
    if out.len() + zip.len() > limits.entries {
        return Err(format!("{name}：压缩包内文件超过 {} 个，未读入", limits.entries));
    }
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).map_err(|e| format!("{name}：第 {} 个文件无法读取（{e}）", i + 1))?;
        let inner = entry_name(file.name_raw());
        if unsafe_path(&inner) {
            return Err(format!("{name}：含有不安全的路径 {inner}，整个压缩包未读入"));
        }
        if file.is_dir() || is_litter(&inner) {
            continue;
        }
        if file.encrypted() {
            return Err(format!("{name}：{inner} 已加密，请解密后再上传"));
        }
        // The header's size is not trusted: read one byte past the limit.
        let mut data = Vec::new();
        let room = limits.entry_bytes.min(limits.total_bytes.saturating_sub(*total));
        (&mut file).take(room + 1).read_to_end(&mut data).map_err(|e| format!("{name}：{inner} 解压失败（{e}）"))?;
        if data.len() as u64 > room {
            return Err(format!(
                "{name}：{inner} 解压后超过上限（单个文件 {} MB，合计 {} MB），疑似压缩炸弹，整个压缩包未读入",
                limits.entry_bytes >> 20,
                limits.total_bytes >> 20
            ));
        }
        *total += data.len() as u64;
        let full = format!("{name}/{inner}");
        // A damaged ZIP inside (a broken .docx) is a file that fails to
        // read, with its reason, not a reason to refuse the whole archive.
        if is_archive(&data) && zip::ZipArchive::new(std::io::Cursor::new(&data[..])).is_ok() {
            if depth >= limits.nesting {
                return Err(format!("{name}：压缩包嵌套超过 {} 层（{inner}），未读入", limits.nesting));
            }
            drop(file);
            unzip(&full, &data, limits, depth + 1, out, total)?;
            continue;
        }
        out.push(Entry { name: full, bytes: data });
    }
    Ok(())
}

/// An agency name reduced to what identifies it: no spaces or punctuation,
/// half-width brackets, and none of the words a title puts around it.
pub fn normalise(name: &str) -> String {
    let mut s: String = name
        .chars()
        .filter_map(|c| match c {
            '（' => Some('('),
            '）' => Some(')'),
            c if c.is_whitespace() || "·•、，,。.\"“”'《》<>".contains(c) => None,
            c => Some(c),
        })
        .collect();
    for tail in ["政府信息公开工作年度报告", "政府信息公开年度报告", "年度报告"] {
        if let Some(rest) = s.strip_suffix(tail) {
            s = rest.to_string();
        }
    }
    // A leading year (`2023年度`, `2023年`).
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits == 4 {
        let rest: String = s.chars().skip(4).collect();
        s = rest.strip_prefix("年度").or_else(|| rest.strip_prefix('年')).unwrap_or(&rest).to_string();
    }
    s
}

/// How a printed name matched the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// One agency has that name (normalised).
    Exact(i64),
    /// No agency has it; these are close (best first), for a person to confirm.
    Close(Vec<i64>),
    None,
}

/// Edit distance over characters (names are short).
fn distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(row[j + 1] + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Finds the agency a report names among `agencies` (id, name). Two
/// agencies of one normalised name are not an exact match: both are offered.
pub fn match_agency(printed: &str, agencies: &[(i64, String)]) -> Match {
    let want = normalise(printed);
    if want.is_empty() {
        return Match::None;
    }
    let exact: Vec<i64> = agencies.iter().filter(|(_, n)| normalise(n) == want).map(|(id, _)| *id).collect();
    if let [one] = exact.as_slice() {
        return Match::Exact(*one);
    }
    if !exact.is_empty() {
        return Match::Close(exact);
    }
    let w: Vec<char> = want.chars().collect();
    let mut close: Vec<(usize, i64)> = agencies
        .iter()
        .filter_map(|(id, n)| {
            let n = normalise(n);
            let c: Vec<char> = n.chars().collect();
            let d = distance(&w, &c);
            // One name inside the other (a prefix of the government left
            // off, `聊城市工信局` for `聊城市工业和信息化局` is not), or a
            // slip of a character or two in a name of several.
            let contains = n.len() >= 6 && want.len() >= 6 && (n.contains(&want) || want.contains(&n));
            (contains || d * 4 <= w.len().max(c.len())).then_some((d, *id))
        })
        .collect();
    close.sort();
    close.truncate(3);
    if close.is_empty() {
        Match::None
    } else {
        Match::Close(close.into_iter().map(|(_, id)| id).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_matched_as_printed_in_titles() {
        let tree = vec![
            (1, "聊城市人民政府".to_string()),
            (2, "聊城市工业和信息化局".to_string()),
            (3, "聊城市教育和体育局".to_string()),
            (4, "东昌府区人民政府".to_string()),
        ];
        assert_eq!(match_agency("聊城市工业和信息化局", &tree), Match::Exact(2));
        assert_eq!(match_agency(" 聊城市 工业和信息化局 ", &tree), Match::Exact(2));
        assert_eq!(match_agency("2023年度聊城市教育和体育局政府信息公开工作年度报告", &tree), Match::Exact(3));
        // A slip of one character is offered, never taken.
        assert_eq!(match_agency("聊城市工业和信息化厅", &tree), Match::Close(vec![2]));
        assert_eq!(match_agency("某省财政厅", &tree), Match::None);
        assert_eq!(match_agency("", &tree), Match::None);
    }

    #[test]
    fn gbk_names_are_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("聊城市/工信局.pdf");
        assert_eq!(entry_name(&gbk), "聊城市/工信局.pdf");
        assert_eq!(entry_name("报告.docx".as_bytes()), "报告.docx");
    }

    #[test]
    fn unsafe_paths_are_recognised() {
        for bad in ["../x.pdf", "a/../../x.pdf", "/etc/passwd", "C:\\x.pdf", "a\\..\\x.pdf"] {
            assert!(unsafe_path(bad), "{bad}");
        }
        for good in ["a/b.pdf", "报告..pdf", "x.y.z"] {
            assert!(!unsafe_path(good), "{good}");
        }
    }
}
