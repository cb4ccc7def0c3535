//! The public side: an applicant files online without an account, gets a
//! tracking code, and follows the request as staff confirm and handle it.

mod common;

use ogi_store::Role;

const TODAY: &str = "2025-03-03";

fn good() -> Vec<(&'static str, &'static str)> {
    vec![
        ("applicant", "natural"),
        ("name", "李四"),
        ("id_kind", "resident_id"),
        ("id_number", "11010519491231002x"),
        ("phone", "0635-1234567"),
        ("email", ""),
        ("address", "山东省聊城市东昌府区某路 1 号"),
        ("summary", "2024年本区老旧小区改造项目清单"),
        ("document", ""),
        ("delivery", "paper"),
    ]
}

fn with(fields: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut f = good();
    for (k, v) in fields {
        f.retain(|(x, _)| x != k);
        f.push((k, v));
    }
    f
}

/// The form's challenge as a person reads it off the page: (token, answer).
async fn solve(c: &mut common::Client) -> (String, String) {
    solve_at(c, "/apply").await
}

/// The challenge of the form at `path`.
async fn solve_at(c: &mut common::Client, path: &str) -> (String, String) {
    common::challenge_of(&c.get(path).await.text())
}

/// Posts the form as a person would: the page loaded, its sum solved.
async fn apply(c: &mut common::Client, fields: &[(&str, &str)]) -> common::Resp {
    let (token, answer) = solve(c).await;
    let mut all = fields.to_vec();
    all.push(("challenge", &token));
    all.push(("answer", &answer));
    c.post_form("/apply", &all).await
}

