//! One test per family of printing that issue 15 lists, each written in the
//! shape of a real published report: what the reader must read, and what it
//! must leave out rather than guess.

use ogi_report::Report;

fn read(name: &str, text: &str) -> Report {
    ogi_report::read(text.as_bytes(), Some(name)).unwrap_or_else(|e| panic!("{e}"))
}

fn get(r: &Report, key: &str) -> Option<String> {
    r.value(key.parse().expect("key")).map(|n| n.to_string())
}

const HEAD: &str = "某某区人民政府2023年政府信息公开工作年度报告\n";

#[test]
fn table_four_as_three_small_tables_one_per_group() {
    // The report that got a 10 set to 0: each group its own table, header
    // 维持 | 纠正 | 其他结果 | 尚未审结 | 总计 and one row of five numbers.
    let r = read(
        "r.md",
        &format!(
            "{HEAD}四、政府信息公开行政复议、行政诉讼情况\n行政复议\n| 维持 | 纠正 | 其他结果 | 尚未审结 | 总计 |\n|---|---|---|---|---|\n\
             | 10 | 1 | 0 | 2 | 13 |\n行政诉讼（未经复议直接起诉）\n| 维持 | 纠正 | 其他结果 | 尚未审结 | 总计 |\n|---|---|---|---|---|\n\
             | 3 | 0 | 0 | 0 | 3 |\n行政诉讼（复议后起诉）\n| 维持 | 纠正 | 其他结果 | 尚未审结 | 总计 |\n|---|---|---|---|---|\n\
             | 0 | 0 | 0 | 1 | 1 |\n五、存在的主要问题及改进情况\n无。"
        ),
    );
    assert_eq!(get(&r, "t4.review.upheld").as_deref(), Some("10"));
    assert_eq!(get(&r, "t4.review.total").as_deref(), Some("13"));
    assert_eq!(get(&r, "t4.suit_direct.upheld").as_deref(), Some("3"));
    assert_eq!(get(&r, "t4.suit_after_review.pending").as_deref(), Some("1"));
    // Three runs of numbers with no group labels to tell them apart: not read.
    let r = read(
        "r.txt",
        &format!(
            "{HEAD}四、政府信息公开行政复议、行政诉讼情况\n行政复议 行政诉讼\n维持 纠正 其他结果 尚未审结 总计\n10 1 0 2 13\n\
             维持 纠正 其他结果 尚未审结 总计\n3 0 0 0 3\n五、存在的主要问题及改进情况"
        ),
    );
    assert!(!r.cells.keys().any(|k| k.to_string().starts_with("t4.")), "{:?}", r.cells.keys());
    assert!(r.notes.iter().any(|n| n.code == "read.t4-layout"));
}

