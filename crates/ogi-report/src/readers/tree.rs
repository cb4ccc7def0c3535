//! A tiny table skeleton shared by the HTML and DOCX readers.
//!
//! Both readers only need to know where tables, rows and cells start and end,
//! where text goes and where blocks break. They feed events into [`Builder`],
//! which repairs missing end tags the way browsers do (a new cell closes the
//! open one, a new row closes the open row and cell, `</table>` closes all),
//! and [`Builder::finish`] walks the result into a [`Flat`]:
//!
//! * text outside tables becomes `Flat::line` pieces, one per block;
//! * a table whose cells hold a nested table is a *layout* table: all its text
//!   (outside the nested tables) becomes lines, and the nested tables are read
//!   on their own;
//! * every other table with at least one cell is a *data* table: every cell
//!   (empty ones too) becomes one `Flat::cell` piece.

use crate::flat::Flat;

/// Tables nested deeper than this are flattened into their parent (bounds
/// recursion on hostile input).
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    Table,
    Row,
    Cell,
}

#[derive(Debug)]
enum Child {
    /// Text with whitespace already folded (HTML) or literal (DOCX). Never
    /// contains `\n`.
    Text(String),
    /// Block boundary / line break.
    Break,
    Node(usize),
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    /// A DOCX vertical-merge continuation cell: emit nothing.
    skip: bool,
    children: Vec<Child>,
}

#[derive(Debug)]
pub(crate) struct Builder {
    nodes: Vec<Node>,
    stack: Vec<usize>,
    /// Fold runs of ASCII whitespace into one space (HTML rules).
    fold_ws: bool,
}

fn is_ascii_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

impl Builder {
    pub(crate) fn new(fold_ws: bool) -> Self {
        Builder { nodes: vec![Node { kind: Kind::Root, skip: false, children: Vec::new() }], stack: vec![0], fold_ws }
    }

    fn top(&self) -> usize {
        *self.stack.last().unwrap_or(&0)
    }

    fn top_kind(&self) -> Kind {
        self.nodes[self.top()].kind
    }

    fn push_node(&mut self, kind: Kind) {
        let id = self.nodes.len();
        self.nodes.push(Node { kind, skip: false, children: Vec::new() });
        let top = self.top();
        self.nodes[top].children.push(Child::Node(id));
        self.stack.push(id);
    }

    fn pop(&mut self) {
        if self.stack.len() > 1 {
            self.stack.pop();
        }
    }

    /// Position in the stack of the innermost open table, if any.
    fn innermost_table(&self) -> Option<usize> {
        self.stack.iter().rposition(|&id| self.nodes[id].kind == Kind::Table)
    }

