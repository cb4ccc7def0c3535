//! The letters (文书) of a 政府信息公开申请, and nothing else: given plain data
//! about a request ([`Context`]), write the letter an agency sends — the
//! 受理回执, 补正告知书, 延期答复告知书, 第三方征求意见书, 收费通知书, and the
//! 答复告知书 of each outcome — as a structured [`Letter`] (title, 文号,
//! recipient, paragraphs, signature, date), as a printable HTML page and as
//! a Word file.
//!
//! Each answer names its outcome, cites the articles of the
//! 《中华人民共和国政府信息公开条例》 it relies on ([`law::articles`]) and states
//! the requester's remedies (第五十一条); a refusal to disclose dated on or
//! after 2024-01-01 says that reconsideration comes before a lawsuit
//! (行政复议法第二十三条). The legal content is computed here; the wording around
//! it is a template an agency may edit ([`LetterKind::default_template`],
//! [`validate`] before saving, [`render`] with the edited text).
//!
//! Pure: no I/O, no database, no clock. Dates and deadlines come from the
//! caller (computed with `ogi-rules`); [`suggested`] reads a
//! [`ogi_rules::request::Request`] to say which letters its events call for.
//!
//! ```
//! use ogi_letters::{render, to_html, Context, LetterKind};
//! use ogi_vocab::cells::{DenialReason, Outcome};
//!
//! let ctx = Context::sample();
//! let letter = render(LetterKind::Answer(Outcome::Denied(DenialReason::StateSecret)), &ctx, None).unwrap();
//! assert!(letter.paragraphs.iter().any(|p| p.contains("第十四条")));
//! assert!(to_html(&letter).starts_with("<!DOCTYPE html>"));
//! ```

mod context;
mod docx;
mod html;
pub mod law;
mod register;
mod render;
mod suggest;

pub use context::{format_date, Answer, Context, Correction, Extension, Fee, FeeMethod, ThirdParty};
pub use docx::to_docx;
pub use html::to_html;
pub use register::{context, missing, Agency, ContextError, LetterDetails, Registered, MAX_DETAIL};
pub use render::{render, validate, Letter, LetterError, LetterKind, TemplateError, PLACEHOLDERS};
pub use suggest::suggested;
