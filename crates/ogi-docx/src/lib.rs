//! A small WordprocessingML (.docx) writer with the look of an official
//! Chinese document (党政机关公文格式, GB/T 9704-2012): A4, the standard
//! margins (版心 156 × 225 mm), title in 小标宋 2号, headings in 黑体 and
//! 楷体 3号, body in 仿宋 3号 with a two-character first-line indent and
//! fixed 22-lines-a-page spacing, tables with full single borders, and page
//! numbers as “— 1 —” at the outer edge of the footer.
//!
//! The writer knows nothing about what it writes: a [`Document`] is a list of
//! [`Block`]s (title, headings, paragraphs, tables, page breaks).
//!
//! ```
//! use ogi_docx::{to_bytes, Block, Cell, Document, Table};
//! let mut doc = Document::new("受理回执");
//! doc.blocks.push(Block::Title("受理回执".into()));
//! doc.blocks.push(Block::Paragraph("您的申请已收到。".into()));
//! doc.blocks.push(Block::Table(Table::new(vec![vec![Cell::new("编号"), Cell::new("2024-1")]])));
//! doc.blocks.push(Block::Right("2024年1月2日".into()));
//! let bytes = to_bytes(&doc);
//! assert!(bytes.starts_with(b"PK"));
//! ```

use std::io::{Cursor, Write};

/// A document: what to print, and its file properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The file's title property (docProps/core.xml); not printed.
    pub title: String,
    /// The file's author property; not printed.
    pub creator: String,
    /// Print page numbers (“— 1 —”) in the footer.
    pub page_numbers: bool,
    pub blocks: Vec<Block>,
}

impl Document {
    /// An empty document with page numbers on.
    pub fn new(title: &str) -> Document {
        Document { title: title.to_string(), creator: String::new(), page_numbers: true, blocks: Vec::new() }
    }
}

/// One printed block. Text may hold `\n` (a line break in the same
/// paragraph) and `\t`.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document's title (标题): 小标宋 2号, centred, one blank line after.
    Title(String),
    /// A first-level heading (一、): 黑体 3号.
    Heading1(String),
    /// A second-level heading (（一）): 楷体 3号.
    Heading2(String),
    /// Body text: 仿宋 3号, first line indented two characters.
    Paragraph(String),
    /// A right-aligned line, four characters in from the margin (发文机关署名,
    /// 成文日期).
    Right(String),
    Table(Table),
    PageBreak,
}

/// Horizontal alignment of a table cell's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    Left,
    #[default]
    Center,
    Right,
}

/// One table cell. Rows list only the cells that start in them, as in HTML:
/// a cell spanning rows is not repeated in the rows below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub rowspan: u16,
    pub colspan: u16,
    pub bold: bool,
    pub align: Align,
}

impl Cell {
    /// A centred one-by-one cell.
    pub fn new(text: &str) -> Cell {
        Cell { text: text.to_string(), rowspan: 1, colspan: 1, bold: false, align: Align::Center }
    }

    pub fn span(mut self, rows: u16, cols: u16) -> Cell {
        self.rowspan = rows;
        self.colspan = cols;
        self
    }

    pub fn bold(mut self) -> Cell {
        self.bold = true;
        self
    }

    pub fn align(mut self, align: Align) -> Cell {
        self.align = align;
        self
    }
}

/// A table as wide as the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub rows: Vec<Vec<Cell>>,
    /// Relative column widths, scaled to the text width; columns not listed
    /// (or all, if the list is empty) get equal shares.
    pub widths: Vec<u32>,
    /// Text size in points.
    pub size: f32,
    /// Leading rows repeated at the top of every page the table runs onto.
    pub header_rows: usize,
}

impl Table {
    /// Equal columns, 10.5 pt (五号) text, no repeated header.
    pub fn new(rows: Vec<Vec<Cell>>) -> Table {
        Table { rows, widths: Vec::new(), size: 10.5, header_rows: 0 }
    }
}

// ------------------------------------------------------------------ page