    /// Append text to the innermost open node.
    pub(crate) fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        let fold = self.fold_ws;
        let top = self.top();
        let children = &mut self.nodes[top].children;
        if !matches!(children.last(), Some(Child::Text(_))) {
            // Most text nodes get one piece of text: allocate once.
            children.push(Child::Text(String::with_capacity(s.len())));
        }
        let Some(Child::Text(buf)) = children.last_mut() else { return };
        // ASCII whitespace bytes never occur inside a multi-byte UTF-8
        // sequence, so splitting on them keeps the slices valid.
        let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && !is_ws(bytes[i]) {
                i += 1;
            }
            buf.push_str(&s[start..i]);
            if i >= bytes.len() {
                break;
            }
            if fold {
                while i < bytes.len() && is_ws(bytes[i]) {
                    i += 1;
                }
                if !buf.ends_with(' ') {
                    buf.push(' ');
                }
            } else {
                buf.push(if matches!(bytes[i], b'\n' | b'\r') { ' ' } else { bytes[i] as char });
                i += 1;
            }
        }
    }

    /// A block boundary or line break.
    pub(crate) fn brk(&mut self) {
        let top = self.top();
        let children = &mut self.nodes[top].children;
        if !matches!(children.last(), Some(Child::Break) | None) {
            children.push(Child::Break);
        }
    }

    pub(crate) fn start_table(&mut self) {
        if self.stack.len() >= MAX_DEPTH * 3 {
            self.brk();
            return;
        }
        // A <table> straight inside a table or row (not inside a cell) closes
        // the open table, as browsers do.
        if matches!(self.top_kind(), Kind::Table | Kind::Row) {
            self.end_table();
        }
        self.push_node(Kind::Table);
    }

    pub(crate) fn end_table(&mut self) {
        if let Some(pos) = self.innermost_table() {
            while self.stack.len() > pos {
                self.pop();
            }
        }
    }

    pub(crate) fn start_row(&mut self) {
        let Some(pos) = self.innermost_table() else {
            self.brk();
            return;
        };
        while self.stack.len() > pos + 1 {
            self.pop();
        }
        self.push_node(Kind::Row);
    }

    pub(crate) fn end_row(&mut self) {
        self.close_in_table(Kind::Row);
    }

    /// Closes the innermost open `kind` of the innermost table (and what is
    /// open inside it); outside a table the end tag is only a break.
    fn close_in_table(&mut self, kind: Kind) {
        let Some(tpos) = self.innermost_table() else {
            self.brk();
            return;
        };
        if let Some(pos) = self.stack[tpos..].iter().position(|&id| self.nodes[id].kind == kind) {
            let pos = tpos + pos;
            while self.stack.len() > pos {
                self.pop();
            }
        }
    }

    pub(crate) fn start_cell(&mut self) {
        let Some(tpos) = self.innermost_table() else {
            self.brk();
            return;
        };
        let row = self.stack[tpos..].iter().position(|&id| self.nodes[id].kind == Kind::Row);
        match row {
            Some(r) => {
                while self.stack.len() > tpos + r + 1 {
                    self.pop();
                }
            }
            None => {
                while self.stack.len() > tpos + 1 {
                    self.pop();
                }
                self.push_node(Kind::Row);
            }
        }
        self.push_node(Kind::Cell);
    }

    pub(crate) fn end_cell(&mut self) {
        self.close_in_table(Kind::Cell);
    }

    /// Mark the innermost open cell as a merge continuation (emit nothing).
    pub(crate) fn skip_cell(&mut self) {
        let top = self.top();
        if self.nodes[top].kind == Kind::Cell {
            self.nodes[top].skip = true;
        }
    }

    pub(crate) fn finish(self) -> Flat {
        let mut w = Walker {
            nodes: &self.nodes,
            flat: Flat { pieces: Vec::new(), explicit_cells: true },
            line_no: 0,
            buf: String::new(),
            table_no: 0,
        };
        w.flow(0, 0);
        w.flush();
        w.flat
    }
}

struct Walker<'a> {
    nodes: &'a [Node],
    flat: Flat,
    line_no: u32,
    buf: String,
    table_no: u32,
}

