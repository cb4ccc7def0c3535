//! 地区报告 (issue 14): the supervising office's view of its region's annual
//! reports — the status of every agency below (the tree coloured by status,
//! filters by level, kind and status) and the risk list; the region's tables
//! summed, each summed cell linking to its drill-down; the drill-down: each
//! agency's value, its version and where it was printed, and for agencies
//! drafting in ogi the requests counted. The figures are `ogi-center`'s, the
//! same the terminal prints; who is listed is the store's scope (a 督导员
//! reads the agencies below it, a clerk only their own).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use ogi_region::status::Standing;
use ogi_rules::agency::AgencyKind;
use ogi_vocab::cells::{ApplicantColumn, CellKey, Outcome, T2Row, T3Row, T4Column, T4Group, Template};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

use crate::auth::Session;
use crate::state::AppState;
use crate::view::{html, AppError, Chrome};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/region", get(status_page))
        .route("/region/rollup", get(rollup_page))
        .route("/region/drill/{cell}", get(drill_page))
        .route("/region/compare", get(compare_page))
        .route("/region/review/{agency}", get(review_page).post(review_mark))
        .route("/region/intake", get(intake_page))
        .route("/region/batches/{id}", get(batch_page))
        .route("/region/batches/{id}/retry", axum::routing::post(batch_retry))
        .route("/region/batches/{id}/rollback", axum::routing::post(batch_rollback))
}

/// How far a year-over-year jump must go (a fraction) to enter the risk list.
const JUMP: f64 = 0.5;

#[derive(Deserialize, Default)]
pub struct RegionQuery {
    #[serde(default)]
    year: String,
    /// An agency's code: its subtree only.
    #[serde(default)]
    under: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    /// The indicator compared (its key).
    #[serde(default)]
    indicator: String,
    /// How many years the trend covers.
    #[serde(default)]
    years: String,
}

impl RegionQuery {
    /// The year asked for, else last year (the reports of which are due now).
    fn year(&self, state: &AppState) -> Result<i16, AppError> {
        match self.year.trim() {
            "" => Ok(state.today().year() - 1),
            y => y
                .parse::<i16>()
                .ok()
                .filter(|y| (2008..=2100).contains(y))
                .ok_or_else(|| AppError::BadRequest(format!("年度不正确：{y}"))),
        }
    }

    fn under(&self) -> Option<String> {
        Some(self.under.trim().to_string()).filter(|u| !u.is_empty())
    }

    /// The query string that keeps the year and the subtree on links.
    fn keep(&self, year: i16) -> String {
        match self.under() {
            Some(u) => format!(
                "year={year}&under={}",
                percent_encoding::utf8_percent_encode(&u, percent_encoding::NON_ALPHANUMERIC)
            ),
            None => format!("year={year}"),
        }
    }
}

const STANDINGS: [Standing; 4] = [Standing::Missing, Standing::Errors, Standing::Warnings, Standing::Passed];

/// `GET /region`: every agency's status for the year, filtered, and the risk list.
pub async fn status_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<RegionQuery>,
) -> Result<Response, AppError> {
    let year = q.year(&state)?;
    let today = state.today().to_string();
    let under = q.under();
    let (rows, risks) = state
        .read_as(&session, move |s| {
            // Both lists read the year and the one before: read them once.
            let by_year = ogi_center::region_years(s, year - 1, year, under.as_deref())?;
            let dismissed = ogi_center::false_positives(s, year)?;
            Ok((
                ogi_center::status_in(&by_year, &dismissed, year, &today),
                ogi_center::risks_in(&by_year, &dismissed, year, JUMP),
            ))
        })
        .await?;
    let count = |st: Standing| rows.iter().filter(|r| r.row.standing == st).count();
    let counts: Vec<Value> =
        STANDINGS.iter().map(|st| json!({"key": st.key(), "label": st.label(), "n": count(*st)})).collect();
    let late = rows.iter().filter(|r| r.row.late).count();
    let max_depth = rows.iter().map(|r| r.row.agency.depth).max().unwrap_or(0);
    let shown: Vec<Value> = rows
        .iter()
        .filter(|r| q.level.is_empty() || q.level == r.row.agency.depth.to_string())
        .filter(|r| q.kind.is_empty() || q.kind == r.kind.key())
        .filter(|r| q.status.is_empty() || q.status == r.row.standing.key() || (q.status == "late" && r.row.late))
        .map(|r| {
            let s = r.row.submitted.as_ref();
            json!({
                "code": r.row.agency.code,
                "name": r.row.agency.name,
                "depth": r.row.agency.depth,
                "kind": r.kind.label(),
                "standing": r.row.standing.key(),
                "drafted": r.drafted,
                "label": r.row.standing.label(),
                "late": r.row.late,
                "due": r.row.due,
                "received": s.map(|s| s.received.clone()),
                "errors": s.map(|s| s.errors),
                "warnings": s.map(|s| s.warnings),
                "version": s.map(|s| s.version),
                "ledger": r.ledger,
                "dismissed": r.dismissed,
            })
        })
        .collect();
    let risks: Vec<Value> =
        risks.iter().map(|r| json!({"code": r.code, "name": r.name, "kind": r.kind.label(), "why": r.why})).collect();
    let body = state.templates.render(
        "region.html",
        json!({
            "chrome": Chrome::new(&session, "地区报告", "region"),
            "year": year,
            "keep": q.keep(year),
            "q": {"year": year, "under": q.under, "level": q.level, "kind": q.kind, "status": q.status},
            "levels": (0..=max_depth).collect::<Vec<_>>(),
            "kinds": AgencyKind::ALL.iter().map(|k| json!({"key": k.key(), "label": k.label()})).collect::<Vec<_>>(),
            "standings": counts,
            "late": late,
            "total": rows.len(),
            "rows": shown,
            "risks": risks,
            "jump": (JUMP * 100.0) as u32,
        }),
    )?;
    Ok(html(body).into_response())
}

