//! Taking a region's published reports in (issue 14): each file read,
//! checked and attached to its agency by the name printed in its title
//! (exact, else close names offered and nothing taken), stored as a file of
//! an intake batch and, when attached, as a new version of that agency's
//! report. `ogi region intake|retry` and the intake page both call these.

use ogi_store::Database;
use ogi_vocab::model::Report;

/// How a batch takes files in (`ogi region intake`, the intake page).
#[derive(Debug, Clone)]
pub struct Intake {
    pub year: i16,
    /// Entered by the user; else the page's printed date, else today.
    pub received: Option<ogi_rules::Date>,
    pub under: Option<String>,
    pub create_missing: bool,
    pub actor: String,
}

/// What became of one file, before it is stored.
pub struct Judged {
    pub outcome: ogi_store::published::FileOutcome,
    pub reason: String,
    pub printed: String,
    /// The report read, for a file attached or unmatched (kept so that a
    /// name confirmed or created attaches it without reading it again).
    pub report: Option<Report>,
    /// The agency (id) an attached file goes to.
    pub agency: Option<i64>,
    /// A printed name no agency has, nor a close one (`--create-missing`).
    pub unknown: bool,
}

impl Judged {
    /// Attaches a file that was read but matched no agency to `agency` (a
    /// close name confirmed, an agency created); false if it cannot be.
    pub fn attach(&mut self, agency: i64, reason: String) -> bool {
        use ogi_store::published::FileOutcome;
        if self.outcome != FileOutcome::Unmatched || self.report.is_none() {
            return false;
        }
        self.agency = Some(agency);
        self.outcome = FileOutcome::Attached;
        self.unknown = false;
        self.reason = reason;
        true
    }
}

/// Reads one file and finds its agency among `names` (never panics: a
/// reader's bug is this file's failure, not the batch's end).
pub fn judge(bytes: &[u8], name: &str, year: i16, names: &[(i64, String)]) -> Judged {
    use ogi_region::intake::{match_agency, Match};
    use ogi_store::published::FileOutcome;
    let base = name.rsplit('/').next();
    let read = std::panic::catch_unwind(|| ogi_report::read(bytes, base)).unwrap_or_else(|_| {
        Err(ogi_report::ReadError { format: ogi_report::Format::Text, reason: "读取时出现内部错误".into() })
    });
    let mut j = Judged {
        outcome: FileOutcome::Failed,
        reason: String::new(),
        printed: String::new(),
        report: None,
        agency: None,
        unknown: false,
    };
    let r = match read {
        Err(e) => {
            j.reason = e.to_string();
            return j;
        }
        Ok(r) if r.meta.year.is_some_and(|y| i32::from(y) != i32::from(year)) => {
            j.reason = format!("是 {} 年度的报告", r.meta.year.unwrap_or_default());
            return j;
        }
        Ok(r) => r,
    };
    j.printed = r.meta.agency.clone().unwrap_or_default();
    let name_of = |id: i64| names.iter().find(|(i, _)| *i == id).map_or(String::new(), |(_, n)| n.clone());
    j.report = Some(r);
    match match_agency(&j.printed, names) {
        Match::Exact(id) => {
            j.outcome = FileOutcome::Attached;
            j.agency = Some(id);
        }
        Match::Close(ids) => {
            let close: Vec<String> = ids.into_iter().map(name_of).collect();
            j.outcome = FileOutcome::Unmatched;
            j.reason = format!("没有名为「{}」的机关；相近：{}", j.printed, close.join("、"));
        }
        Match::None => {
            j.outcome = FileOutcome::Unmatched;
            j.unknown = !j.printed.trim().is_empty();
            j.reason = if j.printed.is_empty() {
                "标题中没有机关名称".into()
            } else {
                format!("没有名为「{}」的机关", j.printed)
            };
        }
    }
    j
}

