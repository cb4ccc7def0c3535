//! Applications filed online (the public side): kept as filed until staff
//! confirm them — the day of confirmation is the receipt date (第三十一条) —
//! and then linked to the request they became. The applicant finds theirs by
//! the tracking code, of which only the SHA-256 is stored.

use crate::sql::{params, OptionalExtension, Sql};
use ogi_rules::input::{Application, Delivery, IdKind};
use ogi_rules::request::Channel;
use ogi_rules::{Calendar, Date};
use ogi_vocab::cells::ApplicantColumn;

use ogi_rules::request::Event;

use crate::{audit, corrupt, date, insert, record_in, NewRequest, StoreError, Stored};

pub(crate) const MIGRATION: &str = "
CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    tracking_hash TEXT NOT NULL UNIQUE,
    submitted_on TEXT NOT NULL,
    submitted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    applicant TEXT NOT NULL,
    name TEXT NOT NULL,
    id_kind TEXT NOT NULL,
    id_number TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    summary TEXT NOT NULL,
    document TEXT NOT NULL,
    delivery TEXT NOT NULL,
    request_id INTEGER REFERENCES requests(id)
);
CREATE INDEX applications_pending ON applications(id) WHERE request_id IS NULL;
CREATE TABLE application_files (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX application_files_of ON application_files(application_id);
CREATE TABLE applicant_messages (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    on_date TEXT NOT NULL,
    event TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX applicant_messages_request ON applicant_messages(request_id);
";

/// Who the audit log names for what applicants do on the public side.
pub const APPLICANT: &str = "申请人（网上）";

/// An application as the register keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filed {
    pub id: i64,
    pub submitted_on: Date,
    pub application: Application,
    /// The request it became, once confirmed.
    pub request_code: Option<String>,
    /// The agency it was made to.
    pub agency_id: i64,
}

/// A file sent with an application (its type checked by content before it gets here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// A stored attachment: its id, name, type and size, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub id: i64,
    pub name: String,
    pub mime: String,
    pub size: u64,
    /// Sent later with the applicant's words of this date (a 补正), not with the application.
    pub with_message: Option<Date>,
}

pub(crate) fn submit(
    tx: &Sql,
    tracking_hash: &str,
    receipt_code: &str,
    on: Date,
    a: &Application,
    files: &[Attachment],
) -> Result<i64, StoreError> {
    let id = tx.insert(
        "INSERT INTO applications (tracking_hash, submitted_on, applicant, name, id_kind, id_number, phone, email, address, summary, document, delivery, agency_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            tracking_hash,
            on.to_string(),
            a.applicant.key(),
            a.name,
            a.id_kind.key(),
            a.id_number,
            a.phone,
            a.email,
            a.address,
            a.summary,
            a.document,
            a.delivery.key(),
            tx.scope.agency_id()
        ],
    )?;
    for f in files {
        tx.execute(
            "INSERT INTO application_files (application_id, name, mime, bytes) VALUES (?1, ?2, ?3, ?4)",
            params![id, f.name, f.mime, f.bytes],
        )?;
    }
    if !a.email.is_empty() {
        // The receipt e-mail carries the code; it is erased once sent.
        tx.execute(
            "INSERT INTO notifications (application_id, step, tracking_code) VALUES (?1, ?2, ?3)",
            params![id, Step::Submitted.key(), receipt_code],
        )?;
    }
    audit(tx, APPLICANT, format!("网上提交申请 #{id}"), None, Some(a.name.clone()))?;
    Ok(id)
}

const COLUMNS: &str = "a.id, a.submitted_on, a.applicant, a.name, a.id_kind, a.id_number, a.phone, a.email, a.address, a.summary, a.document, a.delivery, r.code, a.agency_id";

type FiledRow = (i64, [String; 11], Option<String>, i64);

fn row(r: &crate::sql::Row) -> crate::sql::Result<FiledRow> {
    let mut texts: [String; 11] = Default::default();
    for (i, t) in texts.iter_mut().enumerate() {
        *t = r.get(i + 1)?;
    }
    Ok((r.get(0)?, texts, r.get(12)?, r.get(13)?))
}

