//! `ogi region …`: the supervising office's side of issue 14. A region's
//! published reports (files, or the versions taken into the store) summed
//! cell by cell and drilled down; intake in batches with retry and
//! roll-back; corrections as new versions; the status list.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use ogi_center::intake::{judge, names_under, store_judged, Intake};
use ogi_region::values::{correct as correct_cells, parse_change, CellValue};
use ogi_region::{drill, rollup, Member};
use ogi_report::Report;
use ogi_store::region::{Figures, RegionAgency};
use ogi_store::{Database, Location};
use ogi_vocab::cells::CellKey;

use crate::check::{check_all, collect};
use crate::fail;

fn location(s: &str) -> Result<Location, String> {
    Location::parse(s).map_err(|e| e.to_string())
}

#[derive(Subcommand)]
#[command(defer = true)]
pub enum RegionCommand {
    /// 汇总：各机关年报的表二、三、四逐项相加；输出 cell<TAB>合计
    Rollup {
        /// 报告文件或目录（或用 --db 汇总已收报的各机关现行版本）
        #[arg(required_unless_present = "db")]
        paths: Vec<PathBuf>,
        /// 汇总登记簿中的各机关：已收报的现行版本，在本系统编制年报的机关取其记录
        #[arg(long, value_parser = location, conflicts_with = "paths")]
        db: Option<Location>,
        /// 只汇总该年度的报告（其他年度的列为未读入）
        #[arg(long)]
        year: Option<u16>,
        /// 只汇总该机关及其下级（机关代码，与 --db 同用）
        #[arg(long, requires = "db")]
        under: Option<String>,
        /// 汇总报告的机关名称（检查结果中使用）
        #[arg(long, default_value = "本地区")]
        name: String,
        /// JSON 输出（含缺项机关、未读入文件和检查结果；同 --format json）
        #[arg(long)]
        json: bool,
        /// cells、json、csv、xlsx，或汇总报告稿 html、md、docx（国家格式）
        #[arg(long, default_value = "cells", value_parser = ["cells", "json", "csv", "xlsx", "html", "md", "docx"])]
        format: String,
        /// 输出文件（默认标准输出；xlsx、docx 不写到终端）
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// 收报：读入已发布的年报（文件、目录或 ZIP），按标题中的机关名称归入机关，记为一个批次
    Intake {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long)]
        year: i16,
        /// 收到日期（判断是否逾期；默认取报告页面印出的发布日期，没有则为今天）
        #[arg(long)]
        received: Option<ogi_rules::Date>,
        /// 只在该机关及其下级中匹配机关名称（机关代码）
        #[arg(long)]
        under: Option<String>,
        /// 名称不在机关树中的，在 --under 机关下新建
        #[arg(long, requires = "under")]
        create_missing: bool,
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: Location,
        #[arg(long, default_value = "ogi")]
        actor: String,
    },
    /// 重试一个批次中未读入、未匹配机关的文件（机关树或读取程序更新之后）
    Retry {
        batch: i64,
        /// 收到日期（默认取报告页面印出的发布日期，没有则为今天）
        #[arg(long)]
        received: Option<ogi_rules::Date>,
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: Location,
        #[arg(long, default_value = "ogi")]
        actor: String,
    },
    /// 确认归入：把未匹配机关的文件归入指定机关（如确认相近名称）
    Attach {
        batch: i64,
        /// 文件编号（ogi region files 所列第一栏）
        file: i64,
        /// 归入的机关代码
        #[arg(long)]
        agency: String,
        /// 收到日期（默认取报告页面印出的发布日期，没有则为今天）
        #[arg(long)]
        received: Option<ogi_rules::Date>,
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: Location,
        #[arg(long, default_value = "ogi")]
        actor: String,
    },
    /// 列出收报批次及各批的文件数
    Batches {
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: Location,
    },
    /// 列出一个批次的文件及各自结果（未读入、未匹配的附原因）
    Files {
        batch: i64,
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: Location,
    },
    /// 撤回一个批次（删除该批生成的报告版本，恢复此前的版本）
    Rollback {
        batch: i64,
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: Location,
        #[arg(long, default_value = "ogi")]
        actor: String,
    },
    /// 更正：审核人更正某机关年报的单元格，生成新版本（旧版本保留）
    Correct {
        /// 机关代码
        agency: String,
        #[arg(long)]
        year: i16,
        /// 单元格=值（可多次）：数字、0、空（空白）、/ 或 不适用、文字
        #[arg(long = "cell", required = true, value_name = "KEY=VALUE")]
        cells: Vec<String>,
        /// 更正原因
        #[arg(long, required = true)]
        why: String,
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: Location,
        #[arg(long, default_value = "ogi")]
        actor: String,
    },
    /// 列出某机关某年度年报的全部版本（谁、何时、为何、改了哪些单元格）
    Versions {
        /// 机关代码
        agency: String,
        #[arg(long)]
        year: i16,
        /// 显示该版本的全部单元格
        #[arg(long)]
        show: Option<i64>,
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: Location,
    },
    /// 报告问题：某机关现行版本的检查问题及审核状态（待审核、已确认、误报、已整改）和记录
    Findings {
        /// 机关代码
        agency: String,
        #[arg(long)]
        year: i16,
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: Location,
    },
    /// 审核报告问题：标记为 已确认、误报（须 --note 说明）或 已整改
    Review {
        /// 机关代码
        agency: String,
        #[arg(long)]
        year: i16,
        /// 问题序号（ogi region findings 所列）或问题标识（规则@单元格）
        #[arg(long)]
        finding: String,
        /// 已确认、误报 或 已整改
        #[arg(long)]
        state: String,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: Location,
        #[arg(long, default_value = "ogi")]
        actor: String,
    },
    /// 待整改清单：各机关已确认、尚未整改的问题
    Rectifications {
        #[command(flatten)]
        listing: Listing,
    },
    /// 指标字典：每个比较指标的公式和注意事项
    Indicators,
    /// 比较：各机关的指标值、在同级同类机关中的排名和 P25/P50/P75，以及近几年的趋势
    Compare {
        #[command(flatten)]
        listing: Listing,
        /// 只看一个指标（标识或名称，见 ogi region indicators）
        #[arg(long)]
        indicator: Option<String>,
        /// 趋势的年数（含本年）
        #[arg(long, default_value_t = 5)]
        years: i16,
    },
    /// 风险清单：按错误数、同比大幅变动（或降为 0）、复议诉讼纠错率和不予公开率偏高排列，各附原因
    Risks {
        #[command(flatten)]
        listing: Listing,
        /// 同比变动超过该百分比即列入
        #[arg(long, default_value_t = 50)]
        threshold: u32,
    },
    /// 报送情况：每个机关一行（未提交、逾期、有错误、有提醒、通过）
    Status {
        #[command(flatten)]
        listing: Listing,
        /// 以该日为今天（判断未提交是否已逾期；默认今天）
        #[arg(long)]
        today: Option<ogi_rules::Date>,
    },
    /// 下钻：某一单元格在各机关报告中的数值、版本和原文；在本系统编制的机关列出计入的申请
    Drill {
        /// 单元格，如 t3.new.total
        cell: String,
        /// 报告文件或目录（或用 --db 下钻已收报的各机关）
        #[arg(required_unless_present = "db")]
        paths: Vec<PathBuf>,
        #[arg(long, value_parser = location, conflicts_with = "paths")]
        db: Option<Location>,
        #[arg(long)]
        year: Option<u16>,
        /// 只列该机关及其下级（机关代码，与 --db 同用）
        #[arg(long, requires = "db")]
        under: Option<String>,
        /// JSON 输出
        #[arg(long)]
        json: bool,
    },
}

