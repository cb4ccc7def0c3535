//! PDF reader: the text layer of a PDF as visual lines in reading order.
//!
//! `lopdf` parses the file (xref, objects, filters, ToUnicode CMaps); the
//! content streams are walked here because the tables need each glyph's
//! position: glyphs are grouped into lines by baseline, ordered by x, and a
//! single space marks a visible gap (so a table row becomes
//! `（一）予以公开 3 0 0 0 0 0 3`). Where the producer clips each table cell
//! (WPS does), a cell's wrapped lines are joined and placed at the cell's
//! vertical centre, so a row's label and numbers share one line. Untrusted
//! input: size, pages, operators and glyphs are bounded, and a panic inside
//! the parser becomes an `Err`.

use crate::flat::Flat;
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Encoding, LoadOptions, Object};
use std::collections::HashMap;
use std::rc::Rc;

const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
const MAX_PAGES: usize = 2000;
/// Bound on any one decompressed stream (content, form, CMap, object stream).
const MAX_STREAM_BYTES: usize = 32 * 1024 * 1024;
/// Bound on all decompressed content of the document together.
const MAX_TOTAL_CONTENT: usize = 256 * 1024 * 1024;
const MAX_OPS: usize = 20_000_000;
const MAX_GLYPHS: usize = 5_000_000;
const MAX_FORM_DEPTH: u32 = 8;
const MAX_GSTATE_DEPTH: usize = 256;

/// What `read` says when the PDF parser panicked (caught): tests assert it never does.
pub const PARSER_PANIC: &str = "PDF 文件无法解析：解析器内部错误";

/// Reads every text line of the PDF, page after page, as `Flat::line(n, text)`.
pub fn read(bytes: &[u8]) -> Result<Flat, String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(format!(
            "PDF 文件过大（{} MB，上限 {} MB）",
            bytes.len() / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    // lopdf returns errors for bad input, but it is a large parser fed with
    // untrusted bytes: a panic must not take the CLI down.
    // Fuzzing must see a panic, not the net under it.
    if cfg!(fuzzing) {
        return read_inner(bytes);
    }
    match std::panic::catch_unwind(|| read_inner(bytes)) {
        Ok(result) => result,
        Err(_) => Err(PARSER_PANIC.to_string()),
    }
}

fn read_inner(bytes: &[u8]) -> Result<Flat, String> {
    let options = LoadOptions { max_decompressed_size: Some(MAX_STREAM_BYTES), ..LoadOptions::default() };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| load_error(&e))?;
    if doc.is_encrypted() && doc.encryption_state.is_none() {
        return Err("PDF 文件已加密，无法读取".to_string());
    }
    let pages: Vec<lopdf::ObjectId> = doc.page_iter().take(MAX_PAGES + 1).collect();
    if pages.len() > MAX_PAGES {
        return Err(format!("PDF 页数过多（上限 {MAX_PAGES} 页）"));
    }
    if pages.is_empty() {
        return Err("PDF 文件无法解析：没有页面".to_string());
    }
    let mut walker = Walker { doc: &doc, fonts: HashMap::new(), ops: 0, glyphs: 0, content_bytes: 0 };
    let mut flat = Flat::default();
    let mut n = 0u32;
    for page in pages {
        let mut glyphs = Vec::new();
        walker.page(page, &mut glyphs)?;
        for text in page_lines(glyphs, page_area(&doc, page)) {
            n += 1;
            flat.line(n, text);
        }
    }
    if n == 0 {
        if doc.xref_recovery.is_some() {
            return Err("PDF 没有文字层（可能是扫描件，或文件不完整）".to_string());
        }
        return Err("PDF 没有文字层（可能是扫描件）".to_string());
    }
    Ok(flat)
}

fn load_error(e: &lopdf::Error) -> String {
    use lopdf::Error as E;
    match e {
        E::Decryption(_) | E::InvalidPassword => "PDF 文件已加密，无法读取".to_string(),
        E::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => too_big(),
        E::Parse(lopdf::ParseError::InvalidFileHeader) => "PDF 文件无法解析：不是 PDF 文件".to_string(),
        E::Parse(_) => "PDF 文件无法解析：文件不完整或已损坏".to_string(),
        e => {
            let detail: String = e.to_string().chars().take(80).collect();
            format!("PDF 文件无法解析：{detail}")
        }
    }
}

fn too_big() -> String {
    "PDF 内容过于庞大，已放弃解析".to_string()
}

// ---------------------------------------------------------------------------
// Geometry

/// PDF matrix `[a b c d e f]`; points are row vectors, `p' = p × M`.
type Matrix = [f64; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn mul(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn translate(tx: f64, ty: f64, m: &Matrix) -> Matrix {
    mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], m)
}

/// One shown glyph, in device space.
#[derive(Debug, Clone)]
struct Glyph {
    /// Baseline start and end.
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    /// Font height in device units.
    size: f64,
    /// Baseline direction in quarter turns (0 = left to right).
    dir: u8,
    /// Bounding box of the clip in force (`[x0, y0, x1, y1]`), if any.
    clip: Option<Rect>,
    text: String,
}

type Rect = [f64; 4];

fn intersect(a: Option<Rect>, b: Rect) -> Rect {
    match a {
        None => b,
        Some(a) => [a[0].max(b[0]), a[1].max(b[1]), a[2].min(b[2]), a[3].min(b[3])],
    }
}

