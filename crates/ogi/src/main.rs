//! The `ogi` binary: parses arguments and calls the crates. Nothing else.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod agency;
mod alloc;
mod check;
mod records;
mod region;
mod request;

#[derive(Parser)]
#[command(name = "ogi", version, about = "政府信息公开工作系统（依申请公开、主动公开记录、年度报告）")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[command(defer = true)]
enum Command {
    /// 启动工作台（默认 http://127.0.0.1:8080/，数据库 ./ogi-data/ogi.db）
    Serve {
        /// 监听地址
        #[arg(long, alias = "addr", default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
        /// 数据库：SQLite 文件（首次启动时创建）或 postgres://用户@主机:端口/库名
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: ogi_store::Location,
        /// 数据库连接数（同时处理的数据库操作）
        #[arg(long, default_value_t = ogi_web::DEFAULT_POOL, value_parser = clap::value_parser!(usize))]
        pool: usize,
        /// 固定“今天”的日期（演示、培训用；默认取系统日期）
        #[arg(long)]
        today: Option<ogi_rules::Date>,
        /// 用户经 HTTPS（反向代理）访问：会话 Cookie 标记为 Secure
        #[arg(long)]
        https: bool,
        /// 可信的反向代理（地址或网段，可重复）：只采信来自它们的 X-Forwarded-For
        #[arg(long = "trusted-proxy", value_name = "ADDR/CIDR", value_parser = ogi_web::parse_trusted_proxy)]
        trusted_proxy: Vec<ogi_web::TrustedProxy>,
        /// 单个请求的最长处理时间（秒，1–3600），超时答复“请求超时”
        #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
        request_timeout: u64,
        /// 发送申请人通知邮件的内网 SMTP 中继（smtp://主机:端口）；不设则不发邮件
        #[arg(long, value_name = "URL", requires = "mail_from")]
        smtp: Option<String>,
        /// 通知邮件的发件人，如 "某局政务公开办 <gk@example.gov.cn>"
        #[arg(long = "mail-from", value_name = "ADDR")]
        mail_from: Option<String>,
        /// 申请人访问本系统的地址（邮件中的查询链接），默认 http://监听地址
        #[arg(long = "public-url", value_name = "URL")]
        public_url: Option<String>,
    },
    /// 年度报告：读取、检查、生成、导出
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// 工作日日历（法定节假日与调休）
    Calendar {
        /// 另行载入的年度节假日安排文件（可多次指定；<数据目录>/calendar/*.txt 自动载入）
        #[arg(long = "load", global = true)]
        load: Vec<PathBuf>,
        #[arg(long, default_value = "ogi-data", global = true)]
        data_dir: PathBuf,
        /// 登记簿数据库（其中由管理员载入的年度一并使用；默认 <数据目录>/ogi.db，若存在）
        #[arg(long, global = true)]
        db: Option<PathBuf>,
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// 依申请公开登记簿（默认数据库 ./ogi-data/ogi.db）
    Request {
        #[arg(long, default_value = "ogi-data/ogi.db", global = true, value_parser = location)]
        db: ogi_store::Location,
        /// 操作人（记入审计日志）
        #[arg(long, default_value = "ogi", global = true)]
        actor: String,
        /// 以此日期为“今天”（培训、演示；默认为北京时间今天）
        #[arg(long, global = true)]
        today: Option<ogi_rules::Date>,
        #[command(subcommand)]
        command: request::RequestCommand,
    },
    /// 区域汇总：多份已发布年报逐项合计（有机关缺项的不汇总并列明）、逐机关下钻
    Region {
        #[command(subcommand)]
        command: region::RegionCommand,
    },
    /// 机关（共享部署中的政府、部门、乡镇、街道）：导入、列出、编号格式
    Agency {
        #[arg(long, default_value = "ogi-data/ogi.db", global = true, value_parser = location)]
        db: ogi_store::Location,
        /// 操作人（记入审计日志）
        #[arg(long, default_value = "ogi", global = true)]
        actor: String,
        #[command(subcommand)]
        command: agency::AgencyCommand,
    },
    /// 把一个机关的 SQLite 登记簿整体复制到空的数据库（如共享部署的 PostgreSQL），复制后核对各表行数
    Migrate {
        /// 源：SQLite 登记簿文件
        #[arg(long)]
        from: PathBuf,
        /// 目标：postgres://用户@主机:端口/库名（不带 --as 时须为新建的空库）
        #[arg(long, value_parser = location)]
        to: ogi_store::Location,
        /// 并入已有的共享部署，作为代码为 CODE 的新机关（编号和用户名保持不变，重复则不复制）
        #[arg(long = "as", value_name = "CODE")]
        as_agency: Option<String>,
        /// 新机关的上级机关代码（与 --as 同用）
        #[arg(long, value_name = "PARENT", default_value = "root", requires = "as_agency")]
        under: String,
    },
    /// 备份 SQLite 登记簿（服务运行时亦可；PostgreSQL 请用 pg_dump）
    Backup {
        #[arg(long, default_value = "ogi-data/ogi.db")]
        db: PathBuf,
        /// 备份文件（不得已存在）
        out: PathBuf,
    },
    /// 用备份文件恢复 SQLite 登记簿（整体替换；PostgreSQL 请用 pg_restore）
    Restore {
        #[arg(long, default_value = "ogi-data/ogi.db")]
        db: PathBuf,
        /// ogi backup 写出的备份文件
        backup: PathBuf,
    },
    /// 年度报告的基础记录：规章和规范性文件、第二十条数据、复议诉讼案件、报告文字
    Records {
        #[arg(long, default_value = "ogi-data/ogi.db", global = true, value_parser = location)]
        db: ogi_store::Location,
        /// 操作人（记入审计日志）
        #[arg(long, default_value = "ogi", global = true)]
        actor: String,
        #[command(subcommand)]
        command: records::RecordsCommand,
    },
    /// 生成一个模拟年度的登记簿（用于演示和测试）
    Demo {
        #[arg(long, default_value = "ogi-data/demo.db", value_parser = location)]
        db: ogi_store::Location,
        #[arg(long)]
        year: i16,
        #[arg(long, default_value_t = 1000)]
        requests: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// 模拟到这一天为止（与 ogi serve --today 相同）：此后不收到申请、不发生事项，此前到期的已答复
        #[arg(long)]
        today: Option<ogi_rules::Date>,
    },
    /// 信息处理费（国办函〔2020〕109号）
    Fee {
        #[command(subcommand)]
        command: FeeCommand,
    },
}

#[derive(Subcommand)]
#[command(defer = true)]
enum CalendarCommand {
    /// 打印 DATE 之后第 N 个工作日（DATE 当天不计）
    AddWorkdays { date: ogi_rules::Date, n: u32 },
    /// 打印 DATE 是否为工作日（true / false）
    IsWorkday { date: ogi_rules::Date },
    /// 列出已载入的年度，以及暂按法定节假日计算的年度
    Years,
    /// 把一年的节假日安排文件存入数据库（记入审计日志；未办结申请的答复期限随即重新计算）
    Save {
        file: PathBuf,
        /// 操作人（记入审计日志）
        #[arg(long, default_value = "ogi")]
        actor: String,
    },
}

#[derive(Subcommand)]
#[command(defer = true)]
enum FeeCommand {
    /// 按件计收：申请人在一个自然月内第 N 件申请的费用（元）
    Item { n: u32 },
    /// 按量计收：一件申请 PAGES 页的费用（元）
    Volume { pages: u64 },
}

#[derive(Subcommand)]
#[command(defer = true)]
enum ReportCommand {
    /// 读取一份已发布的年度报告（HTML、DOCX、PDF、文本、Markdown、ogi JSON）
    Parse {
        file: PathBuf,
        /// cells：单元格键值（report-cells.md 约定）；json：完整模型及来源位置
        #[arg(long, value_enum, default_value_t = OutputFormat::Cells)]
        format: OutputFormat,
        /// 指定读取格式（默认按内容判断）
        #[arg(long = "as", value_name = "text|markdown|html|docx|pdf|json")]
        read_as: Option<ogi_report::Format>,
    },
    /// 由登记簿和记录生成本年度报告草稿（国家格式），并检查
    Generate {
        #[arg(long, default_value = "ogi-data/ogi.db", value_parser = location)]
        db: ogi_store::Location,
        #[arg(long)]
        year: i16,
        #[arg(long, value_enum)]
        to: ExportFormat,
        /// 输出文件
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// 机关名称（默认用 ogi records agency 设置的）
        #[arg(long)]
        agency: Option<String>,
    },
    /// 把一份报告重新导出为网页、Word、Markdown 或 JSON（国家格式）
    Render {
        file: PathBuf,
        #[arg(long, value_enum)]
        to: ExportFormat,
        /// 输出文件（默认打印到标准输出；Word 文档必须指定）
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// 检查年度报告中的错误（勾稽关系、正文与表格、跨年度）；可指定目录批量检查
    Check {
        /// 报告文件或目录
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// 同一机关上一年度的报告（检查上年结转等跨年度关系）
        #[arg(long)]
        previous: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// 把每份报告的检查结果汇总写入 CSV 文件
        #[arg(long)]
        summary: Option<PathBuf>,
    },
}

/// The forms a report is exported in.
#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// 网页（自包含，可直接发布）
    Html,
    /// Word 文档（公文格式，可继续编辑）
    Docx,
    Md,
    Json,
}

impl ExportFormat {
    pub fn export(self, report: &ogi_report::Report) -> Vec<u8> {
        match self {
            ExportFormat::Html => ogi_report::render::html(report).into_bytes(),
            ExportFormat::Docx => ogi_report::render::docx(report),
            ExportFormat::Md => ogi_report::render::markdown(report).into_bytes(),
            ExportFormat::Json => (ogi_report::render::json(report) + "\n").into_bytes(),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Cells,
    Json,
}

#[global_allocator]
static ALLOCATOR: alloc::Switching = alloc::Switching;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `ogi report parse FILE | head`: a closed pipe ends the program quietly,
    // as it does for every other Unix tool, instead of a panic in println!.
    // Not the server: a closed stdout must not kill it at its next log line.
    #[cfg(unix)]
    if !matches!(cli.command, Command::Serve { .. }) {
        // SAFETY: setting a signal's disposition to the default before any thread starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    match cli.command {
        Command::Serve {
            bind,
            db,
            pool,
            today,
            https,
            trusted_proxy,
            request_timeout,
            smtp,
            mail_from,
            public_url,
        } => serve(ogi_web::Config {
            addr: bind,
            db,
            pool,
            today,
            https,
            trusted_proxies: trusted_proxy,
            request_timeout: std::time::Duration::from_secs(request_timeout),
            mail: smtp.map(|relay| ogi_web::notify::MailConfig {
                relay,
                from: mail_from.unwrap_or_default(),
                public_url: public_url.unwrap_or_else(|| format!("http://{bind}")),
            }),
        }),
        Command::Calendar { load, data_dir, db, command } => calendar(&load, &data_dir, db, command),
        Command::Request { db, actor, today, command } => request::run(&db, &actor, today, command),
        Command::Records { db, actor, command } => records::run(&db, &actor, command),
        Command::Agency { db, actor, command } => agency::run(&db, &actor, command),
        Command::Region { command } => region::run(command),
        Command::Migrate { from, to, as_agency, under } => agency::migrate(&from, &to, as_agency.as_deref(), &under),
        Command::Backup { db, out } => agency::backup(&db, &out),
        Command::Restore { db, backup } => agency::restore(&db, &backup),
        Command::Report { command: ReportCommand::Generate { db, year, to, output, agency } } => {
            records::generate(&db, year, to, &output, agency.as_deref())
        }
        Command::Demo { db, year, requests, seed, today } => request::demo(&db, year, requests, seed, today),
        Command::Fee { command: FeeCommand::Item { n } } => {
            println!("{}", ogi_rules::fees::per_item(n));
            ExitCode::SUCCESS
        }
        Command::Fee { command: FeeCommand::Volume { pages } } => {
            println!("{}", ogi_rules::fees::per_volume(pages));
            ExitCode::SUCCESS
        }
        Command::Report { command: ReportCommand::Parse { file, format, read_as } } => parse(&file, format, read_as),
        Command::Report { command: ReportCommand::Render { file, to, output } } => render(&file, to, output.as_deref()),
        Command::Report { command: ReportCommand::Check { files, previous, format, summary } } => {
            check_reports(&files, previous.as_deref(), format, summary.as_deref())
        }
    }
}

fn serve(config: ogi_web::Config) -> ExitCode {
    let addr = config.addr;
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ogi: 无法启动运行时：{e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(ogi_web::serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ogi: 服务无法启动（{addr}）：{e}");
            ExitCode::FAILURE
        }
    }
}

/// Exit 2 when the file cannot be read as a report, with one line naming it.
/// A command's error: one line on standard error, exit status 2.
pub(crate) fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("ogi: {msg}");
    ExitCode::from(2)
}

/// `--db`: a SQLite file or a `postgres://user@host:port/name` URL.
fn location(s: &str) -> Result<ogi_store::Location, String> {
    ogi_store::Location::parse(s).map_err(|e| e.to_string())
}

fn parse(file: &PathBuf, format: OutputFormat, read_as: Option<ogi_report::Format>) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("ogi: {}: 无法读取文件：{e}", file.display());
            return ExitCode::from(2);
        }
    };
    let name = file.file_name().and_then(|n| n.to_str());
    let result = match read_as {
        Some(f) => ogi_report::read_as(&bytes, f),
        None => ogi_report::read(&bytes, name),
    };
    match result {
        Ok(report) => {
            let out = match format {
                OutputFormat::Cells => ogi_report::render::cells_tsv(&report),
                OutputFormat::Json => ogi_report::render::json(&report) + "\n",
            };
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ogi: {}: {e}", file.display());
            ExitCode::from(2)
        }
    }
}

