//! E-mail to the applicant (`ogi serve --smtp`): every public step of an
//! online request reaches the address they gave, in Chinese, through a real
//! SMTP conversation with a relay started here on loopback; a 补正 answered
//! on the tracking page carries its files to the clerk, and the answer its
//! information to the applicant; an address the relay
//! refuses is given up and shown to staff, a relay that is down is retried.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ogi_store::Role;
use ogi_web::notify::{MailConfig, Mailer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const TODAY: &str = "2025-03-03";
const AGENCY: &str = "聊城市工业和信息化局";

/// A message as the relay received it.
#[derive(Debug, Clone)]
struct Received {
    to: Vec<String>,
    data: Vec<u8>,
}

impl Received {
    fn subject(&self) -> String {
        let m = mail_parser::MessageParser::default().parse(&self.data).expect("a parsable message");
        m.subject().unwrap_or_default().to_string()
    }

    fn body(&self) -> String {
        let m = mail_parser::MessageParser::default().parse(&self.data).expect("a parsable message");
        m.body_text(0).map(|b| b.to_string()).unwrap_or_default()
    }

    fn from(&self) -> String {
        let m = mail_parser::MessageParser::default().parse(&self.data).expect("a parsable message");
        let from = m.from().and_then(|f| f.first()).expect("a sender");
        format!("{} <{}>", from.name().unwrap_or_default(), from.address().unwrap_or_default())
    }
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// An SMTP relay on loopback that accepts every message, except for the
/// recipient `refuse`, which it refuses permanently (550).
async fn relay(refuse: &'static str) -> (u16, Inbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox: Inbox = Arc::default();
    let kept = inbox.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let inbox = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read);
                let _ = write.write_all(b"220 relay.test ESMTP\r\n").await;
                let mut to = Vec::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 relay.test\r\n",
                        "MAIL" => b"250 OK\r\n",
                        "RCPT" if line.contains(refuse) => b"550 5.1.1 no such mailbox\r\n",
                        "RCPT" => {
                            to.push(line.split(['<', '>']).nth(1).unwrap_or_default().to_string());
                            b"250 OK\r\n"
                        }
                        "DATA" => {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut data = Vec::new();
                            loop {
                                line.clear();
                                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" {
                                    break;
                                }
                                data.extend_from_slice(line.strip_prefix('.').unwrap_or(&line).as_bytes());
                            }
                            inbox.lock().unwrap().push(Received { to: std::mem::take(&mut to), data });
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 OK\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, inbox)
}

/// The mailer of `server`, sending through the relay on `port`.
fn start_mailer(server: &common::Server, port: u16) {
    let config = MailConfig {
        relay: format!("smtp://127.0.0.1:{port}"),
        from: format!("{AGENCY} <gk@example.gov.cn>"),
        public_url: format!("http://{}", server.addr),
    };
    let mailer = Mailer::new(&config).expect("a mailer");
    tokio::spawn(ogi_web::notify::run(server.state.clone(), Arc::new(mailer)));
}

/// Waits (at most 15 s) until the inbox holds `n` messages, and returns them.
async fn mails(inbox: &Inbox, n: usize) -> Vec<Received> {
    for _ in 0..150 {
        if inbox.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = inbox.lock().unwrap().clone();
    assert_eq!(got.len(), n, "messages received: {:?}", got.iter().map(Received::subject).collect::<Vec<_>>());
    got
}

fn application(email: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("applicant", "natural"),
        ("name", "李四"),
        ("id_kind", "resident_id"),
        ("id_number", "11010519491231002x"),
        ("phone", ""),
        ("email", email),
        ("address", "山东省聊城市东昌府区某路 1 号"),
        ("summary", "2024年本区老旧小区改造项目清单"),
        ("document", ""),
        ("delivery", "online"),
    ]
}

/// Files the application as a person would (the form's sum solved); the tracking code.
async fn apply(c: &mut common::Client, email: &'static str) -> String {
    let (token, answer) = common::challenge_of(&c.get("/apply").await.text());
    let mut fields = application(email);
    fields.extend([("challenge", token.as_str()), ("answer", answer.as_str())]);
    let r = c.post_form("/apply", &fields).await;
    assert_eq!(r.status, 303, "{}", r.text());
    r.header("location").unwrap().strip_prefix("/track/").unwrap().split('?').next().unwrap().to_string()
}