fn filed((id, t, code, agency_id): FiledRow) -> Result<Filed, StoreError> {
    let [on, applicant, name, id_kind, id_number, phone, email, address, summary, document, delivery] = t;
    Ok(Filed {
        id,
        submitted_on: date(&on)?,
        application: Application {
            applicant: ApplicantColumn::from_key(&applicant).ok_or_else(|| corrupt("申请人类型", &applicant))?,
            name,
            id_kind: IdKind::from_key(&id_kind).ok_or_else(|| corrupt("证件类型", &id_kind))?,
            id_number,
            phone,
            email,
            address,
            summary,
            document,
            delivery: Delivery::from_key(&delivery).ok_or_else(|| corrupt("获取方式", &delivery))?,
        },
        request_code: code,
        agency_id,
    })
}

/// The application a tracking code's hash names, whatever the scope: the
/// code is the applicant's own authority.
pub(crate) fn by_tracking(conn: &Sql, tracking_hash: &str) -> Result<Option<Filed>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM applications a LEFT JOIN requests r ON r.id = a.request_id WHERE a.tracking_hash = ?1"
    );
    conn.query_row(&sql, [tracking_hash], row).optional()?.map(filed).transpose()
}

/// Applications awaiting confirmation, of the agencies the scope reads.
pub(crate) fn pending(conn: &Sql) -> Result<Vec<Filed>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM applications a LEFT JOIN requests r ON r.id = a.request_id WHERE a.request_id IS NULL AND {} ORDER BY a.id",
        conn.scope.visible("a.agency_id")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![], row)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(filed).collect()
}

/// Registers the application as a request received `on` (the confirmation
/// day), in the same transaction as the link and the audit line.
pub(crate) fn confirm(tx: &Sql, id: i64, on: Date, actor: &str, cal: &Calendar) -> Result<Stored, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM applications a LEFT JOIN requests r ON r.id = a.request_id WHERE a.id = ?1 AND {}",
        tx.scope.visible("a.agency_id")
    );
    let found = tx.query_row(&sql, [id], row).optional()?.map(filed).transpose()?;
    let f = found.ok_or(StoreError::NoRecord { what: "网上申请", id })?;
    if !tx.scope.may_write(f.agency_id) {
        return Err(StoreError::Forbidden("只能查看下级机关的网上申请，不能确认".into()));
    }
    if let Some(code) = f.request_code {
        return Err(StoreError::Invalid(format!("该网上申请已确认登记为 {code}")));
    }
    let a = &f.application;
    let new = NewRequest {
        channel: Channel::Online,
        applicant: a.applicant,
        arrived: f.submitted_on,
        confirmed: Some(on),
        summary: match a.document.as_str() {
            "" => a.summary.clone(),
            doc => format!("{}（文件：{doc}）", a.summary),
        },
        applicant_name: a.name.clone(),
        contact: a.contact(),
    };
    // Registered with the agency it was made to.
    let scope = crate::Scope::operator_in(f.agency_id);
    let stored = insert(&tx.with_scope(&scope), new, actor, cal)?;
    tx.execute(
        "UPDATE applications SET request_id = (SELECT id FROM requests WHERE code = ?1) WHERE id = ?2",
        params![stored.code, id],
    )?;
    audit(tx, actor, format!("确认网上申请 #{id}，登记为 {}", stored.code), None, None)?;
    tx.execute(
        "INSERT INTO notifications (application_id, step) SELECT id, ?2 FROM applications WHERE id = ?1 AND email <> ''",
        params![id, Step::Confirmed.key()],
    )?;
    Ok(stored)
}

