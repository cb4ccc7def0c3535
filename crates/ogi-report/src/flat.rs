//! The common intermediate form every reader produces: a document flattened
//! into pieces of text in reading order, each remembering where it came from.
//!
//! Readers only have to get text and structure out of their format; finding
//! the annual report's tables in that text is the extractor's job
//! (`crate::extract`), shared by all formats.

pub use ogi_vocab::Origin;

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