/// A4 in twips (1/20 pt).
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
/// GB/T 9704 margins: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
const MARGIN_TOP: u32 = 2098;
const MARGIN_BOTTOM: u32 = 1984;
const MARGIN_LEFT: u32 = 1587;
const MARGIN_RIGHT: u32 = 1474;
/// The page number sits about 7 mm below the text block.
const FOOTER: u32 = 1247;
/// The width of the text block (156 mm) in twips: what table widths are scaled to.
pub const TEXT_WIDTH: u32 = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;
/// 22 lines in the 225 mm text block: 28.95 pt.
const LINE: u32 = 579;
/// 3号 = 16 pt; sizes are in half-points.
const BODY_SIZE: u32 = 32;
/// One character of body text, in twips.
const CHAR: u32 = 320;
/// Space between a cell's border and its text (0.7 mm): narrow, so that the
/// 15 columns of a wide table keep two characters a line.
const CELL_MARGIN: u32 = 40;

const LATIN: &str = "Times New Roman";
const TITLE_FONT: &str = "方正小标宋简体";
const H1_FONT: &str = "黑体";
const H2_FONT: &str = "楷体";
const BODY_FONT: &str = "仿宋";
const FOOTER_FONT: &str = "宋体";

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

// ------------------------------------------------------------------ zip

/// The .docx file of a document.
pub fn to_bytes(doc: &Document) -> Vec<u8> {
    let mut parts: Vec<(&str, String)> = vec![
        ("[Content_Types].xml", content_types(doc)),
        ("_rels/.rels", package_rels()),
        ("docProps/core.xml", core(doc)),
        ("docProps/app.xml", app()),
        ("word/document.xml", document(doc)),
        ("word/styles.xml", styles()),
        ("word/settings.xml", settings(doc)),
        ("word/fontTable.xml", font_table()),
        ("word/_rels/document.xml.rels", document_rels(doc)),
    ];
    if doc.page_numbers {
        parts.push(("word/footer1.xml", footer(Align::Right)));
        parts.push(("word/footer2.xml", footer(Align::Left)));
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, xml) in &parts {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(xml.len() as u64 >= u32::MAX as u64);
        // Fixed, distinct names written to memory: nothing here can fail.
        zip.start_file(*name, opts).expect("a new zip entry in memory");
        zip.write_all(xml.as_bytes()).expect("writing to memory");
    }
    zip.finish().expect("finishing a zip in memory").into_inner()
}

// ------------------------------------------------------------------ package parts

fn content_types(doc: &Document) -> String {
    let wml = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    let mut s = format!(
        "{XML_DECL}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/word/document.xml\" ContentType=\"{wml}.document.main+xml\"/>\
         <Override PartName=\"/word/styles.xml\" ContentType=\"{wml}.styles+xml\"/>\
         <Override PartName=\"/word/settings.xml\" ContentType=\"{wml}.settings+xml\"/>\
         <Override PartName=\"/word/fontTable.xml\" ContentType=\"{wml}.fontTable+xml\"/>\
         <Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
         <Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>"
    );
    if doc.page_numbers {
        for n in 1..=2 {
            s.push_str(&format!("<Override PartName=\"/word/footer{n}.xml\" ContentType=\"{wml}.footer+xml\"/>"));
        }
    }
    s.push_str("</Types>");
    s
}

fn package_rels() -> String {
    format!(
        "{XML_DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"word/document.xml\"/>\
         <Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
         <Relationship Id=\"rId3\" Type=\"{REL}/extended-properties\" Target=\"docProps/app.xml\"/>\
         </Relationships>"
    )
}

fn document_rels(doc: &Document) -> String {
    let mut s = format!(
        "{XML_DECL}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rId1\" Type=\"{REL}/styles\" Target=\"styles.xml\"/>\
         <Relationship Id=\"rId2\" Type=\"{REL}/settings\" Target=\"settings.xml\"/>\
         <Relationship Id=\"rId3\" Type=\"{REL}/fontTable\" Target=\"fontTable.xml\"/>"
    );
    if doc.page_numbers {
        s.push_str(&format!(
            "<Relationship Id=\"rId4\" Type=\"{REL}/footer\" Target=\"footer1.xml\"/>\
             <Relationship Id=\"rId5\" Type=\"{REL}/footer\" Target=\"footer2.xml\"/>"
        ));
    }
    s.push_str("</Relationships>");
    s
}

