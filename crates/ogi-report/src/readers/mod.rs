//! Readers: one per published format, each turning bytes into a [`Flat`]
//! document; the shared extractor then finds the report in it. The format is
//! chosen by content (a `.txt` that is really HTML is read as HTML); the file
//! name only breaks ties.

mod docx;
mod html;
mod json;
mod pdf;
mod text;
/// The message of a PDF the parser panicked on (caught, never shown as a crash).
pub use pdf::PARSER_PANIC;
/// Text bytes as a string: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030.
pub use text::decode as decode_text;
mod tree;

use std::fmt;

use crate::extract::{extract, NotAReport};
use crate::flat::Flat;
use crate::model::Report;

/// A published format ogi reads: the model's [`SourceFormat`] (its
/// [`SourceFormat::READABLE`] ones), under the name the readers give it.
pub use crate::model::SourceFormat as Format;

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
    read_as(bytes, sniff(bytes, name))
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
        Format::Generated => return Err(err("没有读取 ogi 自身生成格式的读取器".into())),
    };
    extract(&flat, format).map_err(|NotAReport(r)| err(r))
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
        Format::Generated => Err(err("没有读取 ogi 自身生成格式的读取器".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_is_chosen_by_content_first() {
        assert_eq!(sniff(b"%PDF-1.7\n...", Some("report.txt")), Format::Pdf);
        assert_eq!(sniff(b"PK\x03\x04....", Some("report.bin")), Format::Docx);
        assert_eq!(sniff(b"<!DOCTYPE html><html>", Some("report.txt")), Format::Html);
        assert_eq!(sniff("<p>规章</p><table>".as_bytes(), None), Format::Html);
        assert_eq!(sniff(b"{\"meta\":{}}", None), Format::Json);
        assert_eq!(sniff("| a | b |\n|---|---|\n".as_bytes(), None), Format::Markdown);
        // A note that only mentions a tag is text, not a page.
        assert_eq!(sniff("cells like `<td>` and `<p>`".as_bytes(), Some("notes.md")), Format::Markdown);
        assert_eq!(sniff("规章 0 0 0".as_bytes(), Some("r.txt")), Format::Text);
        assert_eq!("pdf".parse::<Format>(), Ok(Format::Pdf));
        assert!("doc".parse::<Format>().is_err());
    }
}