impl Walker<'_> {
    /// Emit the pending line, if it holds any visible text.
    fn flush(&mut self) {
        let t = self.buf.trim_matches(is_ascii_ws);
        if t.chars().any(|c| !c.is_whitespace()) {
            self.line_no += 1;
            let t = t.to_string();
            self.flat.line(self.line_no, t);
        }
        self.buf.clear();
    }

    /// Text flow outside data cells: the root, layout cells.
    fn flow(&mut self, id: usize, depth: usize) {
        for child in &self.nodes[id].children {
            match child {
                Child::Text(s) => self.buf.push_str(s),
                Child::Break => self.flush(),
                Child::Node(n) => {
                    self.flush();
                    self.table(*n, depth + 1);
                }
            }
        }
    }

    fn table(&mut self, id: usize, depth: usize) {
        let node = &self.nodes[id];
        if node.kind != Kind::Table {
            // Cannot happen (the builder only hangs tables under flow nodes);
            // be lenient anyway.
            self.flow(id, depth);
            return;
        }
        let rows = node.children.iter().filter_map(|c| match c {
            Child::Node(r) if self.nodes[*r].kind == Kind::Row => Some(*r),
            _ => None,
        });
        let mut n_cells = 0usize;
        let mut layout = false;
        for r in rows {
            for c in &self.nodes[r].children {
                if let Child::Node(cell) = c {
                    n_cells += 1;
                    if self.nodes[*cell].children.iter().any(|k| matches!(k, Child::Node(_))) {
                        layout = true;
                    }
                }
            }
        }
        if layout || n_cells == 0 {
            self.layout_table(id, depth);
        } else {
            self.data_table(id);
        }
    }

    fn layout_table(&mut self, id: usize, depth: usize) {
        for child in &self.nodes[id].children {
            match child {
                Child::Text(s) => self.buf.push_str(s),
                Child::Break => self.flush(),
                Child::Node(r) => {
                    self.flush();
                    for c in &self.nodes[*r].children {
                        match c {
                            Child::Text(s) => self.buf.push_str(s),
                            Child::Break => self.flush(),
                            Child::Node(cell) => {
                                self.flush();
                                self.flow(*cell, depth);
                                self.flush();
                            }
                        }
                    }
                    self.flush();
                }
            }
        }
        self.flush();
    }

    fn data_table(&mut self, id: usize) {
        let t = self.table_no;
        self.table_no += 1;
        let mut row_no = 0u32;
        for child in &self.nodes[id].children {
            match child {
                // Stray text inside <table> but outside cells: browsers show
                // it before the table; we keep it as a line in place.
                Child::Text(s) => self.buf.push_str(s),
                Child::Break => self.flush(),
                Child::Node(r) => {
                    self.flush();
                    let mut col = 0u32;
                    let mut emitted = false;
                    for c in &self.nodes[*r].children {
                        match c {
                            Child::Text(s) => self.buf.push_str(s),
                            Child::Break => self.flush(),
                            Child::Node(cell) => {
                                self.flush();
                                let cell = &self.nodes[*cell];
                                if cell.skip {
                                    continue;
                                }
                                let text = cell_text(cell);
                                self.flat.cell(t, row_no, col, text);
                                col += 1;
                                emitted = true;
                            }
                        }
                    }
                    self.flush();
                    // Rows that print no cell (`<tr></tr>`, or DOCX rows made
                    // only of merge continuations) take no row number.
                    if emitted {
                        row_no += 1;
                    }
                }
            }
        }
        self.flush();
    }
}

/// A data cell's text: segments split at breaks, trimmed of ASCII
/// whitespace, blank segments dropped, joined with `\n`.
fn cell_text(cell: &Node) -> String {
    let mut out = String::new();
    let mut seg = String::new();
    let push_seg = |seg: &mut String, out: &mut String| {
        let t = seg.trim_matches(is_ascii_ws);
        // Visually blank segments (NBSP/U+3000-only `<p>&nbsp;</p>`) are
        // dropped like blank lines; other text is kept as is.
        if t.chars().any(|c| !c.is_whitespace()) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(t);
        }
        seg.clear();
    };
    for c in &cell.children {
        match c {
            Child::Text(s) => seg.push_str(s),
            Child::Break | Child::Node(_) => push_seg(&mut seg, &mut out),
        }
    }
    push_seg(&mut seg, &mut out);
    out
}

/// Helpers shared by the readers' unit tests.
#[cfg(test)]
pub(crate) mod testutil {
    use crate::flat::{Flat, Origin};

    /// The cell pieces: (table, row, col, text).
    pub(crate) fn cells(f: &Flat) -> Vec<(u32, u32, u32, &str)> {
        f.pieces
            .iter()
            .filter_map(|p| match p.origin {
                Origin::Cell { table, row, col } => Some((table, row, col, p.text.as_str())),
                _ => None,
            })
            .collect()
    }

