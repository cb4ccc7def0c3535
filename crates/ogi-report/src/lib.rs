//! The national format of the 政府信息公开工作年度报告 (国办公开办函〔2021〕30号
//! and the older 〔2019〕60号): the report model, the cell keys, and readers
//! that turn what agencies publish (web pages, Word files, PDFs, text) into
//! the model, keeping where every number was read.
//!
//! Pure: bytes in, values out. No database, no network, no async.
//!
//! ```
//! let text = "某某局2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n\
//!             一、本年新收政府信息公开申请数量 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |";
//! let report = ogi_report::read(text.as_bytes(), Some("r.txt")).unwrap();
//! assert_eq!(report.meta.year, Some(2023));
//! assert_eq!(report.value("t3.new.natural".parse().unwrap()).unwrap().to_string(), "5");
//! ```

// The vocabulary and the Word writer live in their own crates (so that the
// crates needing an `Outcome` do not compile the parsers); their old paths stay.
pub use ogi_docx as docx_out;
pub use ogi_vocab::{cells, layout, model};

pub mod check;
mod extract;
pub mod flat;
mod norm;
pub mod readers;
pub mod render;
mod scan;
mod solve;
mod tradsimp;

pub use cells::{CellKey, Template};
pub use model::{Number, Report};
pub use readers::{read, read_as, Format, ReadError};
