//! 年度报告 over real HTTP: the draft from a simulated register and records,
//! checked clean; every export reads back to the drafted cells; edited texts
//! take the year's figures and unknown placeholders are refused; the records
//! forms change the tables and mark bad input.

mod common;

use std::collections::BTreeMap;

use ogi_report::check::Severity;
use ogi_report::{CellKey, Report};
use ogi_rules::annual::{self, Art20Figures, Case, CaseKind, CaseResult, Document, DocumentKind, EditableSection};
use ogi_store::{Role, Store, AGENCY_NAME};

const AGENCY: &str = "某市数据局";

/// The text of the value cell `key` on a page (`<td … data-key="key"…>text</td>`).
fn cell(page: &str, key: &str) -> Option<String> {
    let at = page.find(&format!("data-key=\"{key}\""))?;
    let rest = &page[at..];
    let open = rest.find('>')? + 1;
    let close = rest.find("</td>")?;
    Some(rest[open..close].to_string())
}

fn values(r: &Report) -> BTreeMap<CellKey, String> {
    r.cells.iter().map(|(k, c)| (*k, c.value.to_string())).collect()
}

/// A register for 2025 with a year of requests and every kind of record.
async fn register(name: &str) -> common::Server {
    // February: the page opens on last year's report.
    let server = common::start(name, Some("2026-02-10")).await;
    common::fill(&server, 2025, 300, 5).await;
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, |s| {
            s.set_setting(AGENCY_NAME, AGENCY, "test")?;
            let d = |t: &str| t.parse().unwrap();
            for (kind, issued, repealed) in [
                (DocumentKind::Normative, "2019-05-01", None),
                (DocumentKind::Normative, "2025-03-10", None),
                (DocumentKind::Normative, "2020-01-01", Some("2025-06-30")),
                (DocumentKind::Regulation, "2022-08-08", None),
            ] {
                let doc = Document {
                    kind,
                    title: "关于规范某事项的办法".into(),
                    number: String::new(),
                    issued: d(issued),
                    repealed: repealed.map(d),
                };
                s.add_document(&doc, "test")?;
            }
            s.set_art20(
                2025,
                &Art20Figures { licensing: 120, penalty: 7, enforcement: 2, fees_wan: "3.25".parse().unwrap() },
                "test",
            )?;
            s.add_case(
                &Case {
                    kind: CaseKind::Review,
                    received: d("2025-04-01"),
                    summary: "不服答复".into(),
                    decided: Some((d("2025-06-01"), CaseResult::Upheld)),
                },
                "test",
            )?;
            s.add_case(
                &Case { kind: CaseKind::SuitDirect, received: d("2025-09-01"), summary: String::new(), decided: None },
                "test",
            )?;
            Ok(())
        })
        .await
        .unwrap();
    server
}

async fn expected(server: &common::Server, year: i16) -> Report {
    let records = server.state.read_in(ogi_store::Scope::OPERATOR, move |s| s.annual_records(year)).await.unwrap();
    annual::draft(&records).unwrap()
}

#[tokio::test]
async fn the_years_report_is_drafted_from_the_records_and_checks_clean() {
    let server = register("annual-draft").await;
    let mut c = server.login("clerk", Role::Clerk).await;
    let want = expected(&server, 2025).await;
    let errors: Vec<_> =
        ogi_report::check::check(&want, None).into_iter().filter(|d| d.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "a consistent register drafts clean: {errors:#?}");

    // January–March: last year's report by default.
    let page = c.get("/annual").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let t = page.text();
    assert!(t.contains(&format!("{AGENCY}2025年政府信息公开工作年度报告")), "{t}");
    assert!(t.contains("错误 0 处"), "{t}");
    // Every drafted cell is on the page with its value.
    for (key, value) in values(&want) {
        assert_eq!(cell(&t, &key.to_string()).as_deref(), Some(value.as_str()), "{key}");
    }
    assert_eq!(cell(&t, "t2.normative.issued").as_deref(), Some("1"));
    assert_eq!(cell(&t, "t2.normative.repealed").as_deref(), Some("1"));
    assert_eq!(cell(&t, "t2.normative.in_force").as_deref(), Some("2"));
    assert_eq!(cell(&t, "t2.fees.amount").as_deref(), Some("3.25"));
    assert_eq!(cell(&t, "t4.review.upheld").as_deref(), Some("1"));
    assert_eq!(cell(&t, "t4.suit_direct.pending").as_deref(), Some("1"));
    // Sections 五 and 六 still hold text to write.
    assert!(t.contains("还有“【请填写…】”的内容") && t.contains("五、存在的主要问题及改进情况"), "{t}");
    assert!(!t.contains("尚未登记 2025 年第二十条数据"));
    // The placeholders are listed beside the text forms.
    assert!(t.contains("{予以公开占比}") && t.contains("name=\"section\" value=\"overview\""));

    // A year without 第二十条 figures says so.
    let y24 = c.get("/annual?year=2024").await;
    assert_eq!(y24.status, 200);
    assert!(y24.text().contains("尚未登记 2024 年第二十条数据"), "{}", y24.text());
    assert_eq!(cell(&y24.text(), "t2.fees.amount").as_deref(), Some("未填报"));

    // Before the 2021 template: a clear message, not a crash.
    let old = c.get("/annual?year=2019").await;
    assert_eq!(old.status, 400);
    assert!(old.text().contains("2019 年的报告适用国办公开办函〔2019〕60号旧格式"), "{}", old.text());
    let bad = c.get("/annual?year=abcd").await;
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("应为 4 位数字"));
}