// What a region listing covers and where it goes: the options `status`,
// `risks`, `compare` and `rectifications` share. (A plain comment: clap
// would show a doc comment as each command's description.)
#[derive(Args)]
pub struct Listing {
    #[arg(long)]
    year: i16,
    /// 只列该机关及其下级（机关代码）
    #[arg(long)]
    under: Option<String>,
    /// table、csv、json 或 xlsx
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json", "xlsx"])]
    format: String,
    /// 输出文件（默认标准输出；xlsx 不写到终端）
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
    db: Location,
}

pub fn run(command: RegionCommand) -> ExitCode {
    let today = ogi_rules::china_today;
    match command {
        RegionCommand::Rollup { paths, db, year, under, name, json, format, output } => {
            let format = if json { "json" } else { format.as_str() };
            rollup_files(&paths, db.as_ref(), year, under.as_deref(), &name, format, output.as_deref())
        }
        RegionCommand::Intake { paths, year, received, under, create_missing, db, actor } => {
            let how = Intake { year, received, under, create_missing, actor };
            intake(&db, &paths, &how)
        }
        RegionCommand::Retry { batch, received, db, actor } => retry(&db, batch, received, &actor),
        RegionCommand::Attach { batch, file, agency, received, db, actor } => {
            attach(&db, batch, file, &agency, received, &actor)
        }
        RegionCommand::Batches { db } => batches(&db),
        RegionCommand::Files { batch, db } => files(&db, batch),
        RegionCommand::Rollback { batch, db, actor } => rollback(&db, batch, &actor),
        RegionCommand::Correct { agency, year, cells, why, db, actor } => {
            correct(&db, &agency, year, &cells, &why, &actor)
        }
        RegionCommand::Versions { agency, year, show, db } => versions(&db, &agency, year, show),
        RegionCommand::Findings { agency, year, db } => findings(&db, &agency, year),
        RegionCommand::Indicators => indicators(),
        RegionCommand::Risks { listing: l, threshold } => {
            risks(&l.db, l.year, l.under.as_deref(), threshold, &l.format, l.output.as_deref())
        }
        RegionCommand::Compare { listing: l, indicator, years } => {
            compare(&l.db, l.year, l.under.as_deref(), indicator.as_deref(), years, &l.format, l.output.as_deref())
        }
        RegionCommand::Review { agency, year, finding, state, note, db, actor } => {
            review(&db, &agency, year, &finding, &state, &note, &actor)
        }
        RegionCommand::Rectifications { listing: l } => {
            rectifications(&l.db, l.year, l.under.as_deref(), &l.format, l.output.as_deref())
        }
        RegionCommand::Status { listing: l, today: on } => {
            status(&l.db, l.year, l.under.as_deref(), on.unwrap_or_else(today), &l.format, l.output.as_deref())
        }
        RegionCommand::Drill { cell, paths, db, year, under, json } => match db {
            Some(db) => drill_stored(&cell, &db, year, under.as_deref(), json),
            None => drill_files(&cell, &paths, year),
        },
    }
}

