//! DOCX reader: a Word file → pieces of text (table cells and lines) in
//! reading order.
//!
//! Unzips with `zip` (deflate only), streams `word/document.xml` through
//! `quick-xml`, and hands the table skeleton to [`super::tree::Builder`].

use std::borrow::Cow;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::tree::Builder;
use crate::flat::Flat;

/// Largest decompressed size accepted for any zip entry we read.
const MAX_ENTRY: u64 = 64 * 1024 * 1024;

const BAD: &str = "不是有效的 Word 文档（docx）：";

/// Read a `.docx` file.
pub fn read(bytes: &[u8]) -> Result<Flat, String> {
    let xml = document_xml(bytes)?;
    let text = decode_xml(&xml);
    let flat = parse(&text);
    if flat.pieces.iter().any(|p| p.text.chars().any(|c| !c.is_whitespace())) {
        Ok(flat)
    } else {
        Err("Word 文档中没有文字".to_string())
    }
}

// ------------------------------------------------------------------ unzip

fn document_xml(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(format!("{BAD}这是旧版 .doc（OLE）文件，请另存为 .docx"));
    }
    if !bytes.starts_with(b"PK") {
        return Err(format!("{BAD}不是 zip 文件"));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("{BAD}zip 结构损坏（{e}）"))?;
    let mut name = String::from("word/document.xml");
    if zip.index_for_name(&name).is_none() {
        // Not the usual name: follow the package relationship.
        match main_part_from_rels(&mut zip) {
            Some(n) if zip.index_for_name(&n).is_some() => name = n,
            _ => return Err(format!("{BAD}缺少 word/document.xml")),
        }
    }
    read_entry(&mut zip, &name)
}

fn read_entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, String> {
    let entry = zip.by_name(name).map_err(|e| format!("{BAD}无法读取 {name}（{e}）"))?;
    if entry.size() > MAX_ENTRY {
        return Err(format!("{BAD}{name} 解压后超过 64 MB"));
    }
    let mut buf = Vec::with_capacity(entry.size().min(MAX_ENTRY) as usize);
    // The declared size may lie: cap what we actually inflate.
    entry.take(MAX_ENTRY + 1).read_to_end(&mut buf).map_err(|e| format!("{BAD}{name} 解压失败（{e}）"))?;
    if buf.len() as u64 > MAX_ENTRY {
        return Err(format!("{BAD}{name} 解压后超过 64 MB"));
    }
    Ok(buf)
}

/// The target of the `officeDocument` relationship in `_rels/.rels`.
fn main_part_from_rels(zip: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Option<String> {
    let rels = read_entry(zip, "_rels/.rels").ok()?;
    let rels = decode_xml(&rels);
    let mut r = Reader::from_str(&rels);
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let ty = attr(&e, "Type")?;
                if ty.ends_with("/officeDocument") {
                    let target = attr(&e, "Target")?;
                    return Some(target.trim_start_matches('/').to_string());
                }
            }
            Ok(Event::Eof) | Err(_) => return None,
            _ => {}
        }
    }
}

/// Decode an XML part: UTF-8 (BOM stripped), or UTF-16 with a BOM.
fn decode_xml(bytes: &[u8]) -> Cow<'_, str> {
    match encoding_rs::Encoding::for_bom(bytes) {
        Some((enc, n)) => enc.decode_without_bom_handling(&bytes[n..]).0,
        // encoding_rs validates with SIMD; std's from_utf8_lossy is slow.
        None => encoding_rs::UTF_8.decode_without_bom_handling(bytes).0,
    }
}

/// An attribute value by local name (ignoring the `w:` prefix), unescaped.
fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    for a in e.attributes().with_checks(false).flatten() {
        if a.key.local_name().as_ref() == local {
            return Some(unescape(&a.value));
        }
    }
    None
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        match tail.find(';') {
            Some(j) if j <= 10 => {
                match resolve_ref(&tail[..j]) {
                    Some(c) => out.push(c),
                    None => out.push_str(&rest[i..i + j + 2]),
                }
                rest = &tail[j + 1..];
            }
            _ => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

fn resolve_ref(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        n => {
            let n = n.strip_prefix('#')?;
            let code = match n.strip_prefix('x').or_else(|| n.strip_prefix('X')) {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => n.parse::<u32>().ok()?,
            };
            char::from_u32(code).filter(|&c| c != '\0')
        }
    }
}

// ------------------------------------------------------------------ parse

/// Elements whose whole content is not printed text: deletions, moved-away
/// text, the VML copy of drawings (`mc:Fallback` repeats `mc:Choice`), and
/// revision records of old properties (which may carry an old `w:vMerge`).
fn is_skipped(local: &str) -> bool {
    matches!(
        local,
        "del"
            | "moveFrom"
            | "Fallback"
            | "tcPrChange"
            | "trPrChange"
            | "tblPrChange"
            | "pPrChange"
            | "rPrChange"
            | "sectPrChange"
            | "delInstrText"
            | "instrText"
    )
}

