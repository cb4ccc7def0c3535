//! E-mail to applicants (`ogi serve --smtp`, issue 17): every public step of
//! an online request — filed, receipt confirmed, 补正 asked, consultation,
//! extension, fee, answer, a letter delivered, withdrawal — is mailed in
//! Chinese to the address the applicant gave. The store queues each e-mail
//! in the same transaction as its step (`ogi_store::online::enqueue`); the
//! mailer here takes what is due, composes it from the request as it stood
//! after that step, and sends it through the relay, retrying with backoff.
//! A deployment without `--smtp` sends nothing (and old steps are never
//! mailed later: a queued e-mail expires after three days).
//!
//! The receipt e-mail carries the tracking code, kept in the queue only until
//! it is sent; later e-mails point to the lookup page instead, since the
//! register keeps only the code's hash.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox};
use lettre::{Message, SmtpTransport, Transport};
use ogi_rules::request::{Due, Request};
use ogi_rules::{Calendar, Date};
use ogi_store::online::{Notice, Step, MAX_TRIES};
use ogi_store::{Store, Stored};

use crate::auth::now;
use crate::state::AppState;

/// How the server reaches the relay, whom the e-mails are from, and the
/// address applicants reach the portal at (for the links).
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://host:port`: plain SMTP to an intranet relay that takes this server's mail.
    pub relay: String,
    /// `某局政务公开办 <gk@example.gov.cn>`.
    pub from: String,
    /// `https://ogi.example.gov.cn` (no trailing slash).
    pub public_url: String,
}

/// A relay ready to send.
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    public_url: String,
}

impl Mailer {
    /// Checks the configuration; a bad one is refused at start, naming the option.
    pub fn new(config: &MailConfig) -> Result<Mailer, String> {
        let transport = relay(&config.relay)?;
        let from: Mailbox =
            config.from.parse().map_err(|e| format!("--mail-from：发件人地址 {} 不正确（{e}）", config.from))?;
        let public_url = config.public_url.trim_end_matches('/').to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(format!("--public-url：应以 http:// 或 https:// 开头：{public_url}"));
        }
        Ok(Mailer { transport, from, public_url })
    }
}

/// The relay as printed: never its password.
pub fn relay_shown(relay: &str) -> String {
    match (relay.split_once("://"), relay.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, host))) => format!("{scheme}://{host}"),
        _ => relay.to_string(),
    }
}

/// The relay of `smtp://host[:port]` (port 25 unless given).
fn relay(text: &str) -> Result<SmtpTransport, String> {
    let bad =
        |why: &str| format!("--smtp：邮件服务器地址 {} 不正确（{why}），应为 smtp://主机:端口", relay_shown(text));
    let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if url.scheme() != "smtp" {
        return Err(bad("只支持 smtp://，由内网邮件中继负责加密转发"));
    }
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("缺少主机"))?;
    // Signing in over plain SMTP would send the password in clear: the relay
    // is expected to accept the server's mail by its address.
    if !url.username().is_empty() {
        return Err(bad("不支持在明文 SMTP 上登录，请让内网邮件中继按地址接收本服务器的邮件"));
    }
    Ok(SmtpTransport::builder_dangerous(host.trim_matches(['[', ']']))
        .port(url.port().unwrap_or(25))
        .timeout(Some(Duration::from_secs(20)))
        .build())
}

