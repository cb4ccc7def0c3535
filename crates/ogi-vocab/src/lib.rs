//! The vocabulary every part of ogi shares, with no parser behind it: the
//! cell keys of the national annual report (`shared/spec/report-cells.md`),
//! which are also the outcomes a request ends in and the kinds of applicant
//! (`cells`); the report as data (`model`); and the national layout, each
//! table's printed grid (`layout`).
//!
//! Pure data and small functions: no I/O, no parsing of published documents
//! (that is `ogi-report`), no law (that is `ogi-rules`).
//!
//! ```
//! use ogi_vocab::cells::{CellKey, DenialReason, Outcome, T3Row};
//! let key: CellKey = "t3.denied.state_secret.natural".parse().unwrap();
//! assert_eq!(key.to_string(), "t3.denied.state_secret.natural");
//! assert_eq!(T3Row::Outcome(Outcome::Denied(DenialReason::StateSecret)).key(), "denied.state_secret");
//! ```

pub mod cells;
pub mod layout;
pub mod model;

pub use cells::{CellKey, Template};
pub use model::{Number, Origin, Report};
