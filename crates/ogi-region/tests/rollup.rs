//! The roll-up of a region (issue 14's Done 1, the part that needs no
//! storage): a region of 40 simulated agencies and one of real published
//! reports. Every summed cell is the sum of the agencies' cells; the
//! national format's identities hold for the sum of consistent tables; a cell
//! one agency lacks is left out with that agency named; 其他处理 printed as
//! one row adds to the group's total only; drill-down returns each agency's
//! value and where it was printed.

use std::path::{Path, PathBuf};

use ogi_region::{drill, rollup, Member};
use ogi_rules::Calendar;
use ogi_vocab::cells::{ApplicantColumn, CellKey, OtherReason, Outcome, T3Row, Template};
use ogi_vocab::{Number, Report};

/// Table 三 of `n` simulated requests of an agency (a consistent table).
fn simulated(seed: u64, n: usize) -> Report {
    let cal = Calendar::embedded();
    let first = "2024-01-02".parse().unwrap();
    let requests = ogi_rules::sim::requests(&cal, seed, n, first, 480);
    Report::of_cells(2025, Template::Y2021, ogi_rules::table3::derive(&requests, 2025, Template::Y2021))
}

fn errors(r: &Report) -> Vec<String> {
    ogi_report::check::check(r, None)
        .into_iter()
        // Arithmetic and consistency; a table-only report lacks its prose and tables 二/四.
        .filter(|d| d.severity == ogi_report::check::Severity::Error && !d.rule.starts_with("structure."))
        .map(|d| format!("{}: {}", d.rule, d.message))
        .collect()
}

#[test]
fn forty_simulated_agencies_sum_cell_by_cell_and_their_sum_is_consistent() {
    let reports: Vec<Report> = (0..40).map(|i| simulated(100 + i, 20 + (i as usize * 7) % 60)).collect();
    let members: Vec<Member> =
        reports.iter().enumerate().map(|(i, r)| Member { agency: format!("机关{i:02}"), report: r }).collect();
    let sum = rollup(&members);
    assert_eq!(sum.members, 40);
    assert!(sum.lacking.is_empty(), "{:?}", sum.lacking);
    assert!(!sum.cells.is_empty());
    for (key, total) in &sum.cells {
        let value = |r: &Report| -> i64 {
            match key {
                // 其他处理's group total: its three sub-rows, added here by hand.
                CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), c) => OtherReason::ALL
                    .iter()
                    .map(|o| r.value(CellKey::T3(T3Row::Outcome(Outcome::Other(*o)), *c)).unwrap().as_int().unwrap())
                    .sum(),
                _ => r.value(*key).unwrap().as_int().unwrap(),
            }
        };
        let by_hand = reports.iter().map(value).sum::<i64>();
        assert_eq!(total.as_int(), Some(by_hand), "{key}");
    }
    for r in &reports {
        assert_eq!(errors(r), Vec::<String>::new(), "a simulated agency is inconsistent");
    }
    assert_eq!(errors(&sum.report("模拟区人民政府", 2025)), Vec::<String>::new(), "the sum breaks an identity");
    // One agency that did not fill in a cell: that cell is left out, naming it.
    let key: CellKey = "t3.new.natural".parse().unwrap();
    let mut blank = reports[7].clone();
    blank.cells.remove(&key);
    let mut with_blank: Vec<Member> = members.clone();
    with_blank[7] = Member { agency: "机关07".into(), report: &blank };
    let sum = rollup(&with_blank);
    assert!(!sum.cells.contains_key(&key), "a blank was summed as 0");
    assert_eq!(sum.lacking[&key], ["机关07"]);
    assert!(sum.notes().iter().any(|n| n.starts_with("t3.new.natural：机关07")));
    // Drill-down: each agency's value, in order, the blank one without.
    let drilled = drill(&with_blank, key);
    assert_eq!(drilled.len(), 40);
    assert_eq!(drilled[7].value, None);
    assert_eq!(drilled[8].value, reports[8].value(key));
}