fn open(db: &Location) -> Result<Database, ExitCode> {
    Database::connect(db).map_err(|e| fail(format!("{db}: {e}")))
}

/// Reports named by agency, and the files not read with why.
type ReadRegion = (Vec<(String, Report)>, Vec<String>);

/// The reports read, each named by its agency as printed (else its file);
/// the files that could not be read, with why.
fn read_region(paths: &[PathBuf], year: Option<u16>) -> Result<ReadRegion, ExitCode> {
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

/// The agencies of the stored region that have figures (an active
/// version, or records in ogi), named; and those missing.
fn stored_region(
    db: &Location,
    year: Option<u16>,
    under: Option<&str>,
) -> Result<(Vec<RegionAgency>, Vec<String>), ExitCode> {
    let Some(year) = year else { return Err(fail("汇总登记簿中的报告须指定 --year")) };
    let store = open(db)?;
    Ok(ogi_center::present(store.region(year as i16, under).map_err(fail)?))
}

pub fn rollup_files(
    paths: &[PathBuf],
    db: Option<&Location>,
    year: Option<u16>,
    under: Option<&str>,
    agency: &str,
    format: &str,
    output: Option<&std::path::Path>,
) -> ExitCode {
    let (mut missing, mut drafted) = (Vec::new(), Vec::new());
    let read = match db {
        Some(db) => stored_region(db, year, under).map(|(region, gone)| {
            missing = gone;
            let members: Vec<(String, Report)> = region
                .into_iter()
                .filter_map(|a| {
                    if matches!(a.figures, Figures::Drafted(_)) {
                        drafted.push(a.agency.name.clone());
                    }
                    let report = a.report()?.clone();
                    Some((a.agency.name, report))
                })
                .collect();
            (members, Vec::new())
        }),
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
    let written = match format {
        "json" => {
            let out = serde_json::json!({
                "agencies": members.iter().map(|(a, _)| a).collect::<Vec<_>>(),
                "failed": failed,
                "missing": missing,
                "drafted": drafted,
                "cells": sum.cells.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
                "lacking": sum.lacking.iter().map(|(k, v)| (k.to_string(), v)).collect::<BTreeMap<_, _>>(),
                "diagnostics": diagnostics,
            });
            write_out(output, (serde_json::to_string_pretty(&out).unwrap_or_default() + "\n").as_bytes(), false)
        }
        "csv" | "xlsx" => {
            let rows: Vec<Vec<String>> = sum
                .cells
                .iter()
                .map(|(k, v)| vec![k.to_string(), v.to_string(), String::new()])
                .chain(sum.lacking.iter().map(|(k, who)| vec![k.to_string(), String::new(), who.join("、")]))
                .collect();
            emit("汇总", &["cell", "sum", "lacking"], &rows, format, output)
        }
        "html" | "md" | "docx" => {
            let draft = match region_draft(&sum, agency, year, members.len()) {
                Ok(d) => d,
                Err(e) => return fail(e),
            };
            match format {
                "html" => write_out(output, ogi_report::render::html(&draft).as_bytes(), false),
                "md" => write_out(output, ogi_report::render::markdown(&draft).as_bytes(), false),
                _ => write_out(output, &ogi_report::render::docx(&draft), true),
            }
        }
        _ => {
            let text: String = sum.cells.iter().map(|(k, v)| format!("{k}\t{v}\n")).collect();
            write_out(output, text.as_bytes(), false)
        }
    };
    if let Err(e) = written {
        return fail(e);
    }
    if format != "json" {
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
    if !missing.is_empty() {
        eprintln!("未提交（未汇总）：{}", missing.join("、"));
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
        let value = match &d.held {
            CellValue::Unread => "（缺）".to_string(),
            held => held.to_string(),
        };
        let printed = d.printed.map_or(String::new(), |p| format!("{}\t{}", ogi_center::place(&p), p.raw));
        println!("{}\t{value}\t{printed}", d.agency);
    }
    for f in &failed {
        eprintln!("未读入：{f}");
    }
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
pub fn status(
    db: &Location,
    year: i16,
    under: Option<&str>,
    today: ogi_rules::Date,
    format: &str,
    output: Option<&std::path::Path>,
) -> ExitCode {
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let listed = match ogi_center::status(&store, year, under, &today.to_string()) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    // Per agency: the ledger's breaks and the findings marked 误报.
    let extra: BTreeMap<String, (String, String)> = listed
        .iter()
        .map(|s| {
            let dismissed = if s.dismissed > 0 { s.dismissed.to_string() } else { String::new() };
            (s.row.agency.code.clone(), (s.ledger.join("；"), dismissed))
        })
        .collect();
    let rows: Vec<ogi_region::status::Row> = listed.into_iter().map(|s| s.row).collect();
    let breaks = |code: &str| extra.get(code).map_or(String::new(), |e| e.0.clone());
    let dismissed_of = |code: &str| extra.get(code).map_or(String::new(), |e| e.1.clone());
    let cells = |r: &ogi_region::status::Row| -> [String; 11] {
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
            breaks(&r.agency.code),
            dismissed_of(&r.agency.code),
        ]
    };
    let header =
        ["code", "agency", "status", "late", "due", "received", "errors", "warnings", "version", "ledger", "dismissed"];
    match format {
        "csv" | "xlsx" => {
            let all: Vec<Vec<String>> = rows.iter().map(|r| cells(r).to_vec()).collect();
            if let Err(e) = emit("报送情况", &header, &all, format, output) {
                return fail(e);
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
            let text = serde_json::to_string_pretty(&out).unwrap_or_default() + "\n";
            if let Err(e) = write_out(output, text.as_bytes(), false) {
                return fail(e);
            }
        }
        _ => {
            for r in &rows {
                let c = cells(r);
                let indent = "  ".repeat(r.agency.depth);
                let ledger = if c[9].is_empty() { String::new() } else { format!("\t跨年不衔接：{}", c[9]) };
                println!(
                    "{indent}{}\t{}\t{}{}\t截止 {}\t{}{ledger}",
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
        "{} 个机关：未提交 {}，有错误 {}，有提醒 {}，通过 {}；逾期 {}；跨年不衔接 {}",
        rows.len(),
        count(Standing::Missing),
        count(Standing::Errors),
        count(Standing::Warnings),
        count(Standing::Passed),
        rows.iter().filter(|r| r.late).count(),
        extra.values().filter(|e| !e.0.is_empty()).count()
    );
    ExitCode::SUCCESS
}

/// `ogi region indicators`: the dictionary, each indicator with its formula and caveats.
fn indicators() -> ExitCode {
    for i in ogi_region::compare::INDICATORS {
        println!("{}\t{}\t{}\t注意：{}", i.key, i.name, i.formula, i.caveat);
    }
    ExitCode::SUCCESS
}

/// `ogi region compare`: for each indicator, each agency's value, its rank
/// and P25/P50/P75 among its peers (same level and kind), and its values
/// over the last `years` years (the trend).
fn compare(
    db: &Location,
    year: i16,
    under: Option<&str>,
    only: Option<&str>,
    years: i16,
    format: &str,
    output: Option<&std::path::Path>,
) -> ExitCode {
    use ogi_region::compare::{indicator, INDICATORS};
    let chosen: Vec<&'static ogi_region::compare::Indicator> = match only {
        Some(k) => match indicator(k) {
            Some(i) => vec![i],
            None => return fail(format!("不认识的指标：{k}（见 ogi region indicators）")),
        },
        None => INDICATORS.iter().collect(),
    };
    if !(1..=10).contains(&years) {
        return fail("--years 应在 1 到 10 之间（一般取 3–5 年）");
    }
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let lines = match ogi_center::compare(&store, year, under, &chosen, years) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let mut rows = Vec::new();
    for c in lines {
        let ind = c.indicator;
        let show = |v: Option<f64>| v.map_or(String::new(), |v| ind.show(v));
        let trend: Vec<String> =
            c.trend.iter().map(|(y, v)| format!("{y}:{}", v.map_or("—".to_string(), |v| ind.show(v)))).collect();
        let q = c.ranked.quartiles;
        rows.push(vec![
            c.code,
            c.name,
            c.level.to_string(),
            kind_label(&c.kind),
            ind.name.to_string(),
            show(c.ranked.value),
            c.ranked.rank.map_or(String::new(), |r| r.to_string()),
            c.ranked.peers.to_string(),
            show(q.map(|q| q.p25)),
            show(q.map(|q| q.p50)),
            show(q.map(|q| q.p75)),
            trend.join(" "),
        ]);
    }
    let header =
        ["code", "agency", "level", "kind", "indicator", "value", "rank", "peers", "p25", "p50", "p75", "trend"];
    match emit("比较", &header, &rows, format, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// `ogi region drill CELL --db`: each agency of the stored region (under a
/// code) with its value, the version it comes from and where it was
/// printed; for an agency drafting in ogi, the requests counted.
fn drill_stored(cell: &str, db: &Location, year: Option<u16>, under: Option<&str>, json: bool) -> ExitCode {
    let key: CellKey = match cell.parse() {
        Ok(k) => k,
        Err(_) => return fail(format!("不认识的单元格：{cell}（如 t3.new.total）")),
    };
    let Some(year) = year else { return fail("下钻登记簿中的报告须指定 --year") };
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (present, missing) = match store.region(year as i16, under) {
        Ok(r) => ogi_center::present(r),
        Err(e) => return fail(e),
    };
    let lines = match ogi_center::drill(&store, &present, year as i16, key) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let rows: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| {
            let d = &l.drilled;
            serde_json::json!({
                "code": l.code,
                "agency": l.agency,
                "value": d.value.map(|v| v.to_string()),
                "held": d.held.to_string(),
                "version": l.version,
                "source": l.source,
                "where": d.printed.as_ref().map(ogi_center::place),
                "printed": d.printed.as_ref().map(|p| p.raw.clone()),
                "requests": l.requests,
            })
        })
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
    } else {
        for r in &rows {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            let requests = r["requests"].as_array().map_or(String::new(), |codes| {
                let codes: Vec<&str> = codes.iter().filter_map(|c| c.as_str()).collect();
                format!("计入申请 {} 件：{}", codes.len(), codes.join("、"))
            });
            println!("{}\t{}\t{}\t{}\t{}\t{}", s("agency"), s("held"), s("source"), s("where"), s("printed"), requests);
        }
    }
    if !missing.is_empty() {
        eprintln!("未提交：{}", missing.join("、"));
    }
    ExitCode::SUCCESS
}

/// A progress line on a terminal (nothing when standard error is not one).
struct Progress {
    on: bool,
    total: usize,
    done: usize,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress { on: std::io::stderr().is_terminal(), total, done: 0 }
    }

    fn step(&mut self) {
        self.done += 1;
        if self.on {
            eprint!("\r{}", crate::check::progress_bar(self.done, self.total));
            if self.done == self.total {
                eprintln!();
            }
        }
    }

    /// A message on its own line, the bar redrawn after it.
    fn say(&self, msg: &str) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
        eprintln!("{msg}");
    }
}

/// Counts of a run, printed at its end.
#[derive(Default)]
struct Tally {
    attached: usize,
    failed: usize,
    unmatched: usize,
}

impl Tally {
    fn add(&mut self, o: ogi_store::published::FileOutcome) {
        use ogi_store::published::FileOutcome;
        match o {
            FileOutcome::Attached => self.attached += 1,
            FileOutcome::Failed => self.failed += 1,
            FileOutcome::Unmatched => self.unmatched += 1,
            FileOutcome::Duplicate => {}
        }
    }
}

/// `ogi region intake`: the files (directories' files, ZIPs' entries) read,
/// checked and attached to their agencies by the name printed in the title,
/// as one batch of the store; one transaction per file, so a file that
/// fails (or a batch cut off) never undoes the others.
fn intake(db: &Location, paths: &[PathBuf], how: &Intake) -> ExitCode {
    use ogi_store::published::FileOutcome;
    let mut store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let files = crate::check::collect_with(paths, &["zip"]);
    if files.is_empty() {
        return fail("没有找到报告文件");
    }
    let mut names = match names_under(&store, how.under.as_deref()) {
        Ok(n) => n,
        Err(e) => return fail(e),
    };
    let batch = match store.create_intake_batch(how.year, &how.actor) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut tally = Tally::default();
    let mut progress = Progress::new(files.len());
    for path in &files {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| format!("{shown}：无法读取文件（{e}）"));
        let done = match ogi_center::intake::take_in(&mut store, batch, &shown, bytes, how, &mut names, &mut seen) {
            Ok(d) => d,
            Err(e) => return fail(e),
        };
        for (name, outcome, reason) in done {
            tally.add(outcome);
            if outcome != FileOutcome::Attached {
                progress.say(&format!("{}：{name}（{reason}）", outcome.label()));
            }
        }
        progress.step();
    }
    println!("第 {batch} 批：已归入 {}，未读入 {}，未匹配机关 {}", tally.attached, tally.failed, tally.unmatched);
    ExitCode::SUCCESS
}

/// `ogi region retry BATCH`: each failed or unmatched file of the batch
/// whose bytes were kept, read and matched again (against today's tree).
fn retry(db: &Location, batch: i64, received: Option<ogi_rules::Date>, actor: &str) -> ExitCode {
    use ogi_store::published::FileOutcome;
    let mut store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let done = match ogi_center::intake::retry(&mut store, batch, received, actor) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let mut tally = Tally::default();
    let mut skipped = 0;
    let mut progress = Progress::new(done.len());
    for (name, outcome, reason) in done {
        match outcome {
            None => {
                skipped += 1;
                progress.say(&format!("无法重试：{name}（{reason}）"));
            }
            Some(o) => {
                tally.add(o);
                if o != FileOutcome::Attached {
                    progress.say(&format!("{}：{name}（{reason}）", o.label()));
                }
            }
        }
        progress.step();
    }
    println!(
        "第 {batch} 批重试：已归入 {}，未读入 {}，未匹配机关 {}，无法重试 {skipped}",
        tally.attached, tally.failed, tally.unmatched
    );
    ExitCode::SUCCESS
}

/// `ogi region attach`: a person confirms which agency an unmatched file
/// belongs to (a close name offered, or a name printed otherwise); the file
/// is read again and attached to it.
fn attach(
    db: &Location,
    batch: i64,
    file: i64,
    code: &str,
    received: Option<ogi_rules::Date>,
    actor: &str,
) -> ExitCode {
    use ogi_store::published::FileOutcome;
    let mut store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let agency = match agency_by_code(&store, code) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let (files, year) = match (store.intake_files(batch), store.intake_batch(batch)) {
        (Ok(f), Ok(Some(b))) => (f, b.year),
        (Ok(_), Ok(None)) => return fail(format!("没有第 {batch} 批")),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let Some(f) = files.into_iter().find(|f| f.id == file) else {
        return fail(format!("第 {batch} 批没有编号为 {file} 的文件"));
    };
    if f.outcome != FileOutcome::Unmatched {
        return fail(format!("文件 {file} 的结果是“{}”，只有未匹配机关的文件需要确认归入", f.outcome.label()));
    }
    let Some(bytes) = f.content.as_deref() else {
        return fail(format!("文件 {file} 未保留内容，无法归入"));
    };
    let mut j = judge(bytes, &f.name, year, &[(agency.id, agency.name.clone())]);
    // Matched against the one agency confirmed: its own name, or the printed one confirmed.
    if j.agency.is_none() {
        let reason = format!("人工确认：「{}」即 {}", j.printed, agency.name);
        if !j.attach(agency.id, reason) {
            return fail(format!("文件 {file} 无法读入：{}", j.reason));
        }
    }
    let how = Intake { year, received, under: None, create_missing: false, actor: actor.to_string() };
    let mut names = Vec::new();
    match store_judged(&mut store, batch, Some(file), &f.name, bytes, j, &how, &mut names) {
        Ok(_) => {
            println!("{} 已归入 {}", f.name, agency.name);
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `ogi region files BATCH`: each file with its outcome and reason.
fn files(db: &Location, batch: i64) -> ExitCode {
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match store.intake_files(batch) {
        Ok(all) => {
            for f in all {
                println!("{}\t{}\t{}\t{}", f.id, f.outcome.label(), f.name, f.reason);
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// The agency of a code, among those the store's scope reads.
fn agency_by_code(store: &Database, code: &str) -> Result<ogi_store::agency::Agency, ExitCode> {
    use ogi_store::Store;
    let all = store.agencies().map_err(fail)?;
    all.into_iter().find(|a| a.code == code).ok_or_else(|| fail(format!("没有代码为 {code} 的机关")))
}

/// `ogi region correct`: a reviewer's correction of cells, as a new version
/// (the old ones stay; the roll-up follows the new one).
fn correct(db: &Location, code: &str, year: i16, typed: &[String], why: &str, actor: &str) -> ExitCode {
    use ogi_store::published::NewVersion;
    if why.trim().is_empty() {
        return fail("请填写更正原因（--why）");
    }
    let changes: Vec<(CellKey, CellValue)> = match typed.iter().map(|t| parse_change(t)).collect() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let mut store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let agency = match agency_by_code(&store, code) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let versions = match store.report_versions(agency.id, year) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let Some(active) = versions.iter().find(|v| v.active) else {
        return fail(format!("{} 没有 {year} 年度的报告版本可更正（请先收报）", agency.name));
    };
    let (report, changed) = match correct_cells(&active.report, &changes) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let diagnostics = ogi_report::check::check(&report, None);
    let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
    let new = NewVersion {
        agency_id: agency.id,
        year,
        report: &report,
        source: "更正",
        received: active.received,
        errors: count(ogi_report::check::Severity::Error),
        warnings: count(ogi_report::check::Severity::Warning),
        reason: why.trim(),
        changed: &changed,
    };
    let id = match store.correct_report(&new, active.version, actor) {
        Ok(id) => id,
        Err(e) => return fail(e),
    };
    let number = match store.report_versions(agency.id, year) {
        Ok(all) => all.iter().find(|v| v.id == id).map_or(0, |v| v.version),
        Err(e) => return fail(e),
    };
    println!("{} {year} 年度第 {number} 版（更正）：", agency.name);
    println!("{changed}");
    ExitCode::SUCCESS
}

/// `ogi region versions`: every version with who, when, why and what
/// changed; with `--show N`, that version's cells.
fn versions(db: &Location, code: &str, year: i16, show: Option<i64>) -> ExitCode {
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let agency = match agency_by_code(&store, code) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let all = match store.report_versions(agency.id, year) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    if all.is_empty() {
        return fail(format!("{} 没有 {year} 年度的报告版本", agency.name));
    }
    if let Some(n) = show {
        let Some(v) = all.iter().find(|v| v.version == n) else {
            return fail(format!("{} {year} 年度没有第 {n} 版", agency.name));
        };
        for key in CellKey::all(v.report.meta.template.unwrap_or(ogi_vocab::Template::Y2021)) {
            println!("{key}\t{}", CellValue::of(&v.report, key));
        }
        return ExitCode::SUCCESS;
    }
    for v in &all {
        let active = if v.active { "（现行）" } else { "" };
        println!(
            "第 {} 版{active}\t{}\t{}\t{}\t{}\t收到 {}\t错误 {}，提醒 {}",
            v.version, v.at, v.actor, v.source, v.reason, v.received, v.errors, v.warnings
        );
        for line in v.changed.lines() {
            println!("\t{line}");
        }
    }
    ExitCode::SUCCESS
}

/// The agency `code`, its active version of `year` and the findings under
/// review (an agency with no version of the year is an error).
fn under_review(
    store: &Database,
    code: &str,
    year: i16,
) -> Result<(ogi_store::agency::Agency, ogi_store::published::ReportVersion, Vec<ogi_center::Reviewed>), ExitCode> {
    let agency = agency_by_code(store, code)?;
    let (active, all) = ogi_center::reviewed(store, &agency, year).map_err(fail)?;
    let active = active.ok_or_else(|| fail(format!("{} 没有 {year} 年度的报告版本", agency.name)))?;
    Ok((agency, active, all))
}

/// `ogi region findings`: each finding with its state and its history.
fn findings(db: &Location, code: &str, year: i16) -> ExitCode {
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (agency, active, all) = match under_review(&store, code, year) {
        Ok(r) => r,
        Err(code) => return code,
    };
    println!("{} {year} 年度，现行第 {} 版：{} 个问题", agency.name, active.version, all.len());
    for (i, r) in all.iter().enumerate() {
        let gone = if r.shown_now { "" } else { "（现行版本中已无此问题）" };
        let state = ogi_region::review::state_label(r.state());
        println!("{}	{state}{gone}	{}	{}	{}", i + 1, r.severity, r.key, r.message);
        for m in &r.marks {
            let label = ogi_region::review::ReviewState::parse(&m.state).map_or("", |s| s.label());
            println!("	{}	{}	{label}	第 {} 版	{}", m.at, m.actor, m.version, m.note);
        }
    }
    ExitCode::SUCCESS
}

/// `ogi region review`: one mark on one finding.
fn review(db: &Location, code: &str, year: i16, finding: &str, state: &str, note: &str, actor: &str) -> ExitCode {
    use ogi_region::review::{check_mark, ReviewState};
    let Some(state) = ReviewState::parse(state) else {
        return fail(format!("不认识的审核状态：{state}（可用：已确认、误报、已整改）"));
    };
    let mut store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (agency, active, all) = match under_review(&store, code, year) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let found = match ogi_center::find_finding(&all, finding) {
        Some(f) => f,
        None => return fail(format!("{} {year} 年度没有问题 {finding}（见 ogi region findings）", agency.name)),
    };
    if let Err(e) = check_mark(state, note, found.shown_now) {
        // The one refusal of 误报 is a missing reason: name the option that gives it.
        return fail(if state == ReviewState::FalsePositive { format!("{e}（--note）") } else { e });
    }
    let new = ogi_center::new_mark(&agency, year, &active, found, state, note);
    match store.mark_finding(&new, actor) {
        Ok(_) => {
            println!("{}：{} 标记为{}", agency.name, found.key, state.label());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `ogi region rectifications`: per agency, the findings confirmed and not
/// yet rectified (the 整改 still open), and whether the active version
/// still shows each.
fn rectifications(
    db: &Location,
    year: i16,
    under: Option<&str>,
    format: &str,
    output: Option<&std::path::Path>,
) -> ExitCode {
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let agencies = match store.agencies_under(under) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    // Only an agency with a finding whose latest mark is 已确认 has rows: review no other.
    let confirmed = match ogi_center::marked(&store, year, ogi_region::review::ReviewState::Confirmed) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let mut rows = Vec::new();
    for agency in agencies.iter().filter(|a| confirmed.contains_key(&a.id)) {
        let (_, all) = match ogi_center::reviewed(&store, agency, year) {
            Ok(r) => r,
            Err(e) => return fail(e),
        };
        for r in all.iter().filter(|r| r.state() == Some(ogi_region::review::ReviewState::Confirmed)) {
            let last = r.marks.last();
            rows.push(vec![
                agency.code.clone(),
                agency.name.clone(),
                r.key.clone(),
                r.message.clone(),
                last.map_or(String::new(), |m| m.at.clone()),
                last.map_or(String::new(), |m| m.actor.clone()),
                last.map_or(String::new(), |m| m.note.clone()),
                if r.shown_now {
                    "仍存在".into()
                } else {
                    "现行版本已无此问题，可标记已整改".into()
                },
            ]);
        }
    }
    let header = ["code", "agency", "finding", "message", "confirmed_at", "confirmed_by", "note", "now"];
    let code = match emit("待整改", &header, &rows, format, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    };
    let open_agencies: BTreeSet<&String> = rows.iter().map(|r| &r[0]).collect();
    eprintln!("待整改：{} 个机关，{} 个问题", open_agencies.len(), rows.len());
    code
}

/// Writes bytes to `output`, or to standard output; a binary file (XLSX,
/// DOCX) is not written to a terminal.
fn write_out(output: Option<&std::path::Path>, bytes: &[u8], binary: bool) -> Result<(), String> {
    use std::io::Write;
    match output {
        Some(path) => std::fs::write(path, bytes).map_err(|e| format!("无法写入 {}：{e}", path.display())),
        None if binary && std::io::stdout().is_terminal() => {
            Err("这是二进制文件，请用 -o 指定输出文件或重定向到文件".into())
        }
        None => std::io::stdout().write_all(bytes).map_err(|e| format!("无法写出：{e}")),
    }
}

/// The Chinese heading of an exported column (JSON keeps the key).
fn heading(key: &str) -> &str {
    match key {
        "code" => "机关代码",
        "agency" => "机关",
        "status" => "报送情况",
        "late" => "逾期",
        "due" => "截止日期",
        "received" => "收到日期",
        "errors" => "错误",
        "warnings" => "提醒",
        "version" => "版本",
        "ledger" => "跨年不衔接",
        "dismissed" => "误报",
        "cell" => "单元格",
        "sum" => "合计",
        "lacking" => "缺项机关（未汇总）",
        "level" => "层级",
        "kind" => "类别",
        "indicator" => "指标",
        "value" => "数值",
        "rank" => "排名",
        "peers" => "同级同类机关数",
        "trend" => "趋势",
        "finding" => "问题",
        "message" => "说明",
        "confirmed_at" => "确认时间",
        "confirmed_by" => "确认人",
        "note" => "备注",
        "now" => "现状",
        "risk" => "风险",
        "why" => "原因",
        other => other,
    }
}

/// Rows out as a table (tab-separated) or CSV (the store's one writer: BOM,
/// formulas defused) or an XLSX sheet, each under Chinese headings; or JSON
/// objects keyed by the header's keys.
fn emit(
    sheet: &str,
    header: &[&str],
    rows: &[Vec<String>],
    format: &str,
    output: Option<&std::path::Path>,
) -> Result<(), String> {
    let headings: Vec<&str> = header.iter().map(|k| heading(k)).collect();
    match format {
        "csv" => write_out(output, &ogi_store::export::csv_bytes(&headings, rows.iter().cloned()), false),
        "xlsx" => write_out(output, &ogi_store::export::xlsx_bytes(sheet, &headings, rows.iter().cloned())?, true),
        "json" => {
            let out: Vec<serde_json::Map<String, serde_json::Value>> = rows
                .iter()
                .map(|r| header.iter().zip(r).map(|(k, v)| ((*k).to_string(), v.clone().into())).collect())
                .collect();
            write_out(output, (serde_json::to_string_pretty(&out).unwrap_or_default() + "\n").as_bytes(), false)
        }
        _ => {
            let text: String =
                std::iter::once(headings.join("\t") + "\n").chain(rows.iter().map(|r| r.join("\t") + "\n")).collect();
            write_out(output, text.as_bytes(), false)
        }
    }
}

/// The government's own report drafted from the sum: the national layout
/// with the summed tables and the figures of the default texts filled from
/// them (a figure whose cell the sum left out says so, never 0); what the
/// sum leaves out is listed in section 六.
fn region_draft(sum: &ogi_region::Rollup, agency: &str, year: i16, members: usize) -> Result<Report, String> {
    use ogi_rules::annual::{draft_from_cells, EditableSection};
    use ogi_vocab::cells::{ApplicantColumn, OtherReason, Outcome, T3Row};
    let mut cells = sum.cells.clone();
    // The 2021 layout prints （六）其他处理 by its sub-rows: the group total is
    // kept only for a column whose sub-rows some agency did not give.
    for c in ApplicantColumn::KINDS.into_iter().chain([ApplicantColumn::Total]) {
        let sub = |o| CellKey::T3(T3Row::Outcome(Outcome::Other(o)), c);
        if OtherReason::ALL.iter().all(|o| cells.contains_key(&sub(*o))) {
            cells.remove(&CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), c));
        }
    }
    let lacking = sum.notes();
    let other = if lacking.is_empty() {
        "【请填写本地区信息处理费收取情况和其他需要报告的事项】".to_string()
    } else {
        format!(
            "以下单元格因有机关未填报或无法读取，未予汇总（文中相应数字标为“【未汇总】”）：\n{}\n【请填写本地区信息处理费收取情况和其他需要报告的事项】",
            lacking.join("\n")
        )
    };
    let preamble = format!(
        "{}本报告表格由本地区 {members} 个机关的{{年度}}年度报告逐项汇总而成。",
        EditableSection::Preamble.default_text()
    );
    let texts = [(EditableSection::Preamble, preamble), (EditableSection::Other, other)].into_iter().collect();
    let mut r = draft_from_cells(agency, year, cells, &texts, "【未汇总】").map_err(|e| e.to_string())?;
    r.meta.title = Some(format!("{agency}{year}年政府信息公开工作年度报告（汇总稿）"));
    Ok(r)
}

/// An agency kind's Chinese label from its key.
fn kind_label(key: &str) -> String {
    ogi_rules::agency::AgencyKind::from_key(key).map_or(key.to_string(), |k| k.label().to_string())
}

/// `ogi region risks`: the 主管部门's risk list — agencies by errors found,
/// by year-over-year jumps of an indicator (or a fall to 0), by correction
/// and denial rates above their peers' P75; each line says why.
fn risks(
    db: &Location,
    year: i16,
    under: Option<&str>,
    threshold: u32,
    format: &str,
    output: Option<&std::path::Path>,
) -> ExitCode {
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let rows: Vec<Vec<String>> = match ogi_center::risks(&store, year, under, f64::from(threshold) / 100.0) {
        Ok(lines) => lines.into_iter().map(|r| vec![r.code, r.name, r.kind.label().to_string(), r.why]).collect(),
        Err(e) => return fail(e),
    };
    let code = match emit("风险清单", &["code", "agency", "risk", "why"], &rows, format, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    };
    eprintln!("风险清单：{} 条", rows.len());
    code
}
