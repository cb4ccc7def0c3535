//! A request and its events, stored: registration with its tracking code,
//! events the law allows (with their audit lines), a request read back and
//! replayed, and the columns that repeat what its events imply.

use std::collections::BTreeMap;

use ogi_rules::request::{Channel, Consulted, Event, Request, State};
use ogi_rules::{Calendar, Date};
use ogi_vocab::cells::{ApplicantColumn, Outcome, T3Row};

use crate::sql::{params, OptionalExtension, Sql};
use crate::{search, NewRequest, StoreError, Stored};

/// The columns that repeat what a request's events imply (lists and table 三
/// are SQL over them): closed_on, outcome, due, state, consult_until, late_days.
pub(crate) struct Derived {
    closed_on: Option<String>,
    outcome: Option<String>,
    due: Option<String>,
    state: &'static str,
    consult_until: Option<String>,
    late_days: Option<u32>,
}

pub(crate) fn derived(r: &Request, cal: &Calendar) -> Derived {
    let (closed_on, outcome) = match r.state() {
        State::Closed { on, outcome } => (Some(on.to_string()), Some(outcome_key(outcome))),
        _ => (None, None),
    };
    Derived {
        closed_on,
        outcome,
        due: r.due(cal).ok().flatten().map(|d| d.to_string()),
        state: r.state().key(),
        consult_until: r.consultation_window(cal).ok().flatten().map(|d| d.to_string()),
        late_days: r.late_answer(cal).ok().flatten().map(|l| l.workdays),
    }
}

pub(crate) fn write_derived(tx: &Sql, id: i64, d: &Derived) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE requests SET closed_on = ?1, outcome = ?2, due = ?3, state = ?4, consult_until = ?5, late_days = ?6 WHERE id = ?7",
        params![d.closed_on, d.outcome, d.due, d.state, d.consult_until, d.late_days, id],
    )?;
    Ok(())
}

/// Migration 7: the new derived columns of every stored request, with the
/// embedded calendar (answered requests lie in its years).
pub(crate) fn backfill_derived(tx: &Sql) -> Result<(), StoreError> {
    let cal = Calendar::embedded();
    let codes: Vec<String> = tx.query_map("SELECT code FROM requests", params![], |r| r.get(0))?;
    for code in codes {
        // Before migration 12 there is no agency column: every request is the root's.
        let (id, stored) = load_row(tx, &code, "", "1")?;
        write_derived(tx, id, &derived(&stored.request, &cal))?;
    }
    Ok(())
}

pub(crate) fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

pub(crate) fn date(s: &str) -> Result<Date, StoreError> {
    s.parse().map_err(|_| corrupt("日期", s))
}

pub(crate) fn outcome_key(o: Outcome) -> String {
    T3Row::Outcome(o).key()
}

pub(crate) fn parse_outcome(s: &str) -> Result<Outcome, StoreError> {
    match T3Row::from_key(s) {
        Some(T3Row::Outcome(o)) => Ok(o),
        _ => Err(corrupt("办理结果", s)),
    }
}

use crate::scope::ROOT_AGENCY;

/// Takes the next `n` numbers of a year's tracking codes and returns the
/// first. The counter row is locked until the transaction ends, so writers
/// in one agency take turns and get consecutive numbers; a rolled-back
/// registration gives its number back.
fn take_code_numbers(tx: &Sql, agency: i64, year: i16, n: i64) -> Result<i64, StoreError> {
    let last: i64 = tx.query_row(
        "INSERT INTO code_counters (agency_id, year, last) VALUES (?1, ?2, ?3)
         ON CONFLICT (agency_id, year) DO UPDATE SET last = code_counters.last + ?3
         RETURNING last",
        params![agency, year, n],
        |r| r.get(0),
    )?;
    Ok(last - n + 1)
}

/// Migration 10: the counters start after the highest code of each year.
pub(crate) fn backfill_counters(tx: &Sql) -> Result<(), StoreError> {
    let codes: Vec<String> = tx.query_map("SELECT code FROM requests", params![], |r| r.get(0))?;
    let mut last: BTreeMap<i16, i64> = BTreeMap::new();
    for code in codes {
        let parsed = code
            .strip_prefix("YSQ")
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(y, n)| Some((y.parse::<i16>().ok()?, n.parse::<i64>().ok()?)));
        // Codes of another pattern (none before migration 10) are not counted.
        let Some((year, seq)) = parsed else { continue };
        let e = last.entry(year).or_default();
        *e = (*e).max(seq);
    }
    for (year, seq) in last {
        tx.execute(
            "INSERT INTO code_counters (agency_id, year, last) VALUES (?1, ?2, ?3)",
            params![ROOT_AGENCY, year, seq],
        )?;
    }
    Ok(())
}

