//! Table 三 of the annual report as a query over requests, not a count by
//! hand: for year Y,
//! - 一、本年新收 = received in Y;
//! - 二、上年结转 = received before Y and still open on Y-01-01;
//! - （一）…（六） = closed in Y, by outcome and applicant kind;
//! - 四、结转下年度 = received by Y-12-31 and still open then.
//!
//! Every request received by the end of Y is either closed in Y or carried
//! forward, so 一 + 二 = （七）总计 + 四 holds by construction.

use std::collections::BTreeMap;

use ogi_vocab::cells::{ApplicantColumn, CellKey, OtherReason, Outcome, T3Row, Template};
use ogi_vocab::Number;

use crate::request::{Request, State};

/// The cells of table 三 for `year` (every cell of the template, zeros included).
pub fn derive(requests: &[Request], year: i16, template: Template) -> BTreeMap<CellKey, Number> {
    let mut counts: BTreeMap<(T3Row, ApplicantColumn), i64> = BTreeMap::new();
    for r in requests {
        let received = r.received.year();
        let closed = match r.state() {
            State::Closed { on, outcome } => Some((on.year(), outcome)),
            _ => None,
        };
        let open_at_start = received < year && closed.is_none_or(|(y, _)| y >= year);
        let mut add = |row: T3Row| *counts.entry((row, r.applicant)).or_default() += 1;
        if received == year {
            add(T3Row::New);
        }
        if open_at_start {
            add(T3Row::CarriedOver);
        }
        if let Some((y, outcome)) = closed {
            if y == year {
                add(T3Row::Outcome(outcome));
            }
        }
        if received <= year && closed.is_none_or(|(y, _)| y > year) {
            add(T3Row::CarryForward);
        }
    }
    cells(&counts, template)
}

/// Counts per (row, applicant kind) → every cell of table 三 of `template`:
/// the 总计 column sums the kinds, the （七）总计 row sums the outcome rows.
/// Outcomes are counted as the 2021 rows; the 2019 template folds the three
/// "other" outcomes into its single row.
pub fn cells(counts: &BTreeMap<(T3Row, ApplicantColumn), i64>, template: Template) -> BTreeMap<CellKey, Number> {
    let get = |row: T3Row, kind: ApplicantColumn| counts.get(&(row, kind)).copied().unwrap_or(0);
    let mut cells = BTreeMap::new();
    for row in T3Row::rows(template) {
        let mut total = 0;
        for kind in ApplicantColumn::KINDS {
            let n = match row {
                T3Row::Total => T3Row::outcomes(template).iter().map(|&o| count_outcome(&get, o, kind)).sum(),
                T3Row::Outcome(o) => count_outcome(&get, o, kind),
                _ => get(row, kind),
            };
            total += n;
            cells.insert(CellKey::T3(row, kind), Number::int(n));
        }
        cells.insert(CellKey::T3(row, ApplicantColumn::Total), Number::int(total));
    }
    cells
}

fn count_outcome(get: &dyn Fn(T3Row, ApplicantColumn) -> i64, o: Outcome, kind: ApplicantColumn) -> i64 {
    match o {
        Outcome::OtherUnsplit => {
            OtherReason::ALL.iter().map(|&r| get(T3Row::Outcome(Outcome::Other(r)), kind)).sum::<i64>()
                + get(T3Row::Outcome(o), kind)
        }
        o => get(T3Row::Outcome(o), kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::request::{Channel, Event};
    use crate::sim;
    use jiff::civil::date;
    use ogi_vocab::model::Report;

    fn report(cells: BTreeMap<CellKey, Number>, year: i16) -> Report {
        Report::of_cells(year, Template::Y2021, cells)
    }

    #[test]
    fn ten_thousand_simulated_requests_satisfy_every_identity_of_table_three() {
        let cal = Calendar::embedded();
        // Received on working days of 2023–2024 (late ones run into 2025).
        let requests = sim::requests(&cal, 2024, 10_000, date(2023, 1, 3), 480);
        let y1 = derive(&requests, 2023, Template::Y2021);
        let y2 = derive(&requests, 2024, Template::Y2021);
        let r1 = report(y1.clone(), 2023);
        let r2 = report(y2.clone(), 2024);
        for (r, prev) in [(&r1, None), (&r2, Some(&r1))] {
            let errors: Vec<_> = ogi_report::check::check(r, prev)
                .into_iter()
                .filter(|d| d.rule.starts_with("t3.") || d.rule.starts_with("cross."))
                .collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        for c in ApplicantColumn::ALL {
            assert_eq!(y2[&CellKey::T3(T3Row::CarriedOver, *c)], y1[&CellKey::T3(T3Row::CarryForward, *c)]);
        }
        // The simulation exercised what it should.
        let n = |k: &str| y1[&k.parse::<CellKey>().unwrap()].as_int().unwrap();
        assert!(
            n("t3.new.total") > 4000 && n("t3.carry_forward.total") > 0 && n("t3.other.overdue_correction.total") > 0
        );
        assert!(n("t3.other.overdue_fee.total") > 0 && n("t3.partial.total") > 0);
        assert!(y2[&"t3.carried_over.total".parse::<CellKey>().unwrap()].as_int().unwrap() > 0);
    }

    #[test]
    fn the_2019_template_counts_every_other_outcome_in_one_row() {
        let cal = Calendar::embedded();
        let mut r = Request::receive(Channel::InPerson, ApplicantColumn::Natural, date(2020, 3, 2), None).unwrap();
        r.apply(&cal, Event::Withdrawn { on: date(2020, 3, 3) }).unwrap();
        let t = derive(&[r], 2020, Template::Y2019);
        assert_eq!(t[&"t3.other.natural".parse::<CellKey>().unwrap()], Number::int(1));
        assert_eq!(t[&"t3.total.total".parse::<CellKey>().unwrap()], Number::int(1));
    }
}