/// `GET /region/rollup`: the region's tables 二/三/四 summed, each cell linked to its drill-down.
pub async fn rollup_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<RegionQuery>,
) -> Result<Response, AppError> {
    let year = q.year(&state)?;
    let under = q.under();
    let (sum, missing) = state
        .read_as(&session, move |s| {
            let (present, missing) = ogi_center::present(s.region(year, under.as_deref())?);
            Ok((ogi_center::rollup(&present), missing))
        })
        .await?;
    let keep = q.keep(year);
    let cell = |key: CellKey| -> Value {
        match (sum.cells.get(&key), sum.lacking.get(&key)) {
            (Some(v), _) => json!({"value": v.to_string(), "href": format!("/region/drill/{key}?{keep}")}),
            (None, Some(who)) => json!({"lacking": who.join("、"), "href": format!("/region/drill/{key}?{keep}")}),
            (None, None) => json!({}),
        }
    };
    let t2: Vec<Value> = T2Row::layout(Template::Y2021)
        .iter()
        .map(|(row, cols)| {
            json!({"label": row.label(), "cells": cols.iter().map(|c| {
                let mut v = cell(CellKey::T2(*row, *c));
                v["column"] = json!(c.label());
                v
            }).collect::<Vec<_>>()})
        })
        .collect();
    let mut rows = T3Row::rows(Template::Y2021);
    // A region where some agency printed （六）其他处理 as one row sums it as the group's total.
    let unsplit = T3Row::Outcome(Outcome::OtherUnsplit);
    if ApplicantColumn::ALL.iter().any(|c| sum.cells.contains_key(&CellKey::T3(unsplit, *c))) {
        // Right after its sub-rows, where the group is printed.
        let after =
            rows.iter().rposition(|r| matches!(r, T3Row::Outcome(Outcome::Other(_)))).map_or(rows.len(), |i| i + 1);
        rows.insert(after, unsplit);
    }
    let t3: Vec<Value> = rows
        .iter()
        .map(|row| {
            let label = if *row == unsplit { format!("{}（合计）", row.label()) } else { row.label() };
            json!({"label": label, "cells": ApplicantColumn::ALL.iter().map(|c| cell(CellKey::T3(*row, *c))).collect::<Vec<_>>()})
        })
        .collect();
    let t4: Vec<Value> = T4Group::ALL
        .iter()
        .map(|g| json!({"label": g.label(), "cells": T4Column::ALL.iter().map(|c| cell(CellKey::T4(*g, *c))).collect::<Vec<_>>()}))
        .collect();
    // Only the tables' rules: see `Rollup::check`.
    let findings: Vec<Value> = sum
        .check("本地区", year)
        .iter()
        .map(|d| json!({"severity": format!("{:?}", d.severity), "rule": d.rule, "message": d.message}))
        .collect();
    let body = state.templates.render(
        "region_rollup.html",
        json!({
            "chrome": Chrome::new(&session, "地区汇总", "region"),
            "year": year,
            "keep": keep,
            "members": sum.members,
            "missing": missing,
            "notes": sum.notes(),
            "t2": t2,
            "t3_columns": ApplicantColumn::ALL.iter().map(|c| c.label()).collect::<Vec<_>>(),
            "t3": t3,
            "t4_columns": T4Column::ALL.iter().map(|c| c.label()).collect::<Vec<_>>(),
            "t4": t4,
            "findings": findings,
        }),
    )?;
    Ok(html(body).into_response())
}

