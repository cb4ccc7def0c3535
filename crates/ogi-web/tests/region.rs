//! 地区报告 (issue 14): the supervising office's pages over a constructed
//! region — a government drafting in ogi from its register, departments that
//! published (one on time, one late, one with an arithmetic error), and
//! agencies with nothing. The status list, its filters and the risk list; the
//! summed tables, each cell linked to its drill-down; the drill-down adding up
//! to the sum and naming the requests counted; an indicator compared among
//! peers with its trend drawn; a department's clerk seeing
//! only its own agency. Then the same pages in headless Chromium.
//!
//! `OGI_SCREENSHOTS=docs/images cargo test -p ogi-web --test region` also
//! writes the screenshots the README shows.

mod common;
mod webdriver;

use std::path::PathBuf;

use ogi_store::published::NewVersion;
use ogi_store::{Role, Scope, Store};
use ogi_vocab::cells::CellKey;
use ogi_vocab::model::Report;
use ogi_vocab::Number;

const TODAY: &str = "2024-02-20";
const YEAR: i16 = 2023;

const AGENCIES: &str = "code,name,parent,kind
gxj,聊城市工业和信息化局,root,department
sj,聊城市数据局,root,department
tj,聊城市统计局,root,department
da,聊城市档案局,root,department
zhen,某镇人民政府,root,town
zhenban,某镇党政办公室,zhen,other
";

fn key(s: &str) -> CellKey {
    s.parse().unwrap()
}

/// The corpus's real 2023 report of 聊城市工业和信息化局.
fn gxj_report() -> Report {
    let path = common::corpus().join("liaocheng-gxj-2023.txt");
    ogi_report::read(&std::fs::read(path).unwrap(), Some("liaocheng-gxj-2023.txt")).unwrap()
}

