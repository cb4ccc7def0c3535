//! The common intermediate form every reader produces: a document flattened
//! into pieces of text in reading order, each remembering where it came from.
//!
//! Readers only have to get text and structure out of their format; finding
//! the annual report's tables in that text is the extractor's job
//! (`crate::extract`), shared by all formats.

use serde::{Deserialize, Serialize};

/// Where a piece of text was found in the source document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// A table cell (HTML `<td>`/`<th>`, DOCX `w:tc`): 0-based table index in
    /// the document, row index in that table, cell index in that row (as
    /// printed, i.e. before expanding colspan/rowspan).
    Cell { table: u32, row: u32, col: u32 },
    /// A line of text (plain text, PDF text layer, HTML/DOCX paragraph):
    /// 1-based line number in the reader's output.
    Line { line: u32 },
}

/// One piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The text as printed (a reader may turn `<br>` into `\n` and decode
    /// entities, but must not otherwise clean it up).
    pub text: String,
    pub origin: Origin,
}

/// A flattened document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flat {
    pub pieces: Vec<Piece>,
    /// True when table cells are explicit (HTML, DOCX): an empty `Cell` piece
    /// is a cell printed blank, and a row's cells are all there. False for
    /// text formats, where blank cells may have vanished.
    pub explicit_cells: bool,
}

impl Flat {
    pub fn line(&mut self, line: u32, text: impl Into<String>) {
        self.pieces.push(Piece { text: text.into(), origin: Origin::Line { line } });
    }
    pub fn cell(&mut self, table: u32, row: u32, col: u32, text: impl Into<String>) {
        self.pieces.push(Piece { text: text.into(), origin: Origin::Cell { table, row, col } });
    }
}