/// `GET /region/drill/{cell}`: each agency's value of a summed cell and where it comes from.
pub async fn drill_page(
    State(state): State<AppState>,
    session: Session,
    Path(cell): Path<String>,
    Query(q): Query<RegionQuery>,
) -> Result<Response, AppError> {
    let key: CellKey = cell.parse().map_err(|_| AppError::NotFound)?;
    let year = q.year(&state)?;
    let under = q.under();
    let (lines, missing) = state
        .read_as(&session, move |s| {
            let (present, missing) = ogi_center::present(s.region(year, under.as_deref())?);
            Ok((ogi_center::drill(s, &present, year, key)?, missing))
        })
        .await?;
    let total: Option<ogi_vocab::Number> =
        lines.iter().try_fold(ogi_vocab::Number::ZERO, |acc, l| acc.checked_add(l.drilled.value?));
    let rows: Vec<Value> = lines
        .iter()
        .map(|l| {
            json!({
                "code": l.code,
                "agency": l.agency,
                "value": l.drilled.held.to_string(),
                "source": l.source,
                "where": l.drilled.printed.as_ref().map(ogi_center::place),
                "printed": l.drilled.printed.as_ref().map(|p| p.raw.clone()),
                "requests": l.requests,
            })
        })
        .collect();
    let body = state.templates.render(
        "region_drill.html",
        json!({
            "chrome": Chrome::new(&session, "单元格下钻", "region"),
            "year": year,
            "keep": q.keep(year),
            "key": key.to_string(),
            "label": super::check::cell_label(key),
            "total": total.map(|t| t.to_string()),
            "rows": rows,
            "missing": missing,
        }),
    )?;
    Ok(html(body).into_response())
}

/// `GET /region/compare`: one indicator of the dictionary — each agency's
/// value, rank and P25/P50/P75 among the agencies of its level and kind, and
/// its trend over the years as a small chart drawn here (SVG, no script).
pub async fn compare_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<RegionQuery>,
) -> Result<Response, AppError> {
    use ogi_region::compare::{indicator, INDICATORS};
    let year = q.year(&state)?;
    let chosen = match q.indicator.trim() {
        "" => &INDICATORS[0],
        k => indicator(k).ok_or_else(|| AppError::BadRequest(format!("没有这个指标：{k}")))?,
    };
    let years: i16 = q.years.trim().parse().ok().filter(|y| (1..=10).contains(y)).unwrap_or(5);
    let under = q.under();
    let lines =
        state.read_as(&session, move |s| ogi_center::compare(s, year, under.as_deref(), &[chosen], years)).await?;
    let show = |v: Option<f64>| v.map_or("—".to_string(), |v| chosen.show(v));
    let rows: Vec<Value> = lines
        .iter()
        .map(|l| {
            let r = &l.ranked;
            json!({
                "code": l.code, "name": l.name, "level": l.level + 1,
                "kind": AgencyKind::from_key(&l.kind).map_or(l.kind.as_str(), |k| k.label()),
                "value": show(r.value),
                "rank": r.rank.map(|n| format!("{n} / {}", r.peers)),
                "p25": show(r.quartiles.as_ref().map(|q| q.p25)),
                "p50": show(r.quartiles.as_ref().map(|q| q.p50)),
                "p75": show(r.quartiles.as_ref().map(|q| q.p75)),
                "trend": sparkline(&l.trend, |v| chosen.show(v)),
            })
        })
        .collect();
    let body = state.templates.render(
        "region_compare.html",
        json!({
            "chrome": Chrome::new(&session, "指标比较", "region"),
            "year": year,
            "keep": q.keep(year),
            "under": q.under,
            "years": years,
            "chosen": {"key": chosen.key, "name": chosen.name, "formula": chosen.formula, "caveat": chosen.caveat},
            "indicators": INDICATORS.iter().map(|i| json!({"key": i.key, "name": i.name, "formula": i.formula, "caveat": i.caveat})).collect::<Vec<_>>(),
            "rows": rows,
        }),
    )?;
    Ok(html(body).into_response())
}

