//! A drafted report, printed as a web page or Markdown, reads back to exactly
//! its own cells and passes every check: the generator and the reader agree
//! on the national format, and the prose agrees with the tables.

use std::collections::BTreeMap;

use jiff::civil::date;
use ogi_report::{render, Report};
use ogi_rules::annual::{self, Records};
use ogi_rules::{sim, table3, Calendar};
use ogi_vocab::cells::{ApplicantColumn, CellKey, T3Row};

fn drafted(seed: u64, year: i16) -> Report {
    let cal = Calendar::embedded();
    // Requests from November of the year before (some carried over) and through the year.
    let mut requests = sim::requests(&cal, seed, 60, date(year - 1, 11, 1), 40);
    requests.extend(sim::requests(&cal, seed + 1, 400, date(year, 1, 1), 240));
    let (documents, art20, cases) = sim::records(seed, year);
    let records = Records {
        agency: "模拟市数据局".into(),
        year,
        table3: table3::derive(&requests, year, ogi_vocab::Template::Y2021),
        documents,
        art20: Some(art20),
        cases,
        processing_fees_yuan: annual::processing_fees(&requests, year),
        texts: BTreeMap::new(),
    };
    annual::draft(&records).unwrap()
}

fn values(r: &Report) -> BTreeMap<CellKey, String> {
    r.cells.iter().map(|(k, c)| (*k, c.value.to_string())).collect()
}

#[test]
fn drafted_reports_read_back_exactly_and_check_clean() {
    for (seed, year) in [(1, 2023), (7, 2024), (42, 2025)] {
        let report = drafted(seed, year);
        assert!(report.value(CellKey::T3(T3Row::CarriedOver, ApplicantColumn::Total)).unwrap().as_int().unwrap() > 0);
        let errors: Vec<_> = ogi_report::check::check(&report, None)
            .into_iter()
            .filter(|d| d.severity == ogi_report::check::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "seed {seed}: {errors:#?}");
        for (name, bytes) in [
            ("r.html", render::html(&report).into_bytes()),
            ("r.md", render::markdown(&report).into_bytes()),
            ("r.docx", render::docx(&report)),
        ] {
            let back = ogi_report::read(&bytes, Some(name)).unwrap();
            assert_eq!(values(&back), values(&report), "seed {seed} {name}");
            assert_eq!(back.meta.year, report.meta.year);
            assert_eq!(back.meta.agency, report.meta.agency);
            let diags = ogi_report::check::check(&back, None);
            let errors: Vec<_> = diags.iter().filter(|d| d.severity == ogi_report::check::Severity::Error).collect();
            assert!(errors.is_empty(), "seed {seed} {name}: {errors:#?}");
        }
    }
}

#[test]
fn prose_figures_are_the_tables_figures() {
    let report = drafted(3, 2024);
    let md = render::markdown(&report);
    let t = |k: &str| report.value(k.parse().unwrap()).unwrap().as_int().unwrap();
    let overview = &report.sections[0].text;
    assert!(overview.contains(&format!("新收政府信息公开申请{}件", t("t3.new.total"))), "{overview}");
    assert!(overview.contains(&format!("上年结转{}件", t("t3.carried_over.total"))));
    let granted = t("t3.granted.total");
    assert!(overview.contains(&format!("予以公开{granted}件，占{}", annual::percent(granted, t("t3.total.total")))));
    // A figure typed over in the text is caught by the checker.
    let wrong = md.replace(&format!("办结{}件", t("t3.total.total")), &format!("办结{}件", t("t3.total.total") + 1));
    assert_ne!(wrong, md);
    let back = ogi_report::read(wrong.as_bytes(), Some("r.md")).unwrap();
    assert!(ogi_report::check::check(&back, None).iter().any(|d| d.rule == "prose.count"));
}

#[test]
fn every_share_in_section_one_is_its_outcome_count_over_the_answered_total() {
    let re =
        regex::Regex::new(r"(予以公开|部分公开|不予公开|无法提供|不予处理|其他处理)(\d+)件，占(\d+\.\d)%").unwrap();
    for (seed, year) in [(4, 2022), (8, 2024), (12, 2026)] {
        let report = drafted(seed, year);
        let total = report.value("t3.total.total".parse().unwrap()).unwrap().as_int().unwrap() as f64;
        let overview = &report.sections[0].text;
        let shares: Vec<_> = re.captures_iter(overview).collect();
        assert_eq!(shares.len(), 6, "{overview}");
        let mut counted = 0.0;
        for c in shares {
            let (n, pct): (f64, f64) = (c[2].parse().unwrap(), c[3].parse().unwrap());
            counted += n;
            assert!((pct - n * 100.0 / total).abs() <= 0.05 + 1e-9, "{}: {pct}% of {total}", &c[1]);
        }
        // The six families are table 三's outcome rows, all of them.
        assert_eq!(counted, total);
    }
}
