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
}

pub(crate) fn submit(
    tx: &Sql,
    tracking_hash: &str,
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
    Ok(stored)
}

/// The event the applicant's action makes, recorded on their request (refused
/// by the law as any event is), and their words beside it.
pub(crate) fn applicant_event(
    tx: &Sql,
    tracking_hash: &str,
    event: Event,
    words: &str,
    cal: &Calendar,
) -> Result<Stored, StoreError> {
    let found: Option<(String, i64)> = tx
        .query_row(
            "SELECT r.code, r.agency_id FROM applications a JOIN requests r ON r.id = a.request_id WHERE a.tracking_hash = ?1",
            [tracking_hash],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (code, agency) = found.ok_or_else(|| StoreError::Invalid("该申请尚未确认收到，暂不能办理此事项".into()))?;
    let key = event.key();
    let on = event.date();
    // The tracking code is the applicant's authority over their own request.
    let scope = crate::Scope::operator_in(agency);
    let (id, stored) = record_in(&tx.with_scope(&scope), &code, None, event, APPLICANT, cal)?;
    tx.execute(
        "INSERT INTO applicant_messages (request_id, on_date, event, text) VALUES (?1, ?2, ?3, ?4)",
        params![id, on.to_string(), key, words],
    )?;
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
        AttachmentsOf::Application(id) => (format!("SELECT f.id, f.name, f.mime, length(f.bytes) FROM application_files f JOIN applications a ON a.id = f.application_id WHERE f.application_id = ?1 AND {visible} ORDER BY f.id"), crate::sql::Value::Int(*id)),
        AttachmentsOf::Request(code) => (format!("SELECT f.id, f.name, f.mime, length(f.bytes) FROM application_files f JOIN applications a ON a.id = f.application_id JOIN requests r ON r.id = a.request_id WHERE r.code = ?1 AND {visible} ORDER BY f.id"), crate::sql::Value::Text(code.clone())),
    };
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map([key], |r| {
            Ok(AttachmentInfo { id: r.get(0)?, name: r.get(1)?, mime: r.get(2)?, size: r.get::<_, i64>(3)? as u64 })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
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

pub(crate) fn deliver_letter(
    tx: &Sql,
    code: &str,
    kind: &str,
    title: &str,
    body: &str,
    on: Date,
    actor: &str,
) -> Result<i64, StoreError> {
    let (request_id, stored) = crate::requests::load(tx, code)?;
    if !tx.scope.may_write(stored.agency_id) {
        return Err(StoreError::Forbidden("只能查看下级机关的申请，不能修改".into()));
    }
    let id = tx.insert(
        "INSERT INTO delivered_letters (request_id, kind, title, body, on_date, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![request_id, kind, title, body, on.to_string(), actor],
    )?;
    tx.execute(
        "INSERT INTO audit (actor, action, request_id, before, after, agency_id) VALUES (?1, ?2, ?3, NULL, NULL, ?4)",
        params![actor, format!("在线送达文书：{title}"), request_id, stored.agency_id],
    )?;
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
