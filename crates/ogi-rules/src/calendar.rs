//! The working-day calendar (第三十三条: deadlines are counted in working
//! days). A working day is Monday–Friday, less the public holidays the State
//! Council announces each year, plus the weekend days it declares worked
//! (调休). The arrangements are data: one embedded file per year
//! (`calendar/YYYY.txt`), and an administrator loads later years (a file of
//! the same form, or the admin page).
//!
//! A year whose notice is not loaded yet (2027 as of December 2026) is counted
//! **provisionally** (暂定) from the statutory days off alone
//! (《全国年节及纪念日放假办法》, `calendar/statutory.txt`, 2025–2035), with a
//! day in lieu for a festival day that falls on a weekend or on another
//! festival, and no 调休. Every date counted through such a year says so
//! ([`Calendar::provisional_years`]); loading the year's notice replaces the
//! provisional days. A date outside both (before 2019, after 2035) is an
//! error, never a guess.

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

/// The statutory festivals' dates, year by year (see `calendar/statutory.txt`).
pub const STATUTORY: &str = include_str!("../calendar/statutory.txt");

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
            CalendarError::Parse { source, line: 0, message } => write!(f, "{source}：{message}"),
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
    /// The statutory days off of every year the festival table covers; used
    /// only for years with no loaded arrangement (provisionally).
    statutory: BTreeMap<i16, StatutoryYear>,
    /// Derived from `years` and `statutory` at each load (see `YearDays`).
    days: BTreeMap<i16, YearDays>,
}

/// A year's statutory days off (《全国年节及纪念日放假办法》, 2024 revision):
/// what a provisional count of the year skips.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatutoryYear {
    /// Each festival and its days, in the year's order.
    pub festivals: Vec<(&'static str, Vec<Date>)>,
    /// The weekdays given in lieu of festival days on a weekend or on another festival.
    pub in_lieu: Vec<Date>,
    /// Festival days and days in lieu together.
    pub days_off: BTreeSet<Date>,
}

impl StatutoryYear {
    /// The year's days off from its four movable dates (除夕, 清明, 端午, 中秋).
    fn new(eve: Date, qingming: Date, duanwu: Date, zhongqiu: Date) -> Option<StatutoryYear> {
        let y = eve.year();
        let d = |m: i8, day: i8| Date::new(y, m, day).ok();
        let run = |from: Date, n: i64| -> Option<Vec<Date>> {
            (0..n).map(|i| from.checked_add(jiff::Span::new().days(i)).ok()).collect()
        };
        let mut festivals = vec![
            ("元旦", vec![d(1, 1)?]),
            ("春节", run(eve, 4)?),
            ("清明节", vec![qingming]),
            ("劳动节", run(d(5, 1)?, 2)?),
            ("端午节", vec![duanwu]),
            ("中秋节", vec![zhongqiu]),
            ("国庆节", run(d(10, 1)?, 3)?),
        ];
        festivals.sort_by_key(|(_, days)| days[0]);
        let mut days_off = BTreeSet::new();
        // Each festival day on a weekend, or on a day another festival
        // already takes, is owed a weekday after that festival.
        let mut owed = Vec::new();
        for (_, days) in &festivals {
            let last = *days.last()?;
            for &x in days {
                if is_weekend(x) || !days_off.insert(x) {
                    owed.push(last);
                }
            }
        }
        let mut in_lieu = Vec::new();
        for after in owed {
            let mut x = after.tomorrow().ok()?;
            while is_weekend(x) || days_off.contains(&x) {
                x = x.tomorrow().ok()?;
            }
            days_off.insert(x);
            in_lieu.push(x);
        }
        Some(StatutoryYear { festivals, in_lieu, days_off })
    }

    /// "元旦 1月1日、春节 2月5日至8日、……；补假 2月9日、2月10日".
    pub fn describe(&self) -> String {
        let md = |d: Date| format!("{}月{}日", d.month(), d.day());
        let parts: Vec<String> = self
            .festivals
            .iter()
            .map(|(name, days)| match days.as_slice() {
                [one] => format!("{name} {}", md(*one)),
                [a, .., b] if a.month() == b.month() => format!("{name} {}至{}日", md(*a), b.day()),
                [a, .., b] => format!("{name} {}至{}", md(*a), md(*b)),
                [] => name.to_string(),
            })
            .collect();
        let mut text = parts.join("、");
        if !self.in_lieu.is_empty() {
            text.push_str("；适逢周末或节日重叠的补假 ");
            text.push_str(&self.in_lieu.iter().map(|d| md(*d)).collect::<Vec<_>>().join("、"));
        }
        text
    }
}