/// An e-mail as composed: to whom, subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// Sends what is due, every two seconds, until the server stops.
pub async fn run(state: AppState, mailer: Arc<Mailer>) {
    loop {
        if let Err(e) = send_due(&state, &mailer).await {
            tracing::warn!(target: "ogi::mail", "发送申请人邮件失败：{e}");
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Seconds before the next try after `tries` failed ones: 1, 2, 4 … minutes.
fn backoff(tries: i64) -> i64 {
    60 * (1 << tries.clamp(0, 10))
}

/// One pass: the e-mails due now, each composed, sent and marked.
pub async fn send_due(state: &AppState, mailer: &Arc<Mailer>) -> Result<usize, String> {
    let notices = state.write(|s| s.claim_notices(now(), 300, 20)).await.map_err(|e| e.to_string())?;
    let mut sent = 0;
    let mut titles: HashMap<i64, String> = HashMap::new();
    for notice in notices {
        let id = notice.id;
        let outcome = match mail_for(state, &mailer.public_url, &mut titles, &notice).await {
            Ok(mail) => {
                let mailer = mailer.clone();
                tokio::task::spawn_blocking(move || send(&mailer, &mail))
                    .await
                    .unwrap_or_else(|e| Err((e.to_string(), false)))
            }
            Err(e) => Err((e, false)),
        };
        match outcome {
            Ok(()) => {
                sent += 1;
                state.write(move |s| s.notice_sent(id, now())).await.map_err(|e| e.to_string())?;
            }
            Err((error, transient)) => {
                tracing::warn!(target: "ogi::mail", "申请人邮件 #{id} 未发出：{error}");
                let tries = notice.attempts + 1;
                let retry = (transient && tries < MAX_TRIES).then(|| now() + backoff(notice.attempts));
                state.write(move |s| s.notice_failed(id, &error, retry)).await.map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(sent)
}

/// Sends one e-mail; an error says whether trying again may help.
fn send(mailer: &Mailer, mail: &Mail) -> Result<(), (String, bool)> {
    let to: Mailbox = mail.to.parse().map_err(|e| (format!("收件人地址 {} 不正确（{e}）", mail.to), false))?;
    let message = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(&mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| (format!("邮件无法生成：{e}"), false))?;
    mailer.transport.send(&message).map(|_| ()).map_err(|e| (e.to_string(), !e.is_permanent()))
}

/// The e-mail of `notice`, read from the register as it is now (the request
/// and, for a letter, the letter delivered: one read). `titles` keeps the
/// agencies' titles for the pass: each reads the agency directory.
async fn mail_for(
    state: &AppState,
    public_url: &str,
    titles: &mut HashMap<i64, String>,
    notice: &Notice,
) -> Result<Mail, String> {
    let f = &notice.filed;
    if let std::collections::hash_map::Entry::Vacant(e) = titles.entry(f.agency_id) {
        e.insert(crate::pages::portal::agency_title(state, f.agency_id).await.map_err(|e| format!("{e:?}"))?);
    }
    let agency = titles[&f.agency_id].as_str();
    let (stored, letter) = match f.request_code.clone() {
        Some(code) => {
            let letter_id = match (notice.step, notice.seq) {
                (Step::Letter, Some(id)) => Some(id),
                _ => None,
            };
            let theirs = ogi_store::Scope::code_holder_in(f.agency_id);
            let (stored, letters) = state
                .read_in(theirs, move |s| {
                    let stored = s.get(&code)?;
                    let letters = match letter_id {
                        Some(id) => s.delivered_letters(&code, Some(id))?,
                        None => Vec::new(),
                    };
                    Ok((stored, letters))
                })
                .await
                .map_err(|e| e.to_string())?;
            (Some(stored), letters.into_iter().next().map(|(l, _)| (l.title, l.on)))
        }
        None => (None, None),
    };
    compose(notice, agency, stored.as_ref(), letter, &state.cal(), public_url)
}

/// The e-mail of a step, in Chinese: what happened, the dates it gives the
/// applicant, and where to follow the request.
pub fn compose(
    notice: &Notice,
    agency: &str,
    stored: Option<&Stored>,
    letter: Option<(String, Date)>,
    cal: &Calendar,
    public_url: &str,
) -> Result<Mail, String> {
    let f = &notice.filed;
    let a = &f.application;
    let request = || stored.map(|s| &s.request).ok_or("申请尚未登记");
    let due_line = |r: &Request| {
        r.due(cal).ok().flatten().map(|d| format!("答复期限：{}。", Due::new(cal, r.received, d))).unwrap_or_default()
    };
    let (what, lines): (String, Vec<String>) = match notice.step {
        Step::Submitted => {
            let code = notice.tracking_code.as_deref().ok_or("回执邮件缺少查询码")?;
            (
                "已收到您的网上申请".into(),
                vec![
                    format!("您于 {} 通过网上申请提交的政府信息公开申请已收到。", f.submitted_on),
                    "本机关确认收到后，答复期限自确认之日起计算（《中华人民共和国政府信息公开条例》第三十一条），确认后将另行通知您。".into(),
                    String::new(),
                    format!("查询码：{code}"),
                    format!("查询办理进度：{public_url}/track/{code}"),
                    "请妥善保管查询码：凭查询码可以查看申请的办理情况、提交补正和下载答复文书。".into(),
                ],
            )
        }
        Step::Confirmed => {
            let r = request()?;
            (
                "已确认收到您的申请".into(),
                vec![
                    format!("本机关已于 {} 确认收到您的政府信息公开申请（收到申请之日，条例第三十一条）。", r.received),
                    due_line(&r.as_of(0)),
                ],
            )
        }
        Step::Event => {
            let r = request()?;
            let n = notice.seq.ok_or("事项序号缺失")? as usize;
            let e = r.events().get(n.wrapping_sub(1)).ok_or("事项不存在")?;
            let then = r.as_of(n);
            let mut lines = vec![format!("{}：{}。", e.date(), e.for_applicant())];
            if let Some(details) = crate::pages::portal::step_details(&then, e, cal) {
                lines.push(format!("{details}。"));
            }
            lines.push(match e {
                ogi_rules::request::Event::CorrectionRequested { .. } => {
                    "请在查询页面提交补正内容（可附上文件），或按补正告知书所列方式补正。".into()
                }
                ogi_rules::request::Event::Answered { .. } => {
                    "答复告知书以本机关送达的文书为准；在线送达的文书可在查询页面查看和下载。".into()
                }
                _ => String::new(),
            });
            (e.label().to_string(), lines)
        }
        Step::Letter => {
            let (title, on) = letter.ok_or("送达的文书不存在")?;
            ("在线送达文书".into(), vec![format!("本机关已于 {on} 在线送达《{title}》，请在查询页面查看和下载。")])
        }
    };
    let mut body = format!("{}：\n\n", a.name);
    body.push_str(&format!(
        "您向{agency}提交的政府信息公开申请（{}）有新的办理进展。\n\n",
        crate::pages::shorten(&a.summary, 60)
    ));
    for line in lines.iter().filter(|l| !l.is_empty() || notice.step == Step::Submitted) {
        body.push_str(line);
        body.push('\n');
    }
    if notice.step != Step::Submitted {
        body.push_str(&format!("\n查询办理进度：请打开 {public_url}/track ，输入回执上的查询码。\n"));
    }
    body.push_str(&format!("\n本邮件由系统自动发送，请勿直接回复。\n{agency}\n"));
    Ok(Mail { to: a.email.clone(), subject: format!("【{agency}】政府信息公开申请：{what}"), body })
}
