//! The checker against real reports and against reports broken on purpose.

mod common;

use std::collections::BTreeSet;

use ogi_report::check::{check, Diagnostic, Severity};
use ogi_report::{CellKey, Number, Report};

fn read(rel: &str) -> Report {
    let p = common::corpus_dir().join(rel);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    ogi_report::read(&bytes, p.file_name().and_then(|n| n.to_str())).expect("reads")
}

fn key(s: &str) -> CellKey {
    s.parse().unwrap()
}

fn set(r: &mut Report, k: &str, v: i64) {
    r.cells.get_mut(&key(k)).unwrap_or_else(|| panic!("{k} not in report")).value = Number::int(v);
}

fn errors(d: &[Diagnostic]) -> Vec<&Diagnostic> {
    d.iter().filter(|d| d.severity == Severity::Error).collect()
}

/// Diagnostics the change added (by rule and cells), against the unchanged report.
fn added(base: &Report, changed: &Report, previous: Option<&Report>) -> Vec<Diagnostic> {
    let before: BTreeSet<(String, Vec<CellKey>)> =
        check(base, previous).into_iter().map(|d| (d.rule.to_string(), d.cells)).collect();
    check(changed, previous).into_iter().filter(|d| !before.contains(&(d.rule.to_string(), d.cells.clone()))).collect()
}

/// The change breaks exactly `rule`, and its diagnostics name `cells`.
fn breaks_only(base: &Report, changed: &Report, previous: Option<&Report>, rule: &str, cells: &[&str]) {
    let new = added(base, changed, previous);
    assert!(!new.is_empty(), "{rule}: nothing reported");
    for d in &new {
        assert_eq!(d.rule, rule, "unexpected diagnostic: {d:?}");
    }
    let named: BTreeSet<CellKey> = new.iter().flat_map(|d| d.cells.iter().copied()).collect();
    for c in cells {
        assert!(named.contains(&key(c)), "{rule}: {c} not named in {new:?}");
    }
}

const CONSISTENT: &[&str] = &[
    "liaocheng-gxj-2023.txt",
    "real/pingtan/2025_gwh.html",
    "real/docx/pingtan-2025-lo.docx",
    "real/pdf/huaian-szf-2024.pdf",
    "real/pingtan/2022_gwh.txt",
];

#[test]
fn consistent_reports_check_clean() {
    for rel in CONSISTENT {
        let d = check(&read(rel), None);
        assert!(errors(&d).is_empty(), "{rel}: {:#?}", errors(&d));
    }
}

#[test]
fn fragments_are_incomplete_without_invented_arithmetic_errors() {
    let dir = common::corpus_dir().join("fragments");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            continue;
        }
        n += 1;
        let r = ogi_report::read(&std::fs::read(&p).unwrap(), None).expect("fragment reads");
        let d = check(&r, None);
        assert!(
            d.iter().any(|d| d.rule == "structure.table-missing" || d.rule == "structure.row-missing"),
            "{}: not reported incomplete",
            p.display()
        );
        let arithmetic: Vec<_> = d.iter().filter(|d| d.rule.starts_with("t3.") || d.rule.starts_with("t4.")).collect();
        assert!(arithmetic.is_empty(), "{}: {arithmetic:#?}", p.display());
    }
    assert!(n >= 17);
}

#[test]
fn real_errors_in_published_reports_are_found() {
    // 表四 行政复议 10/1/0/0 with 总计 0.
    let d = check(&read("real/kirogovcompare/huaian-hongzequ-2023.pdf"), None);
    let t4 = d.iter().find(|d| d.rule == "t4.group-sum").expect("t4 error found");
    assert!(t4.cells.contains(&key("t4.review.total")));
    assert_eq!(t4.arithmetic.as_deref(), Some("10 + 1 + 0 + 0 = 11 ≠ 0"));
    // 表三: the outcome rows sum to more than （七）总计.
    let d = check(&read("real/pingtan/2020_gwh.txt"), None);
    assert!(d.iter().any(|d| d.rule == "t3.outcomes-sum" && d.cells.contains(&key("t3.total.natural"))), "{d:#?}");
}