/// The statutory table: `YEAR EVE QINGMING DUANWU ZHONGQIU` per line.
fn statutory_years() -> BTreeMap<i16, StatutoryYear> {
    let mut out = BTreeMap::new();
    for line in STATUTORY.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let parsed = (|| {
            let year: i16 = f.first()?.parse().ok()?;
            let date = |i: usize| f.get(i)?.parse::<Date>().ok().filter(|d| d.year() == year);
            Some((year, StatutoryYear::new(date(1)?, date(2)?, date(3)?, date(4)?)?))
        })();
        let (year, days) = parsed.expect("calendar/statutory.txt is valid");
        out.insert(year, days);
    }
    out
}

/// Turns the text of a State Council notice, as published
/// (`一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。`),
/// into the calendar file form. Text already in file form (`year …`) is
/// returned as it is. Parenthesised remarks (weekdays, lunar dates) are
/// ignored; a date without a year is in `year`, a range's end without a month
/// is in the start's month.
pub fn parse_notice(year: i16, text: &str) -> Result<String, CalendarError> {
    let err = |line: usize, message: String| CalendarError::Parse { source: "通知文本".into(), line, message };
    if text.lines().any(|l| l.trim().starts_with("year ")) {
        return Ok(text.to_string());
    }
    let mut out = String::new();
    let title = text.lines().map(str::trim).find(|l| l.contains("节假日安排的通知")).unwrap_or_default();
    out.push_str(&format!(
        "# {}\n",
        if title.is_empty() {
            format!("{year}年部分节假日安排（由通知文本转换）")
        } else {
            title.to_string()
        }
    ));
    out.push_str(&format!("year {year}\n"));
    let mut found = false;
    for (i, raw) in text.lines().enumerate() {
        // Remarks in brackets (周四, 农历除夕) carry 日 and 至 of their own.
        let mut line = String::new();
        let mut depth = 0;
        for c in raw.chars() {
            match c {
                '（' | '(' => depth += 1,
                '）' | ')' => depth = i32::max(depth - 1, 0),
                _ if depth == 0 => line.push(c),
                _ => {}
            }
        }
        for sentence in line.split(['。', '；', ';']) {
            let off = sentence.contains("放假");
            let worked = sentence.contains("上班");
            if !off && !worked {
                continue;
            }
            let dates = notice_dates(year, sentence).map_err(|m| err(i + 1, m))?;
            if dates.is_empty() {
                continue;
            }
            if off {
                // "A至B放假" or a single day "A放假".
                let (a, b) = match dates.as_slice() {
                    [a] => (a.0, a.0),
                    [a, b, ..] if b.1 => (a.0, b.0),
                    [a, ..] => (a.0, a.0),
                    [] => continue,
                };
                if b < a {
                    return Err(err(i + 1, format!("放假日期 {a} 至 {b} 无效")));
                }
                out.push_str(&match a == b {
                    true => format!("holiday {a}\n"),
                    false => format!("holiday {a}..{b}\n"),
                });
                found = true;
            } else {
                for (d, _) in dates {
                    out.push_str(&format!("workday {d}\n"));
                }
                found = true;
            }
        }
    }
    if !found {
        return Err(err(0, "没有找到“……放假”或“……上班”的日期：请粘贴通知正文，或按 holiday/workday 格式填写".into()));
    }
    Ok(out)
}

/// The dates of a sentence of a notice, each with whether it follows 至.
fn notice_dates(year: i16, sentence: &str) -> Result<Vec<(Date, bool)>, String> {
    let mut out: Vec<(Date, bool)> = Vec::new();
    let (mut y, mut m): (i16, Option<i8>) = (year, None);
    let mut num = String::new();
    let mut after_to = false;
    for c in sentence.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: Option<i64> = num.parse().ok();
        num.clear();
        match (c, n) {
            ('年', Some(n)) => y = i16::try_from(n).map_err(|_| format!("年份 {n} 无效"))?,
            ('月', Some(n)) => m = Some(i8::try_from(n).map_err(|_| format!("月份 {n} 无效"))?),
            ('日', Some(n)) => {
                let month = m.ok_or_else(|| format!("“{n}日”前缺少月份"))?;
                let day = i8::try_from(n).map_err(|_| format!("日期 {n} 无效"))?;
                let d = Date::new(y, month, day).map_err(|_| format!("{y}年{month}月{day}日 不是有效日期"))?;
                out.push((d, after_to));
                after_to = false;
            }
            ('至' | '到' | '—' | '-' | '~' | '～', _) => after_to = true,
            _ => {}
        }
    }
    Ok(out)
}

