//! HTML reader: a web page → pieces of text (table cells and lines) in
//! reading order.
//!
//! Tokenizing is done by `html5gum` (WHATWG tokenizer, callback emitter, no
//! per-token allocation); the little table structure we need is built by
//! [`super::tree::Builder`].

use std::borrow::Cow;

use encoding_rs::Encoding;
use html5gum::emitters::callback::{Callback, CallbackEmitter, CallbackEvent};
use html5gum::{Emitter, Error, ForwardingEmitter, Span, Tokenizer};

use super::tree::Builder;
use crate::flat::Flat;

/// Read an HTML page. `Err` (a short Chinese reason) only when the page holds
/// no text at all.
pub fn read(bytes: &[u8]) -> Result<Flat, String> {
    let text = decode(bytes);
    let flat = parse(&text);
    if flat.pieces.iter().any(|p| p.text.chars().any(|c| !c.is_whitespace())) {
        Ok(flat)
    } else {
        Err("网页中没有文字".to_string())
    }
}

// ---------------------------------------------------------------- decoding

/// Decode the page: BOM; else a declared charset in the first 4 KB; else
/// UTF-8 if valid; else GB18030.
pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (s, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return s;
    }
    let utf8 = std::str::from_utf8(bytes).ok();
    let utf8_ok = utf8.is_some();
    let declared = sniff_charset(&bytes[..bytes.len().min(4096)]);
    let enc = match declared {
        // A page labelled GBK whose bytes are valid UTF-8 with non-ASCII
        // text was re-saved as UTF-8 (archivers, CMS exports). Real GBK text
        // of any length is essentially never valid UTF-8.
        Some(e) if e == encoding_rs::GB18030 && utf8_ok && !bytes.is_ascii() => encoding_rs::UTF_8,
        // Labelled UTF-8 but not UTF-8: on Chinese government sites the
        // bytes are GBK; take GB18030 if it decodes cleanly.
        Some(e) if e == encoding_rs::UTF_8 && !utf8_ok => {
            if encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes).is_some() {
                encoding_rs::GB18030
            } else {
                encoding_rs::UTF_8
            }
        }
        Some(e) => e,
        None if utf8_ok => encoding_rs::UTF_8,
        None => encoding_rs::GB18030,
    };
    // Valid UTF-8 read as UTF-8 is the bytes themselves (what the decoder
    // returns too, after checking them a second time).
    if let (Some(s), true) = (utf8, enc == encoding_rs::UTF_8) {
        return Cow::Borrowed(s);
    }
    let (s, _) = enc.decode_without_bom_handling(bytes);
    s
}

/// Find `charset=LABEL` (as in `<meta charset="gbk">` or
/// `<meta http-equiv=… content="text/html; charset=gb2312">`).
fn sniff_charset(head: &[u8]) -> Option<&'static Encoding> {
    const NEEDLE: &[u8] = b"charset";
    let mut i = 0;
    while i + NEEDLE.len() <= head.len() {
        if !head[i..i + NEEDLE.len()].eq_ignore_ascii_case(NEEDLE) {
            i += 1;
            continue;
        }
        let mut j = i + NEEDLE.len();
        i = j;
        while j < head.len() && head[j].is_ascii_whitespace() {
            j += 1;
        }
        if j >= head.len() || head[j] != b'=' {
            continue;
        }
        j += 1;
        while j < head.len() && (head[j].is_ascii_whitespace() || head[j] == b'"' || head[j] == b'\'') {
            j += 1;
        }
        let start = j;
        while j < head.len() && (head[j].is_ascii_alphanumeric() || matches!(head[j], b'-' | b'_' | b'.' | b':')) {
            j += 1;
        }
        if j == start {
            continue;
        }
        if let Some(enc) = Encoding::for_label(&head[start..j]) {
            return Some(normalize_encoding(enc));
        }
    }
    None
}