/// The clerk confirms the only pending application; the request's code.
async fn confirm(clerk: &mut common::Client) -> String {
    let pending = clerk.get("/online").await.text();
    let id = pending.split("/online/").nth(1).unwrap().split('/').next().unwrap().to_string();
    let r = clerk.submit(&format!("/online/{id}/confirm"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    r.header("location").unwrap().trim_start_matches("/requests/").to_string()
}

fn due_on_tracking_page(page: &str) -> String {
    page.split("<dd id=\"due\">").nth(1).expect("a due date").split('<').next().unwrap().to_string()
}

async fn named_agency(server: &common::Server) {
    let state = server.state.clone();
    state
        .write_in(ogi_store::Scope::OPERATOR, |s| ogi_store::Store::set_setting(s, ogi_store::AGENCY_NAME, AGENCY, "t"))
        .await
        .unwrap();
}

#[tokio::test]
async fn every_public_step_is_mailed_to_the_applicant_and_a_correction_brings_its_files() {
    let server = common::start("notify-steps", Some(TODAY)).await;
    named_agency(&server).await;
    let (port, inbox) = relay("nobody@").await;
    start_mailer(&server, port);
    let mut applicant = server.client();
    let mut head = server.login("head", Role::Head).await;

    // Filed: the receipt, with the tracking code and its link.
    let code = apply(&mut applicant, "lisi@example.cn").await;
    let m = mails(&inbox, 1).await;
    assert_eq!(m[0].to, vec!["lisi@example.cn".to_string()]);
    assert_eq!(m[0].from(), format!("{AGENCY} <gk@example.gov.cn>"));
    assert!(m[0].subject().contains(AGENCY) && m[0].subject().contains("已收到您的网上申请"), "{}", m[0].subject());
    let body = m[0].body();
    assert!(body.starts_with("李四：") && body.contains(&format!("查询码：{code}")), "{body}");
    assert!(body.contains(&format!("http://{}/track/{code}", server.addr)), "{body}");

    // Confirmed: the receipt date and the due date the tracking page shows.
    let request = confirm(&mut head).await;
    let due = due_on_tracking_page(&applicant.get(&format!("/track/{code}")).await.text());
    let m = mails(&inbox, 2).await;
    assert!(m[1].subject().contains("已确认收到您的申请"), "{}", m[1].subject());
    let body = m[1].body();
    assert!(body.contains(&format!("于 {TODAY} 确认收到")) && body.contains(&format!("答复期限：{due}")), "{body}");

    // 补正 asked: by when.
    let events = format!("/requests/{request}/events");
    head.get(&format!("/requests/{request}")).await;
    let r = head.submit(&events, &[("kind", "correction_requested"), ("on", TODAY), ("reply_by", "2025-03-17")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let m = mails(&inbox, 3).await;
    assert!(m[2].subject().contains("补正告知"), "{}", m[2].subject());
    assert!(m[2].body().contains("请于 2025-03-17 前补正申请"), "{}", m[2].body());

    // A program renamed to .pdf is refused, naming it, and nothing is recorded.
    let exe: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00";
    let parts: Vec<(&str, &str, &[u8])> = vec![("text", "", "补充".as_bytes()), ("attachments", "证明.pdf", exe)];
    let r = applicant.post_multipart_with(&format!("/track/{code}/correction"), None, &parts).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("附件“证明.pdf”不是 PDF、JPG 或 PNG 文件"), "{}", r.text());
    assert!(applicant.get(&format!("/track/{code}")).await.text().contains("提交补正"), "still awaiting the 补正");

    // Answered on the tracking page with a file: the clerk has the file, marked as the 补正's.
    let pdf: &[u8] = b"%PDF-1.4\n% the applicant's proof of address\n%%EOF\n";
    let parts: Vec<(&str, &str, &[u8])> =
        vec![("text", "", "补充：2024 年东昌府区的项目".as_bytes()), ("attachments", "住址证明.pdf", pdf)];
    let r = applicant.post_multipart_with(&format!("/track/{code}/correction"), None, &parts).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = head.get(&format!("/requests/{request}")).await.text();
    assert!(page.contains("住址证明.pdf") && page.contains(&format!("{TODAY} 随补正提交")), "{page}");
    let file = page.split("/online/files/").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert_eq!(head.get(&format!("/online/files/{file}")).await.body, pdf);
    let due = due_on_tracking_page(&applicant.get(&format!("/track/{code}")).await.text());
    let m = mails(&inbox, 4).await;
    assert!(m[3].subject().contains("收到补正"), "{}", m[3].subject());
    assert!(m[3].body().contains(&format!("答复期限：{due}")), "{}", m[3].body());

    // Answered.
    head.get(&format!("/requests/{request}")).await;
    let r = head.submit(&events, &[("kind", "answered"), ("on", TODAY), ("outcome", "granted")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let m = mails(&inbox, 5).await;
    assert!(m[4].subject().contains("答复"), "{}", m[4].subject());
    assert!(m[4].body().contains("已答复：（一）予以公开"), "{}", m[4].body());

    // The answer delivered online with the information itself: listed, downloaded, mailed.
    head.get(&format!("/requests/{request}")).await;
    let info: &[u8] = b"%PDF-1.4\n% the 2024 list of projects\n%%EOF\n";
    let csrf = head.csrf.clone();
    let parts: Vec<(&str, &str, &[u8])> = vec![
        ("provision", "", "在线下载".as_bytes()),
        ("number", "", "聊工信公开〔2025〕3号".as_bytes()),
        ("attachments", "改造项目清单.pdf", info),
    ];
    let deliver = format!("/requests/{request}/letters/answer.granted/deliver");
    let r = head.post_multipart_with(&deliver, Some(&csrf), &parts).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let track = applicant.get(&format!("/track/{code}")).await.text();
    assert!(track.contains("公开的政府信息：") && track.contains("改造项目清单.pdf"), "{track}");
    let file = track.split(&format!("/track/{code}/files/")).nth(1).unwrap().split('"').next().unwrap().to_string();
    let got = applicant.get(&format!("/track/{code}/files/{file}")).await;
    assert_eq!((got.status, &got.body[..]), (200, info));
    assert!(got.header("content-disposition").unwrap().starts_with("attachment"));
    let m = mails(&inbox, 6).await;
    assert!(m[5].subject().contains("在线送达文书"), "{}", m[5].subject());
    assert!(m[5].body().contains("答复告知书"), "{}", m[5].body());

    // Only the receipt carried the code; every e-mail points to the lookup page.
    for later in &m[1..] {
        let body = later.body();
        assert!(!body.contains(&code), "{body}");
        assert!(body.contains(&format!("http://{}/track", server.addr)), "{body}");
    }
    // Staff see each e-mail sent.
    let page = head.get(&format!("/requests/{request}")).await.text();
    let section = page.split("id=\"notices\"").nth(1).expect("the e-mail list").split("</section>").next().unwrap();
    assert_eq!(section.matches("已发送").count(), 6, "{section}");
}

/// The request's page once it says `what` `times` times (waiting at most 15 s
/// for the mailer), or the page as it was then, failing.
async fn request_page_showing(staff: &mut common::Client, request: &str, what: &str, times: usize) -> String {
    let mut page = String::new();
    for _ in 0..150 {
        page = staff.get(&format!("/requests/{request}")).await.text();
        if page.matches(what).count() == times {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} is not shown {times} times: {page}");
}

#[tokio::test]
async fn a_refused_address_is_given_up_and_shown_to_staff() {
    let server = common::start("notify-refused", Some(TODAY)).await;
    let (port, inbox) = relay("nobody@").await;
    start_mailer(&server, port);
    let mut applicant = server.client();
    let mut head = server.login("head", Role::Head).await;
    apply(&mut applicant, "nobody@example.cn").await;
    let request = confirm(&mut head).await;
    let page = request_page_showing(&mut head, &request, "未能发送", 2).await;
    assert!(page.contains("no such mailbox"), "{page}");
    assert!(inbox.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_relay_that_is_down_is_tried_again_later() {
    let server = common::start("notify-down", Some(TODAY)).await;
    // A port nobody listens on.
    let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    start_mailer(&server, port);
    let mut applicant = server.client();
    let mut head = server.login("head", Role::Head).await;
    apply(&mut applicant, "lisi@example.cn").await;
    let request = confirm(&mut head).await;
    let page = request_page_showing(&mut head, &request, "重试中（已试 1 次", 2).await;
    assert!(!page.contains("未能发送"), "{page}");
}