/// The event the applicant's action makes, recorded on their request (refused
/// by the law as any event is), and their words beside it.
pub(crate) fn applicant_event(
    tx: &Sql,
    tracking_hash: &str,
    event: Event,
    words: &str,
    files: &[Attachment],
    cal: &Calendar,
) -> Result<Stored, StoreError> {
    let found: Option<(String, i64, i64)> = tx
        .query_row(
            "SELECT r.code, r.agency_id, a.id FROM applications a JOIN requests r ON r.id = a.request_id WHERE a.tracking_hash = ?1",
            [tracking_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (code, agency, application) =
        found.ok_or_else(|| StoreError::Invalid("该申请尚未确认收到，暂不能办理此事项".into()))?;
    let key = event.key();
    let on = event.date();
    // The tracking code is the applicant's authority over their own request.
    let scope = crate::Scope::operator_in(agency);
    let (id, stored) = record_in(&tx.with_scope(&scope), &code, None, event, APPLICANT, cal)?;
    let message = tx.insert(
        "INSERT INTO applicant_messages (request_id, on_date, event, text) VALUES (?1, ?2, ?3, ?4)",
        params![id, on.to_string(), key, words],
    )?;
    // Files sent with a 补正 are the application's, marked with the message they came with.
    for f in files {
        tx.execute(
            "INSERT INTO application_files (application_id, name, mime, bytes, message_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![application, f.name, f.mime, f.bytes, message],
        )?;
    }
    Ok(stored)
}

pub(crate) fn messages(conn: &Sql, code: &str) -> Result<Vec<(Date, String, String)>, StoreError> {
    let mut stmt = conn.prepare(
        &format!(
            "SELECT m.on_date, m.event, m.text FROM applicant_messages m JOIN requests r ON r.id = m.request_id WHERE r.code = ?1 AND {} ORDER BY m.id",
            conn.scope.visible("r.agency_id")
        ),
    )?;
    let rows = stmt
        .query_map([code], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(|(d, e, t)| Ok((date(&d)?, e, t))).collect()
}

/// The attachments of an application (`of` = its id) or of the request it became.
pub(crate) fn attachments(conn: &Sql, of: AttachmentsOf) -> Result<Vec<AttachmentInfo>, StoreError> {
    let visible = conn.scope.visible("a.agency_id");
    let (sql, key) = match &of {
        AttachmentsOf::Application(id) => (format!("SELECT f.id, f.name, f.mime, length(f.bytes), m.on_date FROM application_files f JOIN applications a ON a.id = f.application_id LEFT JOIN applicant_messages m ON m.id = f.message_id WHERE f.application_id = ?1 AND {visible} ORDER BY f.id"), crate::sql::Value::Int(*id)),
        AttachmentsOf::Request(code) => (format!("SELECT f.id, f.name, f.mime, length(f.bytes), m.on_date FROM application_files f JOIN applications a ON a.id = f.application_id JOIN requests r ON r.id = a.request_id LEFT JOIN applicant_messages m ON m.id = f.message_id WHERE r.code = ?1 AND {visible} ORDER BY f.id"), crate::sql::Value::Text(code.clone())),
    };
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map([key], |r| {
            Ok((
                AttachmentInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    mime: r.get(2)?,
                    size: r.get::<_, i64>(3)? as u64,
                    with_message: None,
                },
                r.get::<_, Option<String>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(info, on)| Ok(AttachmentInfo { with_message: on.as_deref().map(date).transpose()?, ..info }))
        .collect()
}

/// Whose attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentsOf {
    Application(i64),
    Request(String),
}

pub(crate) fn attachment(conn: &Sql, id: i64) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT f.name, f.mime, f.bytes FROM application_files f JOIN applications a ON a.id = f.application_id WHERE f.id = ?1 AND {}",
                conn.scope.visible("a.agency_id")
            ),
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

// ------------------------------------------------------------------ letters delivered online

/// Letters staff delivered to the applicant online (送达): kept as they were
/// issued — the body is the rendered letter, opaque to the store — so the
/// applicant downloads exactly what the agency sent, whatever templates say later.
pub(crate) const LETTERS_MIGRATION: &str = "
CREATE TABLE delivered_letters (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    on_date TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX delivered_letters_request ON delivered_letters(request_id);
";

/// A letter delivered online, as the tracking page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredLetter {
    pub id: i64,
    /// The letter kind's key (`answer.granted`, `correction`, …).
    pub kind: String,
    pub title: String,
    pub on: Date,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn deliver_letter(
    tx: &Sql,
    code: &str,
    kind: &str,
    title: &str,
    body: &str,
    on: Date,
    actor: &str,
    files: &[Attachment],
) -> Result<i64, StoreError> {
    let (request_id, stored) = crate::requests::load(tx, code)?;
    if !tx.scope.may_write(stored.agency_id) {
        return Err(StoreError::Forbidden("只能查看下级机关的申请，不能修改".into()));
    }
    let id = tx.insert(
        "INSERT INTO delivered_letters (request_id, kind, title, body, on_date, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![request_id, kind, title, body, on.to_string(), actor],
    )?;
    for f in files {
        tx.execute(
            "INSERT INTO delivered_files (letter_id, name, mime, bytes) VALUES (?1, ?2, ?3, ?4)",
            params![id, f.name, f.mime, f.bytes],
        )?;
    }
    tx.execute(
        "INSERT INTO audit (actor, action, request_id, before, after, agency_id) VALUES (?1, ?2, ?3, NULL, NULL, ?4)",
        params![actor, format!("在线送达文书：{title}"), request_id, stored.agency_id],
    )?;
    enqueue(tx, request_id, Step::Letter, Some(id))?;
    Ok(id)
}

/// The letters delivered for request `code`, oldest first; with `id`, only that one.
pub(crate) fn delivered_letters(
    conn: &Sql,
    code: &str,
    id: Option<i64>,
) -> Result<Vec<(DeliveredLetter, String)>, StoreError> {
    let sql = format!(
        "SELECT l.id, l.kind, l.title, l.on_date, l.body FROM delivered_letters l JOIN requests r ON r.id = l.request_id \
         WHERE r.code = ?1 AND {}{} ORDER BY l.id",
        conn.scope.visible("r.agency_id"),
        if id.is_some() { " AND l.id = ?2" } else { "" }
    );
    let row = |r: &crate::sql::Row| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?));
    let rows: Vec<(i64, String, String, String, String)> = match id {
        Some(id) => conn.query_map(&sql, params![code, id], row)?,
        None => conn.query_map(&sql, params![code], row)?,
    };
    rows.into_iter()
        .map(|(id, kind, title, on, body)| Ok((DeliveredLetter { id, kind, title, on: date(&on)? }, body)))
        .collect()
}

/// The files delivered with request `code`'s letters: (letter id, file).
pub(crate) fn delivered_files(conn: &Sql, code: &str) -> Result<Vec<(i64, AttachmentInfo)>, StoreError> {
    let sql = format!(
        "SELECT f.letter_id, f.id, f.name, f.mime, length(f.bytes) FROM delivered_files f          JOIN delivered_letters l ON l.id = f.letter_id JOIN requests r ON r.id = l.request_id          WHERE r.code = ?1 AND {} ORDER BY f.id",
        conn.scope.visible("r.agency_id")
    );
    Ok(conn.query_map(&sql, params![code], |r| {
        Ok((
            r.get(0)?,
            AttachmentInfo {
                id: r.get(1)?,
                name: r.get(2)?,
                mime: r.get(3)?,
                size: r.get::<_, i64>(4)? as u64,
                with_message: None,
            },
        ))
    })?)
}

/// One file delivered with request `code`'s letters: (name, type, bytes);
/// none if it is another request's.
pub(crate) fn delivered_file(conn: &Sql, code: &str, id: i64) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
    let sql = format!(
        "SELECT f.name, f.mime, f.bytes FROM delivered_files f          JOIN delivered_letters l ON l.id = f.letter_id JOIN requests r ON r.id = l.request_id          WHERE r.code = ?1 AND f.id = ?2 AND {}",
        conn.scope.visible("r.agency_id")
    );
    Ok(conn.query_row(&sql, params![code, id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?)
}

// ------------------------------------------------------------------ personal data seen unmasked

/// Whose personal data a member of staff asked to see unmasked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewed<'a> {
    /// A request's contact (its page).
    Request(&'a str),
    /// An application's ID number and contacts (网上申请待确认).
    Application(i64),
}

/// Writes the audit line of an unmasked view; not found (and nothing
/// written) when the scope does not read it.
pub(crate) fn viewed(tx: &Sql, what: Viewed, actor: &str) -> Result<(), StoreError> {
    let (request_id, agency, action) = match what {
        Viewed::Request(code) => {
            let (id, stored) = crate::requests::load(tx, code)?;
            (Some(id), stored.agency_id, "查看申请人完整个人信息（联系方式）".to_string())
        }
        Viewed::Application(id) => {
            let agency: Option<i64> = tx
                .query_row(
                    &format!(
                        "SELECT a.agency_id FROM applications a WHERE a.id = ?1 AND {}",
                        tx.scope.visible("a.agency_id")
                    ),
                    [id],
                    |r| r.get(0),
                )
                .optional()?;
            let agency = agency.ok_or_else(|| StoreError::NotFound(format!("网上申请 #{id}")))?;
            (None, agency, format!("查看网上申请 #{id} 的完整个人信息（证件号码、联系方式）"))
        }
    };
    tx.execute(
        "INSERT INTO audit (actor, action, request_id, before, after, agency_id) VALUES (?1, ?2, ?3, NULL, NULL, ?4)",
        params![actor, action, request_id, agency],
    )?;
    Ok(())
}

// ------------------------------------------------------------------ e-mail to the applicant

/// The applicant's e-mails (issue 17): every public step of an online
/// request whose applicant gave an e-mail address is queued here in the same
/// transaction as the step itself, so a step is never without its e-mail and
/// a crash loses none; the server's mailer (`ogi serve --smtp`) sends them.
/// Files sent with a 补正 are kept as the application's, marked by message;
/// the information itself, delivered online with a letter, as the letter's.
pub(crate) const NOTIFY_MIGRATION: &str = "
ALTER TABLE application_files ADD COLUMN message_id INTEGER REFERENCES applicant_messages(id);
CREATE INDEX applications_request ON applications(request_id);
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id),
    step TEXT NOT NULL,
    seq INTEGER,
    tracking_code TEXT,
    created INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)),
    next_try INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)),
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at INTEGER,
    last_error TEXT
);
CREATE INDEX notifications_due ON notifications(next_try) WHERE sent_at IS NULL;
CREATE INDEX notifications_application ON notifications(application_id);
CREATE TABLE delivered_files (
    id INTEGER PRIMARY KEY,
    letter_id INTEGER NOT NULL REFERENCES delivered_letters(id),
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE INDEX delivered_files_letter ON delivered_files(letter_id);
";

/// A public step the applicant is told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The application was filed (the e-mail carries the tracking code).
    Submitted,
    /// Staff confirmed receipt: the request is registered, its clock runs.
    Confirmed,
    /// An event of the request's life; `seq` is its place (1-based).
    Event,
    /// A letter delivered online; `seq` is its id.
    Letter,
}