fn normalize_encoding(enc: &'static Encoding) -> &'static Encoding {
    if enc == encoding_rs::GBK || enc == encoding_rs::GB18030 {
        encoding_rs::GB18030
    } else if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE || enc == encoding_rs::REPLACEMENT {
        // A meta tag read as ASCII cannot mean UTF-16 (WHATWG rule).
        encoding_rs::UTF_8
    } else if enc == encoding_rs::X_USER_DEFINED {
        encoding_rs::WINDOWS_1252
    } else {
        enc
    }
}

// ---------------------------------------------------------------- parsing

/// Elements whose start and end tags are block boundaries (end a line).
fn is_block(name: &[u8]) -> bool {
    matches!(
        name,
        b"p" | b"div"
            | b"br"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"li"
            | b"ul"
            | b"ol"
            | b"dl"
            | b"dt"
            | b"dd"
            | b"hr"
            | b"pre"
            | b"blockquote"
            | b"section"
            | b"article"
            | b"header"
            | b"footer"
            | b"nav"
            | b"aside"
            | b"main"
            | b"address"
            | b"center"
            | b"figure"
            | b"figcaption"
            | b"form"
            | b"fieldset"
            | b"legend"
            | b"details"
            | b"summary"
            | b"dialog"
            | b"menu"
            | b"dir"
            | b"hgroup"
            | b"caption"
            | b"body"
            | b"option"
            | b"textarea"
            | b"button"
            | b"select"
    )
}

/// Elements whose content is never shown as text.
fn skip_name(name: &[u8]) -> Option<&'static [u8]> {
    Some(match name {
        b"script" => b"script",
        b"style" => b"style",
        b"title" => b"title",
        b"noscript" => b"noscript",
        b"template" => b"template",
        b"iframe" => b"iframe",
        b"noembed" => b"noembed",
        b"noframes" => b"noframes",
        _ => return None,
    })
}

/// Elements that may stay in `<head>`; any other start tag ends it.
fn is_head_content(name: &[u8]) -> bool {
    matches!(
        name,
        b"meta"
            | b"link"
            | b"title"
            | b"style"
            | b"script"
            | b"base"
            | b"noscript"
            | b"template"
            | b"basefont"
            | b"bgsound"
    )
}

struct Sink {
    b: Builder,
    /// Inside an element whose content is dropped, and how deeply.
    skip: Option<(&'static [u8], u32)>,
    in_head: bool,
    /// Name of the start tag being read (acted on at `>`).
    pending: Vec<u8>,
    have_pending: bool,
}

impl Sink {
    fn start_tag(&mut self, name: &[u8]) {
        if let Some((skip, depth)) = &mut self.skip {
            if name == *skip {
                *depth += 1;
            }
            return;
        }
        if self.in_head && (name == b"body" || !is_head_content(name)) {
            self.in_head = false;
        }
        if let Some(s) = skip_name(name) {
            self.skip = Some((s, 1));
            return;
        }
        match name {
            b"head" => self.in_head = true,
            b"table" => self.b.start_table(),
            b"tr" => self.b.start_row(),
            b"td" | b"th" => self.b.start_cell(),
            n if is_block(n) => self.b.brk(),
            _ => {}
        }
    }

    fn end_tag(&mut self, name: &[u8]) {
        if let Some((skip, depth)) = &mut self.skip {
            if name == *skip {
                *depth -= 1;
                if *depth == 0 {
                    self.skip = None;
                }
            }
            return;
        }
        match name {
            b"head" => self.in_head = false,
            b"table" => self.b.end_table(),
            b"tr" => self.b.end_row(),
            b"td" | b"th" => self.b.end_cell(),
            n if is_block(n) => self.b.brk(),
            _ => {}
        }
    }

    fn text(&mut self, value: &[u8]) {
        if self.skip.is_some() {
            return;
        }
        if self.in_head {
            if value.iter().all(|c| c.is_ascii_whitespace()) {
                return;
            }
            self.in_head = false;
        }
        match String::from_utf8_lossy(value) {
            Cow::Borrowed(s) => self.b.text(s),
            Cow::Owned(s) => self.b.text(&s),
        }
    }