#[test]
fn every_row_of_table_three_its_own_markdown_table_with_generic_headers() {
    let row = |label: &str, v: &str| {
        format!("\n| 项目 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |\n|---|---|---|---|---|---|---|---|\n| {label} | {v} |\n")
    };
    let r = read(
        "r.md",
        &format!(
            "{HEAD}三、收到和处理政府信息公开申请情况{}{}\n| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n{}{}",
            row("一、本年新收政府信息公开申请数量", "12 | 1 | 0 | 0 | 0 | 0 | 13"),
            row("二、上年结转政府信息公开申请数量", "0 | 0 | 0 | 0 | 0 | 0 | 0"),
            row("三、本年度办理结果 （一）予以公开", "8 | 1 | 0 | 0 | 0 | 0 | 9"),
            row("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "2 | 0 | 0 | 0 | 0 | 0 | 2"),
        ),
    );
    assert_eq!(get(&r, "t3.new.total").as_deref(), Some("13"));
    assert_eq!(get(&r, "t3.new.commercial").as_deref(), Some("1"));
    assert_eq!(get(&r, "t3.carried_over.total").as_deref(), Some("0"));
    assert_eq!(get(&r, "t3.granted.natural").as_deref(), Some("8"));
    assert_eq!(get(&r, "t3.partial.total").as_deref(), Some("2"));
}

#[test]
fn a_web_page_dumped_one_cell_per_line_with_stray_bars() {
    let cells = [
        "第二十条第（一）项",
        "信息内容",
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
        "规章",
        "0",
        "0",
        "2",
        "行政规范性文件",
        "5",
        "1",
        "40",
        "第二十条第（五）项",
        "信息内容",
        "本年处理决定数量",
        "行政许可",
        "247",
    ];
    let body: String = cells.iter().map(|c| format!("{c} |\n")).collect();
    let r = read("r.txt", &format!("{HEAD}二、主动公开政府信息情况\n{body}三、收到和处理政府信息公开申请情况\n"));
    assert_eq!(get(&r, "t2.regulation.in_force").as_deref(), Some("2"));
    assert_eq!(get(&r, "t2.normative.issued").as_deref(), Some("5"));
    assert_eq!(get(&r, "t2.normative.in_force").as_deref(), Some("40"));
    assert_eq!(get(&r, "t2.licensing.decisions").as_deref(), Some("247"));
}

#[test]
fn group_labels_cut_in_two_around_their_sub_rows() {
    // PDF text layers print a spanning group label in pieces: 「（四）无」 … 「法提供」.
    let r = read(
        "r.txt",
        &format!(
            "{HEAD}一、本年新收政府信息公开申请数量 9 0 0 0 0 0 9\n（四）无\n1.本机关不掌握相关政府信息 4 0 0 0 0 0 4\n\
             法提供\n2.没有现成信息需要另行制作 1 0 0 0 0 0 1\n3.补正后申请内容仍不明确 0 0 0 0 0 0 0\n（五）不\n\
             1.信访举报投诉类申请 2 0 0 0 0 0 2\n予处理\n2.重复申请 0 0 0 0 0 0 0"
        ),
    );
    assert_eq!(get(&r, "t3.unavailable.not_held.total").as_deref(), Some("4"));
    assert_eq!(get(&r, "t3.unavailable.needs_creation.natural").as_deref(), Some("1"));
    assert_eq!(get(&r, "t3.not_processed.petition.total").as_deref(), Some("2"));
}

#[test]
fn rows_of_numbers_without_labels_are_left_out() {
    // A converter dropped the labels of table 三's middle rows: template order
    // alone does not say which row a line is (a row may be missing, another
    // split), so those numbers are not assigned.
    let r = read(
        "r.txt",
        &format!(
            "{HEAD}一、本年新收政府信息公开申请数量 9 0 0 0 0 0 9\n二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0\n\
             三、本年度办理结果\n5 0 0 0 0 0 5\n1 0 0 0 0 0 1\n0 0 0 0 0 0 0\n（七）总计 9 0 0 0 0 0 9\n四、结转下年度继续办理 0 0 0 0 0 0 0"
        ),
    );
    assert_eq!(get(&r, "t3.new.total").as_deref(), Some("9"));
    assert_eq!(get(&r, "t3.granted.total"), None);
    assert_eq!(get(&r, "t3.total.total").as_deref(), Some("9"));
}

#[test]
fn a_fragment_holding_only_middle_rows_of_table_three() {
    let r = read(
        "r.txt",
        "…（接上页）\n4.保护第三方合法权益 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n5.属于三类内部事务信息 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n\
         6.属于四类过程性信息 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |\n本年度报告根据《中华人民共和国政府信息公开条例》编制。",
    );
    assert_eq!(get(&r, "t3.denied.internal_affairs.total").as_deref(), Some("1"));
    assert_eq!(get(&r, "t3.denied.third_party_rights.natural").as_deref(), Some("0"));
    assert_eq!(get(&r, "t3.new.total"), None);
}

#[test]
fn glued_table_two_rows_keep_only_what_every_split_agrees_on() {
    // The archive's 2019-template rows: 行政许可3960181 (上一年项目数量, 本年增/减, 处理决定数量).
    let r = read(
        "r.txt",
        "某局2020年政府信息公开工作年度报告\n二、主动公开政府信息情况第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量\
         规章000规范性文件000第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可3960181其他对外管理服务事项000\
         第二十条第（六）项\n三、收到和处理政府信息公开申请情况",
    );
    assert_eq!(get(&r, "t2.regulation.made").as_deref(), Some("0"));
    assert_eq!(get(&r, "t2.other_services.decisions").as_deref(), Some("0"));
    // 39|60|181, 396|0|181, 3|960|181 …: no cell of the row is certain.
    assert_eq!(get(&r, "t2.licensing.prev_items"), None);
    assert!(r.notes.iter().any(|n| n.cells.contains(&"t2.licensing.prev_items".parse().unwrap())));
}

#[test]
fn full_width_digits_and_a_page_break_inside_a_table() {
    let r = read(
        "r.txt",
        &format!(
            "{HEAD}一、本年新收政府信息公开申请数量｜１２｜０｜０｜０｜０｜１｜１３｜\n- 4 -\n\
             （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）| 申请人情况\n\
             二、上年结转政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n第 5 页\n（一）予以公开 | 6 | 0 | 0 | 0 | 0 | 1 | 7 |"
        ),
    );
    assert_eq!(get(&r, "t3.new.natural").as_deref(), Some("12"));
    assert_eq!(get(&r, "t3.new.total").as_deref(), Some("13"));
    assert_eq!(get(&r, "t3.carried_over.total").as_deref(), Some("1"));
    assert_eq!(get(&r, "t3.granted.other_org").as_deref(), Some("1"));
}
