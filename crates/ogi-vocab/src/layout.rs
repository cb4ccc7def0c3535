//! The national layout of the report (国办公开办函〔2021〕30号 and 〔2019〕60号)
//! as data: the six sections' headings and the three tables' printed grids,
//! with every header cell, merged cell and row label verbatim. Renderers walk
//! this grid; they never spell a label themselves.

use crate::cells::{
    ApplicantColumn, CellKey, DenialReason, NotProcessedReason, OtherReason, Outcome, T2Row, T3Row, T4Column, T4Group,
    Template, UnavailableReason,
};

/// One printed cell of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridCell {
    /// Header or label text, spanning rows and columns.
    Text { text: String, rowspan: u16, colspan: u16 },
    /// A number of the report.
    Value { key: CellKey, colspan: u16 },
}

fn text(t: &str, rowspan: u16, colspan: u16) -> GridCell {
    GridCell::Text { text: t.to_string(), rowspan, colspan }
}

fn value(key: CellKey, colspan: u16) -> GridCell {
    GridCell::Value { key, colspan }
}

/// Table 二 as printed.
pub fn table2(template: Template) -> Vec<Vec<GridCell>> {
    let mut rows = Vec::new();
    let item = |n: &str| vec![text(&format!("第二十条第（{n}）项"), 1, 4)];
    let mut block = |n: &str, headers: &[&str], body: &[T2Row]| {
        rows.push(item(n));
        let mut h = vec![text("信息内容", 1, 1)];
        // Four columns in all: the last header (and value) spans what is left.
        let span = (4 - headers.len()) as u16;
        for (i, t) in headers.iter().enumerate() {
            h.push(text(t, 1, if i + 1 == headers.len() { span } else { 1 }));
        }
        rows.push(h);
        for &r in body {
            let cols = T2Row::layout(template).iter().find(|(x, _)| *x == r).map(|(_, c)| *c).unwrap_or(&[]);
            let mut line = vec![text(t2_label(template, r), 1, 1)];
            for (i, &c) in cols.iter().enumerate() {
                line.push(value(CellKey::T2(r, c), if i + 1 == cols.len() { span } else { 1 }));
            }
            rows.push(line);
        }
    };
    match template {
        Template::Y2021 => {
            block("一", &["本年制发件数", "本年废止件数", "现行有效件数"], &[T2Row::Regulation, T2Row::Normative]);
            block("五", &["本年处理决定数量"], &[T2Row::Licensing]);
            block("六", &["本年处理决定数量"], &[T2Row::Penalty, T2Row::Enforcement]);
            block("八", &["本年收费金额（单位：万元）"], &[T2Row::Fees]);
        }
        Template::Y2019 => {
            block(
                "一",
                &["本年新制作数量", "本年新公开数量", "对外公开总数量"],
                &[T2Row::Regulation, T2Row::Normative],
            );
            block("五", &["上一年项目数量", "本年增/减", "处理决定数量"], &[T2Row::Licensing, T2Row::OtherServices]);
            block("六", &["上一年项目数量", "本年增/减", "处理决定数量"], &[T2Row::Penalty, T2Row::Enforcement]);
            block("八", &["上一年项目数量", "本年增/减"], &[T2Row::Fees]);
            block("九", &["采购项目数量", "采购总金额"], &[T2Row::Procurement]);
        }
    }
    rows
}

fn t2_label(template: Template, r: T2Row) -> &'static str {
    match (template, r) {
        (Template::Y2021, T2Row::Normative) => "行政规范性文件",
        (_, r) => r.label(),
    }
}

