//! `ogi region rollup` / `ogi region drill`: a region's published reports
//! (files and directories, every format the readers take) summed cell by
//! cell and drilled down, offline. Storing them per agency with versions and
//! a status list is the rest of issue 14.

use std::path::PathBuf;
use std::process::ExitCode;

use ogi_region::{drill, rollup, Member};
use ogi_report::Report;
use ogi_vocab::cells::CellKey;

use crate::check::{check_all, collect};
use crate::fail;

/// The reports read, each named by its agency as printed (else its file);
/// the files that could not be read, with why.
fn read_region(paths: &[PathBuf], year: Option<u16>) -> Result<(Vec<(String, Report)>, Vec<String>), ExitCode> {
    let files = collect(paths);
    if files.is_empty() {
        return Err(fail("没有找到报告文件"));
    }
    let mut members = Vec::new();
    let mut failed = Vec::new();
    for c in check_all(&files, None) {
        let file = c.file.display().to_string();
        match c.result {
            Ok((r, _)) if year.is_some_and(|y| r.meta.year.is_some_and(|ry| ry != y)) => {
                failed.push(format!("{file}：是 {} 年度的报告，未汇总", r.meta.year.unwrap_or_default()));
            }
            Ok((r, _)) => members.push((r.meta.agency.clone().unwrap_or(file), r)),
            Err(e) => failed.push(format!("{file}：{e}")),
        }
    }
    Ok((members, failed))
}

/// The active version of each agency's report taken in (`ogi region intake`).
fn stored_region(db: &ogi_store::Location, year: Option<u16>) -> Result<Vec<(String, Report)>, ExitCode> {
    use ogi_store::Store;
    let Some(year) = year else { return Err(fail("汇总登记簿中的报告须指定 --year")) };
    let store = ogi_store::Database::connect(db).map_err(|e| fail(format!("{db}: {e}")))?;
    let agencies = store.agencies().map_err(fail)?;
    let active = store.active_reports(year as i16).map_err(fail)?;
    Ok(active
        .into_iter()
        .map(|v| {
            let name = agencies.iter().find(|a| a.id == v.agency_id).map_or(String::new(), |a| a.name.clone());
            (name, v.report)
        })
        .collect())
}

