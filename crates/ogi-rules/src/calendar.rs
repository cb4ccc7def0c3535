//! The working-day calendar (第三十三条: deadlines are counted in working
//! days). A working day is Monday–Friday, less the public holidays the State
//! Council announces each year, plus the weekend days it declares worked
//! (调休). The arrangements are data: one embedded file per year
//! (`calendar/YYYY.txt`), and a user may load later years from files of the
//! same form. A date in a year no loaded file covers is an error, never a guess.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::civil::{Date, Weekday};

/// The arrangements shipped with ogi (the final ones, after amendments).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("2019", include_str!("../calendar/2019.txt")),
    ("2020", include_str!("../calendar/2020.txt")),
    ("2021", include_str!("../calendar/2021.txt")),
    ("2022", include_str!("../calendar/2022.txt")),
    ("2023", include_str!("../calendar/2023.txt")),
    ("2024", include_str!("../calendar/2024.txt")),
    ("2025", include_str!("../calendar/2025.txt")),
    ("2026", include_str!("../calendar/2026.txt")),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// The date's year has no loaded arrangement (e.g. 2027 before it is announced).
    UnknownYear { date: Date },
    /// A calendar file could not be read.
    Parse { source: String, line: usize, message: String },
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalendarError::UnknownYear { date } => write!(
                f,
                "{date} 所在的 {} 年尚未载入节假日安排（国务院办公厅当年通知发布后，由管理员载入该年日历文件）",
                date.year()
            ),
            CalendarError::Parse { source, line, message } => write!(f, "日历文件 {source} 第 {line} 行：{message}"),
        }
    }
}

impl std::error::Error for CalendarError {}

/// The loaded arrangements.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    /// Each loaded year's arrangement, by year (a notice may reach into the
    /// neighbouring year, so a date is looked up in every arrangement).
    years: BTreeMap<i16, Arrangement>,
    /// Derived from `years` at each load (see `YearDays`).
    days: BTreeMap<i16, YearDays>,
}

#[derive(Debug, Clone, Default)]
struct Arrangement {
    /// The notice's name (first comment line).
    title: String,
    holidays: BTreeSet<Date>,
    worked_weekends: BTreeSet<Date>,
}

impl Calendar {
    /// The embedded arrangements, 2019–2026.
    pub fn embedded() -> Calendar {
        let mut c = Calendar::default();
        for (name, text) in EMBEDDED {
            c.load(&format!("calendar/{name}.txt"), text).expect("embedded calendars are valid");
        }
        c
    }