#[test]
fn other_handling_printed_as_one_row_adds_to_the_group_only() {
    let split = simulated(1, 80);
    let col = ApplicantColumn::Natural;
    let sub = |r: OtherReason| CellKey::T3(T3Row::Outcome(Outcome::Other(r)), col);
    let group = CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), col);
    // The second agency prints the 2019 row: 3 in all, no sub-rows.
    let mut unsplit = simulated(2, 80);
    let mut its_total = 0;
    for r in OtherReason::ALL.iter().copied() {
        its_total += unsplit.cells.remove(&sub(r)).map_or(0, |c| c.value.as_int().unwrap());
    }
    unsplit.cells.insert(group, ogi_vocab::model::Cell { value: Number::int(its_total + 3), provenance: None });
    let members = [Member { agency: "甲".into(), report: &split }, Member { agency: "乙".into(), report: &unsplit }];
    let sum = rollup(&members);
    let split_total: i64 = OtherReason::ALL.iter().map(|r| split.value(sub(*r)).unwrap().as_int().unwrap()).sum();
    assert_eq!(sum.cells[&group].as_int(), Some(split_total + its_total + 3));
    for r in OtherReason::ALL.iter().copied() {
        assert!(!sum.cells.contains_key(&sub(r)), "a one-row 其他处理 was added to a sub-row");
        assert_eq!(sum.lacking[&sub(r)], ["乙"]);
    }
}

#[test]
fn published_reports_of_one_region_sum_to_their_printed_cells() {
    // The corpus beside the repository, or where `OGI_CORPUS` says (as the other corpus tests).
    let corpus = std::env::var("OGI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let dir = corpus.join("real/pingtan");
    let mut reports = Vec::new();
    for name in ["2020_cjj.txt", "2020_gwh.txt", "2020_gwhbgs.txt", "2020_jspq.txt"] {
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        reports.push((name, ogi_report::read(&bytes, Some(name)).unwrap_or_else(|e| panic!("{name}: {e}"))));
    }
    let members: Vec<Member> = reports.iter().map(|(n, r)| Member { agency: n.to_string(), report: r }).collect();
    let sum = rollup(&members);
    assert!(!sum.cells.is_empty());
    for (key, total) in &sum.cells {
        let mut by_hand = Number::ZERO;
        for d in drill(&members, *key) {
            by_hand = by_hand.checked_add(d.value.unwrap()).unwrap();
        }
        assert_eq!(*total, by_hand, "{key}");
    }
    // Whatever some report lacks is named, never summed.
    for (key, who) in &sum.lacking {
        for (name, r) in &reports {
            let has = r.value(*key).is_some();
            assert_eq!(!has, who.contains(&name.to_string()), "{key} {name}");
        }
    }
    // An agency whose tables could not be read (公安局's are images): nothing
    // of the region's tables is summed, and it is named for every cell.
    let bytes = std::fs::read(dir.join("2020_gaj.txt")).unwrap();
    let unread = ogi_report::read(&bytes, Some("2020_gaj.txt")).unwrap();
    let mut with_unread = members.clone();
    with_unread.push(Member { agency: "2020_gaj.txt".into(), report: &unread });
    let sum = rollup(&with_unread);
    assert!(sum.cells.is_empty(), "{:?}", sum.cells.keys().next());
    assert!(sum.lacking.values().all(|who| who.contains(&"2020_gaj.txt".to_string())));
    // A printed cell drills down to the text as printed.
    let key: CellKey = "t3.new.total".parse().unwrap();
    for d in drill(&members, key) {
        let printed = d.printed.unwrap_or_else(|| panic!("{}: no provenance", d.agency));
        assert!(printed.raw.contains(&d.value.unwrap().to_string()), "{}: {:?}", d.agency, printed.raw);
    }
}