/// The scope's own agency, if it may register there.
fn writable_agency(tx: &Sql) -> Result<i64, StoreError> {
    let agency = tx.scope.agency_id();
    if !tx.scope.may_write(agency) {
        return Err(StoreError::Forbidden("无权在此登记申请".into()));
    }
    Ok(agency)
}

pub(crate) fn insert(tx: &Sql, n: NewRequest, actor: &str, cal: &Calendar) -> Result<Stored, StoreError> {
    let agency = writable_agency(tx)?;
    let request = Request::receive(n.channel, n.applicant, n.arrived, n.confirmed)?;
    let year = request.received.year();
    // 依申请公开 tracking code: the agency's pattern of year and sequence,
    // e.g. YSQ2024-000042.
    let seq = take_code_numbers(tx, agency, year, 1)?;
    let (agency_code, pattern) = crate::agency::code_pattern(tx, agency)?;
    let code = pattern.render(&agency_code, year, seq);
    let due = derived(&request, cal).due;
    let id: i64 = tx.query_row(
        "INSERT INTO requests (code, channel, applicant, arrived, confirmed, received, summary, due, applicant_name, contact, agency_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
        params![
            code,
            n.channel.key(),
            n.applicant.key(),
            n.arrived.to_string(),
            n.confirmed.map(|d| d.to_string()),
            request.received.to_string(),
            n.summary,
            due,
            n.applicant_name.trim(),
            n.contact.trim(),
            agency
        ],
        |r| r.get(0),
    )?;
    search::index(tx, id, agency, &[&code, n.applicant_name.trim(), n.contact.trim(), &n.summary])?;
    tx.execute(
        "INSERT INTO audit (actor, action, request_id, after, agency_id) VALUES (?1, '登记申请', ?2, ?3, ?4)",
        params![actor, id, format!("{} {} {}", code, n.channel.label(), request.received), agency],
    )?;
    Ok(Stored {
        agency_id: agency,
        code,
        summary: n.summary,
        applicant_name: n.applicant_name.trim().to_string(),
        contact: n.contact.trim().to_string(),
        request,
    })
}

pub(crate) fn load(conn: &Sql, code: &str) -> Result<(i64, Stored), StoreError> {
    load_row(conn, code, "", "agency_id")
}

/// `load` inside a write: on PostgreSQL the request's row is locked until
/// commit, so a second clerk waits here and then reads what the first wrote
/// (SQLite's write transaction holds the whole database already).
fn load_for_update(tx: &Sql, code: &str) -> Result<(i64, Stored), StoreError> {
    load_row(tx, code, if tx.is_postgres() { " FOR UPDATE" } else { "" }, "agency_id")
}

/// A request the scope reads (any other is not found: its existence is
/// not told either).
fn load_row(conn: &Sql, code: &str, lock: &str, agency: &str) -> Result<(i64, Stored), StoreError> {
    let row = conn
        .query_row(
            &format!(
                "SELECT id, channel, applicant, arrived, confirmed, summary, applicant_name, contact, {agency} FROM requests WHERE code = ?1 AND {}{lock}",
                conn.scope.visible(agency)
            ),
            params![code],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, i64>(8)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(code.to_string()))?;
    let (id, channel, applicant, arrived, confirmed, summary, applicant_name, contact, agency_id) = row;
    let channel = Channel::from_key(&channel).ok_or_else(|| corrupt("渠道", &channel))?;
    let applicant = ApplicantColumn::from_key(&applicant).ok_or_else(|| corrupt("申请人类型", &applicant))?;
    let confirmed = confirmed.as_deref().map(date).transpose()?;
    let mut request = Request::receive(channel, applicant, date(&arrived)?, confirmed)?;
    let mut stmt = conn.prepare(
        "SELECT kind, on_date, reply_by, days, approver, yuan, outcome, delivered, party FROM events WHERE request_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            EventRow {
                kind: "",
                reply_by: r.get(2)?,
                days: r.get(3)?,
                approver: r.get(4)?,
                yuan: r.get(5)?,
                outcome: r.get(6)?,
                delivered: r.get(7)?,
                party: r.get(8)?,
            },
        ))
    })?;
    for row in rows {
        let (kind, on, fields) = row?;
        let event = event_from_row(&kind, date(&on)?, fields)?;
        // Stored events were lawful when recorded; replay them as they are.
        request.replay(event);
    }
    Ok((id, Stored { agency_id, code: code.to_string(), summary, applicant_name, contact, request }))
}