fn read_str(text: &str) -> Report {
    ogi_report::read(text.as_bytes(), Some("r.txt")).expect("reads")
}

#[test]
fn errors_hidden_in_glued_digits_are_found_without_guessing_a_split() {
    // Pingtan's archive shape: a table 三 row glued to 3000000. Whatever the
    // split (3|0|…|0 or 30|…|0 with a blank), the row does not add up.
    let r = read_str(
        "某局2021年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n\
         一、本年新收政府信息公开申请数量3000000二、上年结转政府信息公开申请数量0000000",
    );
    assert_eq!(r.value(key("t3.new.natural")), None, "no split is certain");
    let d = check(&r, None);
    let e = d.iter().find(|d| d.rule == "t3.row-sum").expect("row-sum error found");
    assert_eq!(e.severity, Severity::Error);
    assert!(e.cells.contains(&key("t3.new.total")) && e.message.contains("3000000"), "{e:?}");

    // Prose says 393 in force; the glued row 77132470 cannot give 393 there.
    let r = read_str(
        "某局2023年政府信息公开工作年度报告\n一、总体情况\n清理并集中发布现行有效行政规范性文件393件。\n\
         二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件77132470第二十条第（五）项",
    );
    assert_eq!(r.value(key("t2.normative.in_force")), None);
    let d = check(&r, None);
    let e = d.iter().find(|d| d.rule == "prose.t2").expect("contradiction found");
    assert_eq!(e.cells, vec![key("t2.normative.in_force")]);
    assert!(e.message.contains("393") && e.message.contains("77132470"), "{}", e.message);
    // 88/55/698 can give 698: no contradiction.
    let r = read_str(
        "某局2023年政府信息公开工作年度报告\n一、总体情况\n现行有效行政规范性文件698件。\n\
         二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件8855698第二十条第（五）项",
    );
    assert!(!check(&r, None).iter().any(|d| d.rule == "prose.t2"));
}

#[test]
fn a_stale_period_is_reported_when_the_title_names_another_year() {
    let r = read_str(
        "某某县统计局2023年政府信息公开工作年度报告 发布日期：2024-01-20 来源：本站\n\
         本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。\n一、总体情况\n正文。",
    );
    assert_eq!(r.meta.year, Some(2023));
    let d = check(&r, None);
    assert!(d.iter().any(|d| d.rule == "structure.period-year"), "{d:#?}");
}

