//! Comparing agencies (issue 14): one dictionary of indicators, each defined
//! once with its formula and caveats; each agency's value, its rank and the
//! quartiles among its peers (the same level and kind); a trend over years;
//! and the cross-year ledger (table 三's 上年结转 against last year's 结转下年度,
//! table 二's 现行有效 continuity).

use std::collections::BTreeMap;

use ogi_vocab::cells::{ApplicantColumn, CellKey, DenialReason, Outcome, T2Column, T2Row, T3Row, T4Column, T4Group};
use ogi_vocab::{Number, Report};

/// One indicator of the dictionary.
#[derive(Debug, Clone, Copy)]
pub struct Indicator {
    /// Stable id (`new_requests`).
    pub key: &'static str,
    /// Its Chinese name as shown.
    pub name: &'static str,
    /// How it is computed, in the report's words.
    pub formula: &'static str,
    /// What to keep in mind reading it.
    pub caveat: &'static str,
    /// A rate (shown as a percentage) or a count.
    pub rate: bool,
    value: fn(&Report) -> Option<f64>,
}

impl Indicator {
    /// The indicator's value for a report; `None` when a cell it needs is
    /// missing (never taken as 0) or a rate's denominator is 0.
    pub fn value(&self, report: &Report) -> Option<f64> {
        (self.value)(report)
    }

    /// A value as shown: a count as is, a rate as a percentage with two decimals.
    pub fn show(&self, v: f64) -> String {
        if self.rate {
            format!("{:.2}%", v * 100.0)
        } else if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v}")
        }
    }
}

fn num(n: Number) -> Option<f64> {
    n.to_string().parse().ok()
}

fn cell(r: &Report, key: CellKey) -> Option<f64> {
    num(r.value(key)?)
}

fn t3(r: &Report, row: T3Row) -> Option<f64> {
    cell(r, CellKey::T3(row, ApplicantColumn::Total))
}

fn ratio(part: Option<f64>, whole: Option<f64>) -> Option<f64> {
    let (p, w) = (part?, whole?);
    (w > 0.0).then_some(p / w)
}

/// Σ of a table 四 column over the groups given.
fn t4(r: &Report, groups: &[T4Group], column: T4Column) -> Option<f64> {
    groups.iter().map(|g| cell(r, CellKey::T4(*g, column))).sum()
}

/// Corrected among the decided (total − pending) cases of the groups.
fn correction_rate(r: &Report, groups: &[T4Group]) -> Option<f64> {
    let decided = t4(r, groups, T4Column::Total)? - t4(r, groups, T4Column::Pending)?;
    ratio(t4(r, groups, T4Column::Corrected), Some(decided))
}

const SUITS: [T4Group; 2] = [T4Group::SuitDirect, T4Group::SuitAfterReview];

/// The dictionary: every indicator, defined here once.
pub const INDICATORS: &[Indicator] = &[
    Indicator {
        key: "new_requests",
        name: "新收申请数",
        formula: "表三 一、本年新收政府信息公开申请数量（总计列）",
        caveat: "反映申请量而非工作质量；机关职能不同，申请量差别很大，只宜与同级同类机关比较",
        rate: false,
        value: |r| t3(r, T3Row::New),
    },
    Indicator {
        key: "granted_rate",
        name: "予以公开率",
        formula: "表三（一）予以公开 ÷（七）总计（总计列）",
        caveat: "分母为本年办结数，含上年结转；部分公开不计入；办结为 0 时无定义",
        rate: true,
        value: |r| ratio(t3(r, T3Row::Outcome(Outcome::Granted)), t3(r, T3Row::Total)),
    },
    Indicator {
        key: "denied_rate",
        name: "不予公开率",
        formula: "表三（三）不予公开 1–8 项之和 ÷（七）总计（总计列）",
        caveat: "不予公开多属依法不公开，率高不等于违法；须结合复议、诉讼纠错率看；办结为 0 时无定义",
        rate: true,
        value: |r| {
            let denied: Option<f64> =
                DenialReason::ALL.iter().map(|d| t3(r, T3Row::Outcome(Outcome::Denied(*d)))).sum();
            ratio(denied, t3(r, T3Row::Total))
        },
    },
    Indicator {
        key: "review_correction_rate",
        name: "复议纠错率",
        formula: "表四 行政复议 结果纠正 ÷（总计 − 尚未审结）",
        caveat: "只计本年已审结的复议；案件少时一件即可使比率大幅变动；无审结案件时无定义",
        rate: true,
        value: |r| correction_rate(r, &[T4Group::Review]),
    },
    Indicator {
        key: "suit_correction_rate",
        name: "诉讼纠错率",
        formula: "表四 行政诉讼（未经复议直接起诉、复议后起诉）结果纠正之和 ÷（总计之和 − 尚未审结之和）",
        caveat: "只计本年已审结的诉讼；案件少时比率不稳定；无审结案件时无定义",
        rate: true,
        value: |r| correction_rate(r, &SUITS),
    },
    Indicator {
        key: "normative_in_force",
        name: "规范性文件现行有效数",
        formula: "表二 行政规范性文件 现行有效件数（2021 年格式）",
        caveat: "2019 年格式的报告无此项（其“对外公开总数量”含义不同），不作比较；乡镇、街道一般不制发",
        rate: false,
        value: |r| cell(r, CellKey::T2(T2Row::Normative, T2Column::InForce)),
    },
    Indicator {
        key: "licensing",
        name: "行政许可数",
        formula: "表二 行政许可 本年处理决定数量",
        caveat: "只有有许可职能的机关才有；各地统计口径（件、项、人次）不一",
        rate: false,
        value: |r| cell(r, CellKey::T2(T2Row::Licensing, T2Column::Decisions)),
    },
    Indicator {
        key: "penalty",
        name: "行政处罚数",
        formula: "表二 行政处罚 本年处理决定数量",
        caveat: "只有有执法职能的机关才有；简易程序处罚是否计入各地不一",
        rate: false,
        value: |r| cell(r, CellKey::T2(T2Row::Penalty, T2Column::Decisions)),
    },
];

