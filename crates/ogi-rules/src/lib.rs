//! The law as code: the working-day calendar that every statutory deadline
//! of the 《政府信息公开条例》 counts in, a request's life and its answer
//! deadline, the information-processing fees of 国办函〔2020〕109号, and the
//! year's annual report drafted from the records.
//! Pure: no I/O beyond parsing what it is handed.

pub mod annual;
pub mod calendar;
pub mod fees;
pub mod request;
pub mod sim;
pub mod table3;

pub use calendar::{Calendar, CalendarError};
pub use jiff::civil::Date;
