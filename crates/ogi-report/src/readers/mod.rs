//! Readers: one per published format, each turning bytes into a [`Flat`]
//! document; the shared extractor then finds the report in it. The format is
//! chosen by content (a `.txt` that is really HTML is read as HTML); the file
//! name only breaks ties.

mod docx;
mod html;
mod json;
mod pdf;
mod text;
/// Text bytes as a string: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030.
pub use text::decode as decode_text;
mod tree;

use std::fmt;

use crate::extract::{extract, NotAReport};
use crate::flat::Flat;
use crate::model::{Report, SourceFormat};

/// A published format ogi reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Text,
    Markdown,
    Html,
    Docx,
    Pdf,
    Json,
}

impl Format {
    pub const ALL: [Format; 6] =
        [Format::Text, Format::Markdown, Format::Html, Format::Docx, Format::Pdf, Format::Json];

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Json => "json",
        }
    }

    fn source(self) -> SourceFormat {
        match self {
            Format::Text => SourceFormat::Text,
            Format::Markdown => SourceFormat::Markdown,
            Format::Html => SourceFormat::Html,
            Format::Docx => SourceFormat::Docx,
            Format::Pdf => SourceFormat::Pdf,
            Format::Json => SourceFormat::Json,
        }
    }

    /// Guesses the format from the bytes, then the file name.
    pub fn sniff(bytes: &[u8], name: Option<&str>) -> Format {
        let head = &bytes[..bytes.len().min(4096)];
        if head.starts_with(b"%PDF") || find(head, b"%PDF-").is_some_and(|p| p < 1024) {
            return Format::Pdf;
        }
        if head.starts_with(b"PK\x03\x04") {
            return Format::Docx;
        }
        let ext = name.and_then(|n| n.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase());
        let trimmed = trim_start(head);
        if trimmed.starts_with(b"{") && (ext.as_deref() == Some("json") || find(head, b"\"meta\"").is_some()) {
            return Format::Json;
        }
        if !head.contains(&b'<') {
            // No tag at all: text or Markdown.
            return if ext.as_deref() == Some("md") || ext.as_deref() == Some("markdown") || text::has_pipe_rule(bytes) {
                Format::Markdown
            } else {
                match ext.as_deref() {
                    Some("html" | "htm" | "shtml") => Format::Html,
                    _ => Format::Text,
                }
            };
        }
        let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
        let strong = [&b"<html"[..], b"<!doctype html", b"<body", b"<head"];
        let weak = [&b"<table"[..], b"<div", b"<p>", b"<p ", b"<td", b"<meta", b"<br"];
        // Text that merely mentions a tag (a Markdown note about `<td>`) is not a page.
        let textual = matches!(ext.as_deref(), Some("txt" | "md" | "markdown" | "text"));
        if trimmed.starts_with(b"<")
            || strong.iter().any(|t| find(&lower, t).is_some())
            || (!textual && weak.iter().any(|t| find(&lower, t).is_some()))
        {
            return Format::Html;
        }
        if ext.as_deref() == Some("md") || ext.as_deref() == Some("markdown") || text::has_pipe_rule(bytes) {
            return Format::Markdown;
        }
        match ext.as_deref() {
            Some("html" | "htm" | "shtml") => Format::Html,
            Some("docx") => Format::Docx,
            Some("pdf") => Format::Pdf,
            _ => Format::Text,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("未知格式 {s:?}（可用：text、markdown、html、docx、pdf、json）"))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// Why a file could not be read as an annual report. The message is one line,
/// in Chinese, for the person who gave ogi the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub format: Format,
    pub reason: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}（按 {} 格式读取）", self.reason.replace('\n', " "), self.format)
    }
}

impl std::error::Error for ReadError {}

/// Reads a report, choosing the reader by content (then by `name`'s extension).
pub fn read(bytes: &[u8], name: Option<&str>) -> Result<Report, ReadError> {
    read_as(bytes, Format::sniff(bytes, name))
}

/// Reads a report with a given reader.
pub fn read_as(bytes: &[u8], format: Format) -> Result<Report, ReadError> {
    let err = |reason: String| ReadError { format, reason };
    let flat: Flat = match format {
        Format::Json => return json::read(bytes).map_err(err),
        Format::Text => text::read(bytes, false).map_err(err)?,
        Format::Markdown => text::read(bytes, true).map_err(err)?,
        Format::Html => html::read(bytes).map_err(err)?,
        Format::Docx => docx::read(bytes).map_err(err)?,
        Format::Pdf => pdf::read(bytes).map_err(err)?,
    };
    extract(&flat, format.source()).map_err(|NotAReport(r)| err(r))
}

/// The flattened document a reader makes (for debugging a reader: `ogi report flat`).
pub fn flatten(bytes: &[u8], format: Format) -> Result<Flat, ReadError> {
    let err = |reason: String| ReadError { format, reason };
    match format {
        Format::Json => Err(err("JSON 报告没有版面".into())),
        Format::Text => text::read(bytes, false).map_err(err),
        Format::Markdown => text::read(bytes, true).map_err(err),
        Format::Html => html::read(bytes).map_err(err),
        Format::Docx => docx::read(bytes).map_err(err),
        Format::Pdf => pdf::read(bytes).map_err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_is_chosen_by_content_first() {
        assert_eq!(Format::sniff(b"%PDF-1.7\n...", Some("report.txt")), Format::Pdf);
        assert_eq!(Format::sniff(b"PK\x03\x04....", Some("report.bin")), Format::Docx);
        assert_eq!(Format::sniff(b"<!DOCTYPE html><html>", Some("report.txt")), Format::Html);
        assert_eq!(Format::sniff("<p>规章</p><table>".as_bytes(), None), Format::Html);
        assert_eq!(Format::sniff(b"{\"meta\":{}}", None), Format::Json);
        assert_eq!(Format::sniff("| a | b |\n|---|---|\n".as_bytes(), None), Format::Markdown);
        // A note that only mentions a tag is text, not a page.
        assert_eq!(Format::sniff("cells like `<td>` and `<p>`".as_bytes(), Some("notes.md")), Format::Markdown);
        assert_eq!(Format::sniff("规章 0 0 0".as_bytes(), Some("r.txt")), Format::Text);
        assert_eq!("pdf".parse::<Format>(), Ok(Format::Pdf));
        assert!("doc".parse::<Format>().is_err());
    }
}