/// The kind of an agency created from its printed name.
pub fn kind_of(name: &str) -> ogi_rules::agency::AgencyKind {
    use ogi_rules::agency::AgencyKind;
    let n = name.trim();
    if n.ends_with("街道办事处") || n.ends_with("街道") {
        AgencyKind::Street
    } else if ["镇人民政府", "乡人民政府", "镇", "乡"].iter().any(|t| n.ends_with(t)) {
        AgencyKind::Town
    } else if n.ends_with("人民政府") {
        AgencyKind::Government
    } else {
        AgencyKind::Department
    }
}

/// Creates an agency of the printed name under `under`, coded `{under}-N`.
pub fn create_missing(store: &mut Database, under: &str, name: &str, actor: &str) -> Result<(i64, String), String> {
    use ogi_store::Store;
    let taken: Vec<String> = store.agencies().map_err(|e| e.to_string())?.into_iter().map(|a| a.code).collect();
    let code = (1..).map(|n| format!("{under}-{n}")).find(|c| !taken.contains(c)).unwrap_or_default();
    let new = ogi_store::agency::NewAgency {
        code: code.clone(),
        name: name.trim().to_string(),
        kind: kind_of(name),
        parent: under.to_string(),
    };
    let a = store.create_agency(&new, actor).map_err(|e| e.to_string())?;
    Ok((a.id, a.code))
}

/// The date a file counts as received: entered, else printed on the page,
/// else today.
pub fn received_date(entered: Option<ogi_rules::Date>, bytes: &[u8]) -> ogi_rules::Date {
    entered
        .or_else(|| {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(16 << 10)]);
            ogi_region::status::printed_date(&text)?.parse().ok()
        })
        .unwrap_or_else(ogi_rules::china_today)
}

/// The names to match against: the agencies under `--under`, or all.
pub fn names_under(store: &Database, under: Option<&str>) -> Result<Vec<(i64, String)>, String> {
    Ok(store.agencies_under(under).map_err(|e| e.to_string())?.into_iter().map(|a| (a.id, a.name)).collect())
}

/// Stores one judged file as a new file of `batch` (or, with `retry`, as
/// that file's new outcome); creates its agency first with `--create-missing`.
#[allow(clippy::too_many_arguments)]
pub fn store_judged(
    store: &mut Database,
    batch: i64,
    retry: Option<i64>,
    name: &str,
    bytes: &[u8],
    mut j: Judged,
    how: &Intake,
    names: &mut Vec<(i64, String)>,
) -> Result<ogi_store::published::FileOutcome, String> {
    use ogi_store::published::{FileOutcome, NewFile, NewVersion};
    use sha2::Digest;
    if j.unknown && how.create_missing {
        if let Some(under) = &how.under {
            let (id, code) = create_missing(store, under, &j.printed, &how.actor)?;
            names.push((id, j.printed.trim().to_string()));
            j.attach(id, format!("新建机关 {code}"));
        }
    }
    let sha = format!("{:x}", sha2::Sha256::digest(bytes));
    let attached = j.agency.zip(j.report.as_ref());
    let diagnostics = attached.map(|(_, r)| ogi_report::check::check(r, None)).unwrap_or_default();
    let count = |s| diagnostics.iter().filter(|d| d.severity == s).count();
    let version = attached.map(|(id, r)| NewVersion {
        agency_id: id,
        year: how.year,
        report: r,
        source: name,
        received: received_date(how.received, bytes),
        errors: count(ogi_report::check::Severity::Error),
        warnings: count(ogi_report::check::Severity::Warning),
        reason: if retry.is_some() { "重试读入" } else { "读入" },
        changed: "",
    });
    let keep = matches!(j.outcome, FileOutcome::Failed | FileOutcome::Unmatched);
    let file = NewFile {
        name,
        sha256: &sha,
        outcome: j.outcome,
        reason: &j.reason,
        printed_agency: &j.printed,
        version,
        content: keep.then_some(bytes),
    };
    let stored = match retry {
        Some(id) => store.retry_intake_file(id, &file, &how.actor),
        None => store.add_intake_file(batch, &file, &how.actor).map(|_| ()),
    };
    stored.map_err(|e| format!("{name}：{e}"))?;
    Ok(j.outcome)
}