struct State {
    b: Builder,
    skip: u32,
    in_run: u32,
    in_t: bool,
    /// One entry per open `w:r`: is the run hidden (`w:vanish`)? Runs nest
    /// only through text boxes.
    hidden: Vec<bool>,
}

impl State {
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) {
        let name = e.local_name();
        let local = name.as_ref();
        if self.skip > 0 {
            if !empty && is_skipped(local) {
                self.skip += 1;
            }
            return;
        }
        if is_skipped(local) {
            if !empty {
                self.skip = 1;
            }
            return;
        }
        match local {
            "tbl" => {
                self.b.start_table();
                if empty {
                    self.b.end_table();
                }
            }
            "tr" => {
                self.b.start_row();
                if empty {
                    self.b.end_row();
                }
            }
            "tc" => {
                self.b.start_cell();
                if empty {
                    self.b.end_cell();
                }
            }
            "p" => self.b.brk(),
            "r" if !empty => {
                self.in_run += 1;
                self.hidden.push(false);
            }
            // Hidden text (run property w:vanish) is not printed.
            "vanish" if self.in_run > 0 => {
                let on = !matches!(attr(e, "val").as_deref(), Some("0" | "false" | "off"));
                if let Some(h) = self.hidden.last_mut() {
                    *h = on;
                }
            }
            "t" if !empty => self.in_t = true,
            "tab" | "ptab" if self.in_run > 0 => self.b.text(" "),
            "br" | "cr" if self.in_run > 0 => self.b.brk(),
            "noBreakHyphen" if self.in_run > 0 => self.b.text("-"),
            // No w:val, or w:val="continue": continuation of the cell above.
            "vMerge" if attr(e, "val").as_deref() != Some("restart") => self.b.skip_cell(),
            _ => {}
        }
    }

    fn end(&mut self, local: &str) {
        if self.skip > 0 {
            if is_skipped(local) {
                self.skip -= 1;
            }
            return;
        }
        match local {
            "tbl" => self.b.end_table(),
            "tr" => self.b.end_row(),
            "tc" => self.b.end_cell(),
            "p" => self.b.brk(),
            "r" => {
                self.in_run = self.in_run.saturating_sub(1);
                self.hidden.pop();
            }
            "t" => self.in_t = false,
            _ => {}
        }
    }

    fn text(&mut self, s: &str) {
        if self.skip == 0 && self.in_t && !self.hidden.iter().any(|&h| h) {
            self.b.text(s);
        }
    }
}