/// Exit 0: no errors; 1: errors found; 2: a file could not be read.
fn check_reports(
    paths: &[PathBuf],
    previous: Option<&std::path::Path>,
    format: CheckFormat,
    summary: Option<&std::path::Path>,
) -> ExitCode {
    let previous = match previous.map(check::read_report).transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("ogi: {}: {e}", previous.map(|p| p.display().to_string()).unwrap_or_default());
            return ExitCode::from(2);
        }
    };
    // A bulk run (a directory or several files) switches to mimalloc.
    if paths.len() > 1 || paths.iter().any(|p| p.is_dir()) {
        alloc::use_mimalloc();
    }
    let files = check::collect(paths);
    let checked = check::check_all_keeping(&files, previous.as_ref(), |r| r.meta);
    // Bulk runs with a summary print only the summary and unreadable files.
    let quiet = summary.is_some();
    if let (CheckFormat::Json, false) = (format, quiet) {
        println!("{}", serde_json::to_string_pretty(&check::to_json(&checked)).expect("json"));
    }
    for c in &checked {
        match &c.result {
            Ok((_, d)) if !quiet && matches!(format, CheckFormat::Text) => {
                print!("{}", ogi_report::check::render_text(&c.file.display().to_string(), d))
            }
            Ok(_) => {}
            // Always on stderr, one line per file, whatever the format.
            Err(e) => eprintln!("ogi: {}: {e}", c.file.display()),
        }
    }
    if let Some(path) = summary {
        if let Err(e) = check::write_summary(path, &checked) {
            eprintln!("ogi: {e}");
            return ExitCode::from(2);
        }
        let errs = checked.iter().filter(|c| c.errors() > 0).count();
        let bad = checked.iter().filter(|c| c.result.is_err()).count();
        eprintln!("共 {} 份：{} 份有错误，{} 份无法读取；汇总已写入 {}", checked.len(), errs, bad, path.display());
    }
    if checked.iter().any(|c| c.result.is_err()) {
        ExitCode::from(2)
    } else if checked.iter().any(|c| c.errors() > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The calendar every command uses (`ogi_store::load_calendar`: embedded,
/// `<data-dir>/calendar/*.txt`, the years saved in the database), then `--load` files.
fn calendar(load: &[PathBuf], data_dir: &std::path::Path, db: Option<PathBuf>, command: CalendarCommand) -> ExitCode {
    let fail = |e: String| {
        eprintln!("ogi: {e}");
        ExitCode::from(2)
    };
    let db = db.or_else(|| Some(data_dir.join("ogi.db")).filter(|p| p.exists()));
    let mut store = match db.as_deref().map(ogi_store::Database::open).transpose() {
        Ok(s) => s,
        Err(e) => return fail(e.to_string()),
    };
    let loaded = match &store {
        Some(s) => ogi_store::load_calendar(Some(data_dir), s),
        None => ogi_store::load_files(Some(data_dir)),
    };
    let mut cal = match loaded {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    for f in load {
        let loaded = std::fs::read_to_string(f)
            .map_err(|e| format!("{}: {e}", f.display()))
            .and_then(|text| cal.load(&f.display().to_string(), &text).map_err(|e| e.to_string()));
        if let Err(e) = loaded {
            return fail(e);
        }
    }
    let result = match command {
        CalendarCommand::AddWorkdays { date, n } => {
            cal.add_workdays(date, n).map(|d| match cal.provisional_years(date, d) {
                ys if ys.is_empty() => d.to_string(),
                ys => format!("{d}\t{}", ogi_rules::calendar::provisional_reason(&ys)),
            })
        }
        CalendarCommand::IsWorkday { date } => cal.is_workday(date).map(|b| match cal.is_provisional(date.year()) {
            false => b.to_string(),
            true => format!("{b}\t{}", ogi_rules::calendar::provisional_reason(&[date.year()])),
        }),
        CalendarCommand::Years => {
            let mut lines: Vec<String> = cal.years().map(|(y, t)| format!("{y}\t{t}")).collect();
            lines.extend(cal.provisional().map(|(y, _)| format!("{y}\t暂定（按法定节假日计算，尚未载入当年安排）")));
            Ok(lines.join("\n"))
        }
        CalendarCommand::Save { file, actor } => {
            let Some(store) = store.as_mut() else {
                return fail(format!("没有数据库：请用 --db 指定（默认 {}）", data_dir.join("ogi.db").display()));
            };
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => return fail(format!("{}: {e}", file.display())),
            };
            let year = match cal.load(&file.display().to_string(), &text) {
                Ok(y) => y,
                Err(e) => return fail(e.to_string()),
            };
            match ogi_store::Store::save_calendar_year(store, year, &text, &actor, &cal) {
                Ok(changes) => {
                    for c in &changes {
                        let d = |d: Option<ogi_rules::Date>| d.map_or("—".into(), |d| d.to_string());
                        println!("{}\t答复期限 {} → {}", c.code, d(c.before), d(c.after));
                    }
                    eprintln!("已载入 {year} 年节假日安排；{} 件申请的答复期限随之变动", changes.len());
                    return ExitCode::SUCCESS;
                }
                Err(e) => return fail(e.to_string()),
            }
        }
    };
    match result {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e.to_string()),
    }
}

fn render(file: &std::path::Path, to: ExportFormat, output: Option<&std::path::Path>) -> ExitCode {
    if output.is_none() && matches!(to, ExportFormat::Docx) {
        eprintln!("ogi: Word 文档请用 -o 指定输出文件");
        return ExitCode::from(2);
    }
    let report = match check::read_report(file) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ogi: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let bytes = to.export(&report);
    match output {
        Some(path) => match std::fs::write(path, bytes) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ogi: {}: {e}", path.display());
                ExitCode::from(2)
            }
        },
        None => {
            use std::io::Write;
            let _ = std::io::stdout().write_all(&bytes);
            ExitCode::SUCCESS
        }
    }
}