/// A small line chart of a trend, as SVG markup built here (numbers only,
/// every text escaped): a point per year with a value, gaps left open, and a
/// title that says every value in words for screen readers.
fn sparkline(trend: &[(i16, Option<f64>)], show: impl Fn(f64) -> String) -> Value {
    const W: f64 = 160.0;
    const H: f64 = 36.0;
    let values: Vec<f64> = trend.iter().filter_map(|(_, v)| *v).collect();
    let words: Vec<String> =
        trend.iter().map(|(y, v)| format!("{y}年：{}", v.map_or("无数据".to_string(), &show))).collect();
    if values.is_empty() {
        return json!({"svg": Value::Null, "words": words.join("；")});
    }
    let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let step = if trend.len() > 1 { (W - 8.0) / (trend.len() - 1) as f64 } else { 0.0 };
    // A flat trend (or a single value) is drawn across the middle.
    let y = |v: f64| if hi > lo { H - 4.0 - (v - lo) / (hi - lo) * (H - 8.0) } else { H / 2.0 };
    let at = |i: usize, v: f64| (4.0 + step * i as f64, y(v));
    let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    let mut dots = String::new();
    for (i, (_, v)) in trend.iter().enumerate() {
        match v {
            Some(v) => {
                let (x, y) = at(i, *v);
                if let Some(open) = segments.last_mut() {
                    open.push((x, y));
                }
                dots.push_str(&format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\"/>"));
            }
            None => segments.push(Vec::new()),
        }
    }
    let lines: String = segments
        .iter()
        .filter(|s| s.len() > 1)
        .map(|s| {
            let pts: Vec<String> = s.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            format!("<polyline fill=\"none\" stroke-width=\"1.5\" points=\"{}\"/>", pts.join(" "))
        })
        .collect();
    let title = html_escape::encode_text(&words.join("；")).to_string();
    let svg = format!(
        "<svg class=\"trend\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{title}\"><title>{title}</title>{lines}{dots}</svg>"
    );
    json!({"svg": svg, "words": words.join("；")})
}

/// The agency of `code` among those the user's scope reads (404 otherwise).
fn agency_in(s: &ogi_store::Database, code: &str) -> Result<ogi_store::agency::Agency, ogi_store::StoreError> {
    let under = s.agencies_under(None)?;
    under.into_iter().find(|a| a.code == code).ok_or_else(|| ogi_store::StoreError::NotFound(format!("机关 {code}")))
}

/// `GET /region/review/{agency}`: the findings on an agency's report — the
/// active version's and those marked before — each with its state
/// (待审核 / 已确认 / 误报 / 已整改), its history, and a form to mark it.
pub async fn review_page(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    Query(q): Query<RegionQuery>,
) -> Result<Response, AppError> {
    let year = q.year(&state)?;
    review_render(&state, &session, code, year, None).await
}