    fn event(&mut self, ev: CallbackEvent<'_>) {
        match ev {
            CallbackEvent::OpenStartTag { name } => {
                self.pending.clear();
                self.pending.extend_from_slice(name);
                self.have_pending = true;
            }
            CallbackEvent::CloseStartTag { .. } if self.have_pending => {
                self.have_pending = false;
                let name = std::mem::take(&mut self.pending);
                self.start_tag(&name);
                self.pending = name;
            }
            CallbackEvent::EndTag { name } => {
                self.have_pending = false;
                if name == b"br" {
                    // `</br>` is read as `<br>` by browsers.
                    self.start_tag(name);
                } else {
                    self.end_tag(name);
                }
            }
            CallbackEvent::String { value } => self.text(value),
            _ => {}
        }
    }
}

/// The callback emitter with parse-error reporting turned off: we ignore
/// parse errors, and html5gum's per-byte character validation for them was
/// ~30% of the run time. Attributes are dropped too: the reader never looks
/// at them, and copying every `style`/`class` value and sending it to the
/// callback was a fifth of tokenizing a CMS page. (The start tag's name is
/// still sent: the callback emitter flushes it when the tag closes.)
struct Quiet<F: Callback<(), ()>>(CallbackEmitter<F, (), ()>);

impl<F: Callback<(), ()>> ForwardingEmitter for Quiet<F> {
    type Token = ();
    fn inner(&mut self) -> &mut impl Emitter<Token = ()> {
        &mut self.0
    }
    fn should_emit_errors(&mut self) -> bool {
        false
    }
    fn emit_error(&mut self, _error: Error) {}
    fn init_attribute(&mut self) {}
    fn init_attribute_value(&mut self) {}
    fn push_attribute_name(&mut self, _s: &[u8]) {}
    fn push_attribute_value(&mut self, _s: &[u8]) {}
}

/// Tokenize decoded text into a [`Flat`] (may be empty).
pub(crate) fn parse(text: &str) -> Flat {
    let mut sink = Sink { b: Builder::new(true), skip: None, in_head: false, pending: Vec::new(), have_pending: false };
    {
        let mut emitter = CallbackEmitter::new(|ev: CallbackEvent<'_>, _span: Span<()>| -> Option<()> {
            sink.event(ev);
            None
        });
        // Switch to RAWTEXT/script states after <script>, <style>, <title>…
        // so their content never turns into tags.
        emitter.naively_switch_states(true);
        for _ in Tokenizer::new_with_emitter(text, Quiet(emitter)) {}
    }
    sink.b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::tree::testutil::{cells, check_expected, fuzz_n, lines, mangle, Rng};

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/real/pingtan/2025_gwh.html");
    const EXPECTED: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/real/pingtan/expected/2025_gwh.html.cells.tsv");

    fn rd(s: &str) -> Flat {
        read(s.as_bytes()).expect("read")
    }

    #[test]
    fn corpus_cells_follow_row_labels() {
        let bytes = std::fs::read(CORPUS).unwrap();
        let f = read(&bytes).unwrap();
        assert!(f.explicit_cells);
        check_expected(&f, EXPECTED);
        // Four data tables? No: 表二, 表三, 表四 are three <table>s.
        let tables: std::collections::BTreeSet<u32> = cells(&f).iter().map(|c| c.0).collect();
        assert_eq!(tables.into_iter().collect::<Vec<_>>(), vec![0, 1, 2]);
        let l = lines(&f);
        assert_eq!(l[0], (1, "平潭综合实验区2025年度政府信息公开工作年度报告"));
        assert!(l.iter().any(|(_, t)| t.starts_with("六、其他需要报告的事项")));
        // Line numbers run 1, 2, 3, … across the tables.
        for (i, (n, _)) in l.iter().enumerate() {
            assert_eq!(*n as usize, i + 1);
        }
        // The NBSP padding of UEditor is kept as is.
        assert!(cells(&f).iter().any(|c| c.3.starts_with("社会\n公益 \u{a0} \u{a0}")));
    }

    #[test]
    fn gbk_page_with_meta() {
        let html = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><title>标题</title></head>\
                    <body><p>一、总体情况</p><table><tr><td>规章</td><td>１２</td></tr></table></body></html>";
        let (bytes, _, bad) = encoding_rs::GBK.encode(html);
        assert!(!bad);
        assert!(std::str::from_utf8(&bytes).is_err());
        let f = read(&bytes).unwrap();
        assert_eq!(lines(&f), vec![(1, "一、总体情况")]);
        assert_eq!(cells(&f), vec![(0, 0, 0, "规章"), (0, 0, 1, "１２")]);
    }