fn core(doc: &Document) -> String {
    format!(
        "{XML_DECL}<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{}</dc:title><dc:creator>{}</dc:creator><dc:language>zh-CN</dc:language></cp:coreProperties>",
        esc(&doc.title),
        esc(&doc.creator)
    )
}

fn app() -> String {
    format!(
        "{XML_DECL}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" \
         xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\
         <Application>ogi</Application></Properties>"
    )
}

/// `w:rFonts` with a Chinese face and Times New Roman for Latin letters and digits.
fn fonts(east_asia: &str) -> String {
    format!("<w:rFonts w:ascii=\"{LATIN}\" w:hAnsi=\"{LATIN}\" w:eastAsia=\"{east_asia}\" w:cs=\"{LATIN}\"/>")
}

/// Run properties of a font and size (half-points).
fn rpr(east_asia: &str, size: u32) -> String {
    format!("<w:rPr>{}<w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr>", fonts(east_asia))
}

/// A paragraph style; `ppr` is the inside of its `w:pPr`.
fn style(id: &str, name: &str, ppr: &str, font: &str, size: u32) -> String {
    let based = if id == "Normal" { String::new() } else { "<w:basedOn w:val=\"Normal\"/>".to_string() };
    let default = if id == "Normal" { " w:default=\"1\"" } else { "" };
    format!(
        "<w:style w:type=\"paragraph\"{default} w:styleId=\"{id}\"><w:name w:val=\"{name}\"/>{based}<w:qFormat/>\
         <w:pPr>{ppr}</w:pPr>{}</w:style>",
        rpr(font, size)
    )
}

fn styles() -> String {
    let exact = format!("<w:spacing w:line=\"{LINE}\" w:lineRule=\"exact\"/>");
    let indent = format!("<w:ind w:firstLineChars=\"200\" w:firstLine=\"{}\"/>", 2 * CHAR);
    let no_indent = "<w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/>";
    format!(
        "{XML_DECL}<w:styles xmlns:w=\"{W_NS}\">\
         <w:docDefaults><w:rPrDefault><w:rPr>{}<w:kern w:val=\"2\"/><w:sz w:val=\"{BODY_SIZE}\"/><w:szCs w:val=\"{BODY_SIZE}\"/>\
         <w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>\
         <w:pPrDefault><w:pPr><w:spacing w:after=\"0\"/></w:pPr></w:pPrDefault></w:docDefaults>\
         {}{}{}{}{}{}{}\
         <w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>\
         <w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/>\
         <w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>\
         </w:tblCellMar></w:tblPr></w:style></w:styles>",
        fonts(BODY_FONT),
        style("Normal", "Normal", &format!("<w:widowControl/>{exact}{indent}<w:jc w:val=\"both\"/>"), BODY_FONT, BODY_SIZE),
        style(
            "Title",
            "Title",
            &format!(
                "<w:keepNext/><w:spacing w:after=\"{LINE}\" w:line=\"700\" w:lineRule=\"exact\"/>{no_indent}\
                 <w:jc w:val=\"center\"/>"
            ),
            TITLE_FONT,
            44,
        ),
        style(
            "Heading1",
            "heading 1",
            &format!("<w:keepNext/>{exact}{indent}<w:outlineLvl w:val=\"0\"/>"),
            H1_FONT,
            BODY_SIZE,
        ),
        style(
            "Heading2",
            "heading 2",
            &format!("<w:keepNext/>{exact}{indent}<w:outlineLvl w:val=\"1\"/>"),
            H2_FONT,
            BODY_SIZE,
        ),
        style("Signature", "Signature", &format!("{exact}<w:ind w:right=\"{}\"/><w:jc w:val=\"right\"/>", 4 * CHAR), BODY_FONT, BODY_SIZE),
        style(
            "TableText",
            "Table Text",
            &format!("<w:snapToGrid w:val=\"0\"/><w:spacing w:line=\"240\" w:lineRule=\"auto\"/>{no_indent}<w:jc w:val=\"center\"/>"),
            BODY_FONT,
            21,
        ),
        style("Footer", "footer", &format!("<w:spacing w:line=\"240\" w:lineRule=\"auto\"/>{no_indent}"), FOOTER_FONT, 28),
    )
}