fn extend(r: &mut Option<Rect>, x: f64, y: f64) {
    if !(x.is_finite() && y.is_finite()) {
        return;
    }
    *r = Some(match *r {
        None => [x, y, x, y],
        Some(r) => [r[0].min(x), r[1].min(y), r[2].max(x), r[3].max(y)],
    });
}

fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
    (x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
}

// ---------------------------------------------------------------------------
// Fonts

enum Decoder<'a> {
    /// lopdf's decoding (ToUnicode CMap, simple encodings, UCS-2).
    Lopdf(Encoding<'a>),
    /// Predefined GBK/GB-EUC CMaps of CID fonts without ToUnicode.
    Gbk,
    /// Nothing usable (CID font with Identity encoding but no ToUnicode).
    None,
}

struct Font<'a> {
    decoder: Decoder<'a>,
    /// Code length: 1, 2, or 0 for GBK-style variable (1 byte below 0x80, else 2).
    code_len: u8,
    /// Widths in glyph units (1/1000 text space unless `scale` says otherwise).
    widths: HashMap<u32, f64>,
    default_width: f64,
    /// Glyph units to text space (0.001, or Type3 FontMatrix).
    scale: f64,
}

impl<'a> Font<'a> {
    fn load(doc: &'a Document, dict: &'a Dictionary) -> Font<'a> {
        let subtype = dict.get(b"Subtype").and_then(Object::as_name).unwrap_or(b"");
        let composite = subtype == b"Type0";
        let enc_name: Vec<u8> = match dict.get(b"Encoding") {
            Ok(Object::Name(n)) => n.clone(),
            _ => Vec::new(),
        };
        let is_gbk = composite && {
            let n = String::from_utf8_lossy(&enc_name).to_ascii_uppercase();
            n.contains("GBK") || n.contains("GB-EUC") || n.contains("GBPC-EUC") || n.contains("GBT-EUC")
        };
        let lopdf_enc = dict.get_font_encoding_with_limit(doc, MAX_STREAM_BYTES).ok();
        let decoder = match lopdf_enc {
            Some(Encoding::SimpleEncoding(_)) | Some(Encoding::OneByteEncoding(_)) | None if is_gbk => Decoder::Gbk,
            // A composite font that fell back to a one-byte table has no usable mapping.
            Some(Encoding::OneByteEncoding(_)) if composite => Decoder::None,
            Some(e) => Decoder::Lopdf(e),
            None => Decoder::None,
        };
        let code_len = if !composite {
            1
        } else if is_gbk {
            0
        } else {
            2
        };
        let mut widths = HashMap::new();
        let mut default_width = if composite { 1000.0 } else { 500.0 };
        let mut scale = 0.001;
        if composite {
            let desc = dict
                .get_deref(b"DescendantFonts", doc)
                .and_then(Object::as_array)
                .ok()
                .and_then(|a| a.first())
                .and_then(|o| deref(doc, o).as_dict().ok());
            if let Some(desc) = desc {
                if let Ok(dw) = desc.get_deref(b"DW", doc) {
                    default_width = num(dw).unwrap_or(default_width);
                }
                if let Ok(Object::Array(w)) = desc.get_deref(b"W", doc) {
                    parse_cid_widths(doc, w, &mut widths);
                }
            }
        } else {
            let first = dict.get_deref(b"FirstChar", doc).ok().and_then(num).unwrap_or(0.0) as i64;
            if let Ok(Object::Array(w)) = dict.get_deref(b"Widths", doc) {
                for (i, o) in w.iter().take(256).enumerate() {
                    if let Some(v) = num(deref(doc, o)) {
                        widths.insert(first.saturating_add(i as i64).clamp(0, 255) as u32, v);
                    }
                }
            }
            if let Ok(fd) = dict.get_deref(b"FontDescriptor", doc).and_then(Object::as_dict) {
                if let Some(mw) = fd.get_deref(b"MissingWidth", doc).ok().and_then(num) {
                    if mw > 0.0 {
                        default_width = mw;
                    }
                }
            }
            if subtype == b"Type3" {
                if let Ok(Object::Array(m)) = dict.get_deref(b"FontMatrix", doc) {
                    if let Some(a) = m.first().and_then(num) {
                        if a.is_finite() && a != 0.0 {
                            scale = a.abs();
                        }
                    }
                }
            }
        }
        Font { decoder, code_len, widths, default_width, scale }
    }

    /// Splits a shown string into codes: (code value, its bytes).
    fn codes<'s>(&self, s: &'s [u8]) -> Vec<(u32, &'s [u8])> {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            let len = match self.code_len {
                0 => {
                    if s[i] < 0x80 {
                        1
                    } else {
                        2
                    }
                }
                n => n as usize,
            };
            let end = (i + len).min(s.len());
            let code = s[i..end].iter().fold(0u32, |acc, b| (acc << 8) | *b as u32);
            out.push((code, &s[i..end]));
            i = end;
        }
        out
    }

    fn text(&self, bytes: &[u8]) -> String {
        match &self.decoder {
            Decoder::Lopdf(e) => e.bytes_to_string(bytes).unwrap_or_default(),
            Decoder::Gbk => encoding_rs::GBK.decode_without_bom_handling(bytes).0.into_owned(),
            Decoder::None => String::new(),
        }
    }

    fn width(&self, code: u32) -> f64 {
        let w = self.widths.get(&code).copied().unwrap_or(self.default_width);
        if w.is_finite() {
            w * self.scale
        } else {
            0.0
        }
    }
}