    #[test]
    fn gbk_meta_charset_and_sniffing() {
        let html = "<meta charset='GBK'><p>行政许可　３</p>";
        let (bytes, _, _) = encoding_rs::GBK.encode(html);
        assert_eq!(lines(&read(&bytes).unwrap()), vec![(1, "行政许可　３")]);
        // No declaration, not UTF-8 → GB18030.
        let (bytes, _, _) = encoding_rs::GBK.encode("<p>政府信息公开</p>");
        assert_eq!(lines(&read(&bytes).unwrap()), vec![(1, "政府信息公开")]);
        // Declared gb2312 but the bytes are UTF-8 (re-saved page).
        assert_eq!(lines(&rd("<meta charset=gb2312><p>政府信息公开</p>")), vec![(1, "政府信息公开")]);
        // Declared UTF-8 but the bytes are GBK.
        let (bytes, _, _) = encoding_rs::GBK.encode("<meta charset=utf-8><p>政府信息公开</p>");
        assert_eq!(lines(&read(&bytes).unwrap()), vec![(1, "政府信息公开")]);
        // BOMs win.
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("<meta charset=gbk><p>公开</p>".as_bytes());
        assert_eq!(lines(&read(&b).unwrap()), vec![(1, "公开")]);
        let mut b = vec![0xFF, 0xFE];
        for u in "<p>公开</p>".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(lines(&read(&b).unwrap()), vec![(1, "公开")]);
        assert_eq!(sniff_charset(b"<meta content=\"text/html;charset = gb18030\">"), Some(encoding_rs::GB18030));
        assert_eq!(sniff_charset(b"<meta charset=\"x-gbk\">"), Some(encoding_rs::GB18030));
        assert_eq!(sniff_charset(b"document.charset; <meta>"), None);
    }

    #[test]
    fn spans_are_not_expanded() {
        let f = rd("<table>\
            <tr><td rowspan=2>三、本年度办理结果</td><td>（一）予以公开</td><td>5</td></tr>\
            <tr><td colspan=2>（二）部分公开</td></tr>\
            <tr><td>a</td><td>b</td><td>c</td></tr></table>");
        assert_eq!(
            cells(&f),
            vec![
                (0, 0, 0, "三、本年度办理结果"),
                (0, 0, 1, "（一）予以公开"),
                (0, 0, 2, "5"),
                (0, 1, 0, "（二）部分公开"),
                (0, 2, 0, "a"),
                (0, 2, 1, "b"),
                (0, 2, 2, "c"),
            ]
        );
    }

    #[test]
    fn cell_text_blocks_br_nbsp_fullwidth() {
        let f = rd("<table><tr>\
            <td><p style='x'><span>本年新</span><span>制作</span></p><p>数量</p></td>\
            <td>本年<br>废止<BR/>件数</td>\
            <td>&nbsp;</td>\
            <td>　１２３　</td>\
            <td>  4\n  5 </td>\
            <td>&lt;a&gt; &amp; &#x4E00;&#19968;</td>\
            <td><p>1</p><p>&nbsp;</p><p>　</p></td>\
            <td>１&nbsp;２</td>\
            </tr></table>");
        assert_eq!(
            cells(&f).iter().map(|c| c.3).collect::<Vec<_>>(),
            vec!["本年新制作\n数量", "本年\n废止\n件数", "", "　１２３　", "4 5", "<a> & 一一", "1", "１\u{a0}２"]
        );
    }

    #[test]
    fn blank_cells_are_pieces() {
        let f = rd("<table><tr><td>行政许可</td><td></td><td>  </td><td><p></p></td><td/><td>7</td></tr></table>");
        assert_eq!(
            cells(&f),
            vec![(0, 0, 0, "行政许可"), (0, 0, 1, ""), (0, 0, 2, ""), (0, 0, 3, ""), (0, 0, 4, ""), (0, 0, 5, "7")]
        );
    }

    #[test]
    fn nested_layout_table() {
        let f = rd("<p>页眉</p><table width=100%><tr><td>导航</td></tr><tr><td>\
            <div>一、总体情况</div>说明<table><tr><td>规章</td><td>1</td></tr></table>\
            <p>三、收到和处理</p><table><tr><td>总计</td><td>2</td></tr></table>结尾\
            </td><td>右栏</td></tr></table><p>页脚</p>");
        assert_eq!(cells(&f), vec![(0, 0, 0, "规章"), (0, 0, 1, "1"), (1, 0, 0, "总计"), (1, 0, 1, "2")]);
        assert_eq!(
            lines(&f),
            vec![
                (1, "页眉"),
                (2, "导航"),
                (3, "一、总体情况"),
                (4, "说明"),
                (5, "三、收到和处理"),
                (6, "结尾"),
                (7, "右栏"),
                (8, "页脚")
            ]
        );
        // Order: 说明 (line 4) comes before table 0, 结尾 after table 1.
        let order: Vec<&str> = f.pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(&order[3..9], &["说明", "规章", "1", "三、收到和处理", "总计", "2"]);
    }