/// Table 三 as printed. `split_other`: （六）其他处理 in three rows (the 2021
/// template) or one.
pub fn table3(split_other: bool) -> Vec<Vec<GridCell>> {
    let values = |row: T3Row| ApplicantColumn::ALL.iter().map(move |&c| value(CellKey::T3(row, c), 1));
    let mut rows = vec![
        vec![
            text("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3),
            text("申请人情况", 1, 7),
        ],
        vec![text("自然人", 2, 1), text("法人或其他组织", 1, 5), text("总计", 2, 1)],
        ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"].iter().map(|t| text(t, 1, 1)).collect(),
    ];
    let mut line = vec![text("一、本年新收政府信息公开申请数量", 1, 3)];
    line.extend(values(T3Row::New));
    rows.push(line);
    let mut line = vec![text("二、上年结转政府信息公开申请数量", 1, 3)];
    line.extend(values(T3Row::CarriedOver));
    rows.push(line);
    // The rows under 三、本年度办理结果: (group, item, row).
    let mut results: Vec<(Option<&str>, String, T3Row)> = vec![
        (None, "（一）予以公开".into(), T3Row::Outcome(Outcome::Granted)),
        (None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）".into(), T3Row::Outcome(Outcome::Partial)),
    ];
    let numbered = |group: &'static str, items: Vec<(&'static str, Outcome)>| {
        items.into_iter().enumerate().map(move |(i, (l, o))| (Some(group), format!("{}.{l}", i + 1), T3Row::Outcome(o)))
    };
    results.extend(numbered(
        "（三）不予公开",
        DenialReason::ALL.iter().map(|&r| (r.label(), Outcome::Denied(r))).collect(),
    ));
    results.extend(numbered(
        "（四）无法提供",
        UnavailableReason::ALL.iter().map(|&r| (r.label(), Outcome::Unavailable(r))).collect(),
    ));
    results.extend(numbered(
        "（五）不予处理",
        NotProcessedReason::ALL.iter().map(|&r| (r.label(), Outcome::NotProcessed(r))).collect(),
    ));
    if split_other {
        results.extend(numbered(
            "（六）其他处理",
            OtherReason::ALL.iter().map(|&r| (r.label(), Outcome::Other(r))).collect(),
        ));
    } else {
        results.push((None, "（六）其他处理".into(), T3Row::Outcome(Outcome::OtherUnsplit)));
    }
    results.push((None, "（七）总计".into(), T3Row::Total));
    let n = results.len() as u16;
    for (i, (group, item, row)) in results.iter().enumerate() {
        let mut line = Vec::new();
        if i == 0 {
            line.push(text("三、本年度办理结果", n, 1));
        }
        match group {
            Some(g) => {
                if i == 0 || results[i - 1].0 != *group {
                    let size = results.iter().filter(|r| r.0 == *group).count() as u16;
                    line.push(text(g, size, 1));
                }
                line.push(text(item, 1, 1));
            }
            None => line.push(text(item, 1, 2)),
        }
        line.extend(values(*row));
        rows.push(line);
    }
    let mut line = vec![text("四、结转下年度继续办理", 1, 3)];
    line.extend(values(T3Row::CarryForward));
    rows.push(line);
    rows
}

/// Table 四 as printed.
pub fn table4() -> Vec<Vec<GridCell>> {
    let heads = || T4Column::ALL.iter().map(|c| c.label()).collect::<Vec<_>>();
    let mut rows = vec![vec![text("行政复议", 1, 5), text("行政诉讼", 1, 10)]];
    let mut second: Vec<GridCell> = heads().iter().map(|h| text(h, 2, 1)).collect();
    second.push(text("未经复议直接起诉", 1, 5));
    second.push(text("复议后起诉", 1, 5));
    rows.push(second);
    rows.push(heads().iter().chain(heads().iter()).map(|h| text(h, 1, 1)).collect());
    rows.push(
        T4Group::ALL.iter().flat_map(|&g| T4Column::ALL.iter().map(move |&c| value(CellKey::T4(g, c), 1))).collect(),
    );
    rows
}

/// The section headings of the template (四's wording differs slightly between templates).
pub fn headings() -> [&'static str; 6] {
    [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
}