fn parse_cid_widths(doc: &Document, w: &[Object], out: &mut HashMap<u32, f64>) {
    const MAX_ENTRIES: usize = 1 << 17;
    let mut i = 0;
    while i < w.len() && out.len() < MAX_ENTRIES {
        let Some(first) = num(deref(doc, &w[i])) else { return };
        let first = first.max(0.0) as u32;
        match w.get(i + 1).map(|o| deref(doc, o)) {
            Some(Object::Array(list)) => {
                for (k, v) in list.iter().enumerate().take(MAX_ENTRIES) {
                    if let Some(v) = num(deref(doc, v)) {
                        out.insert(first.saturating_add(k as u32), v);
                    }
                }
                i += 2;
            }
            Some(o) => {
                let (Some(last), Some(v)) = (num(o), w.get(i + 2).and_then(|o| num(deref(doc, o)))) else { return };
                let last = (last.max(0.0) as u32).min(first.saturating_add(MAX_ENTRIES as u32));
                for c in first..=last {
                    out.insert(c, v);
                    if out.len() >= MAX_ENTRIES {
                        return;
                    }
                }
                i += 3;
            }
            None => return,
        }
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

fn num(o: &Object) -> Option<f64> {
    let v = match o {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => *r as f64,
        _ => return None,
    };
    v.is_finite().then_some(v)
}

// ---------------------------------------------------------------------------
// Content stream walk

#[derive(Clone)]
struct GState<'a> {
    ctm: Matrix,
    char_spacing: f64,
    word_spacing: f64,
    h_scale: f64,
    leading: f64,
    rise: f64,
    font: Option<Rc<Font<'a>>>,
    font_size: f64,
    clip: Option<Rect>,
}

/// Resource dictionaries in lookup order (nearest first).
type Resources<'a> = Vec<&'a Dictionary>;

struct Walker<'a> {
    doc: &'a Document,
    /// Fonts by dictionary address: shared font objects are loaded once.
    fonts: HashMap<usize, Rc<Font<'a>>>,
    ops: usize,
    glyphs: usize,
    content_bytes: usize,
}