fn settings(doc: &Document) -> String {
    let even_odd = if doc.page_numbers { "<w:evenAndOddHeaders/>" } else { "" };
    format!(
        "{XML_DECL}<w:settings xmlns:w=\"{W_NS}\"><w:zoom w:percent=\"100\"/><w:defaultTabStop w:w=\"420\"/>{even_odd}\
         <w:characterSpacingControl w:val=\"compressPunctuation\"/>\
         <w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>\
         </w:settings>"
    )
}

/// The fonts used, with the GB2312 character set so that a machine without
/// one substitutes a Chinese face, not a Latin one.
fn font_table() -> String {
    let mut s = format!("{XML_DECL}<w:fonts xmlns:w=\"{W_NS}\">");
    for (name, alt, family) in [
        (TITLE_FONT, "", "roman"),
        (H1_FONT, "SimHei", "modern"),
        (H2_FONT, "KaiTi", "modern"),
        (BODY_FONT, "FangSong", "modern"),
        (FOOTER_FONT, "SimSun", "auto"),
    ] {
        let alt = if alt.is_empty() { String::new() } else { format!("<w:altName w:val=\"{alt}\"/>") };
        s.push_str(&format!(
            "<w:font w:name=\"{name}\">{alt}<w:charset w:val=\"86\"/><w:family w:val=\"{family}\"/><w:pitch w:val=\"fixed\"/></w:font>"
        ));
    }
    s.push_str(&format!(
        "<w:font w:name=\"{LATIN}\"><w:charset w:val=\"00\"/><w:family w:val=\"roman\"/><w:pitch w:val=\"variable\"/></w:font></w:fonts>"
    ));
    s
}

/// “— n —” at the outer edge, one character in: right on odd pages, left on even.
fn footer(align: Align) -> String {
    let (jc, ind) = match align {
        Align::Left => ("left", format!("<w:ind w:left=\"{CHAR}\"/>")),
        _ => ("right", format!("<w:ind w:right=\"{CHAR}\"/>")),
    };
    let r = rpr(FOOTER_FONT, 28);
    format!(
        "{XML_DECL}<w:ftr xmlns:w=\"{W_NS}\"><w:p><w:pPr><w:pStyle w:val=\"Footer\"/>{ind}<w:jc w:val=\"{jc}\"/></w:pPr>\
         <w:r>{r}<w:t xml:space=\"preserve\">— </w:t></w:r>\
         <w:r>{r}<w:fldChar w:fldCharType=\"begin\"/></w:r>\
         <w:r>{r}<w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>\
         <w:r>{r}<w:fldChar w:fldCharType=\"separate\"/></w:r>\
         <w:r>{r}<w:t>1</w:t></w:r>\
         <w:r>{r}<w:fldChar w:fldCharType=\"end\"/></w:r>\
         <w:r>{r}<w:t xml:space=\"preserve\"> —</w:t></w:r></w:p></w:ftr>"
    )
}

// ------------------------------------------------------------------ body