/// The indicator of an id or a name.
pub fn indicator(key: &str) -> Option<&'static Indicator> {
    INDICATORS.iter().find(|i| i.key == key || i.name == key)
}

/// The quartiles of values (linear interpolation between the closest ranks).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quartiles {
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
}

/// The `p`-th percentile of sorted values (0 ≤ p ≤ 1).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo as f64)
}

/// P25/P50/P75 of the values; none for no values.
pub fn quartiles(values: &[f64]) -> Option<Quartiles> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    Some(Quartiles { p25: percentile(&v, 0.25), p50: percentile(&v, 0.5), p75: percentile(&v, 0.75) })
}

/// One agency among its peers.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub value: Option<f64>,
    /// 1 for the highest value among the peers having one (ties share a rank).
    pub rank: Option<usize>,
    /// How many peers have a value (the agency included).
    pub peers: usize,
    pub quartiles: Option<Quartiles>,
}

/// Ranks each agency among its peers: `members` are (peer group, value);
/// agencies of one group are compared with each other only.
pub fn rank<G: PartialEq>(members: &[(G, Option<f64>)]) -> Vec<Ranked> {
    members
        .iter()
        .map(|(group, value)| {
            let peers: Vec<f64> = members.iter().filter(|(g, _)| g == group).filter_map(|(_, v)| *v).collect();
            let rank = value.map(|v| 1 + peers.iter().filter(|p| **p > v).count());
            Ranked { value: *value, rank, peers: peers.len(), quartiles: quartiles(&peers) }
        })
        .collect()
}

/// A year-over-year change worth a look: the indicator went to 0, or rose
/// or fell by more than `threshold` (0.5 = 50 %) of last year's value. A
/// value either year lacks is no change (nothing is guessed).
pub fn jump(ind: &Indicator, this: Option<f64>, last: Option<f64>, threshold: f64) -> Option<(f64, String)> {
    let (now, before) = (this?, last?);
    if before <= 0.0 {
        return None;
    }
    if now == 0.0 {
        return Some((1.0, format!("{}降为 0（上年 {}）", ind.name, ind.show(before))));
    }
    let change = (now - before) / before;
    (change.abs() > threshold).then(|| {
        let way = if change > 0.0 { "上升" } else { "下降" };
        (
            change.abs(),
            format!(
                "{}{way} {:.0}%（上年 {}，本年 {}）",
                ind.name,
                change.abs() * 100.0,
                ind.show(before),
                ind.show(now)
            ),
        )
    })
}

/// The indicators whose high values are a risk (a 主管部门's list): the
/// correction rates and the denial rate.
pub const RISKY_WHEN_HIGH: [&str; 3] = ["review_correction_rate", "suit_correction_rate", "denied_rate"];

