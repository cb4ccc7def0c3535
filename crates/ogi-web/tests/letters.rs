//! The letters of a request over real HTTP: which ones the page offers, the
//! printable page and the Word file filled from the register, details typed
//! or left to fill, and the administrator's template editor.

mod common;

use std::io::Read;

use common::{Client, Resp, Server};
use ogi_store::{Role, Store};

const TODAY: &str = "2024-11-15";

async fn setup(name: &str) -> (Server, Client) {
    let server = common::start(name, Some(TODAY)).await;
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, |s| {
            s.set_setting(ogi_store::AGENCY_NAME, "某市某区人民政府办公室", "test")?;
            s.set_setting("agency.phone", "010-12345678", "test")
        })
        .await
        .unwrap();
    let c = server.login("wang", Role::Head).await;
    (server, c)
}

async fn counter(c: &mut Client, name: &str, applicant: &str, arrived: &str) -> String {
    c.get("/requests/new").await;
    let r = c
        .submit(
            "/requests",
            &[
                ("channel", "in_person"),
                ("applicant", applicant),
                ("applicant_name", name),
                ("arrived", arrived),
                ("summary", "2024年某路段改造工程的立项批复"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    r.header("location").unwrap().strip_prefix("/requests/").unwrap().to_string()
}

async fn event(c: &mut Client, code: &str, fields: &[(&str, &str)]) {
    c.get(&format!("/requests/{code}")).await;
    let r = c.submit(&format!("/requests/{code}/events"), fields).await;
    assert_eq!(r.status, 303, "{fields:?}: {}", r.text());
}

fn document_xml(r: &Resp) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.body.clone())).expect("a zip file");
    let mut xml = String::new();
    zip.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut xml).unwrap();
    xml
}