fn event_from_row(kind: &str, on: Date, row: EventRow) -> Result<Event, StoreError> {
    let need = |v: Option<String>| v.ok_or_else(|| corrupt("事项缺少字段", kind));
    // Before migration 7 a letter was taken as delivered the day it was sent.
    let delivered = row.delivered.as_deref().map(date).transpose()?.unwrap_or(on);
    Ok(match kind {
        "correction_requested" => Event::CorrectionRequested { on, reply_by: date(&need(row.reply_by)?)? },
        "correction_received" => Event::CorrectionReceived { on },
        "correction_lapsed" => Event::CorrectionLapsed { on },
        "consultation_started" => Event::ConsultationStarted {
            on,
            delivered,
            party: match row.party.as_deref() {
                None => Consulted::ThirdParty,
                Some(p) => Consulted::from_key(p).ok_or_else(|| corrupt("征求意见对象", p))?,
            },
        },
        "consultation_ended" => Event::ConsultationEnded { on },
        "extended" => Event::Extended {
            on,
            days: row.days.ok_or_else(|| corrupt("延期缺少天数", kind))?,
            approver: need(row.approver)?,
        },
        "fee_noticed" => {
            Event::FeeNoticed {
                on, yuan: row.yuan.ok_or_else(|| corrupt("收费通知缺少金额", kind))?, delivered
            }
        }
        "fee_paid" => Event::FeePaid { on },
        "fee_lapsed" => Event::FeeLapsed { on },
        "answered" => Event::Answered { on, outcome: parse_outcome(&need(row.outcome)?)? },
        "withdrawn" => Event::Withdrawn { on },
        _ => return Err(corrupt("事项", kind)),
    })
}

/// Records an event the law allows, with its audit line, in `tx`; returns
/// the request's row id. `seen`: the number of events the caller saw; if the
/// request has more or fewer now, someone else changed it first
/// ([`StoreError::Conflict`]).
pub(crate) fn record_in(
    tx: &Sql,
    code: &str,
    seen: Option<usize>,
    event: Event,
    actor: &str,
    cal: &Calendar,
) -> Result<(i64, Stored), StoreError> {
    let (id, mut stored) = load_for_update(tx, code)?;
    if !tx.scope.may_write(stored.agency_id) {
        return Err(StoreError::Forbidden("只能查看下级机关的申请，不能修改".into()));
    }
    if seen.is_some_and(|n| n != stored.request.events().len()) {
        return Err(StoreError::Conflict);
    }
    let before = describe(&stored, cal);
    stored.request.apply(cal, event.clone())?;
    let seq = stored.request.events().len() as i64;
    insert_event(tx, id, seq, &event)?;
    write_derived(tx, id, &derived(&stored.request, cal))?;
    crate::online::enqueue(tx, id, crate::online::Step::Event, Some(seq))?;
    tx.execute(
        "INSERT INTO audit (actor, action, request_id, before, after, agency_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![actor, format!("登记事项：{}", event.key()), id, before, describe(&stored, cal), stored.agency_id],
    )?;
    Ok((id, stored))
}

fn insert_event(tx: &Sql, id: i64, seq: i64, e: &Event) -> Result<(), StoreError> {
    let row = event_row(e);
    tx.prepare(
        "INSERT INTO events (request_id, seq, kind, on_date, reply_by, days, approver, yuan, outcome, delivered, party) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        id,
        seq,
        row.kind,
        e.date().to_string(),
        row.reply_by,
        row.days,
        row.approver,
        row.yuan,
        row.outcome,
        row.delivered,
        row.party
    ])?;
    Ok(())
}