    /// The line pieces: (line, text).
    pub(crate) fn lines(f: &Flat) -> Vec<(u32, &str)> {
        f.pieces
            .iter()
            .filter_map(|p| match p.origin {
                Origin::Line { line } => Some((line, p.text.as_str())),
                _ => None,
            })
            .collect()
    }

    fn norm(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// Cells after the first cell of `table` whose text is (or starts with,
    /// when `prefix`) `label`, in the same row.
    fn after_label(flat: &Flat, label: &str, prefix: bool) -> Option<Vec<String>> {
        let pos = flat.pieces.iter().position(|p| {
            matches!(p.origin, Origin::Cell { .. }) && {
                let t = norm(&p.text);
                if prefix {
                    t.starts_with(label)
                } else {
                    t == label
                }
            }
        })?;
        let Origin::Cell { table, row, .. } = flat.pieces[pos].origin else { return None };
        Some(
            flat.pieces[pos + 1..]
                .iter()
                .take_while(|p| matches!(p.origin, Origin::Cell { table: t, row: r, .. } if t == table && r == row))
                .map(|p| norm(&p.text))
                .collect(),
        )
    }

    /// Check every t2/t3/t4 value of an expected `.cells.tsv` (2021
    /// template) against the cells that follow their row label.
    pub(crate) fn check_expected(flat: &Flat, tsv_path: &str) {
        let tsv = std::fs::read_to_string(tsv_path).expect("expected tsv");
        let expected: std::collections::HashMap<&str, &str> = tsv.lines().filter_map(|l| l.split_once('\t')).collect();
        const T3COLS: [&str; 7] =
            ["natural", "commercial", "research", "nonprofit", "legal_service", "other_org", "total"];
        const T4COLS: [&str; 5] = ["upheld", "corrected", "other", "pending", "total"];
        let mut rows: Vec<(&str, &str, bool, Vec<String>)> = vec![
            ("t2.regulation", "规章", false, vec!["issued".into(), "repealed".into(), "in_force".into()]),
            ("t2.normative", "行政规范性文件", false, vec!["issued".into(), "repealed".into(), "in_force".into()]),
            ("t2.licensing", "行政许可", false, vec!["decisions".into()]),
            ("t2.penalty", "行政处罚", false, vec!["decisions".into()]),
            ("t2.enforcement", "行政强制", false, vec!["decisions".into()]),
            ("t2.fees", "行政事业性收费", false, vec!["amount".into()]),
        ];
        let t3: [(&str, &str); 25] = [
            ("t3.new", "一、本年新收"),
            ("t3.carried_over", "二、上年结转"),
            ("t3.granted", "（一）予以公开"),
            ("t3.partial", "（二）部分公开"),
            ("t3.denied.state_secret", "1.属于国家秘密"),
            ("t3.denied.prohibited_by_law", "2.其他法律行政法规禁止公开"),
            ("t3.denied.safety_stability", "3.危及"),
            ("t3.denied.third_party_rights", "4.保护第三方"),
            ("t3.denied.internal_affairs", "5.属于三类内部事务"),
            ("t3.denied.process_info", "6.属于四类过程性"),
            ("t3.denied.enforcement_file", "7.属于行政执法案卷"),
            ("t3.denied.admin_query", "8.属于行政查询"),
            ("t3.unavailable.not_held", "1.本机关不掌握"),
            ("t3.unavailable.needs_creation", "2.没有现成信息"),
            ("t3.unavailable.still_unclear", "3.补正后"),
            ("t3.not_processed.petition", "1.信访举报"),
            ("t3.not_processed.duplicate", "2.重复申请"),
            ("t3.not_processed.publication", "3.要求提供公开出版物"),
            ("t3.not_processed.excessive", "4.无正当理由大量"),
            ("t3.not_processed.confirmation", "5.要求行政机关确认"),
            ("t3.other.overdue_correction", "1.申请人无正当理由逾期不补正"),
            ("t3.other.overdue_fee", "2.申请人逾期未按收费"),
            ("t3.other.other", "3.其他"),
            ("t3.total", "（七）总计"),
            ("t3.carry_forward", "四、结转下年度"),
        ];
        for (k, l) in t3 {
            rows.push((k, l, true, T3COLS.iter().map(|s| s.to_string()).collect()));
        }
        let mut checked = 0;
        for (key, label, prefix, cols) in &rows {
            let got = after_label(flat, label, *prefix).unwrap_or_else(|| panic!("no row labelled {label}"));
            for (i, col) in cols.iter().enumerate() {
                let k = format!("{key}.{col}");
                let want = expected.get(k.as_str()).unwrap_or_else(|| panic!("{k} not in tsv"));
                assert_eq!(got.get(i).map(String::as_str), Some(*want), "{k} (row {label}: {got:?})");
                checked += 1;
            }
        }
        // 表四: the last row of the table that has a 行政复议 cell.
        let t4 = flat
            .pieces
            .iter()
            .find_map(|p| match p.origin {
                Origin::Cell { table, .. } if norm(&p.text) == "行政复议" => Some(table),
                _ => None,
            })
            .expect("表四");
        let last_row = flat
            .pieces
            .iter()
            .filter_map(|p| match p.origin {
                Origin::Cell { table, row, .. } if table == t4 => Some(row),
                _ => None,
            })
            .max()
            .unwrap();
        let vals: Vec<String> = flat
            .pieces
            .iter()
            .filter(|p| matches!(p.origin, Origin::Cell { table, row, .. } if table == t4 && row == last_row))
            .map(|p| norm(&p.text))
            .collect();
        assert_eq!(vals.len(), 15, "{vals:?}");
        for (g, group) in ["review", "suit_direct", "suit_after_review"].iter().enumerate() {
            for (i, col) in T4COLS.iter().enumerate() {
                let k = format!("t4.{group}.{col}");
                assert_eq!(vals[g * 5 + i], expected[k.as_str()], "{k}");
                checked += 1;
            }
        }
        let n_expected = expected.keys().filter(|k| !k.starts_with("meta.")).count();
        assert_eq!(checked, n_expected, "every expected value checked");
    }

    /// Iterations for the mangling tests: `n`, or `$FUZZ_N` when set (run
    /// `FUZZ_N=20000 cargo test --release` for a longer fuzz).
    pub(crate) fn fuzz_n(n: usize) -> usize {
        std::env::var("FUZZ_N").ok().and_then(|s| s.parse().ok()).unwrap_or(n)
    }

    /// Tiny deterministic PRNG (xorshift) for mangling inputs.
    pub(crate) struct Rng(pub u64);
    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        pub(crate) fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// A byte-mangled copy: flips, HTML/XML-ish insertions, deletions.
    pub(crate) fn mangle(src: &[u8], rng: &mut Rng) -> Vec<u8> {
        let mut v = src.to_vec();
        let n = 1 + rng.below(20);
        for _ in 0..n {
            if v.is_empty() {
                break;
            }
            let i = rng.below(v.len());
            match rng.below(6) {
                0 => v[i] = rng.next() as u8,
                1 => v[i] ^= 0x80,
                2 => {
                    let end = (i + rng.below(64)).min(v.len());
                    v.drain(i..end);
                }
                3 => {
                    const BITS: [&[u8]; 8] = [b"<", b">", b"</td>", b"<table>", b"&", b"<td", b"\"", b"</w:tc>"];
                    let s = BITS[rng.below(BITS.len())];
                    v.splice(i..i, s.iter().copied());
                }
                4 => {
                    let j = rng.below(v.len());
                    let len = rng.below(200).min(v.len() - i.max(j));
                    let chunk: Vec<u8> = v[j..j + len].to_vec();
                    v.splice(i..i, chunk);
                }
                _ => v.truncate(i),
            }
        }
        v
    }
}