fn document(doc: &Document) -> String {
    let mut s = format!("{XML_DECL}<w:document xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:body>");
    for block in &doc.blocks {
        match block {
            Block::Title(t) => paragraph(&mut s, "Title", t),
            Block::Heading1(t) => paragraph(&mut s, "Heading1", t),
            Block::Heading2(t) => paragraph(&mut s, "Heading2", t),
            Block::Paragraph(t) => paragraph(&mut s, "Normal", t),
            Block::Right(t) => paragraph(&mut s, "Signature", t),
            Block::Table(t) => {
                table(&mut s, t);
                // A little air below the table; also keeps two tables in a
                // row from merging into one.
                s.push_str("<w:p><w:pPr><w:pStyle w:val=\"TableText\"/><w:spacing w:line=\"160\" w:lineRule=\"exact\"/></w:pPr></w:p>");
            }
            Block::PageBreak => {
                s.push_str("<w:p><w:pPr><w:ind w:firstLine=\"0\"/></w:pPr><w:r><w:br w:type=\"page\"/></w:r></w:p>")
            }
        }
    }
    let footers = if doc.page_numbers {
        "<w:footerReference w:type=\"default\" r:id=\"rId4\"/><w:footerReference w:type=\"even\" r:id=\"rId5\"/>"
    } else {
        ""
    };
    s.push_str(&format!(
        "<w:sectPr>{footers}<w:pgSz w:w=\"{PAGE_W}\" w:h=\"{PAGE_H}\"/>\
         <w:pgMar w:top=\"{MARGIN_TOP}\" w:right=\"{MARGIN_RIGHT}\" w:bottom=\"{MARGIN_BOTTOM}\" w:left=\"{MARGIN_LEFT}\" \
         w:header=\"851\" w:footer=\"{FOOTER}\" w:gutter=\"0\"/><w:cols w:space=\"425\"/><w:docGrid w:linePitch=\"{LINE}\"/>\
         </w:sectPr></w:body></w:document>"
    ));
    s
}

fn paragraph(s: &mut String, style: &str, text: &str) {
    s.push_str(&format!("<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr>"));
    runs(s, text, "");
    s.push_str("</w:p>");
}

/// The runs of a text: `\n` becomes a line break and `\t` a tab.
fn runs(s: &mut String, text: &str, rpr: &str) {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            s.push_str(&format!("<w:r>{rpr}<w:br/></w:r>"));
        }
        for (j, piece) in line.trim_end_matches('\r').split('\t').enumerate() {
            if j > 0 {
                s.push_str(&format!("<w:r>{rpr}<w:tab/></w:r>"));
            }
            if !piece.is_empty() {
                s.push_str(&format!("<w:r>{rpr}<w:t xml:space=\"preserve\">{}</w:t></w:r>", esc(piece)));
            }
        }
    }
}

/// What one grid slot of a row holds.
enum Slot<'a> {
    /// A cell starting here, `cols` wide.
    Start(&'a Cell, usize),
    /// The continuation of a cell from a row above (`w:vMerge`), `cols` wide.
    Below(usize),
    /// Padding where a row is short of the grid.
    Empty,
}

/// A rowspan still open at a grid column.
struct Open {
    rows_left: u32,
    cols: usize,
}