/// An event's columns beside its kind and date.
struct EventRow {
    kind: &'static str,
    reply_by: Option<String>,
    days: Option<u32>,
    approver: Option<String>,
    yuan: Option<u64>,
    outcome: Option<String>,
    delivered: Option<String>,
    party: Option<String>,
}

fn event_row(e: &Event) -> EventRow {
    let mut row = EventRow {
        kind: e.key(),
        reply_by: None,
        days: None,
        approver: None,
        yuan: None,
        outcome: None,
        delivered: None,
        party: None,
    };
    match e {
        Event::CorrectionRequested { reply_by, .. } => row.reply_by = Some(reply_by.to_string()),
        Event::Extended { days, approver, .. } => {
            row.days = Some(*days);
            row.approver = Some(approver.clone());
        }
        Event::FeeNoticed { yuan, delivered, .. } => {
            row.yuan = Some(*yuan);
            row.delivered = Some(delivered.to_string());
        }
        Event::ConsultationStarted { delivered, party, .. } => {
            row.delivered = Some(delivered.to_string());
            row.party = Some(party.key().to_string());
        }
        Event::Answered { outcome, .. } => row.outcome = Some(outcome_key(*outcome)),
        _ => {}
    }
    row
}

fn describe(s: &Stored, cal: &Calendar) -> String {
    let state = match s.request.state() {
        State::Open => {
            format!("办理中，答复期限 {}", s.request.due(cal).ok().flatten().map_or("—".into(), |d| d.to_string()))
        }
        State::AwaitingCorrection { reply_by } => format!("等待补正（{reply_by} 前）"),
        State::Consulting { since } => format!("征求意见中（自 {since}）"),
        State::AwaitingPayment { since, yuan } => format!("等待缴费 {yuan} 元（自 {since}）"),
        State::Closed { on, outcome } => format!("已办结 {on}：{}", T3Row::Outcome(outcome).label()),
    };
    format!("{} {state}", s.code)
}

/// Stores requests whose lives were already checked (a simulated or
/// migrated register), events and all.
pub(crate) fn import(
    tx: &Sql,
    requests: &[Request],
    summary: &str,
    actor: &str,
    cal: &Calendar,
) -> Result<(), StoreError> {
    let agency = writable_agency(tx)?;
    let (agency_code, pattern) = crate::agency::code_pattern(tx, agency)?;
    // Each year's numbers taken at once, then handed out in order.
    let mut per_year: BTreeMap<i16, i64> = BTreeMap::new();
    for r in requests {
        *per_year.entry(r.received.year()).or_default() += 1;
    }
    let mut next: BTreeMap<i16, i64> = BTreeMap::new();
    for (year, n) in per_year {
        next.insert(year, take_code_numbers(tx, agency, year, n)?);
    }
    let mut grams = Vec::with_capacity(requests.len());
    for r in requests {
        let year = r.received.year();
        let seq = next[&year];
        next.insert(year, seq + 1);
        let d = derived(r, cal);
        // The receipt date is stored as both arrival and receipt: the life
        // was already computed from it.
        let code = pattern.render(&agency_code, year, seq);
        let id: i64 = tx.query_row(
            "INSERT INTO requests (code, channel, applicant, arrived, confirmed, received, summary, closed_on, outcome, due, state, consult_until, late_days, agency_id) \
             VALUES (?1, ?2, ?3, ?4, ?9, ?4, ?5, ?6, ?7, ?8, ?10, ?11, ?12, ?13) RETURNING id",
            params![
                code,
                r.channel.key(),
                r.applicant.key(),
                r.received.to_string(),
                summary,
                d.closed_on,
                d.outcome,
                d.due,
                r.channel.needs_confirmation().then(|| r.received.to_string()),
                d.state,
                d.consult_until,
                d.late_days,
                agency
            ],
            |r| r.get(0),
        )?;
        grams.push((id, agency, search::grams(&[&code, summary])));
        for (i, e) in r.events().iter().enumerate() {
            insert_event(tx, id, i as i64 + 1, e)?;
        }
    }
    search::index_many(tx, &grams)?;
    tx.execute(
        "INSERT INTO audit (actor, action, after, agency_id) VALUES (?1, '批量导入', ?2, ?3)",
        params![actor, format!("{} 件申请", requests.len()), agency],
    )?;
    Ok(())
}