impl Step {
    pub fn key(self) -> &'static str {
        match self {
            Step::Submitted => "submitted",
            Step::Confirmed => "confirmed",
            Step::Event => "event",
            Step::Letter => "letter",
        }
    }

    pub fn from_key(s: &str) -> Option<Step> {
        [Step::Submitted, Step::Confirmed, Step::Event, Step::Letter].into_iter().find(|k| k.key() == s)
    }
}

/// Queues the e-mail of a step of request `request_id`, if it was filed
/// online with an e-mail address (otherwise nothing).
pub(crate) fn enqueue(tx: &Sql, request_id: i64, step: Step, seq: Option<i64>) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO notifications (application_id, step, seq) SELECT id, ?2, ?3 FROM applications WHERE request_id = ?1 AND email <> ''",
        params![request_id, step.key(), seq],
    )?;
    Ok(())
}

/// An e-mail to send: the step and the application it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub step: Step,
    pub seq: Option<i64>,
    /// Only in the receipt e-mail, which is the code's one copy outside the applicant's hands.
    pub tracking_code: Option<String>,
    pub filed: Filed,
    /// Tries before this one.
    pub attempts: i64,
}

/// After this many failed tries an e-mail is given up (its error kept).
pub const MAX_TRIES: i64 = 8;
/// An e-mail not sent within this many seconds of its step is not sent at
/// all: a relay configured months later must not mail every old step.
pub const EXPIRES_AFTER: i64 = 3 * 24 * 3600;