/// Parse the XML of the main document part into a [`Flat`] (may be empty).
/// Malformed XML keeps whatever was read before the error.
pub(crate) fn parse(xml: &str) -> Flat {
    let mut st = State { b: Builder::new(false), skip: 0, in_run: 0, in_t: false, hidden: Vec::new() };
    let mut r = Reader::from_str(xml);
    {
        let c = r.config_mut();
        c.check_end_names = false;
        c.allow_unmatched_ends = true;
        c.allow_dangling_amp = true;
        c.check_comments = false;
    }
    let mut guard = 0usize;
    loop {
        let ev = r.read_event();
        match ev {
            Ok(Event::Start(e)) => st.start(&e, false),
            Ok(Event::Empty(e)) => st.start(&e, true),
            Ok(Event::End(e)) => st.end(e.local_name().as_ref()),
            Ok(Event::Text(t)) => st.text(&t.xml10_content()),
            Ok(Event::CData(t)) => st.text(t.as_ref()),
            Ok(Event::GeneralRef(g)) => {
                let c = match g.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => resolve_ref(&g),
                    Err(_) => None,
                };
                if let Some(c) = c {
                    let mut b = [0u8; 4];
                    st.text(c.encode_utf8(&mut b));
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => {
                // quick-xml can resume after some errors; stop if it keeps
                // failing without moving.
                guard += 1;
                if guard > 16 {
                    break;
                }
                continue;
            }
        }
        guard = 0;
    }
    st.b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::tree::testutil::{cells, check_expected, fuzz_n, lines, mangle, Rng};
    use std::io::Write;

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/real/docx/pingtan-2025-lo.docx");
    const EXPECTED: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/real/docx/expected/pingtan-2025-lo.docx.cells.tsv"
    );
    const HTML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/real/pingtan/2025_gwh.html");

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// A .docx whose body is `body` (WordprocessingML, `w:` prefix).
    fn docx(body: &str) -> Vec<u8> {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
             xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\"><w:body>{body}\
             <w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/></w:sectPr></w:body></w:document>"
        );
        zip_of(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", xml.as_bytes())])
    }

    fn p(text: &str) -> String {
        format!("<w:p><w:pPr><w:jc w:val=\"left\"/></w:pPr><w:r><w:rPr><w:sz w:val=\"24\"/></w:rPr><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
    }

    fn tc(props: &str, content: &str) -> String {
        format!("<w:tc><w:tcPr><w:tcW w:w=\"1000\" w:type=\"dxa\"/>{props}</w:tcPr>{content}</w:tc>")
    }

    fn tbl(rows: &[Vec<String>]) -> String {
        let mut s = String::from("<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"1000\"/></w:tblGrid>");
        for r in rows {
            s.push_str("<w:tr><w:trPr/>");
            for c in r {
                s.push_str(c);
            }
            s.push_str("</w:tr>");
        }
        s.push_str("</w:tbl>");
        s
    }

    #[test]
    fn corpus_cells_follow_row_labels() {
        let f = read(&std::fs::read(CORPUS).unwrap()).unwrap();
        assert!(f.explicit_cells);
        check_expected(&f, EXPECTED);
        // LibreOffice's save of the same report gives the very same pieces
        // as the web page.
        let h = crate::readers::html::read(&std::fs::read(HTML).unwrap()).unwrap();
        assert_eq!(f, h);
    }

    #[test]
    fn paragraphs_and_cells() {
        let body = format!(
            "{}{}<w:p/>{}{}",
            p("一、总体情况"),
            p("  "),
            tbl(&[vec![
                tc("", &format!("{}{}", p("本年新"), p("制作数量"))),
                tc("", "<w:p><w:r><w:t>本年</w:t><w:br/><w:t>废止</w:t><w:tab/><w:t>件数</w:t></w:r></w:p>"),
                tc("", "<w:p/>"),
                tc("", ""),
                tc("", &p("　１２　")),
                tc("", &p("\u{a0}")),
                tc("", "<w:p><w:r><w:t>&lt;a&gt; &amp; &#x4E00;&#19968;</w:t></w:r></w:p>"),
            ]]),
            p("二、主动公开")
        );
        let f = read(&docx(&body)).unwrap();
        assert_eq!(lines(&f), vec![(1, "一、总体情况"), (2, "二、主动公开")]);
        assert_eq!(
            cells(&f).iter().map(|c| c.3).collect::<Vec<_>>(),
            vec!["本年新\n制作数量", "本年\n废止 件数", "", "", "　１２　", "", "<a> & 一一"]
        );
        assert_eq!(cells(&f)[6].2, 6);
    }

    #[test]
    fn vmerge_and_gridspan() {
        let body = tbl(&[
            vec![
                tc("<w:vMerge w:val=\"restart\"/>", &p("三、本年度办理结果")),
                tc("", &p("（一）予以公开")),
                tc("", &p("5")),
            ],
            vec![tc("<w:vMerge/>", "<w:p/>"), tc("<w:gridSpan w:val=\"2\"/>", &p("（二）部分公开"))],
            vec![tc("<w:vMerge w:val=\"continue\"/>", "<w:p/>"), tc("", &p("x")), tc("", &p("y"))],
            vec![tc("<w:vMerge/>", "<w:p/>")],
        ]);
        let f = read(&docx(&body)).unwrap();
        assert_eq!(
            cells(&f),
            vec![
                (0, 0, 0, "三、本年度办理结果"),
                (0, 0, 1, "（一）予以公开"),
                (0, 0, 2, "5"),
                (0, 1, 0, "（二）部分公开"),
                (0, 2, 0, "x"),
                (0, 2, 1, "y"),
            ]
        );
    }

    #[test]
    fn vmerge_in_revision_record_is_ignored() {
        let body = tbl(&[vec![
            tc("<w:tcPrChange w:id=\"1\" w:author=\"a\"><w:tcPr><w:vMerge/></w:tcPr></w:tcPrChange>", &p("a")),
            tc("", &p("b")),
        ]]);
        let f = read(&docx(&body)).unwrap();
        assert_eq!(cells(&f), vec![(0, 0, 0, "a"), (0, 0, 1, "b")]);
    }

    #[test]
    fn nested_table_makes_a_layout_cell() {
        let inner = tbl(&[vec![tc("", &p("规章")), tc("", &p("1"))]]);
        let body = format!(
            "{}{}{}",
            p("标题"),
            tbl(&[vec![tc("", &format!("{}{}{}", p("说明"), inner, p("结尾"))), tc("", &p("旁注"))]]),
            tbl(&[vec![tc("", &p("总计")), tc("", &p("2"))]])
        );
        let f = read(&docx(&body)).unwrap();
        assert_eq!(cells(&f), vec![(0, 0, 0, "规章"), (0, 0, 1, "1"), (1, 0, 0, "总计"), (1, 0, 1, "2")]);
        assert_eq!(lines(&f), vec![(1, "标题"), (2, "说明"), (3, "结尾"), (4, "旁注")]);
        let order: Vec<&str> = f.pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(order, vec!["标题", "说明", "规章", "1", "结尾", "旁注", "总计", "2"]);
    }

    #[test]
    fn deletions_insertions_fields_textboxes() {
        let body = "<w:p><w:r><w:t>行政</w:t></w:r><w:del w:id=\"1\"><w:r><w:delText>处罚</w:delText><w:t>X</w:t></w:r></w:del>\
            <w:ins w:id=\"2\"><w:r><w:t>许可</w:t></w:r></w:ins>\
            <w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>\
            <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>\
            <w:moveFrom><w:r><w:t>旧</w:t></w:r></w:moveFrom><w:moveTo><w:r><w:t>新</w:t></w:r></w:moveTo></w:p>\
            <w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"420\"/></w:tabs></w:pPr><w:r><w:t>A</w:t></w:r>\
            <w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><w:txbxContent><w:p><w:r><w:t>框</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>\
            <mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>\
            <w:r><w:t>B</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>\
            <w:r><w:rPr><w:vanish w:val=\"0\"/></w:rPr><w:t>C</w:t></w:r></w:p>";
        let f = read(&docx(body)).unwrap();
        assert_eq!(lines(&f), vec![(1, "行政许可3新"), (2, "A"), (3, "框"), (4, "BC")]);
    }

    #[test]
    fn other_prefix_and_rels_lookup() {
        let xml = "<x:document xmlns:x=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><x:body>\
            <x:p><x:r><x:t>正文</x:t></x:r></x:p></x:body></x:document>";
        let rels = "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
            <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"/word/document2.xml\"/></Relationships>";
        let z = zip_of(&[("_rels/.rels", rels.as_bytes()), ("word/document2.xml", xml.as_bytes())]);
        let f = read(&z).unwrap();
        assert_eq!(lines(&f), vec![(1, "正文")]);
    }

    #[test]
    fn errors() {
        let e = read(b"hello").unwrap_err();
        assert!(e.starts_with("不是有效的 Word 文档（docx）："), "{e}");
        let e = read(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]).unwrap_err();
        assert!(e.starts_with("不是有效的 Word 文档（docx）："), "{e}");
        let e = read(b"PK\x03\x04garbage").unwrap_err();
        assert!(e.starts_with("不是有效的 Word 文档（docx）："), "{e}");
        let e = read(&zip_of(&[("word/styles.xml", b"<x/>")])).unwrap_err();
        assert!(e.contains("word/document.xml"), "{e}");
        assert!(read(&docx("<w:p/>")).is_err());
        assert!(read(b"").is_err());
    }

    #[test]
    fn zip_bomb_is_refused() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(false);
        w.start_file("word/document.xml", opts).unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..65 {
            w.write_all(&chunk).unwrap();
        }
        let z = w.finish().unwrap().into_inner();
        assert!(z.len() < 1 << 20);
        let e = read(&z).unwrap_err();
        assert!(e.contains("64 MB"), "{e}");
    }

    #[test]
    fn malformed_xml_keeps_what_it_can() {
        let body = format!("{}<w:p><w:r><w:t>半截", p("第一段"));
        let xml = format!("<w:document xmlns:w=\"x\"><w:body>{body}");
        let z = zip_of(&[("word/document.xml", xml.as_bytes())]);
        let f = read(&z).unwrap();
        assert_eq!(lines(&f), vec![(1, "第一段"), (2, "半截")]);
        let xml = format!("<w:document><w:body>{}<w:p><w:r><w:t>a</w:x></w:t></w:r><<</w:p>{}", p("甲"), p("乙"));
        let z = zip_of(&[("word/document.xml", xml.as_bytes())]);
        let f = read(&z).unwrap();
        assert_eq!(lines(&f)[0], (1, "甲"));
    }

    #[test]
    fn corpus_prefixes_and_mangles_never_panic() {
        let bytes = std::fs::read(CORPUS).unwrap();
        for i in (0..=bytes.len()).step_by(37) {
            let _ = read(&bytes[..i]);
        }
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for _ in 0..fuzz_n(300) {
            let _ = read(&mangle(&bytes, &mut rng));
        }
        // Mangle the XML itself (inside a valid zip) to reach the parser.
        let xml = document_xml(&bytes).unwrap();
        for i in (0..=xml.len()).step_by(997) {
            let _ = read(&zip_of(&[("word/document.xml", &xml[..i])]));
        }
        for _ in 0..fuzz_n(150) {
            let m = mangle(&xml, &mut rng);
            let _ = read(&zip_of(&[("word/document.xml", &m)]));
        }
    }
}