/// A year's arrangement checked before it is saved: the calendar with it
/// loaded, and what an administrator should look at again.
#[derive(Debug, Clone)]
pub struct Review {
    pub year: i16,
    /// The arrangement in file form (a pasted notice is converted).
    pub text: String,
    /// The calendar in force with this year loaded.
    pub calendar: Calendar,
    /// Not wrong for certain, but worth a second look.
    pub warnings: Vec<String>,
}

impl Calendar {
    /// Checks a year's arrangement, in file form or as a pasted notice
    /// (then `year` says which year it is), against the law: a statutory
    /// festival day is never a working day. The year's working days are
    /// compared with the statutory count (调休 only moves days).
    pub fn review(&self, year: Option<i16>, input: &str) -> Result<Review, CalendarError> {
        let err = |message: String| CalendarError::Parse { source: "节假日安排".into(), line: 0, message };
        let is_file = input.lines().any(|l| l.trim().starts_with("year "));
        let text = match (is_file, year) {
            (true, _) => input.to_string(),
            (false, Some(y)) => parse_notice(y, input)?,
            (false, None) => return Err(err("请填写年份（粘贴通知正文时须注明是哪一年的安排）".into())),
        };
        let mut calendar = self.clone();
        let loaded = calendar.load("节假日安排", &text)?;
        if let Some(y) = year.filter(|y| *y != loaded) {
            return Err(err(format!("安排写的是 {loaded} 年，与所填年份 {y} 不一致")));
        }
        if !(2019..=2100).contains(&loaded) {
            return Err(err(format!("年份 {loaded} 超出范围（2019–2100）")));
        }
        let mut warnings = Vec::new();
        if EMBEDDED.iter().any(|(y, _)| y.parse() == Ok(loaded)) {
            warnings.push(format!("{loaded} 年的安排已内置；保存后以此处载入的为准（例如通知有补充调整时）。"));
        }
        if let Some(s) = self.statutory.get(&loaded) {
            for (name, days) in &s.festivals {
                for d in days {
                    if calendar.is_workday(*d)? {
                        return Err(err(format!(
                            "{}月{}日（{name}）是法定节假日，安排中却是工作日：请核对通知",
                            d.month(),
                            d.day()
                        )));
                    }
                }
            }
            let (a, b) = (Date::new(loaded - 1, 12, 31), Date::new(loaded, 12, 31));
            if let (Ok(a), Ok(b)) = (a, b) {
                let mut statutory = Calendar { statutory: self.statutory.clone(), ..Calendar::default() };
                for (y, arrangement) in &self.years {
                    if *y != loaded {
                        statutory.years.insert(*y, arrangement.clone());
                    }
                }
                statutory.index();
                let (got, expected) = (calendar.workdays_between(a, b)?, statutory.workdays_between(a, b)?);
                if got != expected {
                    warnings.push(format!(
                        "全年工作日 {got} 天，按法定节假日计算应为 {expected} 天（调休只调换日期，不增减工作日）：请核对是否漏填、多填了放假或上班的日子。"
                    ));
                }
            }
        } else {
            warnings.push(format!("没有 {loaded} 年法定节日的农历日期，未能与法定节假日核对。"));
        }
        Ok(Review { year: loaded, text, calendar, warnings })
    }
}

/// What a provisional date says wherever it is shown (page, list, letter, API, CSV).
pub fn provisional_reason(years: &[i16]) -> String {
    let ys = years.iter().map(|y| y.to_string()).collect::<Vec<_>>().join("、");
    format!("暂定：{ys} 年节假日安排尚未载入，按法定节假日计算（不含调休），载入后重新计算")
}

#[derive(Debug, Clone, Default)]
struct Arrangement {
    /// The notice's name (first comment line).
    title: String,
    holidays: BTreeSet<Date>,
    worked_weekends: BTreeSet<Date>,
}