/// A value above its peers' P75 (and above 0), said why; none for a peer
/// group of fewer than four (quartiles of three say little).
pub fn high_among_peers(ind: &Indicator, ranked: &Ranked) -> Option<(f64, String)> {
    let (v, q) = (ranked.value?, ranked.quartiles?);
    (ranked.peers >= 4 && v > 0.0 && v > q.p75).then(|| {
        (
            v - q.p75,
            format!(
                "{} {}，高于同级同类机关的 P75 {}（{} 个机关中第 {} 位）",
                ind.name,
                ind.show(v),
                ind.show(q.p75),
                ranked.peers,
                ranked.rank.unwrap_or(0)
            ),
        )
    })
}

/// An agency as compared: its peer group (level and kind), the errors found
/// on this year's report, and its report (active version or drafted) per
/// year — a year without one is absent.
#[derive(Debug, Clone)]
pub struct Peer<'a> {
    pub code: String,
    pub name: String,
    /// Depth in the tree (0: the root).
    pub level: usize,
    /// Its kind (`department`): peers share level and kind.
    pub kind: String,
    pub errors: usize,
    pub reports: BTreeMap<i16, &'a Report>,
}

impl Peer<'_> {
    fn value(&self, ind: &Indicator, year: i16) -> Option<f64> {
        self.reports.get(&year).and_then(|r| ind.value(r))
    }
}

/// One agency's standing on one indicator in `year`.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// Index into the peers given.
    pub peer: usize,
    pub indicator: &'static Indicator,
    pub ranked: Ranked,
    /// The indicator from the first year asked to `year`.
    pub trend: Vec<(i16, Option<f64>)>,
}

impl PartialEq for Indicator {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

/// Every agency on every indicator given, ranked among its peers in `year`,
/// with its trend from `from` to `year`; indicator by indicator.
pub fn compare(peers: &[Peer], from: i16, year: i16, indicators: &[&'static Indicator]) -> Vec<Compared> {
    let mut out = Vec::new();
    for ind in indicators {
        let members: Vec<((usize, &str), Option<f64>)> =
            peers.iter().map(|p| ((p.level, p.kind.as_str()), p.value(ind, year))).collect();
        for (i, ranked) in rank(&members).into_iter().enumerate() {
            let trend = (from..=year).map(|y| (y, peers[i].value(ind, y))).collect();
            out.push(Compared { peer: i, indicator: ind, ranked, trend });
        }
    }
    out
}

/// Why an agency is on the risk list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskKind {
    Errors,
    Jump,
    High,
}

impl RiskKind {
    pub fn label(self) -> &'static str {
        match self {
            RiskKind::Errors => "错误",
            RiskKind::Jump => "同比变动",
            RiskKind::High => "比率偏高",
        }
    }
}

/// One line of the risk list.
#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    /// Index into the peers given.
    pub peer: usize,
    pub kind: RiskKind,
    /// How strong (errors found, the relative change, the distance above P75).
    pub weight: f64,
    pub why: String,
}

/// The 主管部门's risk list for `year`: agencies with errors found, with an
/// indicator that rose or fell by more than `threshold` since the year
/// before (or went to 0), with a correction or denial rate above their
/// peers' P75. By kind, strongest first.
pub fn risks(peers: &[Peer], year: i16, threshold: f64) -> Vec<Risk> {
    let mut out = Vec::new();
    for (i, p) in peers.iter().enumerate() {
        if p.errors > 0 && p.reports.contains_key(&year) {
            out.push(Risk {
                peer: i,
                kind: RiskKind::Errors,
                weight: p.errors as f64,
                why: format!("检查发现 {} 个错误", p.errors),
            });
        }
        for ind in INDICATORS {
            if let Some((weight, why)) = jump(ind, p.value(ind, year), p.value(ind, year - 1), threshold) {
                out.push(Risk { peer: i, kind: RiskKind::Jump, weight, why });
            }
        }
    }
    for key in RISKY_WHEN_HIGH {
        let Some(ind) = indicator(key) else { continue };
        for c in compare(peers, year, year, &[ind]) {
            if let Some((weight, why)) = high_among_peers(ind, &c.ranked) {
                out.push(Risk { peer: c.peer, kind: RiskKind::High, weight, why });
            }
        }
    }
    out.sort_by(|a, b| {
        a.kind.cmp(&b.kind).then(b.weight.total_cmp(&a.weight)).then(peers[a.peer].code.cmp(&peers[b.peer].code))
    });
    out
}

/// One break of the cross-year ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerBreak {
    pub cells: Vec<CellKey>,
    /// In Chinese, with the figures.
    pub message: String,
}