#[test]
fn each_rule_is_caught_alone() {
    let seed = read("liaocheng-gxj-2023.txt");

    let mut r = seed.clone();
    set(&mut r, "t3.granted.natural", 3);
    set(&mut r, "t3.unavailable.not_held.natural", 2);
    breaks_only(
        &seed,
        &r,
        None,
        "t3.row-sum",
        &["t3.granted.natural", "t3.granted.total", "t3.unavailable.not_held.total"],
    );

    let mut r = seed.clone();
    set(&mut r, "t3.carry_forward.natural", 1);
    set(&mut r, "t3.carry_forward.total", 1);
    breaks_only(&seed, &r, None, "t3.balance", &["t3.carry_forward.natural", "t3.new.natural", "t3.total.total"]);

    let mut r = seed.clone();
    set(&mut r, "t3.partial.natural", 1);
    set(&mut r, "t3.partial.total", 1);
    breaks_only(&seed, &r, None, "t3.outcomes-sum", &["t3.partial.natural", "t3.total.natural"]);

    let mut r = seed.clone();
    set(&mut r, "t4.review.upheld", 2);
    breaks_only(&seed, &r, None, "t4.group-sum", &["t4.review.upheld", "t4.review.total"]);
    let d = added(&seed, &r, None);
    assert_eq!(d[0].arithmetic.as_deref(), Some("2 + 0 + 0 + 0 = 2 ≠ 0"));

    let mut r = seed.clone();
    set(&mut r, "t2.penalty.decisions", -4);
    breaks_only(&seed, &r, None, "t2.negative", &["t2.penalty.decisions"]);

    let mut r = seed.clone();
    let overview = r.sections.iter_mut().find(|s| s.heading.starts_with("一、")).unwrap();
    assert!(overview.text.contains("已答复5件"));
    overview.text = overview.text.replace("已答复5件", "已答复6件");
    breaks_only(&seed, &r, None, "prose.count", &["t3.total.total"]);
    assert!(added(&seed, &r, None)[0].sentence.as_deref().unwrap().contains("已答复6件"));

    let mut r = seed.clone();
    let overview = r.sections.iter_mut().find(|s| s.heading.starts_with("一、")).unwrap();
    overview.text = overview.text.replace("占80%", "占75%");
    breaks_only(&seed, &r, None, "prose.percent", &["t3.granted.total", "t3.total.total"]);

    let mut r = seed.clone();
    r.sections.retain(|s| !s.heading.starts_with("五、"));
    breaks_only(&seed, &r, None, "structure.section", &[]);

    let mut r = seed.clone();
    r.cells.retain(|k, _| !matches!(k, CellKey::T4(..)));
    breaks_only(&seed, &r, None, "structure.table-missing", &[]);

    let mut r = seed.clone();
    r.cells.retain(|k, _| !k.to_string().starts_with("t3.denied.admin_query."));
    breaks_only(&seed, &r, None, "structure.row-missing", &["t3.denied.admin_query.total"]);

    let mut r = seed.clone();
    r.meta.title = Some("聊城市工业和信息化局政府信息公开工作年度报告".into());
    breaks_only(&seed, &r, None, "structure.title-year", &[]);

    let mut r = seed.clone();
    assert!(r.preamble.contains("2023年1月1日"), "{}", r.preamble);
    r.preamble = r.preamble.replace("2023年1月1日", "2022年1月1日");
    breaks_only(&seed, &r, None, "structure.period-year", &[]);

    let mut r = seed.clone();
    r.notes.push(ogi_report::model::ReadNote {
        code: "read.ambiguous".into(),
        message: "表二“行政许可”行的数字有 2 种读法".into(),
        cells: vec![key("t2.licensing.decisions")],
        origin: None,
    });
    r.cells.remove(&key("t2.licensing.decisions"));
    breaks_only(&seed, &r, None, "read.uncertain", &["t2.licensing.decisions"]);
}

#[test]
fn prose_sub_counts_and_last_years_figures_are_not_claims() {
    let seed = read("liaocheng-gxj-2023.txt");
    // The seed: 新收 5, 答复 5, 予以公开 4, 无法提供 1, no reviews.
    for sentence in [
        "已办结5件，其中延期答复2件。",
        "收到网上申请3件、信函申请2件。",
        "较去年收到的申请8件有所减少。",
        "受理行政复议申请0件。",
        "不予以公开0件。",
        "2022年收到申请9件。较上年减少。",
    ] {
        let mut r = seed.clone();
        let overview = r.sections.iter_mut().find(|s| s.heading.starts_with("一、")).unwrap();
        overview.text = format!("{sentence}{}", overview.text);
        let new: Vec<_> = added(&seed, &r, None).into_iter().filter(|d| d.rule.starts_with("prose.")).collect();
        assert!(new.is_empty(), "{sentence}: {new:#?}");
    }
}

#[test]
fn old_template_after_2021_is_flagged() {
    let mut base = read("fragments/xixian-dizhangjd-2023.txt");
    assert_eq!(base.meta.template, Some(ogi_report::Template::Y2019));
    let changed = base.clone();
    base.meta.year = Some(2020);
    breaks_only(&base, &changed, None, "structure.template", &[]);
}