#[tokio::test]
async fn every_export_reads_back_to_the_drafted_cells() {
    let server = register("annual-export").await;
    let mut c = server.login("clerk", Role::Clerk).await;
    let want = expected(&server, 2025).await;
    let encoded_title: String = format!("{AGENCY}2025年政府信息公开工作年度报告")
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    for (to, content_type) in [
        ("html", "text/html"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("md", "text/markdown"),
        ("json", "application/json"),
    ] {
        let r = c.get(&format!("/annual/export?year=2025&to={to}")).await;
        assert_eq!(r.status, 200, "{to}: {}", r.text());
        assert!(r.header("content-type").unwrap().starts_with(content_type), "{to}");
        let disposition = r.header("content-disposition").unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(disposition.contains(&format!("filename*=UTF-8''{encoded_title}.{to}")), "{disposition}");
        let back = ogi_report::read(&r.body, Some(&format!("report.{to}"))).unwrap_or_else(|e| panic!("{to}: {e}"));
        assert_eq!(values(&back), values(&want), "{to}");
        assert_eq!(back.meta.agency.as_deref(), Some(AGENCY), "{to}");
        assert_eq!(back.meta.year, Some(2025), "{to}");
    }
    assert_eq!(c.get("/annual/export?year=2025&to=pdf").await.status, 400);
    assert_eq!(c.get("/annual/export?year=2020&to=docx").await.status, 400);
    // Only logged-in users.
    let anon = server.client().get("/annual/export?year=2025&to=json").await;
    assert_eq!(anon.status, 303);
}

#[tokio::test]
async fn edited_texts_take_the_years_figures_and_unknown_placeholders_are_refused() {
    let server = register("annual-texts").await;
    let mut c = server.login("clerk", Role::Clerk).await;
    let want = expected(&server, 2025).await;
    let new = want.value("t3.new.total".parse().unwrap()).unwrap().to_string();
    c.get("/annual?year=2025").await;
    let saved = c
        .submit(
            "/annual/texts",
            &[("year", "2025"), ("section", "overview"), ("text", "本机关全年收到申请{新收申请}件，一一依法答复。")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let page = c.get(saved.header("location").unwrap().split('#').next().unwrap()).await;
    assert!(page.text().contains(&format!("本机关全年收到申请{new}件，一一依法答复。")), "{}", page.text());
    assert!(page.text().contains("已保存“一、总体情况”"));

    // An unknown placeholder: the form back, marked, and nothing saved.
    let refused =
        c.submit("/annual/texts", &[("year", "2025"), ("section", "overview"), ("text", "收到申请{收到申请}件")]).await;
    assert_eq!(refused.status, 400);
    let t = refused.text();
    assert!(t.contains("占位符 {收到申请} 不存在") && t.contains("class=\"field-error\""), "{t}");
    assert!(t.contains("收到申请{收到申请}件</textarea>"), "the typed text is kept: {t}");
    let texts = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.texts(2025)).await.unwrap();
    assert_eq!(texts.get(&EditableSection::Overview).unwrap(), "本机关全年收到申请{新收申请}件，一一依法答复。");
    // An unclosed brace likewise.
    let unclosed =
        c.submit("/annual/texts", &[("year", "2025"), ("section", "problems"), ("text", "问题{新收申请")]).await;
    assert_eq!(unclosed.status, 400);
    assert!(!server
        .state
        .read_in(ogi_store::Scope::OPERATOR, |s| s.texts(2025))
        .await
        .unwrap()
        .contains_key(&EditableSection::Problems));
}

#[tokio::test]
async fn the_records_forms_change_the_tables_and_mark_bad_input() {
    let server = register("annual-records").await;
    let mut c = server.login("clerk", Role::Clerk).await;
    let before = c.get("/annual?year=2025").await.text();
    assert_eq!(cell(&before, "t2.normative.issued").as_deref(), Some("1"));

    let form = c.get("/annual/records?year=2025").await;
    assert_eq!(form.status, 200);
    let added = c
        .submit(
            "/annual/records/document",
            &[
                ("year", "2025"),
                ("kind", "normative"),
                ("title", "关于加强档案管理的通知"),
                ("number", "某数发〔2025〕3号"),
                ("issued", "2025-11-20"),
                ("repealed", ""),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.text());
    let after = c.get("/annual?year=2025").await.text();
    assert_eq!(cell(&after, "t2.normative.issued").as_deref(), Some("2"));
    assert_eq!(cell(&after, "t2.normative.in_force").as_deref(), Some("3"));
    let records = c.get("/annual/records?year=2025").await.text();
    assert!(records.contains("关于加强档案管理的通知") && records.contains("某数发〔2025〕3号"));

    // A bad date: the form back with the field marked, nothing saved.
    let count = || async { server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.documents()).await.unwrap().len() };
    let n = count().await;
    let bad = c
        .submit(
            "/annual/records/document",
            &[("year", "2025"), ("kind", "normative"), ("title", "某办法"), ("issued", "2025-02-30")],
        )
        .await;
    assert_eq!(bad.status, 400);
    let t = bad.text();
    assert!(t.contains("日期格式应为 2025-03-01") && t.contains("class=\"field-error\""), "{t}");
    assert!(t.contains("value=\"某办法\""), "typed values are kept: {t}");
    assert_eq!(count().await, n);
    // Repealed before issued: refused on the field.
    let backwards = c
        .submit(
            "/annual/records/document",
            &[
                ("year", "2025"),
                ("kind", "regulation"),
                ("title", "某规章"),
                ("issued", "2025-05-01"),
                ("repealed", "2024-01-01"),
            ],
        )
        .await;
    assert_eq!(backwards.status, 400);
    assert!(backwards.text().contains("废止日期早于印发日期"));
    assert_eq!(count().await, n);

    // Repealing a document: the store's refusal (already repealed) is the form's error.
    let docs = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.documents()).await.unwrap();
    let (repealed_id, _) = docs.iter().find(|(_, d)| d.repealed.is_some()).unwrap();
    let again = c
        .submit("/annual/records/repeal", &[("year", "2025"), ("id", &repealed_id.to_string()), ("on", "2025-12-01")])
        .await;
    assert_eq!(again.status, 400);
    assert!(again.text().contains("已于 2025-06-30 废止"), "{}", again.text());

    // 第二十条 figures: fees in 万元 as a decimal.
    let art20 = c
        .submit(
            "/annual/records/art20",
            &[("year", "2025"), ("licensing", "130"), ("penalty", "8"), ("enforcement", "0"), ("fees", "12.5")],
        )
        .await;
    assert_eq!(art20.status, 303, "{}", art20.text());
    let page = c.get("/annual?year=2025").await.text();
    assert_eq!(cell(&page, "t2.fees.amount").as_deref(), Some("12.5"));
    assert_eq!(cell(&page, "t2.licensing.decisions").as_deref(), Some("130"));
    let neg = c
        .submit(
            "/annual/records/art20",
            &[("year", "2025"), ("licensing", "1.5"), ("penalty", "8"), ("enforcement", "0"), ("fees", "-3")],
        )
        .await;
    assert_eq!(neg.status, 400);
    assert!(neg.text().contains("应为不小于 0 的整数") && neg.text().contains("金额不能为负数"));
    let stored = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.art20(2025)).await.unwrap().unwrap();
    assert_eq!(stored.licensing, 130);

    // A case, then its decision, move table 四.
    let case = c
        .submit("/annual/records/case", &[("year", "2025"), ("kind", "suit_after_review"), ("received", "2025-10-10")])
        .await;
    assert_eq!(case.status, 303, "{}", case.text());
    let page = c.get("/annual?year=2025").await.text();
    assert_eq!(cell(&page, "t4.suit_after_review.pending").as_deref(), Some("1"));
    let cases = server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.cases()).await.unwrap();
    let (id, _) = cases.iter().find(|(_, c)| c.kind == CaseKind::SuitAfterReview).unwrap();
    let early = c
        .submit(
            "/annual/records/decide",
            &[("year", "2025"), ("id", &id.to_string()), ("on", "2025-01-01"), ("result", "corrected")],
        )
        .await;
    assert_eq!(early.status, 400);
    assert!(early.text().contains("审结日期早于收到日期"));
    let decided = c
        .submit(
            "/annual/records/decide",
            &[("year", "2025"), ("id", &id.to_string()), ("on", "2025-12-01"), ("result", "corrected")],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.text());
    let page = c.get("/annual?year=2025").await.text();
    assert_eq!(cell(&page, "t4.suit_after_review.corrected").as_deref(), Some("1"));
    assert_eq!(cell(&page, "t4.suit_after_review.pending").as_deref(), Some("0"));
    assert!(page.contains("错误 0 处"));
}