    /// Loads one year's arrangement (replacing an earlier one for that year):
    /// `year YYYY`, `holiday FROM[..TO]`, `workday DATE`; `#` starts a comment.
    pub fn load(&mut self, source: &str, text: &str) -> Result<i16, CalendarError> {
        let err = |line: usize, message: String| CalendarError::Parse { source: source.to_string(), line, message };
        let mut year = None;
        let mut title = String::new();
        let mut holidays = Vec::new();
        let mut worked = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if let Some(c) = line.strip_prefix('#') {
                if title.is_empty() {
                    title = c.trim().to_string();
                }
                continue;
            }
            if line.is_empty() {
                continue;
            }
            let (word, rest) =
                line.split_once(char::is_whitespace).ok_or_else(|| err(n, format!("无法识别：{line}")))?;
            let rest = rest.trim();
            let date = |s: &str| s.trim().parse::<Date>().map_err(|e| err(n, format!("日期 {s:?} 无效：{e}")));
            match word {
                "year" => year = Some(rest.parse::<i16>().map_err(|_| err(n, format!("年份 {rest:?} 无效")))?),
                "holiday" => {
                    let (a, b) = match rest.split_once("..") {
                        Some((a, b)) => (date(a)?, date(b)?),
                        None => (date(rest)?, date(rest)?),
                    };
                    if b < a || b.since(a).map_or(true, |s| s.get_days() > 31) {
                        return Err(err(n, format!("假期范围 {a}..{b} 无效")));
                    }
                    let mut d = a;
                    while d <= b {
                        holidays.push(d);
                        d = d.tomorrow().map_err(|e| err(n, e.to_string()))?;
                    }
                }
                "workday" => {
                    let d = date(rest)?;
                    if !is_weekend(d) {
                        return Err(err(n, format!("{d} 不是周末，无需调休上班")));
                    }
                    worked.push(d);
                }
                _ => return Err(err(n, format!("无法识别：{line}"))),
            }
        }
        let year = year.ok_or_else(|| err(0, "缺少 year 行".into()))?;
        if let Some(d) = holidays.iter().chain(&worked).find(|d| (d.year() - year).abs() > 1) {
            return Err(err(0, format!("{d} 不在 {year} 年安排的范围内")));
        }
        // Loading a year again replaces its arrangement (a corrected notice).
        self.years.insert(
            year,
            Arrangement {
                title,
                holidays: holidays.into_iter().collect(),
                worked_weekends: worked.into_iter().collect(),
            },
        );
        self.index();
        Ok(year)
    }

    /// The years loaded, with each notice's name.
    pub fn years(&self) -> impl Iterator<Item = (i16, &str)> {
        self.years.iter().map(|(y, a)| (*y, a.title.as_str()))
    }

    fn known(&self, date: Date) -> Result<(), CalendarError> {
        if self.years.contains_key(&date.year()) {
            Ok(())
        } else {
            Err(CalendarError::UnknownYear { date })
        }
    }

    /// Whether `date` is a working day.
    pub fn is_workday(&self, date: Date) -> Result<bool, CalendarError> {
        self.known(date)?;
        match self.days.get(&date.year()) {
            Some(days) => Ok(days.is_workday(date)),
            None => Ok(self.lookup(date)),
        }
    }

    /// Whether `date` is a working day, from the arrangements themselves.
    fn lookup(&self, date: Date) -> bool {
        let holiday = self.years.values().any(|a| a.holidays.contains(&date));
        let worked = self.years.values().any(|a| a.worked_weekends.contains(&date));
        if holiday {
            false
        } else if is_weekend(date) {
            worked
        } else {
            true
        }
    }

    /// The `n`-th working day after `date` (`date` itself not counted); `n = 0`
    /// is `date`.
    pub fn add_workdays(&self, date: Date, n: u32) -> Result<Date, CalendarError> {
        self.known(date)?;
        let mut d = date;
        let mut left = n;
        while left > 0 {
            d = d.tomorrow().map_err(|_| CalendarError::UnknownYear { date: d })?;
            if self.is_workday(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Working days strictly after `from` up to and including `to` (0 if `to <= from`).
    pub fn workdays_between(&self, from: Date, to: Date) -> Result<u32, CalendarError> {
        if to <= from {
            return Ok(0);
        }
        let first = from.tomorrow().map_err(|_| CalendarError::UnknownYear { date: from })?;
        let mut n = 0;
        // Year by year: within a year, a subtraction of running counts.
        for year in first.year()..=to.year() {
            let a = if year == first.year() { first } else { Date::new(year, 1, 1).map_err(|_| unknown(to))? };
            let b = if year == to.year() { to } else { Date::new(year, 12, 31).map_err(|_| unknown(to))? };
            self.known(a)?;
            match self.days.get(&year) {
                Some(days) => n += days.count(a, b),
                None => {
                    let mut d = a;
                    loop {
                        n += u32::from(self.lookup(d));
                        if d >= b {
                            break;
                        }
                        d = d.tomorrow().map_err(|_| unknown(d))?;
                    }
                }
            }
        }
        Ok(n)
    }

    /// Recomputes the day tables of every loaded year (a neighbouring
    /// year's notice may move a day of this one).
    fn index(&mut self) {
        let mut all = BTreeMap::new();
        for &year in self.years.keys() {
            let Ok(mut d) = Date::new(year, 1, 1) else { continue };
            let mut before = vec![0u32];
            while d.year() == year {
                let last = before.last().copied().unwrap_or(0);
                before.push(last + u32::from(self.lookup(d)));
                match d.tomorrow() {
                    Ok(next) => d = next,
                    Err(_) => break,
                }
            }
            all.insert(year, YearDays { before });
        }
        self.days = all;
    }
}

fn unknown(date: Date) -> CalendarError {
    CalendarError::UnknownYear { date }
}

// ---- Day tables (found by the workbench's load test: "逾期 N 个工作日"
// for 50 overdue requests walked up to two years of days each, every day
// looked up in every year's arrangement) ----

/// One loaded year's days: `before[i]` is the number of working days from
/// 1 January up to, not including, the year's day `i` (0-based).
#[derive(Debug, Clone, Default)]
struct YearDays {
    before: Vec<u32>,
}

impl YearDays {
    fn index(d: Date) -> usize {
        (d.day_of_year() - 1) as usize
    }

    fn is_workday(&self, d: Date) -> bool {
        let i = YearDays::index(d);
        self.before[i + 1] > self.before[i]
    }

    /// Working days from `a` through `b`, both in this year.
    fn count(&self, a: Date, b: Date) -> u32 {
        self.before[YearDays::index(b) + 1] - self.before[YearDays::index(a)]
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn cal() -> Calendar {
        Calendar::embedded()
    }

    #[test]
    fn the_day_tables_agree_with_the_arrangements_day_by_day() {
        let c = cal();
        let mut d = date(2019, 1, 1);
        let mut walked = Vec::new();
        while d <= date(2026, 12, 31) {
            assert_eq!(c.is_workday(d).unwrap(), c.lookup(d), "{d}");
            walked.push((d, c.lookup(d)));
            d = d.tomorrow().unwrap();
        }
        // Counted by walking, for ranges within a year, across years and empty.
        let naive = |a: Date, b: Date| walked.iter().filter(|(d, w)| *w && *d > a && *d <= b).count() as u32;
        for (a, b) in [
            (date(2024, 1, 1), date(2024, 1, 1)),
            (date(2024, 9, 27), date(2024, 10, 30)),
            (date(2019, 1, 1), date(2026, 12, 31)),
            (date(2023, 12, 31), date(2024, 1, 2)),
            (date(2024, 2, 6), date(2025, 11, 20)),
            (date(2025, 12, 30), date(2026, 1, 5)),
            (date(2025, 5, 1), date(2025, 4, 1)),
        ] {
            assert_eq!(c.workdays_between(a, b).unwrap(), naive(a, b), "{a}..{b}");
        }
        // A range into a year not loaded is refused at its first day, as before.
        assert_eq!(
            c.workdays_between(date(2026, 12, 30), date(2027, 1, 5)),
            Err(CalendarError::UnknownYear { date: date(2027, 1, 1) })
        );
        assert_eq!(
            c.workdays_between(date(2018, 12, 31), date(2019, 1, 3)).unwrap(),
            naive(date(2018, 12, 31), date(2019, 1, 3))
        );
    }

    #[test]
    fn the_domain_examples_hold() {
        // Received 2024-09-27, 20 working days → 2024-10-30 (国庆 in between).
        assert_eq!(cal().add_workdays(date(2024, 9, 27), 20).unwrap(), date(2024, 10, 30));
        // Received 2023-09-27, 3 working days → Sunday 2023-10-08, a worked day.
        assert_eq!(cal().add_workdays(date(2023, 9, 27), 3).unwrap(), date(2023, 10, 8));
    }

    #[test]
    fn deadlines_across_spring_festival_and_national_day() {
        let c = cal();
        // 2025 春节 1/28–2/4; 1/26 (Sun) and 2/8 (Sat) worked.
        assert_eq!(c.add_workdays(date(2025, 1, 24), 1).unwrap(), date(2025, 1, 26));
        assert_eq!(c.add_workdays(date(2025, 1, 27), 1).unwrap(), date(2025, 2, 5));
        // 1/21–24 (4), 1/26 (5), 1/27 (6), 2/5–7 (9), 2/8 (10), 2/10–14 (15), 2/17–21 (20).
        assert_eq!(c.add_workdays(date(2025, 1, 20), 20).unwrap(), date(2025, 2, 21));
        // 2026 春节 2/15–23; 2/14 (Sat) and 2/28 (Sat) worked.
        assert_eq!(c.add_workdays(date(2026, 2, 13), 1).unwrap(), date(2026, 2, 14));
        assert_eq!(c.add_workdays(date(2026, 2, 14), 1).unwrap(), date(2026, 2, 24));
        // 2020 春节 extended to 2/2 for the epidemic; 2/1 not worked after all.
        assert_eq!(c.add_workdays(date(2020, 1, 23), 1).unwrap(), date(2020, 2, 3));
        // 2025 国庆 10/1–8; 9/28 (Sun) and 10/11 (Sat) worked.
        assert_eq!(c.add_workdays(date(2025, 9, 26), 1).unwrap(), date(2025, 9, 28));
        assert_eq!(c.add_workdays(date(2025, 9, 30), 1).unwrap(), date(2025, 10, 9));
        assert_eq!(c.add_workdays(date(2025, 9, 30), 3).unwrap(), date(2025, 10, 11));
        // Across a year end: 2023 元旦 2022-12-31–2023-01-02 is in the 2023 notice.
        assert_eq!(c.add_workdays(date(2022, 12, 30), 1).unwrap(), date(2023, 1, 3));
    }

    #[test]
    fn every_holiday_and_worked_weekend_of_2019_to_2026() {
        let c = cal();
        let mut holidays = 0;
        let mut worked = 0;
        for (_, text) in EMBEDDED {
            for line in text.lines() {
                if let Some(rest) = line.strip_prefix("holiday ") {
                    let (a, b) = rest.split_once("..").unwrap_or((rest, rest));
                    let (mut d, b): (Date, Date) = (a.parse().unwrap(), b.parse().unwrap());
                    while d <= b {
                        if c.is_workday(d).is_ok() {
                            assert!(!c.is_workday(d).unwrap(), "{d} is a holiday");
                            holidays += 1;
                        }
                        d = d.tomorrow().unwrap();
                    }
                } else if let Some(d) = line.strip_prefix("workday ") {
                    let d: Date = d.parse().unwrap();
                    if c.is_workday(d).is_ok() {
                        assert!(c.is_workday(d).unwrap(), "{d} is a worked weekend day");
                        worked += 1;
                    }
                }
            }
        }
        // 2018-12-29/30/31 are in the 2019 notice but 2018 is not a loaded year.
        assert!(holidays > 200 && worked > 45, "{holidays} {worked}");
        // Ordinary days.
        assert!(c.is_workday(date(2024, 3, 12)).unwrap());
        assert!(!c.is_workday(date(2024, 3, 16)).unwrap());
        // 2024-02-09 (除夕) was a working day.
        assert!(c.is_workday(date(2024, 2, 9)).unwrap());
    }

    /// Typed from the notices (domain.md §4), independently of the data files.
    #[test]
    fn the_data_files_say_what_the_notices_say() {
        let c = cal();
        let off = [
            "2019-05-04",
            "2019-06-07",
            "2019-09-13",
            "2020-01-31",
            "2020-02-02",
            "2020-06-27",
            "2020-10-08",
            "2021-02-17",
            "2021-09-21",
            "2022-01-31",
            "2022-05-04",
            "2022-09-12",
            "2023-01-02",
            "2023-06-24",
            "2023-10-06",
            "2024-02-16",
            "2024-06-10",
            "2024-09-17",
            "2025-01-28",
            "2025-02-04",
            "2025-06-02",
            "2025-10-08",
            "2026-01-02",
            "2026-02-23",
            "2026-06-19",
            "2026-09-25",
            "2026-10-07",
        ];
        let worked = [
            "2019-02-02",
            "2019-10-12",
            "2020-01-19",
            "2020-10-10",
            "2021-02-20",
            "2021-09-26",
            "2022-01-29",
            "2022-10-09",
            "2023-01-29",
            "2023-06-25",
            "2024-02-04",
            "2024-02-18",
            "2024-10-12",
            "2025-01-26",
            "2025-02-08",
            "2025-10-11",
            "2026-01-04",
            "2026-02-28",
            "2026-10-10",
        ];
        for d in off {
            assert!(!c.is_workday(d.parse().unwrap()).unwrap(), "{d} is a holiday");
        }
        for d in worked {
            assert!(c.is_workday(d.parse().unwrap()).unwrap(), "{d} is worked");
        }
        // 2020-02-01 was to be worked, then the epidemic extension cancelled it.
        assert!(!c.is_workday(date(2020, 2, 1)).unwrap());
    }

    #[test]
    fn reloading_a_year_replaces_its_arrangement() {
        let mut c = cal();
        c.load("2027.txt", "year 2027\nholiday 2027-10-08\n").unwrap();
        assert!(!c.is_workday(date(2027, 10, 8)).unwrap());
        c.load("2027.txt", "year 2027\nholiday 2027-10-07\n").unwrap();
        assert!(c.is_workday(date(2027, 10, 8)).unwrap());
        assert!(c.load("x.txt", "year 2027\nholiday 2030-01-01\n").is_err());
    }

    #[test]
    fn unknown_years_are_errors_until_loaded() {
        let mut c = cal();
        let d = date(2027, 1, 4);
        assert_eq!(c.is_workday(d), Err(CalendarError::UnknownYear { date: d }));
        assert!(c.add_workdays(date(2026, 12, 30), 5).is_err());
        assert!(c.is_workday(date(2018, 6, 1)).is_err());
        c.load("2027.txt", "year 2027\nholiday 2027-01-01\nworkday 2027-01-02\n").unwrap();
        assert!(!c.is_workday(date(2027, 1, 1)).unwrap());
        assert!(c.is_workday(date(2027, 1, 2)).unwrap());
        assert_eq!(c.add_workdays(date(2026, 12, 30), 2).unwrap(), date(2027, 1, 2));
    }

    #[test]
    fn bad_calendar_files_are_refused_with_the_line() {
        let mut c = Calendar::default();
        for (text, line) in [
            ("year 2027\nholiday 2027-13-01\n", 2),
            ("year 2027\nworkday 2027-01-04\n", 2),
            ("year 2027\nholiday 2027-02-10..2027-01-01\n", 2),
            ("year 2027\nfoo\n", 2),
            ("holiday 2027-01-01\n", 0),
        ] {
            match c.load("x.txt", text) {
                Err(CalendarError::Parse { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