#[tokio::test]
async fn a_denial_letter_cites_its_article_in_html_and_word() {
    let (_server, mut c) = setup("letters-denial").await;
    let code = counter(&mut c, "赵六", "natural", "2024-10-21").await;
    event(&mut c, &code, &[("kind", "answered"), ("on", "2024-11-04"), ("outcome", "denied.state_secret")]).await;
    let page = c.get(&format!("/requests/{code}")).await.text();
    let receipt = format!("/requests/{code}/letters/receipt");
    let answer = format!("/requests/{code}/letters/answer.denied.state_secret");
    assert!(page.contains(&format!("href=\"{receipt}\"")) && page.contains(&format!("href=\"{answer}\"")), "{page}");
    assert!(page.contains(&format!("href=\"{answer}.docx\"")));
    assert!(page.contains("答复告知书：（三）不予公开·属于国家秘密"));

    let html = c.get(&answer).await;
    assert_eq!(html.status, 200);
    let t = html.text();
    assert!(t.starts_with("<!DOCTYPE html>"));
    assert!(t.contains("第十四条") && t.contains("赵六：") && t.contains("某市某区人民政府办公室"), "{t}");
    assert!(t.contains("2024年11月4日"), "dated on the answer: {t}");
    assert!(t.contains("联系电话：010-12345678"));
    // Refusal after 2024-01-01: reconsideration before a lawsuit.
    assert!(t.contains("行政复议"));

    let docx = c.get(&format!("{answer}.docx")).await;
    assert_eq!(docx.status, 200);
    assert_eq!(
        docx.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    let cd = docx.header("content-disposition").unwrap();
    assert!(
        cd.starts_with("attachment; filename=\"") && cd.contains(&format!("{code}-answer.denied.state_secret.docx"))
    );
    assert!(cd.contains("filename*=UTF-8''") && cd.contains("%E7%AD%94%E5%A4%8D"), "答复 percent-encoded: {cd}");
    assert!(cd.is_ascii());
    let xml = document_xml(&docx);
    assert!(xml.contains("赵六") && xml.contains("第十四条") && xml.contains("政府信息公开申请答复告知书"));
    assert!(xml.contains("2024年11月4日"));

    // The receipt prints the answer deadline.
    let r = c.get(&receipt).await.text();
    assert!(r.contains("答复期限截至2024年11月18日"), "{r}");
    // A letter the events do not call for.
    assert_eq!(c.get(&format!("/requests/{code}/letters/fee")).await.status, 404);
    assert_eq!(c.get(&format!("/requests/{code}/letters/answer.granted")).await.status, 404);
    assert_eq!(c.get(&format!("/requests/{code}/letters/nonsense.docx")).await.status, 404);
}

#[tokio::test]
async fn letters_take_their_details_from_the_events_or_ask_for_them() {
    let (_server, mut c) = setup("letters-details").await;
    let code = counter(&mut c, "某科技有限公司", "commercial", "2024-10-21").await;
    event(&mut c, &code, &[("kind", "correction_requested"), ("on", "2024-10-23"), ("reply_by", "2024-11-01")]).await;
    event(&mut c, &code, &[("kind", "correction_received"), ("on", "2024-10-25")]).await;
    event(&mut c, &code, &[("kind", "extended"), ("on", "2024-11-08"), ("days", "15")]).await;
    event(&mut c, &code, &[("kind", "fee_noticed"), ("on", "2024-11-11"), ("yuan", "200")]).await;

    // 补正: the reply date from the event; the items typed, or a note to fill them.
    let url = format!("/requests/{code}/letters/correction");
    let t = c.get(&url).await.text();
    assert!(t.contains("【请填写需要补正的事项】") && t.contains("补正期限截至2024年11月1日"), "{t}");
    assert!(t.contains("你单位"), "an organization is addressed as 你单位");
    let q =
        serde_urlencoded::to_string([("items", "文件的文号\n所涉路段"), ("number", "某府办信公〔2024〕7号")]).unwrap();
    let t = c.get(&format!("{url}?{q}")).await.text();
    assert!(t.contains("1. 文件的文号") && t.contains("2. 所涉路段") && t.contains("某府办信公〔2024〕7号"), "{t}");
    assert!(!t.contains("【请填写需要补正的事项】"));

    // 延期: days from the event, the deadline before and after.
    let t = c.get(&format!("/requests/{code}/letters/extension")).await.text();
    let cal = ogi_rules::Calendar::embedded();
    let before = cal.add_workdays("2024-10-25".parse().unwrap(), 20).unwrap();
    let after = cal.add_workdays("2024-10-25".parse().unwrap(), 35).unwrap();
    let fmt = |d: ogi_rules::Date| format!("{}年{}月{}日", d.year(), d.month(), d.day());
    assert!(t.contains("延长15个工作日") && t.contains(&fmt(before)) && t.contains(&fmt(after)), "{t}");
    assert!(t.contains("【请填写延期理由】"));

    // 收费: yuan from the event, pay-by 20 working days after the notice.
    let t = c.get(&format!("/requests/{code}/letters/fee")).await.text();
    let pay_by = cal.add_workdays("2024-11-11".parse().unwrap(), 20).unwrap();
    assert!(t.contains("人民币200元") && t.contains(&fmt(pay_by)), "{t}");
    assert!(t.contains("【请填写计费依据】") && t.contains("【请填写缴费方式】"));
    let t =
        c.get(&format!("/requests/{code}/letters/fee?fee_method=per_volume&basis=%E5%85%B1120%E9%A1%B5")).await.text();
    assert!(t.contains("按量计收") && t.contains("共120页"), "{t}");
    // Posted: the 20 working days count from the day it arrives, not the day it was sent.
    let t = c.get(&format!("/requests/{code}/letters/fee?delivered=2024-11-14")).await.text();
    let later = cal.add_workdays("2024-11-14".parse().unwrap(), 20).unwrap();
    assert!(t.contains(&fmt(later)) && !t.contains(&fmt(pay_by)), "{t}");
    let r = c.get(&format!("/requests/{code}/letters/fee?delivered=2024-11-01")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("送达日期不能早于发出日期"));

    // A bad letter date is a Chinese message, not a panic.
    let r = c.get(&format!("/requests/{code}/letters/fee?date=2024-99-01")).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("文书日期格式应为"));

    // A withdrawal ends as 其他处理·其他 and its letter says why, without asking.
    event(&mut c, &code, &[("kind", "withdrawn"), ("on", "2024-11-12")]).await;
    let t = c.get(&format!("/requests/{code}/letters/answer.other.other")).await.text();
    assert!(t.contains("你单位已于2024年11月12日撤回该政府信息公开申请"), "{t}");
}