impl Calendar {
    /// The embedded arrangements, 2019–2026, and the statutory days off that
    /// count later years provisionally until their notices are loaded.
    pub fn embedded() -> Calendar {
        let mut c = Calendar { statutory: statutory_years(), ..Calendar::default() };
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

    /// A loaded year's holidays and worked weekend days (for display).
    pub fn arrangement(&self, year: i16) -> Option<(Vec<Date>, Vec<Date>)> {
        let a = self.years.get(&year)?;
        Some((a.holidays.iter().copied().collect(), a.worked_weekends.iter().copied().collect()))
    }

    /// Whether `year` is counted provisionally: no arrangement loaded, the
    /// statutory days off known.
    pub fn is_provisional(&self, year: i16) -> bool {
        !self.years.contains_key(&year) && self.statutory.contains_key(&year)
    }

    /// The years counted provisionally from `from` through `to` (a date
    /// counted over this range is 暂定 if any).
    pub fn provisional_years(&self, from: Date, to: Date) -> Vec<i16> {
        let (a, b) = if from <= to { (from, to) } else { (to, from) };
        (a.year()..=b.year()).filter(|y| self.is_provisional(*y)).collect()
    }

    /// The years counted provisionally, in order.
    pub fn provisional(&self) -> impl Iterator<Item = (i16, &StatutoryYear)> {
        self.statutory.iter().filter(|(y, _)| !self.years.contains_key(y)).map(|(y, s)| (*y, s))
    }

    /// The statutory days off of `year` (also for loaded years: a notice
    /// is checked against them).
    pub fn statutory(&self, year: i16) -> Option<&StatutoryYear> {
        self.statutory.get(&year)
    }

    fn known(&self, date: Date) -> Result<(), CalendarError> {
        if self.years.contains_key(&date.year()) || self.statutory.contains_key(&date.year()) {
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
        let provisional = self.is_provisional(date.year())
            && self.statutory.get(&date.year()).is_some_and(|s| s.days_off.contains(&date));
        let holiday = provisional || self.years.values().any(|a| a.holidays.contains(&date));
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
        let years: BTreeSet<i16> = self.years.keys().chain(self.statutory.keys()).copied().collect();
        for year in years {
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
        // A range into a year neither loaded nor statutory is refused at its first day.
        assert_eq!(
            c.workdays_between(date(2035, 12, 30), date(2036, 1, 5)),
            Err(CalendarError::UnknownYear { date: date(2036, 1, 1) })
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
    fn years_not_loaded_count_provisionally_until_loaded() {
        let mut c = cal();
        // Before 2019 and after the statutory table: errors, never a guess.
        assert!(c.is_workday(date(2018, 6, 1)).is_err());
        assert_eq!(c.is_workday(date(2036, 1, 4)), Err(CalendarError::UnknownYear { date: date(2036, 1, 4) }));
        // 2027 is provisional: 元旦 off, no 调休.
        assert!(c.is_provisional(2027) && !c.is_provisional(2026));
        assert!(!c.is_workday(date(2027, 1, 1)).unwrap());
        assert!(!c.is_workday(date(2027, 1, 2)).unwrap());
        assert_eq!(c.provisional_years(date(2026, 12, 4), date(2027, 1, 4)), vec![2027]);
        assert!(c.provisional_years(date(2026, 1, 4), date(2026, 12, 31)).is_empty());
        // Loading the notice replaces the provisional days.
        c.load("2027.txt", "year 2027\nholiday 2027-01-01\nworkday 2027-01-02\n").unwrap();
        assert!(!c.is_provisional(2027));
        assert!(!c.is_workday(date(2027, 1, 1)).unwrap());
        assert!(c.is_workday(date(2027, 1, 2)).unwrap());
        assert_eq!(c.add_workdays(date(2026, 12, 30), 2).unwrap(), date(2027, 1, 2));
        assert!(c.provisional_years(date(2026, 12, 4), date(2027, 1, 4)).is_empty());
        // A loaded year's 春节 is what its notice says, not the statutory days.
        assert!(c.is_workday(date(2027, 2, 5)).unwrap());
    }

    /// Counted by hand from the 2024 放假办法 and the lunar dates of 2027.
    #[test]
    fn provisional_2027_deadlines_by_hand() {
        let c = cal();
        // Received Fri 2026-12-04: Dec 7–11 (5), 14–18 (10), 21–25 (15),
        // 28–31 (19), 元旦 Fri 2027-01-01 off, Mon 01-04 (20).
        assert_eq!(c.add_workdays(date(2026, 12, 4), 20).unwrap(), date(2027, 1, 4));
        // 春节 2027: 除夕 Fri 02-05 to 初三 Mon 02-08; 初一 and 初二 fall on the
        // weekend, so Tue 02-09 and Wed 02-10 are days in lieu.
        // Received Fri 01-29: Feb 1–4 (4), 11–12 (6), 15–19 (11), 22–26 (16), Mar 1–4 (20).
        assert_eq!(c.add_workdays(date(2027, 1, 29), 20).unwrap(), date(2027, 3, 4));
        let s = c.statutory(2027).unwrap();
        // 劳动节 Sat 05-01 and Sun 05-02: Mon 05-03 and Tue 05-04 in lieu.
        let lieu = [(2, 9), (2, 10), (5, 3), (5, 4), (10, 4), (10, 5)].map(|(m, d)| date(2027, m, d));
        assert_eq!(s.in_lieu, lieu);
        // 国庆 Fri 10-01 to Sun 10-03, then 10-04 and 10-05 in lieu.
        assert_eq!(c.add_workdays(date(2027, 9, 30), 1).unwrap(), date(2027, 10, 6));
        // 2028: 中秋 falls on 10-03, inside 国庆: one more day in lieu.
        let s = c.statutory(2028).unwrap();
        assert!(s.in_lieu.contains(&date(2028, 10, 4)), "{:?}", s.in_lieu);
        assert!(s.describe().starts_with("元旦 1月1日、春节 1月25日至28日"), "{}", s.describe());
    }

    /// The provisional rule, applied to years whose notices we have, skips
    /// exactly as many working days as the notices did (调休 only moves days).
    #[test]
    fn the_statutory_rule_matches_the_real_notices_of_2025_and_2026() {
        let real = cal();
        for year in [2025, 2026] {
            let s = real.statutory(year).unwrap();
            for (name, days) in &s.festivals {
                for d in days {
                    assert!(!real.is_workday(*d).unwrap(), "{name} {d} is off in the notice");
                }
            }
            let mut provisional = Calendar { statutory: statutory_years(), ..Calendar::default() };
            for (y, text) in EMBEDDED {
                if y.parse::<i16>().unwrap() != year {
                    provisional.load(y, text).unwrap();
                }
            }
            assert!(provisional.is_provisional(year));
            let (a, b) = (date(year - 1, 12, 31), date(year, 12, 31));
            assert_eq!(provisional.workdays_between(a, b).unwrap(), real.workdays_between(a, b).unwrap(), "{year}");
        }
    }

    /// The 2026 notice as published, pasted: the same days as the data file.
    #[test]
    fn a_pasted_notice_reads_as_its_data_file() {
        let notice = "国务院办公厅关于2026年部分节假日安排的通知
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。";
        let text = parse_notice(2026, notice).unwrap();
        let mut from_notice = Calendar::default();
        from_notice.load("notice", &text).unwrap();
        let mut from_file = Calendar::default();
        from_file.load("2026.txt", EMBEDDED[7].1).unwrap();
        assert_eq!(from_notice.arrangement(2026), from_file.arrangement(2026), "{text}");
        assert!(text.starts_with("# 国务院办公厅关于2026年部分节假日安排的通知\n"));
        // Across the year end, as the 2023 notice printed it.
        let text = parse_notice(2023, "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。").unwrap();
        assert!(text.contains("holiday 2022-12-31..2023-01-02"), "{text}");
        // Not a notice at all.
        assert!(parse_notice(2027, "你好").is_err());
        assert!(parse_notice(2027, "一、元旦：2月30日放假").is_err());
    }

    #[test]
    fn an_arrangement_is_checked_against_the_statutory_days_before_it_is_saved() {
        let c = cal();
        // 2026's real file: no warning but that it is built in.
        let r = c.review(None, EMBEDDED[7].1).unwrap();
        assert_eq!(r.year, 2026);
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        // A 2027 arrangement that leaves 除夕 a working day is refused.
        let e = c.review(Some(2027), "year 2027\nholiday 2027-01-01\nholiday 2027-02-06..2027-02-12\n").unwrap_err();
        assert!(e.to_string().contains("2月5日（春节）是法定节假日"), "{e}");
        // One that forgets the make-up working days gets a warning, not a refusal.
        let text = "year 2027\nholiday 2027-01-01\nholiday 2027-02-05..2027-02-12\nholiday 2027-04-05\nholiday 2027-05-01..2027-05-05\nholiday 2027-06-09\nholiday 2027-09-15\nholiday 2027-10-01..2027-10-07\n";
        let r = c.review(Some(2027), text).unwrap();
        assert!(r.warnings.iter().any(|w| w.contains("全年工作日")), "{:?}", r.warnings);
        assert!(!r.calendar.is_provisional(2027) && c.is_provisional(2027));
        // The year typed and the year of the text disagree.
        assert!(c.review(Some(2028), text).is_err());
        // A pasted notice needs its year.
        assert!(c.review(None, "一、元旦：1月1日放假，共1天。").is_err());
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
