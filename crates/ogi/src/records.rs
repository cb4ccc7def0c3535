//! `ogi records …` (the records the annual report is drafted from) and
//! `ogi report generate` (the draft itself, exported).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use ogi_rules::annual::{self, Art20Figures, Case, CaseKind, CaseResult, Document, DocumentKind, EditableSection};
use ogi_rules::Date;
use ogi_store::{Database, Location, Store, AGENCY_NAME};
use ogi_vocab::Number;

#[derive(Subcommand)]
#[command(defer = true)]
pub enum RecordsCommand {
    /// 设置机关名称（报告标题用），不带参数则显示
    Agency { name: Option<String> },
    /// 登记一件规章或行政规范性文件
    DocAdd {
        /// 规章 | 规范性文件
        #[arg(long)]
        kind: String,
        #[arg(long)]
        title: String,
        /// 文号
        #[arg(long, default_value = "")]
        number: String,
        /// 印发日期
        #[arg(long)]
        issued: Date,
        /// 废止日期
        #[arg(long)]
        repealed: Option<Date>,
    },
    /// 登记文件废止
    DocRepeal {
        id: i64,
        #[arg(long)]
        on: Date,
    },
    /// 列出规章和行政规范性文件
    Docs,
    /// 登记本年度第二十条数据（行政许可、处罚、强制决定数，行政事业性收费万元）
    Art20 {
        #[arg(long)]
        year: i16,
        #[arg(long)]
        licensing: u64,
        #[arg(long)]
        penalty: u64,
        #[arg(long)]
        enforcement: u64,
        /// 行政事业性收费（万元），如 12.35
        #[arg(long)]
        fees: Number,
    },
    /// 登记一件政府信息公开行政复议或行政诉讼案件
    CaseAdd {
        /// 复议 | 直接起诉 | 复议后起诉
        #[arg(long)]
        kind: String,
        /// 收到（受理）日期
        #[arg(long)]
        received: Date,
        #[arg(long, default_value = "")]
        summary: String,
    },
    /// 登记案件审结
    CaseDecide {
        id: i64,
        #[arg(long)]
        on: Date,
        /// 维持 | 纠正 | 其他
        #[arg(long)]
        result: String,
    },
    /// 列出复议诉讼案件
    Cases,
    /// 修改报告的文字部分（引言、一、五、六）；文字可用占位符，如 {新收申请}、{予以公开占比}
    Text {
        #[arg(long)]
        year: i16,
        /// 引言 | 一 | 五 | 六
        #[arg(long)]
        section: String,
        /// 文字所在的文件（UTF-8）；不指定则打印当前文字
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

use crate::fail;

fn done<T>(r: Result<T, ogi_store::StoreError>, say: impl FnOnce(T) -> String) -> ExitCode {
    match r {
        Ok(v) => {
            println!("{}", say(v));
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn open(db: &Location) -> Result<Database, ExitCode> {
    Database::connect(db).map_err(|e| fail(format!("{db}: {e}")))
}

pub fn run(db: &Location, actor: &str, command: RecordsCommand) -> ExitCode {
    let mut store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match command {
        RecordsCommand::Agency { name: None } => done(store.setting(AGENCY_NAME), |n| n.unwrap_or_default()),
        RecordsCommand::Agency { name: Some(name) } => {
            if name.trim().is_empty() {
                return fail("机关名称不能为空");
            }
            done(store.set_setting(AGENCY_NAME, name.trim(), actor), |()| name.trim().to_string())
        }
        RecordsCommand::DocAdd { kind, title, number, issued, repealed } => {
            let Some(kind) = DocumentKind::parse(&kind) else {
                return fail(format!("未知文件类型 {kind:?}（规章 或 规范性文件）"));
            };
            done(store.add_document(&Document { kind, title, number, issued, repealed }, actor), |id| id.to_string())
        }
        RecordsCommand::DocRepeal { id, on } => {
            done(store.repeal_document(id, on, actor), |()| format!("#{id} 已废止"))
        }
        RecordsCommand::Docs => done(store.documents(), |docs| {
            docs.iter()
                .map(|(id, d)| {
                    let repealed = d.repealed.map_or("现行有效".to_string(), |r| format!("{r} 废止"));
                    format!("{id}\t{}\t{}\t{}\t{}\t{repealed}", d.kind.label(), d.number, d.title, d.issued)
                })
                .collect::<Vec<_>>()
                .join("\n")
        }),
        RecordsCommand::Art20 { year, licensing, penalty, enforcement, fees } => done(
            store.set_art20(year, &Art20Figures { licensing, penalty, enforcement, fees_wan: fees }, actor),
            |()| format!("{year} 年第二十条数据已登记"),
        ),
        RecordsCommand::CaseAdd { kind, received, summary } => {
            let Some(kind) = CaseKind::parse(&kind) else {
                return fail(format!("未知案件类型 {kind:?}（复议、直接起诉 或 复议后起诉）"));
            };
            done(store.add_case(&Case { kind, received, summary, decided: None }, actor), |id| id.to_string())
        }
        RecordsCommand::CaseDecide { id, on, result } => {
            let Some(result) = CaseResult::parse(&result) else {
                return fail(format!("未知审结结果 {result:?}（维持、纠正 或 其他）"));
            };
            done(store.decide_case(id, on, result, actor), |()| format!("#{id} 已审结：{}", result.label()))
        }
        RecordsCommand::Cases => done(store.cases(), |cases| {
            cases
                .iter()
                .map(|(id, c)| {
                    let decided = c.decided.map_or("尚未审结".to_string(), |(on, r)| format!("{on} {}", r.label()));
                    format!("{id}\t{}\t{}\t{decided}\t{}", c.kind.label(), c.received, c.summary)
                })
                .collect::<Vec<_>>()
                .join("\n")
        }),
        RecordsCommand::Text { year, section, file } => {
            let Some(section) = EditableSection::parse(&section) else {
                return fail(format!("未知章节 {section:?}（引言、一、五 或 六）"));
            };
            match file {
                None => done(store.texts(year), |mut t| {
                    t.remove(&section).unwrap_or_else(|| section.default_text().to_string())
                }),
                Some(path) => match std::fs::read_to_string(&path) {
                    Ok(text) => done(store.set_text(year, section, text.trim_end(), actor), |()| {
                        format!("{year} 年报告“{}”已保存", section.label())
                    }),
                    Err(e) => fail(format!("{}: {e}", path.display())),
                },
            }
        }
    }
}

/// `ogi report generate`: the year's draft from the records, in one form.
pub fn generate(db: &Location, year: i16, to: crate::ExportFormat, output: &Path, agency: Option<&str>) -> ExitCode {
    if matches!(db, Location::Sqlite(path) if !path.exists()) {
        return fail(format!("{db}: 数据库不存在"));
    }
    let store = match open(db) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut records = match store.annual_records(year) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if let Some(a) = agency {
        records.agency = a.to_string();
    }
    let no_art20 = records.art20.is_none();
    let report = match annual::draft(&records) {
        Ok(r) => r,
        Err(annual::DraftError::MissingAgency) => {
            return fail("未设置机关名称：先运行 ogi records agency \"机关名称\"，或加 --agency")
        }
        Err(e) => return fail(e),
    };
    let bytes = to.export(&report);
    if let Err(e) = std::fs::write(output, bytes) {
        return fail(format!("{}: {e}", output.display()));
    }
    // The draft is checked before anyone publishes it.
    let diagnostics = ogi_report::check::check(&report, None);
    let errors = diagnostics.iter().filter(|d| d.severity == ogi_report::check::Severity::Error).count();
    eprintln!("已生成 {}（{year} 年度，检查：{errors} 个错误）", output.display());
    for d in diagnostics.iter().filter(|d| d.severity == ogi_report::check::Severity::Error) {
        eprintln!("  {}：{}", d.rule, d.message);
    }
    let unwritten: Vec<&str> =
        report.sections.iter().filter(|s| s.text.contains(annual::TO_FILL)).map(|s| s.heading.as_str()).collect();
    if no_art20 {
        eprintln!("  尚未登记 {year} 年第二十条数据，表二相应栏目为“未填报”（ogi records art20 --year {year} …）");
    }
    if !unwritten.is_empty() {
        eprintln!("  尚待填写：{}（ogi records text --year {year} --section …）", unwritten.join("、"));
    }
    if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