/// This year's report against last year's: 上年结转 = last year's 结转下年度
/// in every column of table 三 (第四十九条's tables chain), and table 二's
/// 现行有效 = last year's + 本年制发 − 本年废止. Cells either report lacks are
/// not judged.
pub fn ledger(this: &Report, last: &Report) -> Vec<LedgerBreak> {
    let mut out = Vec::new();
    let columns = ApplicantColumn::KINDS.into_iter().chain([ApplicantColumn::Total]);
    for c in columns {
        let now = CellKey::T3(T3Row::CarriedOver, c);
        let before = CellKey::T3(T3Row::CarryForward, c);
        if let (Some(a), Some(b)) = (this.value(now), last.value(before)) {
            if a != b {
                out.push(LedgerBreak {
                    cells: vec![now, before],
                    message: format!("表三“{}”列：上年结转 {a}，上年报告结转下年度 {b}", c.label()),
                });
            }
        }
    }
    for row in [T2Row::Regulation, T2Row::Normative] {
        let key = |col| CellKey::T2(row, col);
        let (Some(now), Some(before), Some(issued), Some(repealed)) = (
            this.value(key(T2Column::InForce)),
            last.value(key(T2Column::InForce)),
            this.value(key(T2Column::Issued)),
            this.value(key(T2Column::Repealed)),
        ) else {
            continue;
        };
        let expected = before.checked_add(issued).and_then(|n| n.checked_sub(repealed));
        if expected != Some(now) {
            out.push(LedgerBreak {
                cells: vec![key(T2Column::InForce)],
                message: format!(
                    "表二“{}”现行有效 {now}，上年 {before} + 本年制发 {issued} − 本年废止 {repealed} = {}",
                    row.label(),
                    expected.map_or("?".into(), |n| n.to_string())
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ogi_vocab::Template;

    fn report(cells: &[(&str, i64)]) -> Report {
        Report::of_cells(2024, Template::Y2021, cells.iter().map(|(k, v)| (k.parse().unwrap(), Number::int(*v))))
    }

    #[test]
    fn each_indicator_is_its_formula_and_a_missing_cell_is_no_value() {
        let r = report(&[
            ("t3.new.total", 40),
            ("t3.granted.total", 10),
            ("t3.total.total", 50),
            ("t3.denied.state_secret.total", 2),
            ("t3.denied.prohibited_by_law.total", 0),
            ("t3.denied.safety_stability.total", 0),
            ("t3.denied.third_party_rights.total", 3),
            ("t3.denied.internal_affairs.total", 0),
            ("t3.denied.process_info.total", 0),
            ("t3.denied.enforcement_file.total", 0),
            ("t3.denied.admin_query.total", 0),
            ("t4.review.corrected", 1),
            ("t4.review.total", 5),
            ("t4.review.pending", 1),
            ("t4.suit_direct.corrected", 0),
            ("t4.suit_direct.total", 0),
            ("t4.suit_direct.pending", 0),
            ("t4.suit_after_review.corrected", 1),
            ("t4.suit_after_review.total", 3),
            ("t4.suit_after_review.pending", 1),
        ]);
        let v = |k: &str| indicator(k).unwrap().value(&r);
        assert_eq!(v("new_requests"), Some(40.0));
        assert_eq!(v("予以公开率"), Some(0.2));
        assert_eq!(v("denied_rate"), Some(0.1));
        assert_eq!(v("review_correction_rate"), Some(0.25));
        assert_eq!(v("suit_correction_rate"), Some(0.5));
        assert_eq!(v("licensing"), None, "not printed: no value, not 0");
        assert_eq!(indicator("granted_rate").unwrap().show(0.2), "20.00%");
        let none_closed = report(&[("t3.granted.total", 0), ("t3.total.total", 0)]);
        assert_eq!(indicator("granted_rate").unwrap().value(&none_closed), None);
        assert_eq!(INDICATORS.len(), 8);
    }

    #[test]
    fn agencies_rank_among_their_peers_only() {
        let ranked =
            rank(&[("dept", Some(3.0)), ("dept", Some(9.0)), ("town", Some(1.0)), ("dept", None), ("dept", Some(3.0))]);
        assert_eq!(ranked.iter().map(|r| r.rank).collect::<Vec<_>>(), [Some(2), Some(1), Some(1), None, Some(2)]);
        assert_eq!(ranked[0].peers, 3);
        assert_eq!(ranked[2].peers, 1);
        let q = quartiles(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!((q.p25, q.p50, q.p75), (2.0, 3.0, 4.0));
        let q = quartiles(&[10.0, 20.0]).unwrap();
        assert_eq!((q.p25, q.p50, q.p75), (12.5, 15.0, 17.5));
        assert_eq!(quartiles(&[]), None);
    }

    #[test]
    fn jumps_and_high_rates_are_flagged_with_why() {
        let new = indicator("new_requests").unwrap();
        assert_eq!(jump(new, Some(0.0), Some(12.0), 0.5).unwrap().1, "新收申请数降为 0（上年 12）");
        assert_eq!(jump(new, Some(30.0), Some(12.0), 0.5).unwrap().1, "新收申请数上升 150%（上年 12，本年 30）");
        assert!(jump(new, Some(15.0), Some(12.0), 0.5).is_none(), "25 % is within the threshold");
        assert!(jump(new, Some(5.0), None, 0.5).is_none() && jump(new, Some(5.0), Some(0.0), 0.5).is_none());
        let rate = indicator("review_correction_rate").unwrap();
        let members: Vec<(u8, Option<f64>)> = [0.0, 0.1, 0.1, 0.2, 0.9].iter().map(|v| (0, Some(*v))).collect();
        let ranked = rank(&members);
        let why = high_among_peers(rate, &ranked[4]).unwrap().1;
        assert_eq!(why, "复议纠错率 90.00%，高于同级同类机关的 P75 20.00%（5 个机关中第 1 位）");
        assert!(high_among_peers(rate, &ranked[3]).is_none(), "at P75 is not above it");
        // 90 % is above the P75 of [10 %, 20 %, 90 %], but three agencies are too few peers.
        assert!(high_among_peers(rate, &rank(&members[2..])[2]).is_none(), "too few peers");
    }

    #[test]
    fn peers_are_compared_over_years_and_the_risk_list_says_why() {
        let r = |new: i64, errors_denied: i64| {
            report(&[("t3.new.total", new), ("t3.total.total", 10), ("t3.denied.state_secret.total", errors_denied)])
        };
        let (a22, a23, b23, c23) = (r(10, 0), r(30, 0), r(12, 0), r(8, 0));
        let peer = |code: &str, kind: &str, errors: usize, reports: Vec<(i16, &'static Report)>| Peer {
            code: code.into(),
            name: code.into(),
            level: 1,
            kind: kind.into(),
            errors,
            reports: reports.into_iter().collect(),
        };
        let leak = |r: Report| -> &'static Report { Box::leak(Box::new(r)) };
        let peers = vec![
            peer("a", "department", 0, vec![(2022, leak(a22)), (2023, leak(a23))]),
            peer("b", "department", 2, vec![(2023, leak(b23))]),
            peer("c", "town", 0, vec![(2023, leak(c23))]),
        ];
        let new = indicator("new_requests").unwrap();
        let got = compare(&peers, 2021, 2023, &[new]);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].trend, [(2021, None), (2022, Some(10.0)), (2023, Some(30.0))]);
        assert_eq!((got[0].ranked.rank, got[0].ranked.peers), (Some(1), 2));
        assert_eq!((got[2].ranked.rank, got[2].ranked.peers), (Some(1), 1), "a town among towns");
        let list = risks(&peers, 2023, 0.5);
        let lines: Vec<(&str, RiskKind, &str)> =
            list.iter().map(|r| (peers[r.peer].code.as_str(), r.kind, r.why.as_str())).collect();
        assert_eq!(
            lines,
            [
                ("b", RiskKind::Errors, "检查发现 2 个错误"),
                ("a", RiskKind::Jump, "新收申请数上升 200%（上年 10，本年 30）"),
            ]
        );
    }

    #[test]
    fn the_ledger_follows_the_carry_over_and_documents_in_force() {
        let last =
            report(&[("t3.carry_forward.natural", 3), ("t3.carry_forward.total", 3), ("t2.normative.in_force", 10)]);
        let good = report(&[
            ("t3.carried_over.natural", 3),
            ("t3.carried_over.total", 3),
            ("t2.normative.in_force", 11),
            ("t2.normative.issued", 2),
            ("t2.normative.repealed", 1),
        ]);
        assert_eq!(ledger(&good, &last), []);
        let bad = report(&[
            ("t3.carried_over.natural", 1),
            ("t3.carried_over.total", 1),
            ("t2.normative.in_force", 20),
            ("t2.normative.issued", 2),
            ("t2.normative.repealed", 1),
        ]);
        let breaks = ledger(&bad, &last);
        assert_eq!(breaks.len(), 3, "{breaks:?}");
        assert!(breaks[0].message.contains("上年结转 1，上年报告结转下年度 3"), "{}", breaks[0].message);
        assert!(breaks[2].message.contains("10 + 本年制发 2 − 本年废止 1 = 11"), "{}", breaks[2].message);
        // Nothing printed, nothing judged.
        assert_eq!(ledger(&report(&[]), &last), []);
    }
}
