//! The law as code: the working-day calendar that every statutory deadline
//! of the 《政府信息公开条例》 counts in, a request's life and its answer
//! deadline, the information-processing fees of 国办函〔2020〕109号, and the
//! year's annual report drafted from the records.
//! Pure: no I/O beyond parsing what it is handed.

pub mod agency;
pub mod annual;
pub mod calendar;
pub mod fees;
pub mod identity;
pub mod input;
pub mod request;
pub mod sim;
pub mod table3;

pub use calendar::{Calendar, CalendarError};
pub use jiff::civil::Date;

/// Today in China (UTC+8, no daylight saving), the day every deadline counts from.
pub fn china_today() -> Date {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let days = (secs + 8 * 3600).div_euclid(86_400);
    Date::new(1970, 1, 1)
        .ok()
        .and_then(|epoch| epoch.checked_add(jiff::Span::new().days(days)).ok())
        .unwrap_or(Date::constant(2026, 1, 1))
}