/// Builds the region: returns the reports published by gxj, sj and tj.
async fn region(server: &common::Server) -> [Report; 3] {
    let gxj = gxj_report();
    // 数据局: the same figures but one more 新收申请 than its rows add up to.
    let mut sj = gxj.clone();
    let new = key("t3.new.total");
    let bumped = sj.value(new).unwrap().checked_add(Number::int(1)).unwrap();
    sj.cells.get_mut(&new).unwrap().value = bumped;
    let tj = gxj.clone();
    let reports = [gxj, sj, tj];
    let published = reports.clone();
    server
        .state
        .write_in(Scope::OPERATOR, move |s| {
            s.import_agencies(AGENCIES.as_bytes(), "管理员")?;
            let agencies = s.agencies()?;
            let id = |code: &str| agencies.iter().find(|a| a.code == code).unwrap().id;
            for ((code, received), report) in
                [("gxj", "2024-01-20"), ("sj", "2024-01-25"), ("tj", "2024-02-05")].into_iter().zip(&published)
            {
                let found = ogi_report::check::check(report, None);
                let count = |sev| found.iter().filter(|d| d.severity == sev).count();
                s.add_report_version(
                    &NewVersion {
                        agency_id: id(code),
                        year: YEAR,
                        report,
                        source: &format!("{code}-2023.html"),
                        received: received.parse().unwrap(),
                        errors: count(ogi_report::check::Severity::Error),
                        warnings: count(ogi_report::check::Severity::Warning),
                        reason: "读入",
                        changed: "",
                    },
                    "督导员",
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
    // The government drafts in ogi: its register of the year.
    common::fill(server, YEAR, 30, 7).await;
    reports
}

/// The table row of agency `code` on the status page.
fn row<'a>(page: &'a str, code: &str) -> &'a str {
    let at = page.find(&format!("data-code=\"{code}\"")).unwrap_or_else(|| panic!("no row of {code}: {page}"));
    page[at..].split("</tr>").next().unwrap()
}

fn codes(page: &str) -> Vec<String> {
    page.split("data-code=\"").skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_supervisor_sees_the_region_summed_checked_and_drilled_down() {
    let server = common::start("region-pages", Some(TODAY)).await;
    let [gxj, sj, _] = region(&server).await;
    let mut admin = server.login("admin", Role::Admin).await;

    // Every agency, each with where it stands; the tree from the government down.
    let page = admin.get(&format!("/region?year={YEAR}")).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.text();
    assert_eq!(codes(&page), ["root", "da", "gxj", "sj", "tj", "zhen", "zhenban"].map(String::from).to_vec());
    assert!(row(&page, "da").contains("st-missing") && row(&page, "da").contains("未提交"));
    assert!(row(&page, "sj").contains("st-errors") && row(&page, "sj").contains("有错误"));
    assert!(row(&page, "tj").contains("逾期") && row(&page, "tj").contains("2024-02-05"));
    assert!(!row(&page, "gxj").contains("逾期") && !row(&page, "gxj").contains("st-errors"));
    // A government's own report is due on 31 March: not late yet.
    assert!(row(&page, "root").contains("2024-03-31") && !row(&page, "root").contains("逾期"));
    // The risk list names the agency with errors, and why.
    let risks = page.split("id=\"risks\"").nth(1).unwrap();
    assert!(risks.contains("聊城市数据局"), "{risks}");

    // Filters: by status, by kind, by level.
    let missing = admin.get(&format!("/region?year={YEAR}&status=missing")).await.text();
    assert_eq!(codes(&missing), ["root", "da", "zhen", "zhenban"].map(String::from).to_vec());
    // Late: received after 31 January, or nothing by then (the government has until 31 March).
    let late = admin.get(&format!("/region?year={YEAR}&status=late")).await.text();
    assert_eq!(codes(&late), ["da", "tj", "zhen", "zhenban"].map(String::from).to_vec());
    let towns = admin.get(&format!("/region?year={YEAR}&kind=town")).await.text();
    assert_eq!(codes(&towns), ["zhen".to_string()]);
    let third = admin.get(&format!("/region?year={YEAR}&level=2")).await.text();
    assert_eq!(codes(&third), ["zhenban".to_string()]);
    let below = admin.get(&format!("/region?year={YEAR}&under=zhen")).await.text();
    assert_eq!(codes(&below), ["zhen", "zhenban"].map(String::from).to_vec());

    // The summed tables: each cell links to its drill-down, which adds up to it.
    // (The templates escape `/` in attributes as `&#x2f;`, as browsers read it.)
    let sum = admin.get(&format!("/region/rollup?year={YEAR}")).await.text().replace("&#x2f;", "/");
    let link = format!("/region/drill/t3.new.total?year={YEAR}");
    let shown = sum.split(&format!("href=\"{link}\">")).nth(1).expect("a linked sum").split('<').next().unwrap();
    let drill = admin.get(&link).await.text();
    let values: Vec<i64> = drill
        .split("<tr data-code=\"")
        .skip(1)
        .map(|r| r.split("</td><td>").nth(1).unwrap().split('<').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(values.len(), 4, "the government and the three that published: {drill}");
    assert_eq!(shown.parse::<i64>().unwrap(), values.iter().sum::<i64>());
    let printed = |r: &Report| r.value(key("t3.new.total")).unwrap().to_string().parse::<i64>().unwrap();
    assert_eq!(values[1..], [printed(&gxj), printed(&sj), printed(&gxj)]);
    // The government's figure is the requests counted, named one by one.
    let gov = drill.split("<tr data-code=\"root\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(gov.contains("本系统记录") && gov.contains(&format!("{} 件", values[0])), "{gov}");
    // The published ones say where the figure was printed and as what.
    let printed_row = drill.split("<tr data-code=\"gxj\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(printed_row.contains("第 1 版（gxj-2023.html）") && printed_row.contains("<code>"), "{printed_row}");
    // The checker runs on the sum: 数据局's extra request breaks 一+二=三+四.
    let findings = sum.split("id=\"findings\"").nth(1).unwrap();
    assert!(findings.contains("<code>t3.balance</code>"), "the sum's broken identity is reported: {findings}");
    // A cell that is no cell is not found.
    assert_eq!(admin.get(&format!("/region/drill/t9.nothing?year={YEAR}")).await.status, 404);
    assert_eq!(admin.get("/region?year=abc").await.status, 400);

    // Compare: each department ranked among the departments (same level and kind).
    let page =
        admin.get(&format!("/region/compare?year={YEAR}&indicator=new_requests")).await.text().replace("&#x2f;", "/");
    let line = |code: &str| {
        page.split(&format!("<tr data-code=\"{code}\"")).nth(1).unwrap().split("</tr>").next().unwrap().to_string()
    };
    let (g, s_, t) = (printed(&gxj), printed(&sj), printed(&gxj));
    assert!(line("sj").contains(&format!("<td>{s_}</td><td>1 / 3</td>")), "{}", line("sj"));
    assert!(line("gxj").contains(&format!("<td>{g}</td><td>2 / 3</td>")), "{}", line("gxj"));
    assert!(line("tj").contains(&format!("<td>{t}</td><td>2 / 3</td>")), "{}", line("tj"));
    // P50 of 5, 6, 5 is 5; the government is alone in its group.
    assert!(line("gxj").contains(&format!("<td>{g}</td><td>{g}</td><td>")), "{}", line("gxj"));
    assert!(line("root").contains("1 / 1"), "{}", line("root"));
    // A trend drawn for those with figures (its values said in words), none for those without.
    assert!(line("gxj").contains("<svg class=\"trend\"") && line("gxj").contains(&format!("2023年：{g}")));
    assert!(line("da").contains("无数据") && !line("da").contains("<svg"));
    assert!(page.contains("表三 一、本年新收政府信息公开申请数量（总计列）"), "the formula is shown");
    assert_eq!(admin.get(&format!("/region/compare?year={YEAR}&indicator=nothing")).await.status, 400);

    // Review: 数据局's findings, each marked with its history kept.
    let review = format!("/region/review/sj?year={YEAR}");
    let page = admin.get(&review).await.text();
    assert!(page.contains("待审核"), "{page}");
    let finding = page.split("data-finding=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let finding = finding.replace("&#x2f;", "/");
    admin.get(&review).await;
    let r = mark(&mut admin, &finding, "false_positive", "").await;
    assert_eq!(r.status, 400, "误报 needs a note: {}", r.text());
    assert!(r.text().contains("标记误报须说明理由"), "{}", r.text());
    let r = mark(&mut admin, &finding, "rectified", "").await;
    assert_eq!(r.status, 400, "still shown: not rectified: {}", r.text());
    let r = mark(&mut admin, &finding, "confirmed", "请更正表三").await;
    assert_eq!(r.status, 303, "{}", r.text());
    // The errors the risk list says were found in an agency's report (none: not listed for errors).
    let error_risk = |page: &str, code: &str| -> Option<usize> {
        let risks = page.split("id=\"risks\"").nth(1)?.split("</section>").next()?;
        let li = risks.split("<li>").find(|li| li.contains(&format!("<span class=\"muted\">{code}</span>")))?;
        li.split("检查发现 ").nth(1)?.split(' ').next()?.parse().ok()
    };
    let before = admin.get(&format!("/region?year={YEAR}")).await.text();
    let errors_before = row(&before, "sj").to_string();
    let listed_before = error_risk(&before, "sj").unwrap_or_else(|| panic!("sj's errors are a risk: {before}"));
    let r = mark(&mut admin, &finding, "false_positive", "原件第 3 页数字清楚，读取有误").await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = admin.get(&review).await.text();
    let marked = page.split(&format!("data-finding=\"")).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(
        marked.contains("误报")
            && marked.contains("已确认")
            && marked.contains("admin")
            && marked.contains("原件第 3 页"),
        "{marked}"
    );
    // A 误报 no longer counts against the agency.
    let status = admin.get(&format!("/region?year={YEAR}")).await.text();
    assert!(row(&status, "sj").contains("误报 1") && row(&status, "sj") != errors_before, "{}", row(&status, "sj"));
    // Nor on the risk list beside it.
    assert_eq!(error_risk(&status, "sj"), listed_before.checked_sub(1).filter(|n| *n > 0), "{status}");

    // A department's clerk reads only its own agency.
    let mut clerk = server.login_in("gxj-clerk", "gxj", Role::Clerk).await;
    assert_eq!(clerk.get(&review).await.status, 404, "another agency's findings");
    clerk.get(&format!("/region/review/gxj?year={YEAR}")).await;
    let r = clerk
        .submit("/region/review/gxj", &[("year", "2023"), ("finding", "1"), ("state", "confirmed"), ("note", "")])
        .await;
    assert_eq!(r.status, 403, "a clerk does not mark findings: {}", r.text());
    let own = clerk.get(&format!("/region?year={YEAR}")).await.text();
    assert_eq!(codes(&own), ["gxj".to_string()]);
    let drill = clerk.get(&link).await.text();
    assert_eq!(drill.matches("<tr data-code=\"").count(), 1, "{drill}");
}

/// Marks a finding of 数据局's report as a reviewer does on its page.
async fn mark(c: &mut common::Client, finding: &str, state: &str, note: &str) -> common::Resp {
    c.get(&format!("/region/review/sj?year={YEAR}")).await;
    c.submit("/region/review/sj", &[("year", "2023"), ("finding", finding), ("state", state), ("note", note)]).await
}

async fn screenshot(b: &webdriver::Browser, name: &str) {
    let png = b.screenshot_page(2400).await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    if let Some(dir) = std::env::var("OGI_SCREENSHOTS").ok().filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
}

#[tokio::test]
async fn the_region_pages_in_a_real_browser() {
    let server = common::start("region-browser", Some(TODAY)).await;
    region(&server).await;
    server.user("admin", Role::Admin).await;
    let base = format!("http://{}", server.addr);
    let downloads = server.dir.join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let b = webdriver::Browser::start(&downloads).await;
    b.goto(&format!("{base}/login")).await;
    b.fill("input[name=username]", "admin").await;
    b.fill("input[name=password]", common::PASSWORD).await;
    b.click("button[type=submit]").await;
    b.wait_for("#count-overdue").await;

    // The status list, then filtered by the form.
    b.goto(&format!("{base}/region?year={YEAR}")).await;
    b.wait_for("#status").await;
    assert!(b.text().await.contains("聊城市档案局"));
    screenshot(&b, "region-status.png").await;
    b.select("select[name=status]", "errors").await;
    b.click("#filters button[type=submit]").await;
    // The filtered page has come once the address carries the filter.
    for _ in 0..100 {
        if b.url().await.contains("status=errors") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    b.wait_for("#status").await;
    let rows = b.script("return document.querySelectorAll('#status tr[data-code]').length").await;
    assert_eq!(rows.as_u64(), Some(1));
    assert_eq!(b.text_of("#status tr[data-code] td").await.split_whitespace().next(), Some("聊城市数据局"));

    // The summed tables; a sum followed to its drill-down.
    b.goto(&format!("{base}/region/rollup?year={YEAR}")).await;
    b.wait_for("#t3").await;
    screenshot(&b, "region-rollup.png").await;
    b.click("#t3 a[href*='t3.new.total']").await;
    b.wait_for("#drill").await;
    assert!(b.text().await.contains("本系统记录"));
    screenshot(&b, "region-drill.png").await;
    b.goto(&format!("{base}/region/review/sj?year={YEAR}")).await;
    b.wait_for("#findings").await;
    screenshot(&b, "region-review.png").await;
    b.goto(&format!("{base}/region/intake?year={YEAR}")).await;
    b.wait_for("#intake-form").await;
    screenshot(&b, "region-intake.png").await;
    b.goto(&format!("{base}/region/compare?year={YEAR}&indicator=new_requests")).await;
    b.wait_for("#compare").await;
    screenshot(&b, "region-compare.png").await;
    b.quit().await;
}

/// A ZIP of `entries` (name, bytes), stored.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, bytes) in entries {
            z.start_file(*name, opts).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
    }
    out.into_inner()
}

#[tokio::test]
async fn reports_are_taken_in_from_the_web_and_the_batch_page_follows_them() {
    let server = common::start("region-intake", Some(TODAY)).await;
    server
        .state
        .write_in(Scope::OPERATOR, |s| s.import_agencies(AGENCIES.as_bytes(), "管理员").map(|_| ()))
        .await
        .unwrap();
    // The government's 督导员 takes in the reports of the agencies below.
    let mut head = server.login("duban", Role::Supervisor).await;
    let report = std::fs::read(common::corpus().join("liaocheng-gxj-2023.txt")).unwrap();
    let good_zip = zip_of(&[("报告/聊城市工业和信息化局.txt", &report)]);
    // The same report of an agency not registered yet.
    let water = String::from_utf8(report.clone()).unwrap().replace("聊城市工业和信息化局", "聊城市水利局").into_bytes();
    let evil_zip = zip_of(&[("../../etc/passwd.txt", b"x"), ("ok.txt", &report)]);
    head.get("/region/intake").await;
    let csrf = head.csrf.clone();
    let parts: Vec<(&str, &str, &[u8])> = vec![
        ("year", "", b"2023"),
        ("received", "", b"2024-01-20"),
        ("reports", "聊城市工业和信息化局2023年报.txt", &report),
        ("reports", "不是报告.txt", "会议通知：请各单位准时参加。".as_bytes()),
        ("reports", "同一份.zip", &good_zip),
        ("reports", "越界.zip", &evil_zip),
        ("reports", "水利局.txt", &water),
    ];
    let r = head.post_multipart_with("/region/intake", Some(&csrf), &parts).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let batch = r.header("location").unwrap().to_string();
    assert!(batch.starts_with("/region/batches/"), "{batch}");
    // The page follows the batch until it is done.
    let mut page = String::new();
    for _ in 0..100 {
        page = head.get(&batch).await.text();
        if page.contains("id=\"done\"") {
            break;
        }
        assert!(page.contains("http-equiv=\"refresh\""), "a running batch's page reloads itself");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(page.contains("id=\"done\"") && !page.contains("http-equiv=\"refresh\""), "{page}");
    assert!(file_row(&page, "聊城市工业和信息化局2023年报.txt").contains("已归入"), "{page}");
    assert!(file_row(&page, "不是报告.txt").contains("未读入"), "{page}");
    assert!(file_row(&page, "聊城市工业和信息化局.txt").contains("重复"), "the same report inside the ZIP: {page}");
    assert!(file_row(&page, "越界.zip").contains("未读入"), "a hostile archive is refused whole: {page}");
    assert!(!page.contains("ok.txt"), "nothing of a refused archive is kept");
    // The report attached is the agency's version now.
    let status = head.get(&format!("/region?year={YEAR}")).await.text();
    assert!(
        row(&status, "gxj").contains("2024-01-20") && row(&status, "gxj").contains("通过"),
        "{}",
        row(&status, "gxj")
    );
    assert!(file_row(&page, "水利局.txt").contains("未匹配"), "{page}");

    // Once the agency is registered, a retry attaches it; a rollback undoes the whole batch.
    server
        .state
        .write_in(Scope::OPERATOR, |s| {
            s.import_agencies("code,name,parent,kind\nsl,聊城市水利局,root,department\n".as_bytes(), "管理员")
                .map(|_| ())
        })
        .await
        .unwrap();
    let csrf = head.get(&batch).await.csrf();
    head.csrf = csrf;
    let r = head.submit(&format!("{batch}/retry"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = head.get(&batch).await.text();
    assert!(file_row(&page, "水利局.txt").contains("已归入"), "{page}");
    assert!(row(&head.get(&format!("/region?year={YEAR}")).await.text(), "sl").contains("通过"));
    let r = head.submit(&format!("{batch}/rollback"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = head.get(&batch).await.text();
    assert!(page.contains("id=\"rolled-back\"") && !page.contains("id=\"retry\""), "{page}");
    let status = head.get(&format!("/region?year={YEAR}")).await.text();
    assert!(row(&status, "gxj").contains("未提交") && row(&status, "sl").contains("未提交"), "rolled back whole");

    // The batches are listed; a clerk may not take reports in.
    assert!(head.get("/region/intake").await.text().contains(&format!("href=\"{}\"", batch.replace('/', "&#x2f;"))));
    let mut clerk = server.login("clerk", Role::Clerk).await;
    clerk.get("/region/intake").await;
    let csrf = clerk.csrf.clone();
    let r = clerk
        .post_multipart_with("/region/intake", Some(&csrf), &[("year", "", b"2023"), ("reports", "a.txt", &report)])
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
}

/// The batch page's row of file `name`.
fn file_row(page: &str, name: &str) -> String {
    page.split(name).nth(1).unwrap_or_else(|| panic!("no {name}: {page}")).split("</tr>").next().unwrap().to_string()
}