impl<'a> Walker<'a> {
    fn page(&mut self, page: lopdf::ObjectId, out: &mut Vec<Glyph>) -> Result<(), String> {
        let doc = self.doc;
        let mut res: Resources<'a> = Vec::new();
        if let Ok((direct, ids)) = doc.get_page_resources(page) {
            res.extend(direct);
            res.extend(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
        }
        let remaining = MAX_TOTAL_CONTENT.saturating_sub(self.content_bytes).min(MAX_STREAM_BYTES);
        let data = doc.get_page_content_with_limit(page, remaining).map_err(|_| too_big())?;
        self.content_bytes += data.len();
        let gs = GState {
            ctm: IDENTITY,
            char_spacing: 0.0,
            word_spacing: 0.0,
            h_scale: 1.0,
            leading: 0.0,
            rise: 0.0,
            font: None,
            font_size: 0.0,
            clip: None,
        };
        self.run(&data, &res, gs, 0, out)
    }

    fn lookup(&self, res: &Resources<'a>, category: &[u8], name: &[u8]) -> Option<&'a Object> {
        let doc = self.doc;
        res.iter().find_map(|r| {
            let cat = r.get_deref(category, doc).and_then(Object::as_dict).ok()?;
            let o = cat.get(name).ok()?;
            Some(deref(doc, o))
        })
    }

    fn font(&mut self, res: &Resources<'a>, name: &[u8]) -> Option<Rc<Font<'a>>> {
        let dict = self.lookup(res, b"Font", name)?.as_dict().ok()?;
        let key = dict as *const Dictionary as usize;
        if let Some(f) = self.fonts.get(&key) {
            return Some(f.clone());
        }
        let f = Rc::new(Font::load(self.doc, dict));
        self.fonts.insert(key, f.clone());
        Some(f)
    }

    fn run(
        &mut self,
        data: &[u8],
        res: &Resources<'a>,
        mut gs: GState<'a>,
        depth: u32,
        out: &mut Vec<Glyph>,
    ) -> Result<(), String> {
        let mut stack: Vec<GState<'a>> = Vec::new();
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        // Bounding box of the path being built, and whether it becomes a clip.
        let mut path: Option<Rect> = None;
        let mut clip_pending = false;
        // A broken operator ends the stream; what was read before it is kept.
        for op in Content::decode_iter(data).map_while(Result::ok) {
            self.ops += 1;
            if self.ops > MAX_OPS || self.glyphs > MAX_GLYPHS {
                return Err(too_big());
            }
            let a = &op.operands;
            let f = |i: usize| a.get(i).and_then(num);
            match op.operator.as_str() {
                "q" if stack.len() < MAX_GSTATE_DEPTH => stack.push(gs.clone()),
                "Q" => {
                    if let Some(s) = stack.pop() {
                        gs = s;
                    }
                }
                "cm" => {
                    if let Some(m) = matrix(a) {
                        gs.ctm = mul(&m, &gs.ctm);
                    }
                }
                "m" | "l" => {
                    if let (Some(x), Some(y)) = (f(0), f(1)) {
                        let (x, y) = apply(&gs.ctm, x, y);
                        extend(&mut path, x, y);
                    }
                }
                "c" | "v" | "y" => {
                    for i in (0..a.len().min(6)).step_by(2) {
                        if let (Some(x), Some(y)) = (f(i), f(i + 1)) {
                            let (x, y) = apply(&gs.ctm, x, y);
                            extend(&mut path, x, y);
                        }
                    }
                }
                "re" => {
                    if let (Some(x), Some(y), Some(w), Some(h)) = (f(0), f(1), f(2), f(3)) {
                        for (px, py) in [(x, y), (x + w, y), (x, y + h), (x + w, y + h)] {
                            let (px, py) = apply(&gs.ctm, px, py);
                            extend(&mut path, px, py);
                        }
                    }
                }
                "W" | "W*" => clip_pending = true,
                "S" | "s" | "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" | "n" => {
                    if clip_pending {
                        if let Some(p) = path {
                            gs.clip = Some(intersect(gs.clip, p));
                        }
                    }
                    path = None;
                    clip_pending = false;
                }
                "BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                "Tc" => gs.char_spacing = f(0).unwrap_or(0.0),
                "Tw" => gs.word_spacing = f(0).unwrap_or(0.0),
                "Tz" => gs.h_scale = f(0).unwrap_or(100.0) / 100.0,
                "TL" => gs.leading = f(0).unwrap_or(0.0),
                "Ts" => gs.rise = f(0).unwrap_or(0.0),
                "Tf" => {
                    gs.font = a.first().and_then(|o| o.as_name().ok()).and_then(|n| self.font(res, n));
                    gs.font_size = f(1).unwrap_or(0.0);
                }
                "Td" | "TD" => {
                    let (tx, ty) = (f(0).unwrap_or(0.0), f(1).unwrap_or(0.0));
                    if op.operator == "TD" {
                        gs.leading = -ty;
                    }
                    tlm = translate(tx, ty, &tlm);
                    tm = tlm;
                }
                "Tm" => {
                    if let Some(m) = matrix(a) {
                        tlm = m;
                        tm = m;
                    }
                }
                "T*" => {
                    tlm = translate(0.0, -gs.leading, &tlm);
                    tm = tlm;
                }
                "Tj" => {
                    if let Some(Object::String(s, _)) = a.first() {
                        self.show(s, &gs, &mut tm, out);
                    }
                }
                "'" | "\"" => {
                    let s = if op.operator == "\"" {
                        gs.word_spacing = f(0).unwrap_or(gs.word_spacing);
                        gs.char_spacing = f(1).unwrap_or(gs.char_spacing);
                        a.get(2)
                    } else {
                        a.first()
                    };
                    tlm = translate(0.0, -gs.leading, &tlm);
                    tm = tlm;
                    if let Some(Object::String(s, _)) = s {
                        self.show(s, &gs, &mut tm, out);
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = a.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(s, &gs, &mut tm, out),
                                o => {
                                    if let Some(adj) = num(o) {
                                        let tx = -adj / 1000.0 * gs.font_size * gs.h_scale;
                                        tm = translate(tx, 0.0, &tm);
                                    }
                                }
                            }
                        }
                    }
                }
                "Do" if depth < MAX_FORM_DEPTH => {
                    if let Some(name) = a.first().and_then(|o| o.as_name().ok()) {
                        self.form(res, name, &gs, depth, out)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn form(
        &mut self,
        res: &Resources<'a>,
        name: &[u8],
        gs: &GState<'a>,
        depth: u32,
        out: &mut Vec<Glyph>,
    ) -> Result<(), String> {
        let doc = self.doc;
        let Some(Object::Stream(stream)) = self.lookup(res, b"XObject", name) else { return Ok(()) };
        if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form".as_slice()) {
            return Ok(());
        }
        let remaining = MAX_TOTAL_CONTENT.saturating_sub(self.content_bytes).min(MAX_STREAM_BYTES);
        let data = match stream.decompressed_content_with_limit(remaining) {
            Ok(d) => d,
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => return Err(too_big()),
            Err(_) if stream.dict.get(b"Filter").is_err() => stream.content.clone(),
            Err(_) => return Ok(()),
        };
        self.content_bytes += data.len();
        let mut inner = gs.clone();
        if let Ok(Object::Array(m)) = stream.dict.get_deref(b"Matrix", doc) {
            if let Some(m) = matrix(m) {
                inner.ctm = mul(&m, &inner.ctm);
            }
        }
        let mut form_res: Resources<'a> = Vec::with_capacity(res.len() + 1);
        if let Ok(r) = stream.dict.get_deref(b"Resources", doc).and_then(Object::as_dict) {
            form_res.push(r);
        }
        form_res.extend(res.iter().copied());
        self.run(&data, &form_res, inner, depth + 1, out)
    }

    /// Shows one string: one glyph per code, advancing the text matrix.
    fn show(&mut self, s: &[u8], gs: &GState<'a>, tm: &mut Matrix, out: &mut Vec<Glyph>) {
        let Some(font) = gs.font.clone() else { return };
        let fs = gs.font_size;
        let th = gs.h_scale;
        for (code, bytes) in font.codes(s) {
            self.glyphs += 1;
            if self.glyphs > MAX_GLYPHS {
                return;
            }
            let w0 = font.width(code);
            let trm = mul(&mul(&[fs * th, 0.0, 0.0, fs, 0.0, gs.rise], tm), &gs.ctm);
            let text = font.text(bytes);
            if !text.is_empty() && trm.iter().all(|v| v.is_finite()) {
                let angle = trm[1].atan2(trm[0]);
                let dir = ((angle / std::f64::consts::FRAC_PI_2).round() as i64).rem_euclid(4) as u8;
                out.push(Glyph {
                    x0: trm[4],
                    y0: trm[5],
                    x1: trm[4] + w0 * trm[0],
                    y1: trm[5] + w0 * trm[1],
                    size: trm[2].hypot(trm[3]),
                    dir,
                    clip: gs.clip,
                    text,
                });
            }
            let word = if bytes == b" " { gs.word_spacing } else { 0.0 };
            let tx = (w0 * fs + gs.char_spacing + word) * th;
            *tm = translate(tx, 0.0, tm);
        }
    }
}

fn matrix(a: &[Object]) -> Option<Matrix> {
    if a.len() < 6 {
        return None;
    }
    let mut m = IDENTITY;
    for (i, v) in m.iter_mut().enumerate() {
        *v = num(&a[i])?;
    }
    Some(m)
}

// ---------------------------------------------------------------------------
// Layout: glyphs of one page to lines

/// Baselines closer than this fraction of the font height are one line.
const SAME_LINE: f64 = 0.4;
/// Outside table cells, a horizontal gap wider than this fraction of the
/// font height is a space (WPS puts ~0.25 between CJK and digits, ~0.5 for a
/// typed space).
const GAP_SPACE: f64 = 0.3;
/// Inside one table cell, only a gap this wide is a space: distributed
/// alignment spreads the characters of a word (`结  果`) by up to ~0.5.
const GAP_SPACE_CELL: f64 = 1.0;
/// A clip smaller than this share of the page may be a table cell.
const CELL_MAX_AREA: f64 = 0.5;
/// Lines a table cell may wrap to (more is a text box, not a cell).
const CELL_MAX_LINES: usize = 4;

/// Area of the page's MediaBox (inherited from the page tree; A4 if absent).
fn page_area(doc: &Document, page: lopdf::ObjectId) -> f64 {
    let mut dict = doc.get_dictionary(page).ok();
    for _ in 0..32 {
        let Some(d) = dict else { break };
        if let Ok(Object::Array(b)) = d.get_deref(b"MediaBox", doc) {
            let v: Vec<f64> = b.iter().filter_map(|o| num(deref(doc, o))).collect();
            if v.len() == 4 {
                let area = ((v[2] - v[0]) * (v[3] - v[1])).abs();
                if area.is_finite() && area > 1.0 {
                    return area;
                }
            }
            break;
        }
        dict = d.get(b"Parent").and_then(Object::as_reference).ok().and_then(|id| doc.get_dictionary(id).ok());
    }
    595.0 * 842.0
}

/// A piece of a visual line: a glyph outside tables, or the whole text of a
/// table cell (placed at the cell's vertical centre, so that the label and
/// the numbers of one table row share a line even when the label wraps).
struct Item {
    y: f64,
    x0: f64,
    x1: f64,
    size: f64,
    cell: bool,
    text: String,
}

fn page_lines(mut glyphs: Vec<Glyph>, page_area: f64) -> Vec<String> {
    if glyphs.is_empty() {
        return Vec::new();
    }
    // Turn the page so that its main text direction runs left to right.
    let mut counts = [0usize; 4];
    for g in &glyphs {
        counts[g.dir as usize] += 1;
    }
    let dir = (0..4).max_by_key(|&d| (counts[d], d == 0)).unwrap_or(0);
    for g in &mut glyphs {
        if dir != 0 {
            (g.x0, g.y0) = rotate_back(g.x0, g.y0, dir);
            (g.x1, g.y1) = rotate_back(g.x1, g.y1, dir);
            g.clip = g.clip.map(|c| {
                let (ax, ay) = rotate_back(c[0], c[1], dir);
                let (bx, by) = rotate_back(c[2], c[3], dir);
                [ax.min(bx), ay.min(by), ax.max(bx), ay.max(by)]
            });
        }
        if g.x1 < g.x0 {
            std::mem::swap(&mut g.x0, &mut g.x1);
        }
        // Only a small clip is a cell; a page-sized one says nothing.
        if let Some(c) = g.clip {
            let area = (c[2] - c[0]).max(0.0) * (c[3] - c[1]).max(0.0);
            if area >= CELL_MAX_AREA * page_area {
                g.clip = None;
            }
        }
    }

    let mut items: Vec<Item> = Vec::new();
    let mut cells: HashMap<[i64; 4], Vec<Glyph>> = HashMap::new();
    let mut cell_order: Vec<[i64; 4]> = Vec::new();
    for g in glyphs {
        match g.clip {
            Some(c) => {
                let key = c.map(|v| (v * 100.0).round() as i64);
                let list = cells.entry(key).or_default();
                if list.is_empty() {
                    cell_order.push(key);
                }
                list.push(g);
            }
            None => items.push(Item { y: g.y0, x0: g.x0, x1: g.x1, size: g.size, cell: false, text: g.text }),
        }
    }
    for key in cell_order {
        let Some(glyphs) = cells.remove(&key) else { continue };
        let c = glyphs[0].clip.unwrap_or_default();
        let size = glyphs.iter().map(|g| g.size).fold(0.0, f64::max);
        let lines = group(glyphs, |g| (g.y0, g.size));
        let joined: Vec<(String, bool)> = lines.iter().filter_map(|l| join_glyphs(l, GAP_SPACE_CELL)).collect();
        // A table cell holds one column of a few lines (or one character a
        // line, printed vertically). Anything else under a small clip (a text
        // box, a whole clipped table) keeps its own lines.
        let few_lines = joined.len() <= CELL_MAX_LINES;
        let vertical = joined.iter().all(|(t, _)| t.chars().count() <= 2 && !t.contains(|c: char| c.is_ascii_digit()));
        let one_column = joined.iter().all(|(_, wide_gap)| !wide_gap);
        if (few_lines || vertical) && one_column {
            let lines: Vec<String> = joined.into_iter().map(|(t, _)| t).collect();
            let text = join_wrapped(&lines);
            if !text.is_empty() {
                items.push(Item { y: (c[1] + c[3]) / 2.0, x0: c[0], x1: c[2], size, cell: true, text });
            }
        } else {
            items.extend(lines.into_iter().flatten().map(|g| Item {
                y: g.y0,
                x0: g.x0,
                x1: g.x1,
                size: g.size,
                cell: false,
                text: g.text,
            }));
        }
    }
    group(items, |i| (i.y, i.size)).into_iter().filter_map(join_items).collect()
}

/// Rotates a point by `-dir` quarter turns.
fn rotate_back(x: f64, y: f64, dir: usize) -> (f64, f64) {
    match dir {
        1 => (y, -x),
        2 => (-x, -y),
        3 => (-y, x),
        _ => (x, y),
    }
}

/// Groups things into visual lines, top to bottom, by their `(y, size)`.
fn group<T>(mut things: Vec<T>, key: impl Fn(&T) -> (f64, f64)) -> Vec<Vec<T>> {
    things.sort_by(|a, b| key(b).0.total_cmp(&key(a).0));
    let mut lines: Vec<Vec<T>> = Vec::new();
    let mut top = f64::NAN;
    for t in things {
        let (y, size) = key(&t);
        match lines.last_mut() {
            Some(line) if top - y <= SAME_LINE * size.max(1.0) => line.push(t),
            _ => {
                top = y;
                lines.push(vec![t]);
            }
        }
    }
    lines
}

/// Joins the glyphs of one line left to right, a space for each wide gap;
/// says whether there was such a gap.
fn join_glyphs(line: &[Glyph], gap: f64) -> Option<(String, bool)> {
    let mut order: Vec<&Glyph> = line.iter().collect();
    order.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    let mut text = String::new();
    let mut wide_gap = false;
    let mut prev: Option<&Glyph> = None;
    for g in order {
        if let Some(p) = prev {
            // The same glyph drawn twice (fake bold, shadow): keep one.
            if p.text == g.text && (g.x0 - p.x0).abs() < 0.2 * g.size {
                continue;
            }
            if g.x0 - p.x1 > gap * g.size.min(p.size).max(1.0) {
                text.push(' ');
                wide_gap = true;
            }
        }
        text.push_str(&g.text);
        prev = Some(g);
    }
    tidy(&text).map(|t| (t, wide_gap))
}

fn join_items(mut line: Vec<Item>) -> Option<String> {
    line.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    let mut text = String::new();
    let mut prev: Option<&Item> = None;
    for it in &line {
        if let Some(p) = prev {
            if !it.cell && !p.cell && p.text == it.text && (it.x0 - p.x0).abs() < 0.2 * it.size {
                continue;
            }
            if it.cell || p.cell || it.x0 - p.x1 > GAP_SPACE * it.size.min(p.size).max(1.0) {
                text.push(' ');
            }
        }
        text.push_str(&it.text);
        prev = Some(it);
    }
    tidy(&text)
}

/// The lines of one cell as one text: wrapped CJK joins directly, a space
/// only between two Latin letters or digits.
fn join_wrapped(lines: &[String]) -> String {
    let mut out = String::new();
    for l in lines {
        let end = out.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
        let start = l.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !out.is_empty() && end && start {
            out.push(' ');
        }
        out.push_str(l);
    }
    out
}

/// Whitespace and control characters to single spaces, U+FFFD dropped, trimmed.
fn tidy(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
        } else if c != '\u{FFFD}' {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {

    /// `read` catches panics, so this calls the parser itself: a panic on a
    /// mangled corpus PDF fails here instead of hiding behind the net.
    #[test]
    fn mangled_corpus_pdfs_never_panic_the_parser_itself() {
        let root = std::env::var("OGI_CORPUS")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus").to_string());
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut n = 0;
        for rel in ["real/pdf/huaian-szf-2024.pdf", "real/kirogovcompare/huaian-hongzequ-2023.pdf"] {
            let bytes = std::fs::read(format!("{root}/{rel}")).expect("corpus pdf");
            for round in 0..40 {
                let mut b = bytes.clone();
                if round % 4 == 0 {
                    b.truncate((next() % b.len() as u64) as usize);
                } else {
                    for _ in 0..(1 + next() % 32) {
                        let i = (next() % b.len() as u64) as usize;
                        b[i] = next() as u8;
                    }
                }
                let r = std::panic::catch_unwind(|| read_inner(&b).is_ok());
                assert!(r.is_ok(), "{rel} round {round}: the parser panicked");
                n += 1;
            }
        }
        assert_eq!(n, 80);
    }

    use super::*;
    use crate::flat::Origin;

    /// The shared corpus; `OGI_CORPUS` overrides the default location.
    fn corpus(rel: &str) -> Vec<u8> {
        let root = std::env::var("OGI_CORPUS")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus").to_string());
        let path = format!("{root}/{rel}");
        std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path}: {e}"))
    }

    const SZF: &str = "real/pdf/huaian-szf-2024.pdf";
    const HZQ23: &str = "real/kirogovcompare/huaian-hongzequ-2023.pdf";
    const HZQ24: &str = "real/kirogovcompare/huaian-hongzequ-2024.pdf";

    fn lines(flat: &Flat) -> Vec<String> {
        flat.pieces
            .iter()
            .enumerate()
            .map(|(i, p)| {
                assert_eq!(p.origin, Origin::Line { line: i as u32 + 1 }, "line numbers run from 1");
                p.text.clone()
            })
            .collect()
    }

    fn has(lines: &[String], want: &str) -> bool {
        lines.iter().any(|l| l == want)
    }

    #[test]
    fn szf_lines() {
        let flat = read(&corpus(SZF)).expect("readable");
        assert!(!flat.explicit_cells);
        let l = lines(&flat);
        assert_eq!(l[0], "淮安市人民政府");
        assert_eq!(l[1], "2024年政府信息公开工作年度报告");
        for want in [
            "一、总体情况",
            "行政许可 447228",
            "行政事业性收费 96171.6",
            "规章 1 0 11",
            "（一）予以公开 1288 21 0 0 50 3 1362",
            // A label wrapped over two lines in its cell stays before its numbers.
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形） 447 7 0 0 0 0 454",
            "（七）总计 2932 53 0 0 61 4 3050",
            // Table 四: all 15 values on one line.
            "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20",
            "-4-",
        ] {
            assert!(has(&l, want), "missing line {want:?}");
        }
        // No line is spaced out character by character.
        assert!(!l.iter().any(|x| x.contains("结 果") || x.contains("商业 企")));
    }

    /// Every row of tables 三 and 四 in the expected cells appears as the
    /// numbers ending one line, in column order.
    #[test]
    fn szf_numbers_match_expected_cells() {
        let l = lines(&read(&corpus(SZF)).expect("readable"));
        let tsv = String::from_utf8(corpus("real/pdf/expected/huaian-szf-2024.pdf.cells.tsv")).unwrap();
        let cells: HashMap<&str, &str> = tsv.lines().filter_map(|x| x.split_once('\t')).collect();
        let t3_cols = ["natural", "commercial", "research", "nonprofit", "legal_service", "other_org", "total"];
        let mut rows: Vec<&str> = cells.keys().filter_map(|k| k.strip_prefix("t3.")?.strip_suffix(".total")).collect();
        rows.sort();
        assert_eq!(rows.len(), 25);
        for row in rows {
            let nums: Vec<&str> = t3_cols.iter().map(|c| cells[format!("t3.{row}.{c}").as_str()]).collect();
            let tail = format!(" {}", nums.join(" "));
            assert!(l.iter().any(|x| x.ends_with(&tail)), "t3 row {row}: no line ends with {tail:?}");
        }
        let mut t4 = Vec::new();
        for part in ["review", "suit_direct", "suit_after_review"] {
            for c in ["upheld", "corrected", "other", "pending", "total"] {
                t4.push(cells[format!("t4.{part}.{c}").as_str()]);
            }
        }
        assert!(has(&l, &t4.join(" ")), "t4 values line");
    }

    #[test]
    fn hongzequ_lines() {
        let l = lines(&read(&corpus(HZQ23)).expect("2023 readable"));
        assert_eq!(&l[..2], ["洪泽区人民政府", "2023年政府信息公开工作年度报告"]);
        assert!(has(&l, "10 1 0 0 0 0 0 0 0 0 5 0 0 0 0"));
        assert!(has(&l, "行政事业性收费 7730.28"));
        let l = lines(&read(&corpus(HZQ24)).expect("2024 readable"));
        assert!(has(&l, "行政事业性收费 7545"));
        assert!(has(&l, "（四）无法提供 1.本机关不掌握相关政府信息 31 0 0 0 0 0 31"));
    }

    /// A small uncompressed PDF; lopdf rebuilds the missing xref table.
    fn tiny_pdf(content: &str) -> Vec<u8> {
        format!(
            "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
             2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1/MediaBox[0 0 595 842]>>endobj\n\
             3 0 obj<</Type/Page/Parent 2 0 R/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>endobj\n\
             4 0 obj<</Length {}>>stream\n{content}\nendstream endobj\n\
             5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding\
             /FirstChar 32/LastChar 57/Widths[278 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 556 556 556 556 556 556 556 556 556 556]>>endobj\n\
             trailer<</Root 1 0 R>>\n%%EOF\n",
            content.len() + 1
        )
        .into_bytes()
    }

    #[test]
    fn synthetic_layout() {
        // Two runs on one baseline with a wide gap, a run 2pt lower (same
        // line), and a second line; shown out of order.
        let content = "BT /F1 10 Tf 1 0 0 1 100 700 Tm (12) Tj ET \
                       BT /F1 10 Tf 1 0 0 1 300 698 Tm (7) Tj ET \
                       BT /F1 10 Tf 1 0 0 1 100 650 Tm (3 4) Tj ET \
                       BT /F1 10 Tf 1 0 0 1 200 700 Tm [(5)-50(6)] TJ ET";
        let l = lines(&read(&tiny_pdf(content)).expect("readable"));
        assert_eq!(l, ["12 56 7", "3 4"]);
    }

    #[test]
    fn synthetic_table_cells() {
        // Row 700..740: a label cell wrapping to two lines (baselines 728 and
        // 712) and a number cell centred between them (baseline 717); then a
        // clipped box of 6 lines, which is not a cell.
        let cell =
            |x: u32, w: u32, y: u32, h: u32, text: &str| format!("q {x} {y} {w} {h} re W n BT /F1 10 Tf {text} ET Q ");
        let mut content = String::new();
        content += &cell(100, 100, 700, 40, "1 0 0 1 102 728 Tm (12) Tj 1 0 0 1 102 712 Tm (34) Tj");
        content += &cell(200, 50, 700, 40, "1 0 0 1 202 717 Tm (5) Tj");
        content += &cell(250, 50, 700, 40, "1 0 0 1 252 717 Tm (6 7) Tj");
        let box_lines: String = (0..6).map(|i| format!("1 0 0 1 102 {} Tm (9{i}) Tj ", 600 - 12 * i)).collect();
        content += &cell(100, 200, 500, 110, &box_lines);
        let l = lines(&read(&tiny_pdf(&content)).expect("readable"));
        assert_eq!(l[0], "12 34 5 6 7");
        assert_eq!(&l[1..], ["90", "91", "92", "93", "94", "95"]);
    }

    #[test]
    fn no_text_layer() {
        let err = read(&tiny_pdf("0 0 100 100 re f")).unwrap_err();
        assert!(err.contains("没有文字层"), "{err}");
    }

    #[test]
    fn garbage_is_an_error() {
        for bytes in
            [&b""[..], b"hello", b"%PDF-1.7\n", b"%PDF-1.7\nxref\n0 999999999\ntrailer<</Root 1 0 R/Size 999999999>>"]
        {
            assert!(read(bytes).is_err());
        }
        let deep = format!("%PDF-1.4\n1 0 obj {} endobj\ntrailer<</Root 1 0 R>>", "[".repeat(100_000));
        assert!(read(deep.as_bytes()).is_err());
    }

    /// Deterministic xorshift, so failures reproduce.
    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut s = seed | 1;
        move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        }
    }

    fn mangled(bytes: &[u8], seed: u64) -> Vec<u8> {
        let mut next = rng(seed);
        let mut b = bytes.to_vec();
        let n = 1 + (next() % 64) as usize;
        for _ in 0..n {
            let i = (next() % b.len() as u64) as usize;
            match next() % 3 {
                0 => b[i] = next() as u8,
                1 => b[i] = b"0123456789 []<>()/R\n"[(next() % 20) as usize],
                _ => {
                    let j = (i + (next() % 4096) as usize).min(b.len());
                    b.drain(i..j);
                    if b.is_empty() {
                        b.push(b'%');
                    }
                }
            }
        }
        b
    }

    #[test]
    fn damaged_files_do_not_panic() {
        // The parser itself, without the net `read` puts under it: a panic fails here.
        let no_panic = |b: &[u8], what: &str| {
            let r = std::panic::catch_unwind(|| read_inner(b).is_ok());
            assert!(r.is_ok(), "{what}: the parser panicked");
        };
        let files = [corpus(SZF), corpus(HZQ23), corpus(HZQ24)];
        for (k, bytes) in files.iter().enumerate() {
            let steps = 40;
            for s in 0..=steps {
                no_panic(&bytes[..bytes.len() * s / steps], &format!("file {k} cut at {s}/{steps}"));
            }
            for n in [1, 2, 7, 100, 1000] {
                no_panic(&bytes[..n], &format!("file {k}, its first {n} bytes"));
                no_panic(&bytes[n..], &format!("file {k} without its first {n} bytes"));
            }
            for seed in 0..40u64 {
                no_panic(&mangled(bytes, seed * 7919 + k as u64), &format!("file {k} mangled with seed {seed}"));
            }
        }
    }

    #[test]
    fn damaged_content_streams_do_not_panic() {
        let ops = [
            "BT",
            "ET",
            "q",
            "Q",
            "/F1 12 Tf",
            "/F9 1 Tf",
            "1 0 0 1 50 50 Tm",
            "0 -1e38 Td",
            "1e38 1e38 1e38 1e38 0 0 cm",
            "(ab) Tj",
            "[(x) -1e30 (y)] TJ",
            "<00ff> Tj",
            "T*",
            "2 TL",
            "'",
            "1 2 (z) \"",
            "/X Do",
            "0 0 1 1 re W n",
            "Tj",
            "TJ",
            "Tf",
            "cm",
            "[ (",
            "<<",
            ")",
            "-0 Tz",
            "nan Tc",
        ];
        let mut next = rng(42);
        for _ in 0..300 {
            let content: Vec<&str> = (0..(next() % 40)).map(|_| ops[(next() % ops.len() as u64) as usize]).collect();
            let _ = read(&tiny_pdf(&content.join(" ")));
        }
    }

    #[test]
    fn too_large_is_refused() {
        let err = read(&vec![b' '; MAX_FILE_BYTES + 1]).unwrap_err();
        assert!(err.contains("过大"), "{err}");
    }
}
