//! A letter as a Word file.

use ogi_docx::{Block, Document};

use crate::Letter;

/// The letter as a Word file in the look of an official letter: title,
/// 文号 under it on the right, the recipient, the body, signature and date
/// on the right.
pub fn to_docx(letter: &Letter) -> Vec<u8> {
    let mut doc = Document::new(&letter.title);
    doc.creator = letter.signature.clone();
    // A letter of a page or two: no page numbers (GB/T 9704 信函格式).
    doc.page_numbers = false;
    doc.blocks.push(Block::Title(letter.title.clone()));
    if !letter.number.trim().is_empty() {
        doc.blocks.push(Block::Right(letter.number.clone()));
    }
    doc.blocks.push(Block::Paragraph(format!("{}：", letter.recipient)));
    for p in &letter.paragraphs {
        doc.blocks.push(Block::Paragraph(p.clone()));
    }
    // 发文机关署名 two lines below the body, 成文日期 under it.
    doc.blocks.push(Block::Paragraph(String::new()));
    doc.blocks.push(Block::Right(letter.signature.clone()));
    doc.blocks.push(Block::Right(letter.date.clone()));
    ogi_docx::to_bytes(&doc)
}