/// Takes up to `limit` e-mails due at `now` (seconds since the epoch) for
/// sending, each leased for `lease` seconds so that another server on the
/// same database does not send it too. The queue is the mailer's, read
/// whatever the connection's scope; each row names only its own application.
pub(crate) fn claim_notices(tx: &Sql, now: i64, lease: i64, limit: i64) -> Result<Vec<Notice>, StoreError> {
    tx.execute(
        "UPDATE notifications SET attempts = ?1, last_error = ?2, tracking_code = NULL \
         WHERE sent_at IS NULL AND attempts < ?1 AND created < ?3",
        params![MAX_TRIES, "逾期未能发送，已放弃", now - EXPIRES_AFTER],
    )?;
    let due: Vec<i64> = tx.query_map(
        "SELECT id FROM notifications WHERE sent_at IS NULL AND attempts < ?1 AND next_try <= ?2 ORDER BY id LIMIT ?3",
        params![MAX_TRIES, now, limit],
        |r| r.get(0),
    )?;
    let mut notices = Vec::new();
    for id in due {
        let taken = tx.execute(
            "UPDATE notifications SET next_try = ?2 WHERE id = ?1 AND sent_at IS NULL AND next_try <= ?3",
            params![id, now + lease, now],
        )?;
        if taken == 0 {
            continue;
        }
        let sql = format!(
            "SELECT {COLUMNS}, n.step, n.seq, n.tracking_code, n.attempts FROM notifications n \
             JOIN applications a ON a.id = n.application_id LEFT JOIN requests r ON r.id = a.request_id WHERE n.id = ?1"
        );
        let (filed_row, step, seq, tracking_code, attempts) =
            tx.query_row(&sql, [id], |r| Ok((row(r)?, r.get::<_, String>(14)?, r.get(15)?, r.get(16)?, r.get(17)?)))?;
        notices.push(Notice {
            id,
            step: Step::from_key(&step).ok_or_else(|| corrupt("通知事项", &step))?,
            seq,
            tracking_code,
            filed: filed(filed_row)?,
            attempts,
        });
    }
    Ok(notices)
}

