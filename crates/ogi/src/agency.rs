//! `ogi agency`: the agencies of a shared deployment (import, list, the
//! pattern of an agency's tracking codes); `ogi migrate`: an agency's SQLite
//! register copied into the shared database; `ogi backup` / `ogi restore`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use ogi_rules::agency::CodePattern;
use ogi_store::{Database, Location, Store};

#[derive(Subcommand)]
#[command(defer = true)]
pub enum AgencyCommand {
    /// 从 CSV 文件导入机关（列：code,name,parent,kind；kind 为 government、department、town、street、other）
    Import { file: PathBuf },
    /// 列出机关（树形，每行：代码、名称、类型、上级）
    List,
    /// 设置机关的依申请公开编号格式，如 "聊工信〔{year}〕依申请{seq}号"（默认 YSQ{year}-{seq:06}）
    Pattern { code: String, pattern: String },
}

use crate::fail;

pub fn run(db: &Location, actor: &str, command: AgencyCommand) -> ExitCode {
    let mut store = match Database::connect(db) {
        Ok(s) => s,
        Err(e) => return fail(format!("{db}: {e}")),
    };
    match command {
        AgencyCommand::Import { file } => {
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => return fail(format!("{}: {e}", file.display())),
            };
            match store.import_agencies(&bytes, actor) {
                Ok(done) => {
                    println!("新建 {}，更新 {}，未变 {}", done.created, done.updated, done.unchanged);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(format!("{}: {e}", file.display())),
            }
        }
        AgencyCommand::List => match store.agencies() {
            Ok(all) => {
                let mut out = String::new();
                for a in all {
                    let indent = "  ".repeat(a.depth);
                    let parent = a.parent.unwrap_or_default();
                    out.push_str(&format!("{indent}{}\t{}\t{}\t{parent}\n", a.code, a.name, a.kind.key()));
                }
                print!("{out}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        AgencyCommand::Pattern { code, pattern } => {
            let pattern = match CodePattern::parse(&pattern) {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            match store.set_code_pattern(&code, &pattern, actor) {
                Ok(()) => {
                    println!("{code}：{}（如 {}）", pattern.as_str(), pattern.render(&code, 2025, 1));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}

/// `ogi migrate --from FILE --to URL [--as CODE --under PARENT]`.
pub fn migrate(from: &std::path::Path, to: &Location, as_agency: Option<&str>, under: &str) -> ExitCode {
    if !from.exists() {
        return fail(format!("{}: 数据库不存在", from.display()));
    }
    let source = match Database::open(from) {
        Ok(s) => s,
        Err(e) => return fail(format!("{}: {e}", from.display())),
    };
    let mut target = match Database::connect(to) {
        Ok(t) => t,
        Err(e) => return fail(format!("{to}: {e}")),
    };
    let copied = match as_agency {
        None => source.copy_into(&mut target),
        Some(code) => source.copy_as_agency(&mut target, code, under),
    };
    match copied {
        Ok(counts) => {
            for (table, n) in counts {
                println!("{table}\t{n}");
            }
            match as_agency {
                None => eprintln!("已复制到 {to}，各表行数已核对一致"),
                Some(code) => eprintln!(
                    "已作为机关 {code}（上级 {under}）并入 {to}，行数已核对一致；未复制：{}（请在共享部署中重新登录、签发令牌）",
                    ogi_store::copy::NOT_MERGED.join("、")
                ),
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("{to}: {e}（目标未作任何改动）")),
    }
}

/// `ogi backup --db FILE OUT`.
pub fn backup(db: &std::path::Path, out: &std::path::Path) -> ExitCode {
    if !db.exists() {
        return fail(format!("{}: 数据库不存在", db.display()));
    }
    match Database::open(db).and_then(|s| s.backup_to(out)) {
        Ok(()) => {
            eprintln!("已备份到 {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `ogi restore --db FILE BACKUP`.
pub fn restore(db: &std::path::Path, backup: &std::path::Path) -> ExitCode {
    if !backup.exists() {
        return fail(format!("{}: 备份文件不存在", backup.display()));
    }
    match Database::open(db).and_then(|mut s| s.restore_from(backup)) {
        Ok(()) => {
            eprintln!("已用 {} 恢复 {}", backup.display(), db.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
