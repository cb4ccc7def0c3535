//! `ogi report check`: read and check many reports, on every core, with a
//! progress line on a terminal, and an optional CSV summary.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use ogi_report::check::{self, Diagnostic, Severity};
use ogi_report::model::Meta;
use ogi_report::Report;

/// The outcome for one file: what was kept of the report (all of it, or only
/// its [`Meta`] for a bulk check), and its diagnostics.
pub struct Checked<T = Report> {
    pub file: PathBuf,
    pub result: Result<(T, Vec<Diagnostic>), String>,
}

impl<T> Checked<T> {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }
    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }
    fn count(&self, s: Severity) -> usize {
        self.result.as_ref().map_or(0, |(_, d)| d.iter().filter(|d| d.severity == s).count())
    }
}

/// What a published report can be saved as.
const REPORT_EXTENSIONS: &[&str] =
    &["html", "htm", "shtml", "xhtml", "txt", "text", "md", "markdown", "docx", "pdf", "json"];

/// Every file under the given paths (directories walked, sorted, hidden files skipped).
pub fn collect(paths: &[PathBuf]) -> Vec<PathBuf> {
    collect_with(paths, &[])
}

/// The same, taking files of the `extra` extensions from directories too
/// (intake takes ZIPs).
pub fn collect_with(paths: &[PathBuf], extra: &[&str]) -> Vec<PathBuf> {
    fn walk(p: &Path, extra: &[&str], out: &mut Vec<PathBuf>) {
        // Symlinked directories are not followed inside a walk (they can loop).
        if p.is_dir() {
            let Ok(rd) = std::fs::read_dir(p) else {
                out.push(p.to_path_buf());
                return;
            };
            // The entry's own type (a symlink not followed), from the
            // directory listing: no stat per file.
            let mut entries: Vec<(PathBuf, std::io::Result<std::fs::FileType>)> =
                rd.flatten().map(|e| (e.path(), e.file_type())).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (e, file_type) in entries {
                let name = e.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
                if name.starts_with('.') {
                    continue;
                }
                // In a directory, only files that can be reports (not .tsv, .png, …).
                let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
                let Ok(file_type) = file_type else { continue };
                if file_type.is_dir() {
                    walk(&e, extra, out);
                } else if (!file_type.is_symlink() || e.is_file())
                    && (REPORT_EXTENSIONS.contains(&ext) || extra.contains(&ext))
                {
                    out.push(e);
                }
            }
        } else {
            out.push(p.to_path_buf());
        }
    }
    let mut out = Vec::new();
    for p in paths {
        walk(p, extra, &mut out);
    }
    out
}

pub fn read_report(path: &Path) -> Result<Report, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("无法读取文件：{e}"))?;
    ogi_report::read(&bytes, path.file_name().and_then(|n| n.to_str())).map_err(|e| e.to_string())
}

/// Checks every file, in parallel, keeping the input order.
pub fn check_all(files: &[PathBuf], previous: Option<&Report>) -> Vec<Checked> {
    check_all_keeping(files, previous, |r| r)
}

/// The same, keeping only `keep(report)` of each report: a bulk check over
/// thousands of files keeps their [`Meta`], and each worker frees a report
/// as soon as it is checked (its memory serves the next file) instead of
/// holding every report until the end.
pub fn check_all_keeping<T: Send>(
    files: &[PathBuf],
    previous: Option<&Report>,
    keep: impl Fn(Report) -> T + Sync,
) -> Vec<Checked<T>> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Checked<T>>>> = Mutex::new((0..files.len()).map(|_| None).collect());
    let progress = std::io::stderr().is_terminal() && files.len() > 1;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(file) = files.get(i) else { break };
        // A bug on one file must not end a run over thousands.
        let result = std::panic::catch_unwind(|| {
            read_report(file).map(|r| {
                let d = check::check(&r, previous);
                (r, d)
            })
        })
        .unwrap_or_else(|_| Err("读取时出现内部错误（请报告此文件）".into()))
        .map(|(r, d)| (keep(r), d));
        results.lock().expect("no panics while holding")[i] = Some(Checked { file: file.clone(), result });
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if progress && (n.is_multiple_of(64) || n == files.len()) {
            eprint!("\r{}", progress_bar(n, files.len()));
        }
    };
    if workers == 1 {
        // One file (or one core): no thread to start.
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(work);
            }
        });
    }
    if progress {
        eprintln!();
    }
    results.into_inner().expect("workers done").into_iter().flatten().collect()
}

/// One CSV row per file: file, agency, year, template, errors, warnings, first error.
pub fn write_summary(path: &Path, checked: &[Checked<Meta>]) -> Result<(), String> {
    let rows = checked.iter().map(|c| {
        let file = c.file.display().to_string();
        match &c.result {
            Ok((meta, d)) => {
                let first =
                    d.iter().find(|d| d.severity == Severity::Error).map(|d| format!("{}: {}", d.rule, d.message));
                [
                    file,
                    meta.agency.clone().unwrap_or_default(),
                    meta.year.map(|y| y.to_string()).unwrap_or_default(),
                    meta.template.map(|t| t.to_string()).unwrap_or_default(),
                    c.errors().to_string(),
                    c.warnings().to_string(),
                    first.unwrap_or_default(),
                ]
            }
            Err(e) => [
                file,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                format!("unreadable: {e}"),
            ],
        }
    });
    let header = ["file", "agency", "year", "template", "errors", "warnings", "first_error"];
    std::fs::write(path, ogi_store::export::csv_bytes(&header, rows)).map_err(|e| format!("{}: {e}", path.display()))
}

/// The JSON contract: one object per file.
pub fn to_json(checked: &[Checked<Meta>]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = checked
        .iter()
        .map(|c| match &c.result {
            Ok((meta, d)) => serde_json::json!({
                "file": c.file.display().to_string(),
                "agency": meta.agency,
                "year": meta.year,
                "template": meta.template,
                "diagnostics": d,
            }),
            Err(e) => serde_json::json!({
                "file": c.file.display().to_string(),
                "error": e,
                "diagnostics": [],
            }),
        })
        .collect();
    serde_json::Value::Array(items)
}

/// `[=========>          ] 4512/10000 份报告`
pub(crate) fn progress_bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let mut bar = "=".repeat(filled.saturating_sub(1));
    if filled > 0 {
        bar.push(if done == total { '=' } else { '>' });
    }
    format!("[{bar:<WIDTH$}] {done}/{total} 份报告")
}

#[cfg(test)]
mod tests {
    #[test]
    fn progress_bar_fills_with_the_work_done() {
        assert_eq!(super::progress_bar(0, 10), format!("[{}] 0/10 份报告", " ".repeat(30)));
        assert_eq!(super::progress_bar(5, 10), format!("[{}>{}] 5/10 份报告", "=".repeat(14), " ".repeat(15)));
        assert_eq!(super::progress_bar(10, 10), format!("[{}] 10/10 份报告", "=".repeat(30)));
    }
}