async fn review_render(
    state: &AppState,
    session: &Session,
    code: String,
    year: i16,
    refused: Option<String>,
) -> Result<Response, AppError> {
    use ogi_region::review::{state_label, ReviewState};
    let (agency, active, all) = state
        .read_as(session, move |s| {
            let agency = agency_in(s, &code)?;
            let (active, all) = ogi_center::reviewed(s, &agency, year)?;
            Ok((agency, active, all))
        })
        .await?;
    let findings: Vec<Value> = all
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "n": i + 1,
                "key": r.key,
                "severity": match r.severity.as_str() { "error" => "错误", "warning" => "提醒", _ => "" },
                "rule": r.rule,
                "message": r.message,
                "shown_now": r.shown_now,
                "state": state_label(r.state()),
                "marks": r.marks.iter().map(|m| json!({
                    "at": m.at, "actor": m.actor, "version": m.version, "note": m.note,
                    "state": ReviewState::parse(&m.state).map_or("", |s| s.label()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let status = if refused.is_some() { axum::http::StatusCode::BAD_REQUEST } else { axum::http::StatusCode::OK };
    let body = state.templates.render(
        "region_review.html",
        json!({
            "chrome": Chrome::new(session, "报告问题审核", "region"),
            "year": year,
            "keep": format!("year={year}"),
            "agency": {"code": agency.code, "name": agency.name},
            "active": active.as_ref().map(|v| json!({"version": v.version, "source": v.source, "received": v.received.to_string()})),
            "findings": findings,
            "states": ReviewState::ALL.iter().map(|s| json!({"key": s.key(), "label": s.label()})).collect::<Vec<_>>(),
            "may_mark": session.user.role.may_decide(),
            "refused": refused,
        }),
    )?;
    Ok((status, html(body)).into_response())
}

#[derive(Deserialize, Default)]
pub struct MarkForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    finding: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    note: String,
}

/// `POST /region/review/{agency}`: marks one finding 已确认 / 误报 (with a
/// note) / 已整改 (once a version no longer shows it); kept with its history.
pub async fn review_mark(
    State(state): State<AppState>,
    session: Session,
    Path(code): Path<String>,
    Form(f): Form<MarkForm>,
) -> Result<Response, AppError> {
    use ogi_region::review::{check_mark, ReviewState};
    session.must_decide("审核报告问题")?;
    let year = RegionQuery { year: f.year.clone(), ..RegionQuery::default() }.year(&state)?;
    let mark =
        ReviewState::parse(&f.state).ok_or_else(|| AppError::BadRequest(format!("不认识的审核状态：{}", f.state)))?;
    let (c, actor) = (code.clone(), session.user.username.clone());
    let outcome = state
        .write_as(&session, move |s| {
            let agency = agency_in(s, &c)?;
            let (active, all) = ogi_center::reviewed(s, &agency, year)?;
            let active = active
                .ok_or_else(|| ogi_store::StoreError::Invalid(format!("{} 没有 {year} 年度的报告版本", agency.name)))?;
            let found = ogi_center::find_finding(&all, &f.finding)
                .ok_or_else(|| ogi_store::StoreError::Invalid("没有这个问题".into()))?;
            check_mark(mark, &f.note, found.shown_now).map_err(ogi_store::StoreError::Invalid)?;
            s.mark_finding(&ogi_center::new_mark(&agency, year, &active, found, mark, &f.note), &actor)?;
            Ok(())
        })
        .await;
    match outcome {
        Ok(()) => {
            Ok(axum::response::Redirect::to(&format!("/region/review/{code}?year={year}#findings")).into_response())
        }
        Err(ogi_store::StoreError::Invalid(why)) => review_render(&state, &session, code, year, Some(why)).await,
        Err(e) => Err(e.into()),
    }
}

/// `GET /region/intake`: the form that takes published reports in (files or
/// ZIPs), and the batches so far.
pub async fn intake_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<RegionQuery>,
) -> Result<Response, AppError> {
    let year = q.year(&state)?;
    let batches = state.read_as(&session, |s| s.intake_batches()).await?;
    let body = state.templates.render(
        "region_intake.html",
        json!({
            "chrome": Chrome::new(&session, "报告收取", "region"),
            "year": year,
            "keep": q.keep(year),
            "may_take": session.user.role.may_decide(),
            "batches": batches.iter().map(batch_view).collect::<Vec<_>>(),
        }),
    )?;
    Ok(html(body).into_response())
}

fn batch_view(b: &ogi_store::published::Batch) -> Value {
    json!({
        "id": b.id, "year": b.year, "actor": b.actor, "at": b.at, "rolled_back": b.rolled_back,
        "files": b.files, "attached": b.attached, "failed": b.failed, "unmatched": b.unmatched,
        "duplicate": b.duplicate, "href": format!("/region/batches/{}", b.id),
    })
}

/// `POST /region/intake`: the uploads kept in memory, a batch opened, and the
/// files read in the background (one transaction each); the batch's page
/// shows them as they come in.
pub async fn intake_upload(
    State(state): State<AppState>,
    session: Session,
    mut form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    session.must_decide("收取年度报告")?;
    let (mut fields, mut uploads) = (std::collections::BTreeMap::new(), Vec::new());
    while let Some(field) =
        form.next_field().await.map_err(|_| AppError::BadRequest("上传中断或格式不正确，请重新提交".into()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let file = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|_| AppError::BadRequest("上传中断或格式不正确，请重新提交".into()))?;
        match (name.as_str(), file) {
            ("reports", Some(f)) if !f.is_empty() => {
                let shown: String = f.chars().filter(|c| !c.is_control()).take(200).collect();
                uploads.push((shown, bytes.to_vec()));
            }
            _ => {
                fields.insert(name, String::from_utf8_lossy(&bytes).trim().to_string());
            }
        }
    }
    if uploads.is_empty() {
        return Err(AppError::BadRequest("请选择要收取的报告文件或 ZIP 压缩包".into()));
    }
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let year = RegionQuery { year: field("year"), ..RegionQuery::default() }.year(&state)?;
    let received = match field("received").as_str() {
        "" => None,
        d => Some(d.parse::<ogi_rules::Date>().map_err(|_| AppError::BadRequest(format!("收到日期不正确：{d}")))?),
    };
    let under = Some(field("under")).filter(|u| !u.is_empty());
    let how = ogi_center::intake::Intake {
        year,
        received,
        create_missing: field("create_missing") == "1" && under.is_some(),
        under,
        actor: session.user.username.clone(),
    };
    let names = {
        let under = how.under.clone();
        state.read_as(&session, move |s| {
            ogi_center::intake::names_under(s, under.as_deref()).map_err(ogi_store::StoreError::Invalid)
        })
    }
    .await?;
    let actor = how.actor.clone();
    let batch = state.write_as(&session, move |s| s.create_intake_batch(year, &actor)).await?;
    state.intake_runs.lock().unwrap_or_else(|p| p.into_inner()).insert(batch, (uploads.len(), 0));
    let (st, session2) = (state.clone(), session.clone());
    tokio::spawn(async move {
        // The names matched against and the contents seen so far, carried
        // from one upload's transaction to the next (never copied).
        let carried = Arc::new(Mutex::new((names, std::collections::BTreeSet::new())));
        for (name, bytes) in uploads {
            let (how, carried) = (how.clone(), carried.clone());
            let done = st
                .write_as(&session2, move |s| {
                    let mut guard = carried.lock().unwrap_or_else(|p| p.into_inner());
                    let (names, seen) = &mut *guard;
                    Ok(ogi_center::intake::take_in(s, batch, &name, Ok(bytes), &how, names, seen))
                })
                .await;
            match done {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(target: "ogi::intake", "第 {batch} 批：{e}"),
                Err(e) => tracing::warn!(target: "ogi::intake", "第 {batch} 批：{e}"),
            }
            if let Some(run) = st.intake_runs.lock().unwrap_or_else(|p| p.into_inner()).get_mut(&batch) {
                run.1 += 1;
            }
        }
        st.intake_runs.lock().unwrap_or_else(|p| p.into_inner()).remove(&batch);
    });
    Ok(axum::response::Redirect::to(&format!("/region/batches/{batch}")).into_response())
}

/// `GET /region/batches/{id}`: a batch's files as they are read, each with
/// its outcome and why; the page reloads itself while the batch runs.
pub async fn batch_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (batch, files) = state
        .read_as(&session, move |s| {
            let batch = s.intake_batch(id)?;
            Ok((batch, s.intake_files(id)?))
        })
        .await?;
    let batch = batch.ok_or(AppError::NotFound)?;
    let running = state.intake_runs.lock().unwrap_or_else(|p| p.into_inner()).get(&id).copied();
    let body = state.templates.render(
        "region_batch.html",
        json!({
            "chrome": Chrome::new(&session, "收取批次", "region"),
            "batch": batch_view(&batch),
            "keep": format!("year={}", batch.year),
            "running": running.map(|(all, done)| json!({"all": all, "done": done})),
            "may_take": session.user.role.may_decide(),
            "files": files.iter().map(|f| json!({
                "name": f.name, "outcome": f.outcome.key(), "label": f.outcome.label(),
                "reason": f.reason, "printed": f.printed_agency,
            })).collect::<Vec<_>>(),
        }),
    )?;
    Ok(html(body).into_response())
}

/// `POST /region/batches/{id}/retry`: the batch's failed and unmatched files
/// read again (an agency registered since, a name confirmed): see `ogi_center::intake::retry`.
pub async fn batch_retry(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    session.must_decide("重试收取")?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = session.user.username.clone();
    state
        .write_as(&session, move |s| {
            ogi_center::intake::retry(s, id, None, &actor).map_err(ogi_store::StoreError::Invalid)
        })
        .await?;
    Ok(axum::response::Redirect::to(&format!("/region/batches/{id}")).into_response())
}

/// `POST /region/batches/{id}/rollback`: the batch undone whole — its versions
/// removed, the agencies' earlier versions active again.
pub async fn batch_rollback(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    session.must_decide("撤回收取批次")?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = session.user.username.clone();
    state.write_as(&session, move |s| s.roll_back_batch(id, &actor)).await?;
    Ok(axum::response::Redirect::to(&format!("/region/batches/{id}")).into_response())
}