pub fn rollup_files(
    paths: &[PathBuf],
    db: Option<&ogi_store::Location>,
    year: Option<u16>,
    agency: &str,
    json: bool,
) -> ExitCode {
    let read = match db {
        Some(db) => stored_region(db, year).map(|m| (m, Vec::new())),
        None => read_region(paths, year),
    };
    let (members, failed) = match read {
        Ok(r) => r,
        Err(code) => return code,
    };
    let view: Vec<Member> = members.iter().map(|(a, r)| Member { agency: a.clone(), report: r }).collect();
    let sum = rollup(&view);
    let year = year.or_else(|| members.iter().find_map(|(_, r)| r.meta.year)).unwrap_or_default() as i16;
    let diagnostics = sum.check(agency, year);
    if json {
        let out = serde_json::json!({
            "agencies": members.iter().map(|(a, _)| a).collect::<Vec<_>>(),
            "failed": failed,
            "cells": sum.cells.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<std::collections::BTreeMap<_, _>>(),
            "lacking": sum.lacking.iter().map(|(k, v)| (k.to_string(), v)).collect::<std::collections::BTreeMap<_, _>>(),
            "diagnostics": diagnostics,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        for (k, v) in &sum.cells {
            println!("{k}\t{v}");
        }
        for n in sum.notes() {
            eprintln!("未汇总：{n}");
        }
        for d in &diagnostics {
            eprintln!("检查：{}（{}）", d.message, d.rule);
        }
    }
    for f in &failed {
        eprintln!("未读入：{f}");
    }
    eprintln!(
        "汇总 {} 份报告，{} 项有合计，{} 项因有机关缺项未汇总",
        members.len(),
        sum.cells.len(),
        sum.lacking.len()
    );
    ExitCode::SUCCESS
}

pub fn drill_files(cell: &str, paths: &[PathBuf], year: Option<u16>) -> ExitCode {
    let key: CellKey = match cell.parse() {
        Ok(k) => k,
        Err(_) => return fail(format!("不认识的单元格：{cell}（如 t3.new.total）")),
    };
    let (members, failed) = match read_region(paths, year) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let view: Vec<Member> = members.iter().map(|(a, r)| Member { agency: a.clone(), report: r }).collect();
    for d in drill(&view, key) {
        let value = d.value.map_or("（缺）".to_string(), |v| v.to_string());
        let printed = d.printed.map_or(String::new(), |p| {
            let at = match p.origin {
                ogi_vocab::Origin::Cell { table, row, col } => {
                    format!("第 {} 个表格第 {} 行第 {} 格", table + 1, row + 1, col + 1)
                }
                ogi_vocab::Origin::Line { line } => format!("第 {line} 行"),
            };
            format!("{at}\t{}", p.raw)
        });
        println!("{}\t{value}\t{printed}", d.agency);
    }
    for f in &failed {
        eprintln!("未读入：{f}");
    }
    ExitCode::SUCCESS
}

/// `ogi region intake`: the files (directories' files, ZIPs' entries) read,
/// checked and attached to their agencies by the name printed in the title,
/// as one batch of the store; one transaction per file.
pub fn intake(
    db: &ogi_store::Location,
    paths: &[PathBuf],
    year: i16,
    received: ogi_rules::Date,
    actor: &str,
) -> ExitCode {
    use ogi_region::intake::{match_agency, unpack, Limits, Match};
    use ogi_store::published::{FileOutcome, NewFile, NewVersion};
    use ogi_store::Store;
    use sha2::Digest;
    let mut store = match ogi_store::Database::connect(db) {
        Ok(s) => s,
        Err(e) => return fail(format!("{db}: {e}")),
    };
    let files = crate::check::collect_with(paths, &["zip"]);
    if files.is_empty() {
        return fail("没有找到报告文件");
    }
    let agencies = match store.agencies() {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let names: Vec<(i64, String)> = agencies.iter().map(|a| (a.id, a.name.clone())).collect();
    let name_of = |id: i64| agencies.iter().find(|a| a.id == id).map_or(String::new(), |a| a.name.clone());
    let batch = match store.create_intake_batch(year, actor) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let mut seen = std::collections::BTreeSet::new();
    let (mut attached, mut failed, mut unmatched) = (0, 0, 0);
    for path in &files {
        let shown = path.display().to_string();
        let entries = match std::fs::read(path)
            .map_err(|e| format!("无法读取文件：{e}"))
            .and_then(|bytes| unpack(&shown, bytes, &Limits::DEFAULT))
        {
            Ok(e) => e,
            Err(reason) => {
                failed += 1;
                let file = NewFile {
                    name: &shown,
                    sha256: "",
                    outcome: FileOutcome::Failed,
                    reason: &reason,
                    printed_agency: "",
                    version: None,
                    content: None,
                };
                if let Err(e) = store.add_intake_file(batch, &file, actor) {
                    return fail(e);
                }
                eprintln!("未读入：{reason}");
                continue;
            }
        };
        for entry in entries {
            let sha = format!("{:x}", sha2::Sha256::digest(&entry.bytes));
            let base = entry.name.rsplit('/').next().map(str::to_string);
            let read =
                std::panic::catch_unwind(|| ogi_report::read(&entry.bytes, base.as_deref())).unwrap_or_else(|_| {
                    Err(ogi_report::ReadError {
                        format: ogi_report::Format::Text, reason: "读取时出现内部错误".into()
                    })
                });
            let mut reason = String::new();
            let mut printed = String::new();
            let mut report = None;
            let outcome = if !seen.insert(sha.clone()) {
                reason = "与本批另一文件内容相同".into();
                FileOutcome::Duplicate
            } else {
                match read {
                    Err(e) => {
                        reason = e.to_string();
                        FileOutcome::Failed
                    }
                    Ok(r) if r.meta.year.is_some_and(|y| i32::from(y) != i32::from(year)) => {
                        reason = format!("是 {} 年度的报告", r.meta.year.unwrap_or_default());
                        FileOutcome::Failed
                    }
                    Ok(r) => {
                        printed = r.meta.agency.clone().unwrap_or_default();
                        match match_agency(&printed, &names) {
                            Match::Exact(id) => {
                                report = Some((id, r));
                                FileOutcome::Attached
                            }
                            Match::Close(ids) => {
                                let close: Vec<String> = ids.into_iter().map(name_of).collect();
                                reason = format!("没有名为「{printed}」的机关；相近：{}", close.join("、"));
                                FileOutcome::Unmatched
                            }
                            Match::None => {
                                reason = if printed.is_empty() {
                                    "标题中没有机关名称".into()
                                } else {
                                    format!("没有名为「{printed}」的机关")
                                };
                                FileOutcome::Unmatched
                            }
                        }
                    }
                }
            };
            let diagnostics = report.as_ref().map(|(_, r)| ogi_report::check::check(r, None)).unwrap_or_default();
            let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
            let version = report.as_ref().map(|(id, r)| NewVersion {
                agency_id: *id,
                year,
                report: r,
                source: &entry.name,
                received,
                errors: count(ogi_report::check::Severity::Error),
                warnings: count(ogi_report::check::Severity::Warning),
                reason: "读入",
                changed: "",
            });
            let keep = matches!(outcome, FileOutcome::Failed | FileOutcome::Unmatched);
            let file = NewFile {
                name: &entry.name,
                sha256: &sha,
                outcome,
                reason: &reason,
                printed_agency: &printed,
                version,
                content: keep.then_some(entry.bytes.as_slice()),
            };
            if let Err(e) = store.add_intake_file(batch, &file, actor) {
                return fail(format!("{}：{e}", entry.name));
            }
            match outcome {
                FileOutcome::Attached => attached += 1,
                FileOutcome::Failed => failed += 1,
                FileOutcome::Unmatched => unmatched += 1,
                FileOutcome::Duplicate => {}
            }
            if outcome != FileOutcome::Attached {
                eprintln!("{}：{}（{reason}）", outcome.label(), entry.name);
            }
        }
    }
    println!("第 {batch} 批：已归入 {attached}，未读入 {failed}，未匹配机关 {unmatched}");
    ExitCode::SUCCESS
}

/// `ogi region batches`: every batch with its counts.
pub fn batches(db: &ogi_store::Location) -> ExitCode {
    let store = match ogi_store::Database::connect(db) {
        Ok(s) => s,
        Err(e) => return fail(format!("{db}: {e}")),
    };
    match store.intake_batches() {
        Ok(all) => {
            for b in all {
                let state = b.rolled_back.as_deref().map_or(String::new(), |at| format!("\t已撤回 {at}"));
                println!(
                    "{}\t{} 年度\t{}\t{}\t文件 {}，已归入 {}，未读入 {}，未匹配 {}，重复 {}{state}",
                    b.id, b.year, b.at, b.actor, b.files, b.attached, b.failed, b.unmatched, b.duplicate
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `ogi region rollback`: a batch's versions removed.
pub fn rollback(db: &ogi_store::Location, batch: i64, actor: &str) -> ExitCode {
    let mut store = match ogi_store::Database::connect(db) {
        Ok(s) => s,
        Err(e) => return fail(format!("{db}: {e}")),
    };
    match store.roll_back_batch(batch, actor) {
        Ok(n) => {
            println!("第 {batch} 批已撤回：删除 {n} 个报告版本");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `ogi region status`: one row per agency of the tree for the year.
pub fn status(db: &ogi_store::Location, year: i16, today: ogi_rules::Date, format: &str) -> ExitCode {
    use ogi_region::status::{status, Agency, Submitted};
    use ogi_store::Store;
    let store = match ogi_store::Database::connect(db) {
        Ok(s) => s,
        Err(e) => return fail(format!("{db}: {e}")),
    };
    let (agencies, active) = match (store.agencies(), store.active_reports(year)) {
        (Ok(a), Ok(v)) => (a, v),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let list: Vec<(Agency, Option<Submitted>)> = agencies
        .iter()
        .map(|a| {
            let submitted = active.iter().find(|v| v.agency_id == a.id).map(|v| Submitted {
                received: v.received.to_string(),
                errors: v.errors as usize,
                warnings: v.warnings as usize,
                version: v.version,
            });
            let agency = Agency {
                code: a.code.clone(),
                name: a.name.clone(),
                government: a.kind == ogi_rules::agency::AgencyKind::Government,
                depth: a.depth,
            };
            (agency, submitted)
        })
        .collect();
    let rows = status(year, list, &today.to_string());
    let cells = |r: &ogi_region::status::Row| -> [String; 9] {
        let s = r.submitted.as_ref();
        [
            r.agency.code.clone(),
            r.agency.name.clone(),
            r.standing.label().to_string(),
            if r.late { "逾期".into() } else { String::new() },
            r.due.clone(),
            s.map_or(String::new(), |s| s.received.clone()),
            s.map_or(String::new(), |s| s.errors.to_string()),
            s.map_or(String::new(), |s| s.warnings.to_string()),
            s.map_or(String::new(), |s| s.version.to_string()),
        ]
    };
    let header = ["code", "agency", "status", "late", "due", "received", "errors", "warnings", "version"];
    match format {
        "csv" => {
            let bytes = ogi_store::export::csv_bytes(&header, rows.iter().map(cells));
            use std::io::Write;
            if std::io::stdout().write_all(&bytes).is_err() {
                return fail("无法写出");
            }
        }
        "json" => {
            let out: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    let c = cells(r);
                    let mut o = serde_json::Map::new();
                    for (k, v) in header.iter().zip(c) {
                        o.insert((*k).into(), v.into());
                    }
                    o.insert("standing".into(), r.standing.key().into());
                    serde_json::Value::Object(o)
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        _ => {
            for r in &rows {
                let c = cells(r);
                let indent = "  ".repeat(r.agency.depth);
                println!(
                    "{indent}{}\t{}\t{}{}\t截止 {}\t{}",
                    c[0],
                    c[1],
                    c[2],
                    if r.late { "，逾期" } else { "" },
                    c[4],
                    c[5]
                );
            }
        }
    }
    let count = |s| rows.iter().filter(|r| r.standing == s).count();
    use ogi_region::status::Standing;
    eprintln!(
        "{} 个机关：未提交 {}，有错误 {}，有提醒 {}，通过 {}；逾期 {}",
        rows.len(),
        count(Standing::Missing),
        count(Standing::Errors),
        count(Standing::Warnings),
        count(Standing::Passed),
        rows.iter().filter(|r| r.late).count()
    );
    ExitCode::SUCCESS
}
