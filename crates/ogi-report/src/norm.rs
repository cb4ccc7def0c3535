//! One normalized string for the whole document, with a map back to the
//! pieces (and so to table/row/column or line) it came from.
//!
//! Normalization folds what real reports vary in and keeps what carries
//! structure:
//! - full-width ASCII (`（１２）`) → ASCII, NBSP/U+3000/tabs → one space;
//! - quotes removed (labels print “三安全一稳定” with any quotes or none);
//! - dashes (`—`, `－`, `−`) → `-`;
//! - Word's `[bookmark: …]` markers and zero-width characters removed;
//! - page numbers printed inside tables (`- 4 -`, `第 4 页`) dropped;
//! - cell boundaries → `\t`, line and row boundaries → `\n`, and `|` in text
//!   (web dumps, Markdown) → `\t`. These two are *hard* separators: a number
//!   never spans them. A space is *soft*: it may also fall inside a label.

use crate::flat::{Flat, Origin};

/// A position in the source: which piece, and the byte offset in its text.
#[derive(Debug, Clone, Copy)]
struct Src {
    /// Byte offset in the normalized text where this char starts.
    at: u32,
    piece: u32,
    /// Byte offset of the source char within the piece text.
    raw: u32,
}

pub struct Norm<'a> {
    pub text: String,
    flat: &'a Flat,
    srcs: Vec<Src>,
}

pub fn is_hard(c: char) -> bool {
    c == '\t' || c == '\n'
}

pub fn is_sep(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\n'
}

fn fold(c: char) -> Option<char> {
    Some(match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}'
        | '\u{00A0}'
        | '\u{2000}'..='\u{200A}'
        | '\u{202F}'
        | '\u{205F}'
        | '\t'
        | '\r'
        | '\n'
        | '\u{000B}'
        | '\u{000C}' => ' ',
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => return None,
        '“' | '”' | '"' | '‘' | '’' | '\'' | '「' | '」' | '『' | '』' | '〝' | '〞' => return None,
        '—' | '–' | '−' | '‐' | '‑' | '‒' | '―' => '-',
        '﹒' => '.',
        '、' => '、',
        c if c.is_control() => ' ',
        c => crate::tradsimp::simplify(c),
    })
}

/// Mirror sites print pinyin after characters: `數(shù)據(jù)`. At `i` (an
/// opening parenthesis after a CJK character), the byte length of such a
/// `(pinyin)` group, if it is one.
pub fn pinyin_group(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    let open = rest.chars().next()?;
    if open != '(' && open != '（' {
        return None;
    }
    let prev = text[..i].chars().next_back()?;
    if !('\u{4e00}'..='\u{9fff}').contains(&prev) {
        return None;
    }
    let body_start = open.len_utf8();
    let close = rest[body_start..].find([')', '）'])?;
    let body = &rest[body_start..body_start + close];
    let is_pinyin = |c: char| c.is_ascii_lowercase() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ".contains(c);
    let n = body.chars().count();
    if (1..=7).contains(&n) && body.chars().all(is_pinyin) && !body.is_ascii() {
        let close_len = rest[body_start + close..].chars().next().map_or(1, char::len_utf8);
        Some(body_start + close + close_len)
    } else {
        None
    }
}

fn is_page_number(line: &str) -> bool {
    if line.len() > 24 {
        return false;
    }
    let t: String = line.chars().filter_map(fold).filter(|c| *c != ' ').collect();
    let core = t.trim_matches('-');
    if core.len() < t.len()
        && !core.is_empty()
        && core.bytes().all(|b| b.is_ascii_digit())
        && t.starts_with('-')
        && t.ends_with('-')
    {
        return true;
    }
    if let Some(rest) = t.strip_prefix('第') {
        if let Some(num) = rest.strip_suffix('页') {
            return !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit());
        }
    }
    false
}