#[test]
fn published_beyond_total_is_a_warning_on_the_2019_template() {
    let base = read("fragments/jianping-wsjkj-2020.txt");
    let mut r = base.clone();
    set(&mut r, "t2.normative.published", 5);
    breaks_only(&base, &r, None, "t2.published-exceeds-total", &["t2.normative.published", "t2.normative.total"]);
    assert!(added(&base, &r, None).iter().all(|d| d.severity == Severity::Warning));
}

#[test]
fn across_years_carried_over_must_be_last_years_carried_forward() {
    // Pingtan 2021 carried forward 1 (自然人), and its 2022 report carried over 1.
    let y2021 = read("real/pingtan/2021_gwh.txt");
    let y2022 = read("real/pingtan/2022_gwh.txt");
    assert_eq!(y2022.value(key("t3.carried_over.natural")), Some(Number::int(1)));
    let d = check(&y2022, Some(&y2021));
    assert!(!d.iter().any(|d| d.rule.starts_with("cross.")), "{d:#?}");
    // The same 2022 report against a year that carried nothing forward.
    let y2020 = read("real/pingtan/2020_gwh.txt");
    let d = check(&y2022, Some(&y2020));
    let e = d.iter().find(|d| d.rule == "cross.carry-over").expect("found");
    assert_eq!(e.cells, vec![key("t3.carried_over.natural")]);
    assert_eq!(e.severity, Severity::Error);
}

#[test]
fn in_force_continuity_is_a_warning_across_years() {
    let mut prev = read("liaocheng-gxj-2023.txt");
    set(&mut prev, "t2.normative.in_force", 11); // 11 + 1 − 3 = 9
    let seed = read("liaocheng-gxj-2023.txt");
    assert!(!check(&seed, Some(&prev)).iter().any(|d| d.rule == "cross.in-force"));
    // Last year in force 12: 12 + 1 − 3 = 10, but 9 are in force now.
    let mut prev12 = prev.clone();
    set(&mut prev12, "t2.normative.in_force", 12);
    let before: Vec<_> = check(&seed, Some(&prev)).into_iter().map(|d| d.rule).collect();
    let after = check(&seed, Some(&prev12));
    let new: Vec<_> = after.iter().filter(|d| !before.contains(&d.rule)).collect();
    assert_eq!(new.len(), 1, "{new:#?}");
    assert_eq!(new[0].rule, "cross.in-force");
    assert_eq!(new[0].severity, Severity::Warning);
    assert_eq!(new[0].arithmetic.as_deref(), Some("12 + 1 − 3 = 10 ≠ 9"));
    let mut prev2 = prev.clone();
    set(&mut prev2, "t3.carry_forward.natural", 2);
    let d = check(&seed, Some(&prev2));
    let e: Vec<_> = d.iter().filter(|d| d.rule.starts_with("cross.")).collect();
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!((e[0].rule, e[0].cells.clone()), ("cross.carry-over", vec![key("t3.carried_over.natural")]));
}

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn any_changed_number_in_tables_three_and_four_is_caught() {
    let mut rng = Lcg(7);
    for rel in CONSISTENT {
        let base = read(rel);
        let keys: Vec<CellKey> =
            base.cells.keys().copied().filter(|k| matches!(k, CellKey::T3(..) | CellKey::T4(..))).collect();
        assert!(keys.len() >= 15 * 7, "{rel}");
        for k in keys {
            let mut r = base.clone();
            let cell = r.cells.get_mut(&k).unwrap();
            let delta = 1 + (rng.next() % 9) as i64;
            let old = cell.value.as_int().unwrap();
            // Up or down, never below zero.
            let new = if old >= delta && rng.next().is_multiple_of(2) { old - delta } else { old + delta };
            cell.value = Number::int(new);
            let d = check(&r, None);
            assert!(
                d.iter().any(|d| d.severity == Severity::Error && d.cells.contains(&k)),
                "{rel}: {k} {old} → {new} not caught"
            );
        }
    }
}