/// Marks an e-mail sent at `now` (and forgets the tracking code it carried).
pub(crate) fn notice_sent(tx: &Sql, id: i64, now: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE notifications SET sent_at = ?2, tracking_code = NULL, last_error = NULL, attempts = attempts + 1 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Records a failed try; the e-mail is tried again at `retry_at`, or never
/// (after [`MAX_TRIES`], or when the address was refused).
pub(crate) fn notice_failed(tx: &Sql, id: i64, error: &str, retry_at: Option<i64>) -> Result<(), StoreError> {
    let error: String = error.chars().take(500).collect();
    match retry_at {
        Some(at) => tx.execute(
            "UPDATE notifications SET attempts = attempts + 1, last_error = ?2, next_try = ?3, \
             tracking_code = CASE WHEN attempts + 1 >= ?4 THEN NULL ELSE tracking_code END WHERE id = ?1",
            params![id, error, at, MAX_TRIES],
        )?,
        None => tx.execute(
            "UPDATE notifications SET attempts = ?3, last_error = ?2, tracking_code = NULL WHERE id = ?1",
            params![id, error, MAX_TRIES],
        )?,
    };
    Ok(())
}

/// An e-mail of a request as staff see it on the request's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeState {
    pub step: Step,
    pub seq: Option<i64>,
    /// When it was sent (seconds since the epoch).
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// The e-mails of request `code`, oldest first (none when the scope does not read it).
pub(crate) fn notices_of(conn: &Sql, code: &str) -> Result<Vec<NoticeState>, StoreError> {
    let sql = format!(
        "SELECT n.step, n.seq, n.sent_at, n.attempts, n.last_error FROM notifications n \
         JOIN applications a ON a.id = n.application_id JOIN requests r ON r.id = a.request_id \
         WHERE r.code = ?1 AND {} ORDER BY n.id",
        conn.scope.visible("r.agency_id")
    );
    type NoticeRow = (String, Option<i64>, Option<i64>, i64, Option<String>);
    let rows: Vec<NoticeRow> =
        conn.query_map(&sql, params![code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
    rows.into_iter()
        .map(|(step, seq, sent_at, attempts, last_error)| {
            Ok(NoticeState {
                step: Step::from_key(&step).ok_or_else(|| corrupt("通知事项", &step))?,
                seq,
                sent_at,
                attempts,
                last_error,
            })
        })
        .collect()
}