/// Places the cells of each row on the grid, HTML-style: a cell takes the
/// first column not covered by a rowspan from above.
fn place(rows: &[Vec<Cell>]) -> (Vec<Vec<(usize, Slot<'_>)>>, usize) {
    let mut open: Vec<Option<Open>> = Vec::new();
    let mut placed = Vec::with_capacity(rows.len());
    let mut width = 0;
    for row in rows {
        let mut line: Vec<(usize, Slot<'_>)> = Vec::new();
        let mut cells = row.iter();
        let mut col = 0;
        loop {
            if let Some(Some(o)) = open.get_mut(col) {
                let cols = o.cols;
                o.rows_left -= 1;
                if o.rows_left == 0 {
                    open[col] = None;
                }
                line.push((col, Slot::Below(cols)));
                col += cols;
                continue;
            }
            match cells.next() {
                Some(c) => {
                    let cols = usize::from(c.colspan.max(1));
                    if c.rowspan > 1 {
                        if open.len() < col + 1 {
                            open.resize_with(col + 1, || None);
                        }
                        open[col] = Some(Open { rows_left: u32::from(c.rowspan) - 1, cols });
                    }
                    line.push((col, Slot::Start(c, cols)));
                    col += cols;
                }
                None => {
                    // Cells ran out: fill up to the next rowspan still open, if any.
                    match open.iter().skip(col).position(|o| o.is_some()) {
                        Some(gap) => {
                            for c in col..col + gap {
                                line.push((c, Slot::Empty));
                            }
                            col += gap;
                        }
                        None => break,
                    }
                }
            }
        }
        width = width.max(col);
        placed.push(line);
    }
    (placed, width)
}

/// Column widths in twips, summing to the text width.
fn column_widths(weights: &[u32], n: usize) -> Vec<u32> {
    let given: Vec<u64> = weights.iter().take(n).map(|&w| u64::from(w)).collect();
    let fill = if given.is_empty() { 1 } else { (given.iter().sum::<u64>() / given.len() as u64).max(1) };
    let mut w: Vec<u64> = (0..n).map(|i| given.get(i).copied().unwrap_or(fill)).collect();
    let total: u64 = w.iter().sum::<u64>().max(1);
    for x in w.iter_mut() {
        *x = *x * u64::from(TEXT_WIDTH) / total;
    }
    w.into_iter().map(|x| x as u32).collect()
}

fn table(s: &mut String, t: &Table) {
    let (placed, n) = place(&t.rows);
    if n == 0 {
        return;
    }
    let widths = column_widths(&t.widths, n);
    let total: u32 = widths.iter().sum();
    let size = if t.size.is_finite() { (t.size * 2.0).round().clamp(2.0, 3276.0) as u32 } else { 21 };
    let border = |side: &str| format!("<w:{side} w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>");
    s.push_str(&format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{total}\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders>{}{}{}{}{}{}</w:tblBorders>\
         <w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:left w:w=\"{CELL_MARGIN}\" w:type=\"dxa\"/>\
         <w:right w:w=\"{CELL_MARGIN}\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr><w:tblGrid>",
        border("top"),
        border("left"),
        border("bottom"),
        border("right"),
        border("insideH"),
        border("insideV"),
    ));
    for w in &widths {
        s.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
    }
    s.push_str("</w:tblGrid>");
    let span_width = |col: usize, cols: usize| -> u32 { widths.iter().skip(col).take(cols).sum() };
    for (i, line) in placed.iter().enumerate() {
        let header = if i < t.header_rows { "<w:tblHeader/>" } else { "" };
        // A row is at least 1.5 lines high, so that a row of short numbers is not cramped.
        s.push_str(&format!("<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"{}\"/>{header}</w:trPr>", size * 19));
        let mut end = 0;
        for (col, slot) in line {
            match slot {
                Slot::Start(c, cols) => {
                    let merge = if c.rowspan > 1 { "<w:vMerge w:val=\"restart\"/>" } else { "" };
                    cell(s, span_width(*col, *cols), *cols, merge, Some(c), size);
                    end = col + cols;
                }
                Slot::Below(cols) => {
                    cell(s, span_width(*col, *cols), *cols, "<w:vMerge/>", None, size);
                    end = col + cols;
                }
                Slot::Empty => {
                    cell(s, span_width(*col, 1), 1, "", None, size);
                    end = col + 1;
                }
            }
        }
        // Pad short rows so that every row has the full grid (and its borders).
        for &w in widths.iter().skip(end) {
            cell(s, w, 1, "", None, size);
        }
        s.push_str("</w:tr>");
    }
    s.push_str("</w:tbl>");
}

fn cell(s: &mut String, width: u32, cols: usize, merge: &str, c: Option<&Cell>, size: u32) {
    let span = if cols > 1 { format!("<w:gridSpan w:val=\"{cols}\"/>") } else { String::new() };
    s.push_str(&format!(
        "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>{span}{merge}<w:vAlign w:val=\"center\"/></w:tcPr>"
    ));
    let jc = match c.map(|c| c.align).unwrap_or_default() {
        Align::Left => "left",
        Align::Center => "center",
        Align::Right => "right",
    };
    let bold = if c.is_some_and(|c| c.bold) { "<w:b/><w:bCs/>" } else { "" };
    let rpr = format!("<w:rPr>{bold}<w:sz w:val=\"{size}\"/><w:szCs w:val=\"{size}\"/></w:rPr>");
    // Exact line height (1.3 × the text size): the same rows per page whatever
    // font the reader's machine substitutes.
    s.push_str(&format!(
        "<w:p><w:pPr><w:pStyle w:val=\"TableText\"/><w:spacing w:line=\"{}\" w:lineRule=\"exact\"/><w:jc w:val=\"{jc}\"/>{rpr}</w:pPr>",
        size * 13
    ));
    if let Some(c) = c {
        runs(s, &c.text, &rpr);
    }
    s.push_str("</w:p></w:tc>");
}

/// Text for XML content and attribute values: the five markup characters
/// escaped, and characters XML 1.0 cannot hold (most C0 controls,
/// U+FFFE/U+FFFF) dropped.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(line: &[(usize, Slot<'_>)]) -> Vec<(usize, String)> {
        line.iter()
            .map(|(col, slot)| match slot {
                Slot::Start(c, n) => (*col, format!("{}/{n}", c.text)),
                Slot::Below(n) => (*col, format!("^/{n}")),
                Slot::Empty => (*col, "_".into()),
            })
            .collect()
    }

    #[test]
    fn rowspans_continue_at_their_column() {
        let rows = vec![
            vec![Cell::new("a").span(3, 1), Cell::new("b").span(1, 2), Cell::new("c").span(2, 1)],
            vec![Cell::new("d"), Cell::new("e")],
            vec![Cell::new("f").span(1, 2)],
        ];
        let (placed, width) = place(&rows);
        assert_eq!(width, 4);
        let got: Vec<_> = placed.iter().map(|l| starts(l)).collect();
        let s = |c: usize, t: &str| (c, t.to_string());
        assert_eq!(got[0], vec![s(0, "a/1"), s(1, "b/2"), s(3, "c/1")]);
        assert_eq!(got[1], vec![s(0, "^/1"), s(1, "d/1"), s(2, "e/1"), s(3, "^/1")]);
        assert_eq!(got[2], vec![s(0, "^/1"), s(1, "f/2")]);
    }

    #[test]
    fn a_short_row_is_filled_up_to_an_open_rowspan() {
        let rows = vec![vec![Cell::new("a"), Cell::new("b"), Cell::new("c").span(2, 2)], vec![]];
        let (placed, width) = place(&rows);
        assert_eq!(width, 4);
        let s = |c: usize, t: &str| (c, t.to_string());
        assert_eq!(starts(&placed[1]), vec![s(0, "_"), s(1, "_"), s(2, "^/2")]);
    }

    #[test]
    fn odd_spans_and_sizes_never_panic() {
        let mut doc = Document::new("x");
        let rows = vec![
            vec![Cell::new("a").span(0, 0), Cell::new("b").span(u16::MAX, 3)],
            vec![],
            vec![Cell::new("c").span(1, 300)],
        ];
        for size in [f32::NAN, -1.0, 0.0, 1e9] {
            doc.blocks.push(Block::Table(Table {
                rows: rows.clone(),
                widths: vec![0, u32::MAX],
                size,
                header_rows: 9,
            }));
        }
        doc.blocks.push(Block::Table(Table::new(Vec::new())));
        assert!(to_bytes(&doc).starts_with(b"PK"));
    }

    #[test]
    fn widths_fill_the_text_width() {
        let w = column_widths(&[1, 3], 2);
        assert_eq!(w, vec![TEXT_WIDTH / 4, TEXT_WIDTH * 3 / 4]);
        let w = column_widths(&[], 3);
        assert!(w.iter().all(|&x| x == TEXT_WIDTH / 3));
        let w = column_widths(&[2], 3);
        assert_eq!(w, vec![TEXT_WIDTH / 3; 3]);
        assert!(TEXT_WIDTH - column_widths(&[u32::MAX, u32::MAX, 7], 3).iter().sum::<u32>() < 3);
    }

    #[test]
    fn markup_and_control_characters_are_escaped_or_dropped() {
        assert_eq!(esc("a&b<c>\"d'\u{0}\u{b}\u{FFFF}\t"), "a&amp;b&lt;c&gt;&quot;d&apos;\t");
    }
}