#[tokio::test]
async fn an_applicant_files_online_and_follows_the_request() {
    let server = common::start("portal", Some(TODAY)).await;
    let mut applicant = server.client();
    let form = applicant.get("/apply").await;
    assert_eq!(form.status, 200);
    assert!(form.text().contains("政府信息公开申请") && form.text().contains("第三十一条"));

    // A wrong check digit and a script are refused, the script shown as text.
    let r = apply(&mut applicant, &with(&[("id_number", "110105194912310021"), ("name", "<script>alert(1)</script>")]))
        .await;
    assert_eq!(r.status, 400);
    let page = r.text();
    assert!(page.contains("校验位不符，请核对号码是否输错"), "{page}");
    assert!(!page.contains("<script>alert(1)") && page.contains("&lt;script&gt;alert(1)"));
    // Neither phone nor e-mail; paper without an address.
    let r = apply(&mut applicant, &with(&[("phone", ""), ("address", "")])).await;
    assert!(r.text().contains("请至少填写电话或电子邮箱中的一项") && r.text().contains("请填写通信地址"));

    // Without the sum solved, or with a spent challenge: refused.
    let r = applicant.post_form("/apply", &good()).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("请填写计算结果"));
    let (token, answer) = solve(&mut applicant).await;
    let wrong = (answer.parse::<i32>().unwrap() + 1).to_string();
    let mut fields = good();
    fields.extend([("challenge", token.as_str()), ("answer", wrong.as_str())]);
    assert!(applicant.post_form("/apply", &fields).await.text().contains("计算结果不正确"));

    // Filed: a tracking code of 16 characters, the receipt.
    let r = apply(&mut applicant, &good()).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let to = r.header("location").unwrap().to_string();
    let code = to.strip_prefix("/track/").unwrap().split('?').next().unwrap().to_string();
    assert_eq!(code.len(), 19, "{code}");
    let receipt = applicant.get(&to).await;
    assert_eq!(receipt.status, 200);
    let text = receipt.text();
    assert!(text.contains("申请已提交") && text.contains(&code), "{text}");
    assert!(text.contains("等待工作人员确认收到"));
    // The ID masked, even to its owner.
    assert!(text.contains("1101**********002X") && !text.contains("11010519491231002"), "{text}");
    // Typed in lower case with spaces, it still finds the request.
    let typed = code.to_lowercase().replace('-', " ");
    let r = applicant.get(&format!("/track?code={}", typed.replace(' ', "+"))).await;
    assert_eq!((r.status, r.header("location")), (303, Some(format!("/track/{code}").as_str())));

    // The clerk confirms it: the request's receipt date is today (第三十一条).
    let mut clerk = server.login("clerk", Role::Clerk).await;
    let pending = clerk.get("/online").await;
    assert!(pending.text().contains("李四") && pending.text().contains("1101**********002X"), "{}", pending.text());
    assert!(!pending.text().contains("11010519491231002X"));
    assert!(pending.text().contains("063*-***4567") && !pending.text().contains("0635-1234567"), "{}", pending.text());
    let id = pending.text().split("/online/").nth(1).unwrap().split('/').next().unwrap().to_string();
    // Shown in full when asked for, and that view is in the audit log.
    let full = clerk.get(&format!("/online?reveal={id}")).await.text();
    assert!(full.contains("11010519491231002X") && full.contains("0635-1234567"), "{full}");
    let audit = server.state.read_in(ogi_store::Scope::OPERATOR, |s| ogi_store::Store::audit(s)).await.unwrap();
    let line = format!("查看网上申请 #{id} 的完整个人信息");
    assert!(audit.iter().any(|a| a.actor == "clerk" && a.action.contains(&line)), "{audit:?}");
    assert_eq!(clerk.get("/online?reveal=99999").await.status, 404);
    let r = clerk.submit(&format!("/online/{id}/confirm"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let request_code = r.header("location").unwrap().trim_start_matches("/requests/").to_string();
    // Twice is refused.
    let again = clerk.submit(&format!("/online/{id}/confirm"), &[]).await;
    assert_eq!(again.status, 400);
    assert!(!clerk.get("/online").await.text().contains("李四"));

    // Both sides show the same due date.
    let stored = server
        .state
        .read_in(ogi_store::Scope::OPERATOR, move |s| ogi_store::Store::get(s, &request_code))
        .await
        .unwrap();
    assert_eq!(stored.request.received.to_string(), TODAY);
    assert!(stored.contact.contains("0635-1234567"));
    // The request's page masks the contact until asked, then audits the view.
    let page = clerk.get(&format!("/requests/{}", stored.code)).await.text();
    assert!(page.contains("063*-***4567") && !page.contains("0635-1234567"), "{page}");
    let page = clerk.get(&format!("/requests/{}?reveal=1", stored.code)).await.text();
    assert!(page.contains("0635-1234567") && page.contains("查看申请人完整个人信息"), "{page}");
    let due = stored.request.due(&ogi_rules::Calendar::embedded()).unwrap().unwrap().to_string();
    let track = applicant.get(&format!("/track/{code}")).await.text();
    assert!(track.contains(&format!("<dd id=\"due\">{due}</dd>")), "{track}");
    assert!(track.contains(&format!("<dd id=\"received\">{TODAY}</dd>")));

    // A 补正 and an extension appear on the timeline, without staff names.
    let events = format!("/requests/{}/events", stored.code);
    clerk.get(&format!("/requests/{}", stored.code)).await;
    let r = clerk.submit(&events, &[("kind", "correction_requested"), ("on", TODAY), ("reply_by", "2025-03-17")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let track = applicant.get(&format!("/track/{code}")).await.text();
    assert!(track.contains("告知补正：请于 2025-03-17 前补正申请"), "{track}");
    assert!(!track.contains("clerk") && !track.contains("id=\"due\""), "no due date while waiting: {track}");

    // The applicant answers the 补正 on the page: the clock restarts that day (第三十条).
    let path = format!("/track/{code}/correction");
    let r = applicant.post_form(&path, &[("text", "  ")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("请填写补正的内容"));
    let r = applicant.post_form(&path, &[("text", "所需为东昌府区 2024 年度改造项目的清单，含项目名称与地址")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let code_ = stored.code.clone();
    let after =
        server.state.read_in(ogi_store::Scope::OPERATOR, move |s| ogi_store::Store::get(s, &code_)).await.unwrap();
    let due = after.request.due(&ogi_rules::Calendar::embedded()).unwrap().unwrap().to_string();
    let track = applicant.get(&format!("/track/{code}")).await.text();
    assert!(track.contains("收到补正，答复期限自当日起重新计算") && track.contains("含项目名称与地址"), "{track}");
    assert!(track.contains(&format!("<dd id=\"due\">{due}</dd>")), "{track}");
    // The clerk sees it in the register's audit, by whom.
    let audit = server
        .state
        .read_in(ogi_store::Scope::OPERATOR, {
            let c = stored.code.clone();
            move |s| ogi_store::Store::audit_for(s, &c)
        })
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.actor == "申请人（网上）" && a.action.contains("correction_received")), "{audit:?}");

    // Withdrawing needs the box ticked; then the request is closed and the forms go.
    let path = format!("/track/{code}/withdraw");
    let r = applicant.post_form(&path, &[("text", "已另行获得")]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("请勾选“确认撤回”后再提交"));
    let r = applicant.post_form(&path, &[("text", "已另行获得"), ("confirm", "1")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let track = applicant.get(&format!("/track/{code}")).await.text();
    assert!(track.contains("申请人撤回申请") && track.contains("已办结"), "{track}");
    assert!(!track.contains("/withdraw") && !track.contains("/correction"));
    // Closed: a second withdrawal is refused in the law's words, nothing recorded.
    let r = applicant.post_form(&path, &[("confirm", "1")]).await;
    assert_eq!(r.status, 400, "{}", r.text());
}

#[tokio::test]
async fn guessing_tracking_codes_learns_nothing_and_is_stopped() {
    let server = common::start("portal-guess", Some(TODAY)).await;
    let mut c = server.client();
    let unknown = c.get("/track/7K3M-Q9XD-2HBT-W4ZP").await;
    let malformed = c.get("/track/nonsense").await;
    assert_eq!((unknown.status, malformed.status), (404, 404));
    // The same words for a code that may exist and one that cannot.
    let said = |t: String| t.contains("未找到与该查询码对应的申请");
    assert!(said(unknown.text()) && said(malformed.text()));
    for i in 0..(ogi_web::pages::portal::MAX_UNKNOWN_LOOKUPS - 2) {
        let r = c.get(&format!("/track/7K3M-Q9XD-2HBT-W{i:03}")).await;
        assert_eq!(r.status, 404, "lookup {i}");
    }
    let stopped = c.get("/track/7K3M-Q9XD-2HBT-W4ZQ").await;
    assert_eq!(stopped.status, 429);
    assert!(stopped.text().contains("查询过于频繁"));
}

/// The form as a browser sends it with files: text fields, then the files.
async fn apply_with_files(c: &mut common::Client, files: &[(&str, &[u8])]) -> common::Resp {
    let (token, answer) = solve(c).await;
    let mut fields = good();
    fields.extend([("challenge", token.as_str()), ("answer", answer.as_str())]);
    let mut parts: Vec<(&str, &str, &[u8])> = fields.iter().map(|(k, v)| (*k, "", v.as_bytes())).collect();
    parts.extend(files.iter().map(|(name, bytes)| ("attachments", *name, *bytes)));
    c.post_multipart_with("/apply", None, &parts).await
}

#[tokio::test]
async fn attachments_are_checked_by_content_and_shown_only_to_staff() {
    let server = common::start("portal-files", Some(TODAY)).await;
    let mut applicant = server.client();
    let exe: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff";
    // A program renamed to .pdf, an empty file: refused, naming the file, nothing kept.
    for (name, bytes, says) in [("身份证.pdf", exe, "不是 PDF、JPG 或 PNG 文件"), ("空.png", &b""[..], "是空文件")]
    {
        let r = apply_with_files(&mut applicant, &[(name, bytes)]).await;
        assert_eq!(r.status, 400, "{name}");
        assert!(r.text().contains(name) && r.text().contains(says), "{name}: {}", r.text());
    }
    // Over 20 MB in all: refused with the limit named.
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(ogi_web::pages::portal::MAX_ATTACHMENT_BYTES - 1000, b' ');
    let r = apply_with_files(&mut applicant, &[("大.pdf", &big), ("另一份.pdf", &big[..20_000])]).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("附件合计不能超过 20 MB"), "{}", r.text());
    assert!(server
        .state
        .read_in(ogi_store::Scope::OPERATOR, ogi_store::Store::pending_applications)
        .await
        .unwrap()
        .is_empty());

    // A real PDF and a PNG, whatever their names say.
    let pdf: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    let r = apply_with_files(&mut applicant, &[("身份证明.pdf", pdf), ("scan.jpg", png)]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let track = applicant.get(r.header("location").unwrap()).await.text();
    assert!(!track.contains("身份证明.pdf"), "the applicant's page does not list them");
    // Staff see and download them; the public cannot.
    let mut clerk = server.login("clerk", Role::Clerk).await;
    let list = clerk.get("/online").await.text();
    let link = list.split("/online/files/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let got = clerk.get(&format!("/online/files/{link}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, pdf);
    assert_eq!(got.header("content-type"), Some("application/pdf"));
    let png_id = (link.parse::<i64>().unwrap() + 1).to_string();
    let png_got = clerk.get(&format!("/online/files/{png_id}")).await;
    assert_eq!(png_got.header("content-type"), Some("image/png"));
    // Named by its type, not by what the uploader called it.
    let cd = png_got.header("content-disposition").unwrap();
    assert!(cd.ends_with("''scan.png"), "{cd}");
    let anonymous = applicant.get(&format!("/online/files/{link}")).await;
    assert_eq!(anonymous.status, 303, "to the login page");
    assert!(anonymous.header("location").unwrap().starts_with("/login"));
}

/// Files the good form and has a clerk confirm it: (tracking code, request code).
async fn filed_and_confirmed(applicant: &mut common::Client, clerk: &mut common::Client) -> (String, String) {
    let r = apply(applicant, &good()).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let code = r.header("location").unwrap().strip_prefix("/track/").unwrap().split('?').next().unwrap().to_string();
    let pending = clerk.get("/online").await.text();
    let id = pending.split("/online/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let r = clerk.submit(&format!("/online/{id}/confirm"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    (code, r.header("location").unwrap().trim_start_matches("/requests/").to_string())
}

#[tokio::test]
async fn the_applicant_sees_the_dates_of_each_step_and_downloads_the_letter_delivered_online() {
    let server = common::start("portal-letter", Some(TODAY)).await;
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, |s| {
            ogi_store::Store::set_setting(s, ogi_store::AGENCY_NAME, "聊城市工业和信息化局", "test")
        })
        .await
        .unwrap();
    let mut applicant = server.client();
    let mut head = server.login("head", Role::Head).await;
    let (code, request) = filed_and_confirmed(&mut applicant, &mut head).await;
    let cal = ogi_rules::Calendar::embedded();
    let stored = |c: String| {
        let state = server.state.clone();
        async move { state.read_in(ogi_store::Scope::OPERATOR, move |s| ogi_store::Store::get(s, &c)).await.unwrap() }
    };

    // An extension: the tracking page gives the new due date, the register's own.
    let events = format!("/requests/{request}/events");
    head.get(&format!("/requests/{request}")).await;
    let r = head.submit(&events, &[("kind", "extended"), ("on", TODAY), ("days", "10")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let due = stored(request.clone()).await.request.due(&cal).unwrap().unwrap().to_string();
    let track = applicant.get(&format!("/track/{code}")).await.text();
    assert!(
        track.contains("延长答复期限 10 个工作日") && track.contains(&format!("延长后的答复期限：{due}")),
        "{track}"
    );
    assert!(track.contains(&format!("<dd id=\"due\">{due}</dd>")), "{track}");

    // Answered; the answer letter with a blank the clerk must fill is not sent.
    head.get(&format!("/requests/{request}")).await;
    let r = head.submit(&events, &[("kind", "answered"), ("on", TODAY), ("outcome", "granted")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = head.get(&format!("/requests/{request}")).await.text();
    assert!(page.contains(&format!("/requests/{request}/letters/answer.granted/deliver")), "{page}");
    let deliver = format!("/requests/{request}/letters/answer.granted/deliver");
    let r = head.submit(&deliver, &[]).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("还有未填写的内容（提供方式或者获取途径）"), "{}", r.text());
    assert!(!applicant.get(&format!("/track/{code}")).await.text().contains("送达的文书"));

    // Filled in, it is delivered: listed for the applicant, as a page and as Word.
    let r =
        head.submit(&deliver, &[("provision", "电子邮件发送至申请人邮箱"), ("number", "聊工信公开〔2025〕3号")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(head.get(&format!("/requests/{request}")).await.text().contains("已在线送达申请人"));
    let track = applicant.get(&format!("/track/{code}")).await.text();
    assert!(track.contains("送达的文书") && track.contains("答复告知书"), "{track}");
    let link = track.split(&format!("/track/{code}/letters/")).nth(1).unwrap().split('"').next().unwrap().to_string();
    let letter = applicant.get(&format!("/track/{code}/letters/{link}")).await;
    assert_eq!(letter.status, 200);
    let text = letter.text();
    assert!(
        text.contains("李四") && text.contains("电子邮件发送至申请人邮箱") && text.contains("聊工信公开〔2025〕3号"),
        "{text}"
    );
    let docx = applicant.get(&format!("/track/{code}/letters/{link}.docx")).await;
    assert_eq!(docx.status, 200);
    assert!(docx.body.starts_with(b"PK"), "a Word file");
    assert!(docx.header("content-type").unwrap().contains("wordprocessingml"));

    // Another applicant's code, or another id, finds nothing.
    let mut other = server.client();
    let (code2, _) = filed_and_confirmed(&mut other, &mut head).await;
    assert_eq!(other.get(&format!("/track/{code2}/letters/{link}")).await.status, 404);
    let missing = link.parse::<i64>().unwrap() + 1000;
    assert_eq!(applicant.get(&format!("/track/{code}/letters/{missing}")).await.status, 404);
    assert_eq!(applicant.get(&format!("/track/{code}/letters/x.docx")).await.status, 404);
    // The delivery is in the register's audit, by whom.
    let audit = server
        .state
        .read_in(ogi_store::Scope::OPERATOR, move |s| ogi_store::Store::audit_for(s, &request))
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.actor == "head" && a.action.contains("在线送达文书")), "{audit:?}");
}

#[tokio::test]
async fn in_a_shared_deployment_the_applicant_picks_the_agency_and_the_application_is_filed_there() {
    let server = common::start("portal-pick", Some(TODAY)).await;
    server
        .state
        .write_in(ogi_store::Scope::OPERATOR, |s| {
            ogi_store::Store::set_setting(s, ogi_store::AGENCY_NAME, "某市人民政府办公室", "test")?;
            ogi_store::Store::import_agencies(
                s,
                "code,name,parent,kind\na,某市甲局,root,department\nb,某市乙局,root,department\nb1,某市乙局下属中心,b,other\n"
                    .as_bytes(),
                "test",
            )
        })
        .await
        .unwrap();
    let mut applicant = server.client();
    // The tree, the root first; a search narrows it.
    let pick = applicant.get("/apply").await.text();
    assert!(pick.contains("选择受理机关") && !pick.contains("name=\"id_number\""), "{pick}");
    for (href, name) in
        [("/apply/root", "某市人民政府办公室"), ("/apply/a", "某市甲局"), ("/apply/b1", "某市乙局下属中心")]
    {
        assert!(pick.contains(&format!("<a href=\"{href}\">{name}</a>")), "{href}: {pick}");
    }
    let found = applicant.get("/apply?q=%E4%B9%99").await.text(); // 乙
    assert!(found.contains("/apply/b\"") && found.contains("/apply/b1\"") && !found.contains("/apply/a\""), "{found}");
    let none = applicant.get("/apply?q=%3Cb%3E").await.text(); // <b>
    assert!(none.contains("id=\"no-agency\"") && none.contains("&lt;b&gt;") && !none.contains("<b>"), "{none}");
    assert_eq!(applicant.get("/apply/nosuch").await.status, 404);

    // The form names the agency and files into it.
    let form = applicant.get("/apply/b").await.text();
    assert!(
        form.contains("<strong id=\"to-agency\">某市乙局</strong>") && form.contains("action=\"/apply/b\""),
        "{form}"
    );
    let (token, answer) = solve_at(&mut applicant, "/apply/b").await;
    let mut fields = good();
    fields.extend([("challenge", token.as_str()), ("answer", answer.as_str())]);
    let r = applicant.post_form("/apply/b", &fields).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let to = r.header("location").unwrap().to_string();
    assert!(applicant.get(&to).await.text().contains("某市乙局 · 申请查询"));
    // b's clerk has it to confirm; a's does not; confirmed, it is b's request.
    let mut a_clerk = server.login_in("jia", "a", Role::Clerk).await;
    assert!(!a_clerk.get("/online").await.text().contains("李四"));
    let mut b_clerk = server.login_in("yi", "b", Role::Clerk).await;
    let pending = b_clerk.get("/online").await.text();
    assert!(pending.contains("李四"), "{pending}");
    let id = pending.split("/online/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let r = b_clerk.submit(&format!("/online/{id}/confirm"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let code = r.header("location").unwrap().trim_start_matches("/requests/").to_string();
    assert!(code.starts_with("b-"), "{code}");
}