/// Takes one upload — a report file, or an archive of them — into `batch`:
/// each entry read, judged and stored in its own transaction (a file that
/// fails never undoes the others); an archive refused (unreadable, hostile)
/// is listed as failed with why and nothing of it kept. `seen` holds the
/// batch's contents so far: the same file twice is a 重复. Returns each
/// entry's name, outcome and reason.
#[allow(clippy::too_many_arguments)]
pub fn take_in(
    store: &mut Database,
    batch: i64,
    name: &str,
    bytes: Result<Vec<u8>, String>,
    how: &Intake,
    names: &mut Vec<(i64, String)>,
    seen: &mut std::collections::BTreeSet<String>,
) -> Result<Vec<(String, ogi_store::published::FileOutcome, String)>, String> {
    use ogi_region::intake::{unpack, Limits};
    use ogi_store::published::{FileOutcome, NewFile};
    use sha2::Digest;
    let entries = match bytes.and_then(|b| unpack(name, b, &Limits::DEFAULT)) {
        Ok(e) => e,
        Err(reason) => {
            let file = NewFile {
                name,
                sha256: "",
                outcome: FileOutcome::Failed,
                reason: &reason,
                printed_agency: "",
                version: None,
                content: None,
            };
            store.add_intake_file(batch, &file, &how.actor).map_err(|e| e.to_string())?;
            return Ok(vec![(name.to_string(), FileOutcome::Failed, reason)]);
        }
    };
    let mut done = Vec::new();
    for entry in entries {
        let sha = format!("{:x}", sha2::Sha256::digest(&entry.bytes));
        let j = if seen.insert(sha) {
            judge(&entry.bytes, &entry.name, how.year, names)
        } else {
            Judged {
                outcome: FileOutcome::Duplicate,
                reason: "与本批另一文件内容相同".into(),
                printed: String::new(),
                report: None,
                agency: None,
                unknown: false,
            }
        };
        let reason = j.reason.clone();
        let outcome = store_judged(store, batch, None, &entry.name, &entry.bytes, j, how, names)?;
        done.push((entry.name, outcome, reason));
    }
    Ok(done)
}

/// What a retry did with one file: its outcome now, or `None` when nothing
/// was kept to read again (a refused archive), with why.
pub type Retried = (String, Option<ogi_store::published::FileOutcome>, String);

/// Reads batch `batch`'s failed and unmatched files again (against every
/// agency the scope reads, as they are now); each file's outcome replaced.
pub fn retry(
    store: &mut Database,
    batch: i64,
    received: Option<ogi_rules::Date>,
    actor: &str,
) -> Result<Vec<Retried>, String> {
    use ogi_store::published::FileOutcome;
    let files = store.intake_files(batch).map_err(|e| e.to_string())?;
    let year = match store.intake_batches().map_err(|e| e.to_string())?.iter().find(|b| b.id == batch) {
        Some(b) if b.rolled_back.is_some() => return Err(format!("第 {batch} 批已撤回，不能重试")),
        Some(b) => b.year,
        None => return Err(format!("没有第 {batch} 批")),
    };
    let mut names = names_under(store, None)?;
    let how = Intake { year, received, under: None, create_missing: false, actor: actor.to_string() };
    let mut done = Vec::new();
    for f in files.into_iter().filter(|f| matches!(f.outcome, FileOutcome::Failed | FileOutcome::Unmatched)) {
        let Some(bytes) = f.content.as_deref() else {
            done.push((f.name, None, format!("未保留文件内容：{}", f.reason)));
            continue;
        };
        let j = judge(bytes, &f.name, year, &names);
        let reason = j.reason.clone();
        let outcome = store_judged(store, batch, Some(f.id), &f.name, bytes, j, &how, &mut names)?;
        done.push((f.name, Some(outcome), reason));
    }
    Ok(done)
}