#[tokio::test]
async fn the_administrator_edits_templates_and_a_clerk_may_not() {
    let (server, mut head) = setup("letters-admin").await;
    let code = counter(&mut head, "孙七", "natural", "2024-11-01").await;
    // 负责人 and 经办人: no access to the editor.
    assert_eq!(head.get("/admin/letters").await.status, 403);
    let mut clerk = server.login("li", Role::Clerk).await;
    let r = clerk.get("/admin/letters").await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("只有管理员"));
    clerk.get(&format!("/requests/{code}")).await;
    let r =
        clerk.submit("/admin/letters", &[("kind", "receipt"), ("text", "{{ applicant }}"), ("action", "save")]).await;
    assert_eq!(r.status, 403);

    let mut admin = server.login("root", Role::Admin).await;
    let page = admin.get("/admin/letters").await;
    assert_eq!(page.status, 200);
    let t = page.text();
    assert!(t.contains("受理回执") && t.contains("答复告知书：（三）不予公开·属于国家秘密"));
    assert!(t.contains("{{ applicant }}") && t.contains("申请人姓名或者名称"), "placeholders listed");
    assert!(t.contains("根据《中华人民共和国政府信息公开条例》第三十一条"), "prefilled with the default");

    // Broken: unclosed placeholder. The form back with the Chinese reason and the text kept.
    let r =
        admin.submit("/admin/letters", &[("kind", "receipt"), ("text", "你好 {{ applicant"), ("action", "save")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("语法错误") && r.text().contains("你好 {{ applicant"), "{}", r.text());
    // An unknown placeholder.
    let r = admin
        .submit("/admin/letters", &[("kind", "receipt"), ("text", "{{ applicant_nmae }}"), ("action", "save")])
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("不存在的占位符"), "{}", r.text());
    // An answer without the remedies.
    let r = admin
        .submit(
            "/admin/letters",
            &[("kind", "answer.granted"), ("text", "{{ applicant }}：予以公开。"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("救济途径"));
    assert_eq!(
        server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.letter_template("receipt")).await.unwrap(),
        None,
        "nothing saved"
    );

    // A good one is saved and used.
    let text = "{{ you }}的申请（{{ tracking_code }}）已收到。\r\n本机关特制回执。";
    let r = admin.submit("/admin/letters", &[("kind", "receipt"), ("text", text), ("action", "save")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.letter_template("receipt")).await.unwrap().as_deref(),
        Some("{{ you }}的申请（{{ tracking_code }}）已收到。\n本机关特制回执。")
    );
    let t = admin.get(&format!("/requests/{code}/letters/receipt")).await.text();
    assert!(t.contains("本机关特制回执") && t.contains(&format!("你的申请（{code}）已收到")), "{t}");
    let page = admin.get("/admin/letters?kind=receipt&done=saved").await.text();
    assert!(page.contains("模板已保存") && page.contains("本机关修改版"));

    // Restore the default.
    let r = admin.submit("/admin/letters", &[("kind", "receipt"), ("action", "reset")]).await;
    assert_eq!(r.status, 303);
    assert_eq!(server.state.read_in(ogi_store::Scope::OPERATOR, |s| s.letter_template("receipt")).await.unwrap(), None);
    let t = admin.get(&format!("/requests/{code}/letters/receipt")).await.text();
    assert!(!t.contains("本机关特制回执") && t.contains("第三十一条"));
    // Unknown kinds.
    assert_eq!(admin.get("/admin/letters?kind=nonsense").await.status, 404);
    let r = admin.submit("/admin/letters", &[("kind", "nonsense"), ("text", "x"), ("action", "save")]).await;
    assert_eq!(r.status, 400);
}

/// The 部分公开 letter needs the reasons for what is withheld: its links
/// without them lead back to its form, open, with the field marked; with
/// them the letter prints the provision under its own name, and 该信息已主动公开
/// changes the wording.
#[tokio::test]
async fn a_partial_answer_without_its_reasons_sends_the_clerk_to_its_form() {
    let (_server, mut c) = setup("letters-partial").await;
    let code = counter(&mut c, "张三", "natural", "2024-11-11").await;
    event(&mut c, &code, &[("kind", "answered"), ("on", "2024-11-12"), ("outcome", "partial")]).await;
    for link in ["answer.partial", "answer.partial.docx"] {
        let r = c.get(&format!("/requests/{code}/letters/{link}")).await;
        assert_eq!(r.status, 303, "{link}: {}", r.text());
        let to = r.header("location").unwrap().to_string();
        assert_eq!(to, format!("/requests/{code}?letter=answer.partial#letter-answer.partial"));
        let page = c.get(to.split('#').next().unwrap()).await.text();
        assert!(page.contains("<details id=\"letter-answer.partial\" open>"), "{page}");
        assert!(page.contains("部分公开") && page.contains("请在下面填写后再打印或下载"), "{page}");
        assert!(page.contains("<label class=\"field-error\">理由或说明"), "{page}");
    }
    let q = "reasons=%E6%B6%89%E5%8F%8A%E5%95%86%E4%B8%9A%E7%A7%98%E5%AF%86&provision=%E9%82%AE%E5%AF%84%E7%BA%B8%E8%B4%A8%E4%BB%B6";
    let t = c.get(&format!("/requests/{code}/letters/answer.partial?{q}")).await.text();
    assert!(t.contains("可以公开内容的提供方式或者获取途径：邮寄纸质件") && !t.contains("可以公开的内容："), "{t}");
    assert!(t.contains("涉及商业秘密"), "{t}");
    let t = c.get(&format!("/requests/{code}/letters/answer.partial?{q}&published=1")).await.text();
    assert!(t.contains("其中可以公开的内容本机关已经主动公开，获取方式、途径：邮寄纸质件"), "{t}");
}
