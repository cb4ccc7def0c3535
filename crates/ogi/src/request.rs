//! `ogi request …`: the register from the terminal.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use ogi_rules::input::{self, EventInput, NewRequestInput};
use ogi_rules::request::State;
use ogi_rules::{Calendar, Date};
use ogi_store::export::FilterInput;
use ogi_store::{Database, Location, Store, Stored};
use ogi_vocab::cells::{CellKey, T3Row, Template};

#[derive(Subcommand)]
#[command(defer = true)]
pub enum RequestCommand {
    /// 登记一件新申请，打印其编号
    New {
        /// 渠道：in_person（当面）、registered_post（挂号信）、ordinary_post（平信）、online（网络）、fax（传真）、email（电子邮件）、other
        #[arg(long, default_value = "")]
        channel: String,
        /// 申请人类型：natural、commercial、research、nonprofit、legal_service、other_org
        #[arg(long, default_value = "")]
        applicant: String,
        /// 收到日期
        #[arg(long, default_value = "")]
        arrived: String,
        /// 与申请人确认的日期（平信、网络、传真、电子邮件以此为收到申请之日）
        #[arg(long, default_value = "")]
        confirmed: String,
        #[arg(long, default_value = "")]
        summary: String,
        /// 申请人姓名或名称
        #[arg(long, default_value = "")]
        name: String,
        /// 联系方式（地址、电话或电子邮件）
        #[arg(long, default_value = "")]
        contact: String,
    },
    /// 登记一个办理事项（补正、征求意见、延期、收费、答复、撤回……）
    Event {
        code: String,
        /// correction-requested | correction-received | correction-lapsed | consultation-started |
        /// consultation-ended | extended | fee-noticed | fee-paid | fee-lapsed | answered | withdrawn
        kind: String,
        #[arg(long, default_value = "")]
        on: String,
        /// 补正期限（correction-requested）
        #[arg(long, default_value = "")]
        reply_by: String,
        /// 延长的工作日数（extended）
        #[arg(long, default_value = "")]
        days: String,
        /// 批准人（extended）
        #[arg(long, default_value = "")]
        approver: String,
        /// 收费金额（元，fee-noticed）
        #[arg(long, default_value = "")]
        yuan: String,
        /// 送达日期（consultation-started、fee-noticed；默认为 --on 当日）
        #[arg(long, default_value = "")]
        delivered: String,
        /// 征求意见对象：third_party（第三方，第三十二条，默认）或 agency（其他机关，第三十四条）
        #[arg(long, default_value = "")]
        party: String,
        /// 办理结果，表三的行键，如 granted、partial、denied.state_secret（answered）
        #[arg(long, default_value = "")]
        outcome: String,
    },
    /// 列出申请（编号、状态、期限）
    List {
        /// 只列出未办结的
        #[arg(long)]
        open: bool,
    },
    /// 显示一件申请及其全部事项
    Show { code: String },
    /// 由登记簿生成年度报告表三（key<TAB>value）
    Table3 {
        #[arg(long)]
        year: i16,
        #[arg(long, default_value = "2021")]
        template: Template,
    },
    /// 导出登记簿为 CSV（与工作台“导出 CSV”相同的列和筛选条件）
    Export {
        csv: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// 从 CSV 导入新申请（channel,applicant,arrived,confirmed,summary[,name,contact]；全部成功或全部不导入）
    Import { csv: PathBuf },
    /// 审计日志
    Audit,
}

/// The flag of each field whose flag is not its name with `-` for `_`.
const NEW_FLAGS: &[(&str, &str)] = &[("applicant_name", "name")];

/// One line per wrong field, `--flag：message`, as the page shows them beside the fields.
fn field_errors(errors: &input::FieldErrors, flags: &[(&str, &str)]) -> ExitCode {
    for (field, message) in errors {
        let flag = flags.iter().find(|(f, _)| f == field).map_or(*field, |(_, flag)| flag);
        eprintln!("ogi: --{}：{message}", flag.replace('_', "-"));
    }
    ExitCode::from(2)
}

/// The register's filters as flags, checked as the workbench checks its query string.
#[derive(clap::Args, Default)]
pub struct FilterArgs {
    /// 状态：not_closed、open、correction、consulting、payment、closed
    #[arg(long, default_value = "")]
    state: String,
    /// 申请人类型
    #[arg(long, default_value = "")]
    applicant: String,
    /// 渠道
    #[arg(long, default_value = "")]
    channel: String,
    /// 办理结果（表三的行键或其大类，如 denied）
    #[arg(long, default_value = "")]
    outcome: String,
    /// 收到日期不早于
    #[arg(long, default_value = "")]
    from: String,
    /// 收到日期不晚于
    #[arg(long, default_value = "")]
    to: String,
    /// 在申请人、联系方式、内容、编号中搜索
    #[arg(long, default_value = "")]
    q: String,
    /// 只导出逾期答复的
    #[arg(long)]
    late: bool,
}

use crate::fail;

/// The register at `db` and the calendar every command uses with it.
fn open(db: &Location) -> Result<(Database, Calendar), String> {
    let store = Database::connect(db).map_err(|e| format!("{db}: {e}"))?;
    let cal = ogi_store::load_calendar(db.data_dir(), &store)?;
    Ok((store, cal))
}

pub fn run(db: &Location, actor: &str, today: Option<Date>, command: RequestCommand) -> ExitCode {
    let today = today.unwrap_or_else(ogi_rules::china_today);
    let (mut store, cal) = match open(db) {
        Ok(opened) => opened,
        Err(e) => return fail(e),
    };
    match command {
        RequestCommand::New { channel, applicant, arrived, confirmed, summary, name, contact } => {
            let typed =
                NewRequestInput { channel, applicant, applicant_name: name, contact, arrived, confirmed, summary };
            let new = match input::new_request(&typed, today, &cal) {
                Ok(new) => new,
                Err(errors) => return field_errors(&errors, NEW_FLAGS),
            };
            match store.create(new, actor, &cal) {
                Ok(s) => {
                    println!("{}\t{}", s.code, line(&s, &cal));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        RequestCommand::Event { code, kind, on, reply_by, days, approver, yuan, outcome, delivered, party } => {
            let typed =
                EventInput { kind, on, reply_by, days, yuan, outcome, delivered, party, version: String::new() };
            let event = match input::event(&typed, &approver, today, &cal) {
                Ok(e) => e,
                Err(errors) => return field_errors(&errors, &[]),
            };
            match store.record(&code, event, actor, &cal) {
                Ok(s) => {
                    println!("{}\t{}", s.code, line(&s, &cal));
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        RequestCommand::List { open } => match store.all() {
            Ok(all) => {
                for s in all.iter().filter(|s| !open || !matches!(s.request.state(), State::Closed { .. })) {
                    println!("{}\t{}", s.code, line(s, &cal));
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        RequestCommand::Show { code } => match store.get(&code) {
            Ok(s) => {
                println!("编号\t{}", s.code);
                println!("渠道\t{}", s.request.channel.label());
                println!("申请人\t{}", s.request.applicant.label());
                println!("收到申请之日\t{}", s.request.received);
                println!("内容\t{}", s.summary);
                for e in s.request.events() {
                    println!("事项\t{}\t{}\t{}", e.date(), e.label(), e.details());
                }
                if let Ok(Some(late)) = s.request.late_answer(&cal) {
                    println!("逾期答复\t{} 个工作日（答复期限 {}）", late.workdays, late.due);
                }
                println!("状态\t{}", line(&s, &cal));
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        RequestCommand::Table3 { year, template } => match store.table3(year, template) {
            Ok(cells) => {
                let mut rows: Vec<(String, String)> =
                    cells.iter().map(|(k, v): (&CellKey, _)| (k.to_string(), v.to_string())).collect();
                rows.sort();
                for (k, v) in rows {
                    println!("{k}\t{v}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        RequestCommand::Export { csv, filter } => match export(&store, &csv, filter, &cal) {
            Ok(n) => {
                eprintln!("已导出 {n} 件申请到 {}", csv.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        RequestCommand::Import { csv } => match import(&mut store, &csv, actor, today, &cal) {
            Ok(n) => {
                eprintln!("已导入 {n} 件申请");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        RequestCommand::Audit => match store.audit() {
            Ok(entries) => {
                for a in entries {
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        a.at,
                        a.actor,
                        a.code.unwrap_or_default(),
                        a.action,
                        a.before.unwrap_or_default(),
                        a.after.unwrap_or_default()
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
    }
}

/// State and deadline in one line.
fn line(s: &Stored, cal: &Calendar) -> String {
    match s.request.state() {
        State::Open => match s.request.due_status(cal) {
            Ok(Some(d)) => match d.reason() {
                None => format!("办理中\t答复期限 {d}"),
                Some(why) => format!("办理中\t答复期限 {}（{why}）", d.date),
            },
            Ok(None) => "办理中".into(),
            Err(e) => format!("办理中\t期限无法计算：{e}"),
        },
        State::AwaitingCorrection { reply_by } => format!("等待补正\t补正期限 {reply_by}"),
        State::Consulting { since } => format!("征求意见中\t自 {since}（不计入答复期限）"),
        State::AwaitingPayment { since, yuan } => format!("等待缴费\t{yuan} 元，自 {since}"),
        State::Closed { on, outcome } => format!("已办结\t{on} {}", T3Row::Outcome(outcome).label()),
    }
}

fn export(store: &Database, path: &Path, f: FilterArgs, cal: &Calendar) -> Result<usize, String> {
    let typed = FilterInput {
        state: f.state,
        applicant: f.applicant,
        channel: f.channel,
        outcome: f.outcome,
        from: f.from,
        to: f.to,
        q: f.q,
        late: if f.late { "1".into() } else { String::new() },
    };
    let filter = typed
        .filter()
        .map_err(|errors| errors.iter().map(|(k, m)| format!("--{k}：{m}")).collect::<Vec<_>>().join("；"))?;
    let rows = store.export(&filter).map_err(|e| e.to_string())?;
    std::fs::write(path, ogi_store::export::register_csv(&rows, cal))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(rows.len())
}

fn import(store: &mut Database, path: &Path, actor: &str, today: Date, cal: &Calendar) -> Result<usize, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut news = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("第 {} 行：{e}", i + 2))?;
        let field = |n: usize| rec.get(n).unwrap_or("").to_string();
        let typed = NewRequestInput {
            channel: field(0),
            applicant: field(1),
            arrived: field(2),
            confirmed: field(3),
            summary: field(4),
            applicant_name: field(5),
            contact: field(6),
        };
        let new = input::new_request(&typed, today, cal).map_err(|errors| {
            let list: Vec<_> = errors.iter().map(|(k, m)| format!("{k}：{m}")).collect();
            format!("第 {} 行：{}", i + 2, list.join("；"))
        })?;
        news.push(new);
    }
    let n = news.len();
    store.create_many(news, actor, cal).map_err(|e| e.to_string())?;
    Ok(n)
}

/// `ogi demo`: a realistic simulated year in a register, with requests from
/// the end of the year before (so that 上年结转 is not empty).
pub fn demo(db: &Location, year: i16, n: usize, seed: u64, today: Option<Date>) -> ExitCode {
    let (mut store, cal) = match open(db) {
        Ok(opened) => opened,
        Err(e) => return fail(e),
    };
    let start = |y: i16, m: i8, d: i8| Date::new(y, m, d).map_err(|e| e.to_string());
    let (prev_start, this_start) = match (start(year.saturating_sub(1), 11, 1), start(year, 1, 1)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    if cal.is_workday(prev_start).is_err() || cal.is_workday(this_start).is_err() {
        return fail(format!("{} 年或 {year} 年的节假日安排未载入", year - 1));
    }
    let before = n / 10;
    let mut requests = ogi_rules::sim::requests_until(&cal, seed, before, prev_start, 40, today);
    requests.extend(ogi_rules::sim::requests_until(&cal, seed.wrapping_add(1), n - before, this_start, 240, today));
    let n = requests.len();
    if let Err(e) = store.import_requests(&requests, "模拟申请", "ogi demo", &cal) {
        return fail(e);
    }
    // The other records of the year's report: documents, 第二十条 figures, disputes.
    if let Err(e) = demo_records(&mut store, year, seed) {
        return fail(e);
    }
    match store.table3(year, Template::Y2021) {
        Ok(t) => {
            let v = |k: &str| k.parse::<CellKey>().ok().and_then(|k| t.get(&k)).map_or("0".into(), |n| n.to_string());
            eprintln!(
                "已在 {} 生成 {n} 件模拟申请：{year} 年新收 {}，上年结转 {}，办结 {}，结转下年度 {}",
                db,
                v("t3.new.total"),
                v("t3.carried_over.total"),
                v("t3.total.total"),
                v("t3.carry_forward.total")
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn demo_records(store: &mut Database, year: i16, seed: u64) -> Result<(), ogi_store::StoreError> {
    const ACTOR: &str = "ogi demo";
    if store.setting(ogi_store::AGENCY_NAME)?.is_none() {
        store.set_setting(ogi_store::AGENCY_NAME, "模拟市数据局", ACTOR)?;
    }
    let (documents, art20, cases) = ogi_rules::sim::records(seed, year);
    for d in &documents {
        store.add_document(d, ACTOR)?;
    }
    store.set_art20(year, &art20, ACTOR)?;
    // The register starts in the year before (carried-over requests): its report needs its figures too.
    let (_, before, _) = ogi_rules::sim::records(seed.wrapping_add(1), year - 1);
    store.set_art20(year - 1, &before, ACTOR)?;
    for c in &cases {
        store.add_case(c, ACTOR)?;
    }
    Ok(())
}