impl<'a> Norm<'a> {
    pub fn new(flat: &'a Flat) -> Norm<'a> {
        let cap = flat.pieces.iter().map(|p| p.text.len() + 1).sum();
        let mut n = Norm { text: String::with_capacity(cap), flat, srcs: Vec::with_capacity(cap / 2) };
        let mut prev: Option<Origin> = None;
        for (pi, piece) in flat.pieces.iter().enumerate() {
            let is_line = matches!(piece.origin, Origin::Line { .. });
            if is_line && is_page_number(&piece.text) {
                continue;
            }
            let sep = match (prev, piece.origin) {
                (None, _) => None,
                (Some(Origin::Cell { table: t0, row: r0, .. }), Origin::Cell { table, row, .. })
                    if t0 == table && r0 == row =>
                {
                    Some('\t')
                }
                _ => Some('\n'),
            };
            if let Some(sep) = sep {
                n.push_sep(sep, pi as u32, 0);
            }
            prev = Some(piece.origin);
            let text = piece.text.as_str();
            let mut i = 0;
            while i < text.len() {
                let rest = &text[i..];
                if rest.as_bytes()[0] == b'[' && rest.starts_with("[bookmark:") {
                    if let Some(end) = rest.find(']') {
                        i += end + 1;
                        continue;
                    }
                }
                if rest.as_bytes()[0] == b'(' || rest.starts_with('（') {
                    if let Some(len) = pinyin_group(text, i) {
                        i += len;
                        continue;
                    }
                }
                let c = rest.chars().next().expect("non-empty");
                let len = c.len_utf8();
                let mapped = if is_line && (c == '|' || c == '｜') { Some('\t') } else { fold(c) };
                match mapped {
                    Some(' ') => n.push_sep(' ', pi as u32, i as u32),
                    Some('\t') => n.push_sep('\t', pi as u32, i as u32),
                    Some(m) => n.push(m, pi as u32, i as u32),
                    None => {}
                }
                i += len;
            }
        }
        n
    }

    fn push(&mut self, c: char, piece: u32, raw: u32) {
        self.srcs.push(Src { at: self.text.len() as u32, piece, raw });
        self.text.push(c);
    }

    /// Separators collapse: a hard one replaces a soft one; blank lines fold;
    /// two cell boundaries in a row keep the empty cell between them.
    fn push_sep(&mut self, c: char, piece: u32, raw: u32) {
        match self.text.chars().next_back() {
            None => {}
            Some(' ') if c == ' ' => {}
            Some(' ') => {
                self.text.pop();
                self.srcs.pop();
                self.push(c, piece, raw);
            }
            Some('\t' | '\n') if c == ' ' => {}
            Some('\n') if c == '\n' => {}
            _ => self.push(c, piece, raw),
        }
    }

    fn src_at(&self, at: usize) -> Option<&Src> {
        let i = self.srcs.partition_point(|s| (s.at as usize) <= at);
        i.checked_sub(1).map(|i| &self.srcs[i])
    }

    /// The origin of the text at a byte offset of the normalized text.
    pub fn origin_at(&self, at: usize) -> Option<Origin> {
        self.src_at(at).map(|s| self.flat.pieces[s.piece as usize].origin)
    }

    /// The source text as printed for the normalized span `[start, end)`,
    /// when the span lies within one piece (else the normalized text).
    pub fn raw(&self, start: usize, end: usize) -> String {
        if let (Some(a), Some(b)) = (self.src_at(start), self.src_at(end.saturating_sub(1).max(start))) {
            if a.piece == b.piece {
                let text = &self.flat.pieces[a.piece as usize].text;
                let last_len = text[b.raw as usize..].chars().next().map_or(0, char::len_utf8);
                if let Some(s) = text.get(a.raw as usize..b.raw as usize + last_len) {
                    return s.to_string();
                }
            }
        }
        self.text[start..end].to_string()
    }

    /// Whether the document's table cells are explicit (see `Flat`).
    pub fn explicit(&self) -> bool {
        self.flat.explicit_cells
    }

    /// True when every char in the span came from an explicit table cell.
    pub fn in_cells(&self, at: usize) -> bool {
        self.flat.explicit_cells && matches!(self.origin_at(at), Some(Origin::Cell { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm_of(lines: &[&str]) -> String {
        let mut f = Flat::default();
        for (i, l) in lines.iter().enumerate() {
            f.line(i as u32 + 1, *l);
        }
        Norm::new(&f).text
    }

    #[test]
    fn folds_what_reports_vary_in() {
        assert_eq!(norm_of(&["（一）予以公开\u{3000}１２"]), "(一)予以公开 12");
        assert_eq!(norm_of(&["3.危及“三安全一稳定”"]), "3.危及三安全一稳定");
        assert_eq!(norm_of(&["\t[bookmark: _Hlk1]8.属于行政查询事项"]), "8.属于行政查询事项");
        assert_eq!(norm_of(&["规章 | 0 | 0 | 0 |"]), "规章\t0\t0\t0\t");
        assert_eq!(norm_of(&["a", "- 4 -", "b"]), "a\nb");
        assert_eq!(norm_of(&["a", "第 12 页", "b"]), "a\nb");
    }

    #[test]
    fn mirror_sites_traditional_characters_and_pinyin_fold_away() {
        assert_eq!(norm_of(&["一、本年新收政府信息公開申請數(shù)量 3"]), "一、本年新收政府信息公开申请数量 3");
        assert_eq!(norm_of(&["結轉下年度繼續辦理"]), "结转下年度继续办理");
        // Ordinary parentheses stay.
        assert_eq!(norm_of(&["（一）予以公开(区分处理的)"]), "(一)予以公开(区分处理的)");
    }

    #[test]
    fn maps_back_to_the_printed_text() {
        let mut f = Flat::default();
        f.line(1, "行政许可");
        f.line(2, "\u{3000}\u{3000}１２件");
        let n = Norm::new(&f);
        let at = n.text.find("12").unwrap();
        assert_eq!(n.raw(at, at + 2), "１２");
        assert_eq!(n.origin_at(at), Some(Origin::Line { line: 2 }));
    }

    #[test]
    fn empty_cells_keep_their_boundaries() {
        let mut f = Flat { explicit_cells: true, ..Flat::default() };
        f.cell(0, 0, 0, "规章");
        f.cell(0, 0, 1, "");
        f.cell(0, 0, 2, "1");
        f.cell(0, 1, 0, "x");
        assert_eq!(Norm::new(&f).text, "规章\t\t1\nx");
    }
}