    #[test]
    fn missing_end_tags_and_uppercase() {
        let f = rd("<TABLE><TBODY><TR><TD>a<TD>b<TR><TH>c<TD>d</TABLE><P>after");
        assert_eq!(cells(&f), vec![(0, 0, 0, "a"), (0, 0, 1, "b"), (0, 1, 0, "c"), (0, 1, 1, "d")]);
        assert_eq!(lines(&f), vec![(1, "after")]);
        // Cells without a row, </tr> without </td>, unclosed table at EOF.
        let f = rd("<table><td>x</td><td>y<tr><td>z</tr><tr><td>w");
        assert_eq!(cells(&f), vec![(0, 0, 0, "x"), (0, 0, 1, "y"), (0, 1, 0, "z"), (0, 2, 0, "w")]);
        // Stray end tags are ignored; unclosed inline/block tags are fine.
        let f = rd("</td></tr></table><div><p>one<span>two<p>three");
        assert_eq!(lines(&f), vec![(1, "onetwo"), (2, "three")]);
        // A truncated tag at EOF.
        let f = rd("<table><tr><td>1</td><td");
        assert_eq!(cells(&f), vec![(0, 0, 0, "1")]);
    }

    #[test]
    fn thead_th_and_split_tables() {
        let f = rd("<table><thead><tr><th>信息内容</th><th>数量</th></tr></thead>\
            <tbody><tr><td>行政许可</td><td>3</td></tr></tbody></table>\
            <p>（续表）</p>\
            <table><tr><td>行政处罚</td><td>4</td></tr><tr></tr><tr><td>行政强制</td><td>5</td></tr></table>");
        assert_eq!(
            cells(&f),
            vec![
                (0, 0, 0, "信息内容"),
                (0, 0, 1, "数量"),
                (0, 1, 0, "行政许可"),
                (0, 1, 1, "3"),
                (1, 0, 0, "行政处罚"),
                (1, 0, 1, "4"),
                (1, 1, 0, "行政强制"),
                (1, 1, 1, "5"),
            ]
        );
        assert_eq!(lines(&f), vec![(1, "（续表）")]);
    }

    #[test]
    fn lines_and_dropped_content() {
        let f = rd("<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style>\
            <script>var s = '<p>not text</p>';</script></head><body>\
            <!-- <p>comment</p> --><h1>标题</h1><p>&nbsp;</p><p>  </p>\
            <div>第一段<br>第二段</div><ul><li>甲</li><li>乙</li></ul>\
            <span>行内</span><span>文字</span><noscript><p>x</p></noscript>\
            <tr><td>不在表里</td></tr></body></html>");
        assert_eq!(
            lines(&f),
            vec![(1, "标题"), (2, "第一段"), (3, "第二段"), (4, "甲"), (5, "乙"), (6, "行内文字"), (7, "不在表里")]
        );
        assert!(cells(&f).is_empty());
        assert!(f.explicit_cells);
    }

    #[test]
    fn head_without_end_tag() {
        let f = rd("<html><head><meta charset=utf-8><title>t</title><p>正文</p>");
        assert_eq!(lines(&f), vec![(1, "正文")]);
    }

    #[test]
    fn no_text_is_err() {
        assert_eq!(read(b""), Err("网页中没有文字".to_string()));
        assert!(read(
            b"<html><head><title>x</title></head><body><p>&nbsp;</p><table><tr><td></td></tr></table></body></html>"
        )
        .is_err());
        assert!(read(b"<script>alert(1)</script>").is_err());
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut s = String::new();
        for _ in 0..20000 {
            s.push_str("<table><tr><td><div>");
        }
        s.push_str("深处");
        let f = rd(&s);
        assert!(f.pieces.iter().any(|p| p.text == "深处"));
        assert!(read("<div><span><b>".repeat(30000).as_bytes()).is_err());
    }

    #[test]
    fn corpus_prefixes_never_panic() {
        let bytes = std::fs::read(CORPUS).unwrap();
        let mut n = 0;
        let mut i = 0;
        while i <= bytes.len() {
            let _ = read(&bytes[..i]);
            i += 1 + i / 7 % 211; // every few hundred bytes, cutting UTF-8 sequences too
            n += 1;
        }
        assert!(n > 300);
    }

    #[test]
    fn mangled_corpus_never_panics() {
        let bytes = std::fs::read(CORPUS).unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..fuzz_n(300) {
            let m = mangle(&bytes, &mut rng);
            let _ = read(&m);
        }
        // Pure noise too.
        for _ in 0..fuzz_n(200) {
            let len = rng.below(4000);
            let v: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let _ = read(&v);
        }
    }
}
