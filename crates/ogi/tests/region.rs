//! Issue 14 end to end through `ogi region …` on a register: a region of 40
//! agencies in three levels — most drafting their report in ogi from their
//! own records (simulated registers, documents, 第二十条 figures, cases), a
//! few sending published reports of the corpus — taken in, summed, checked,
//! drilled down to the printed cell and to the requests counted, corrected
//! as new versions, and listed by status.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use ogi_rules::{Calendar, Date};
use ogi_store::{Database, Scope, Store};
use ogi_vocab::cells::{CellKey, OtherReason, Outcome, T3Row, Template};
use ogi_vocab::{Number, Report};

const YEAR: i16 = 2023;

fn corpus() -> PathBuf {
    std::env::var("OGI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

fn ogi(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ogi")).args(args).output().expect("run ogi")
}

/// Runs `ogi`, which must succeed; its standard output and error.
fn run(args: &[&str]) -> (String, String) {
    let out = ogi(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn json(args: &[&str]) -> serde_json::Value {
    let (out, err) = run(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}\n{err}"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ogi-region-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The published reports of the corpus in the region: (file, code, parent).
/// Their printed names are the agencies' names in the tree.
const PUBLISHED: [(&str, &str, &str); 5] = [
    ("liaocheng-gxj-2023.txt", "gxj", "root"),
    ("real/pingtan/2023_shsyj.txt", "shsyj", "root"),
    ("real/pingtan/2023_xzspj.txt", "xzspj", "d1"),
    ("real/pingtan/2023_jjpq.txt", "jjpq", "d1"),
    ("real/pingtan/2023_gwh.txt", "gwh", "d2"),
];

fn read(file: &str) -> Report {
    let bytes = std::fs::read(corpus().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    ogi_report::read(&bytes, Path::new(file).file_name().and_then(|n| n.to_str())).unwrap()
}

/// One agency drafting in ogi: its simulated records, as the store keeps them.
struct Drafting {
    code: String,
    requests: Vec<ogi_rules::request::Request>,
    documents: Vec<ogi_rules::annual::Document>,
    art20: ogi_rules::annual::Art20Figures,
    cases: Vec<ogi_rules::annual::Case>,
}

impl Drafting {
    fn new(code: String, seed: u64) -> Drafting {
        let cal = Calendar::embedded();
        // Received from mid-2022 into 2023: some carried over, some carried forward.
        let first: Date = "2022-07-01".parse().unwrap();
        let requests = ogi_rules::sim::requests(&cal, seed, 15 + (seed as usize * 7) % 40, first, 520);
        let (documents, art20, cases) = ogi_rules::sim::records(seed, YEAR);
        Drafting { code, requests, documents, art20, cases }
    }

    /// Its tables as `ogi-rules` derives them from the records (not from the store).
    fn tables(&self) -> BTreeMap<CellKey, Number> {
        let mut cells = ogi_rules::table3::derive(&self.requests, YEAR, Template::Y2021);
        cells.extend(ogi_rules::annual::table2(YEAR, &self.documents, Some(&self.art20)));
        cells.extend(ogi_rules::annual::table4(YEAR, &self.cases));
        cells
    }
}

/// The region: `root` (the 主管部门's government, whose own report is the
/// sum), three district governments (one of them 平潭 with its published
/// report), departments and towns below. 40 agencies.
struct Region {
    dir: PathBuf,
    db: String,
    drafting: Vec<Drafting>,
    /// Agency code → parent code, for every agency but root.
    parents: BTreeMap<String, String>,
    names: BTreeMap<String, String>,
}

fn build_region(name: &str) -> Region {
    let dir = scratch(name);
    let db = dir.join("ogi.db").display().to_string();
    let mut csv = String::from("code,name,parent,kind\n");
    let mut parents = BTreeMap::new();
    let mut names = BTreeMap::new();
    let mut add = |code: &str, name: &str, parent: &str, kind: &str, csv: &mut String| {
        csv.push_str(&format!("{code},{name},{parent},{kind}\n"));
        parents.insert(code.to_string(), parent.to_string());
        names.insert(code.to_string(), name.to_string());
    };
    for (file, code, parent) in PUBLISHED {
        let printed = read(file).meta.agency.unwrap();
        let kind = if code == "gwh" { "government" } else { "department" };
        if code == "gwh" {
            // A district government, level 1.
            add(code, &printed, "root", kind, &mut csv);
            continue;
        }
        let _ = parent;
        add(code, &printed, if code == "xzspj" || code == "jjpq" { "d1" } else { "root" }, kind, &mut csv);
    }
    add("d1", "模拟市甲区人民政府", "root", "government", &mut csv);
    add("d3", "模拟市丙区人民政府", "root", "government", &mut csv);
    let mut drafting_codes = Vec::new();
    for i in 1..=10 {
        let code = format!("c{i:02}");
        add(&code, &format!("模拟市第{i}局"), "root", "department", &mut csv);
        drafting_codes.push(code);
    }
    for district in ["d1", "gwh", "d3"] {
        let n = if district == "d1" { 6 } else { 8 };
        for i in 1..=n {
            let code = format!("{district}-{i}");
            let kind = if i % 4 == 0 { "town" } else { "department" };
            add(&code, &format!("{district}区第{i}单位"), district, kind, &mut csv);
            drafting_codes.push(code);
        }
    }
    assert_eq!(parents.len() + 1, 40, "root and 39 below");
    let mut store = Database::open_location(&db).unwrap();
    store.import_agencies(csv.as_bytes(), "管理员").unwrap();
    let tree = store.agencies().unwrap();
    let id = |code: &str| tree.iter().find(|a| a.code == code).unwrap().id;
    let drafting: Vec<Drafting> =
        drafting_codes.into_iter().enumerate().map(|(i, c)| Drafting::new(c, 1000 + i as u64)).collect();
    let cal = Calendar::embedded();
    store
        .import_registers(drafting.iter().map(|d| (id(&d.code), d.requests.clone())), "模拟申请", "模拟", &cal, 64)
        .unwrap();
    for d in &drafting {
        store.set_scope(Scope::operator_in(id(&d.code)));
        for doc in &d.documents {
            store.add_document(doc, "模拟").unwrap();
        }
        store.set_art20(YEAR, &d.art20, "模拟").unwrap();
        for c in &d.cases {
            store.add_case(c, "模拟").unwrap();
        }
    }
    drop(store);
    // The published reports, sent as one ZIP by the 主管部门's inbox.
    let inbox = dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    for (file, _, _) in PUBLISHED {
        std::fs::copy(corpus().join(file), inbox.join(Path::new(file).file_name().unwrap())).unwrap();
    }
    let (out, err) =
        run(&["region", "intake", inbox.to_str().unwrap(), "--year", "2023", "--received", "2024-01-20", "--db", &db]);
    assert_eq!(out.trim(), "第 1 批：已归入 5，未读入 0，未匹配机关 0", "{err}");
    Region { dir, db, drafting, parents, names }
}

impl Region {
    /// Every agency's report as its source gives it, independently of the
    /// store: the files read again, the records derived by `ogi-rules`.
    fn reports(&self) -> BTreeMap<String, Report> {
        let mut out: BTreeMap<String, Report> =
            PUBLISHED.iter().map(|(file, code, _)| (code.to_string(), read(file))).collect();
        for d in &self.drafting {
            out.insert(d.code.clone(), Report::of_cells(YEAR, Template::Y2021, d.tables()));
        }
        out
    }

    /// `code` and every agency below it.
    fn under(&self, code: &str) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = [code.to_string()].into();
        loop {
            let more: Vec<String> = self
                .parents
                .iter()
                .filter(|(c, p)| out.contains(*p) && !out.contains(*c))
                .map(|(c, _)| c.clone())
                .collect();
            if more.is_empty() {
                return out;
            }
            out.extend(more);
        }
    }
}

/// A member's value of a summed key (其他处理's group: its sub-rows, by hand).
fn value(r: &Report, key: CellKey) -> Option<Number> {
    match key {
        CellKey::T3(T3Row::Outcome(Outcome::OtherUnsplit), c) => r.value(key).or_else(|| {
            OtherReason::ALL.iter().try_fold(Number::ZERO, |acc, o| {
                acc.checked_add(r.value(CellKey::T3(T3Row::Outcome(Outcome::Other(*o)), c))?)
            })
        }),
        _ => r.value(key),
    }
}

fn cells_of(v: &serde_json::Value) -> BTreeMap<String, String> {
    v["cells"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect()
}

/// Done 1: the region summed from the store equals the sum of what each
/// agency's source says, cell by cell; the sum passes the checker; a cell one
/// agency left blank is left out naming it; drill-down gives exactly the
/// agencies below a district and, for those drafting in ogi, the requests.
#[test]
fn a_region_of_forty_agencies_sums_checks_and_drills_down() {
    let region = build_region("done1");
    let db = region.db.as_str();
    let reports = region.reports();
    let sum = json(&["region", "rollup", "--year", "2023", "--json", "--name", "模拟市人民政府", "--db", db]);
    let summed = cells_of(&sum);
    // The governments of the city and of two districts neither published
    // nor keep records: missing, never summed as zeros.
    assert_eq!(sum["agencies"].as_array().unwrap().len(), 37);
    assert_eq!(sum["drafted"].as_array().unwrap().len(), 32);
    let missing: BTreeSet<&str> = sum["missing"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(missing, ["本机关", "模拟市甲区人民政府", "模拟市丙区人民政府"].into());
    // Every key some agency has: summed iff every agency has it as a number.
    let keys: BTreeSet<CellKey> = reports.values().flat_map(|r| r.cells.keys().copied()).collect();
    let mut checked = 0;
    for key in keys {
        if matches!(key, CellKey::T3(T3Row::Outcome(Outcome::Other(_)), _)) && !summed.contains_key(&key.to_string()) {
            continue; // a report printing 其他处理 as one row: summed in the group only
        }
        let values: Vec<(String, Option<Number>)> = reports.iter().map(|(c, r)| (c.clone(), value(r, key))).collect();
        let lacking: Vec<String> =
            values.iter().filter(|(_, v)| v.is_none()).map(|(c, _)| region.names[c].clone()).collect();
        if lacking.is_empty() {
            let by_hand = values.iter().fold(Number::ZERO, |acc, (_, v)| acc.checked_add(v.unwrap()).unwrap());
            assert_eq!(summed.get(&key.to_string()), Some(&by_hand.to_string()), "{key}");
            checked += 1;
        } else {
            assert!(!summed.contains_key(&key.to_string()), "{key} summed though {lacking:?} lack it");
            let named: BTreeSet<String> = sum["lacking"][key.to_string()]
                .as_array()
                .unwrap_or_else(|| panic!("{key} not named as lacking"))
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            assert_eq!(named, lacking.into_iter().collect::<BTreeSet<_>>(), "{key}");
        }
    }
    assert!(checked > 150, "tables 三 and 四 summed whole: {checked} cells");
    // The national format's identities hold for the sum.
    let errors: Vec<&serde_json::Value> = sum["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error" && !d["rule"].as_str().unwrap().starts_with("structure."))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // One agency's cell corrected to blank: the cell is left out, naming it.
    let key = "t3.granted.natural";
    let blank_cell = format!("{key}=");
    let (out, _) =
        run(&["region", "correct", "jjpq", "--year", "2023", "--cell", &blank_cell, "--why", "原表空白", "--db", db]);
    assert!(out.contains(&format!("{key}：")) && out.contains("→空白"), "{out}");
    let blank = json(&["region", "rollup", "--year", "2023", "--json", "--db", db]);
    assert!(blank["cells"].get(key).is_none(), "a blank was summed as 0");
    assert_eq!(blank["lacking"][key], serde_json::json!([region.names["jjpq"]]));

    // Drill-down under district 甲区: exactly its agencies, their values,
    // and for those drafting in ogi the requests counted.
    let key: CellKey = "t3.granted.total".parse().unwrap();
    let rows = json(&["region", "drill", "t3.granted.total", "--year", "2023", "--under", "d1", "--json", "--db", db]);
    let rows = rows.as_array().unwrap();
    let codes: BTreeSet<String> = rows.iter().map(|r| r["code"].as_str().unwrap().to_string()).collect();
    let mut expected = region.under("d1");
    expected.remove("d1"); // the district's own government drafts nothing: missing
    assert_eq!(codes, expected);
    let store = Database::open_location(db).unwrap();
    let tree = store.agencies().unwrap();
    let all = store.all().unwrap();
    for r in rows {
        let code = r["code"].as_str().unwrap();
        let want = reports[code].value(key).unwrap();
        assert_eq!(r["value"], want.to_string(), "{code}");
        let id = tree.iter().find(|a| a.code == code).unwrap().id;
        if PUBLISHED.iter().any(|(_, c, _)| *c == code) {
            // 金井's cell was corrected above: its second version is summed.
            assert_eq!(r["version"], if code == "jjpq" { 2 } else { 1 }, "{code}");
            assert!(r["printed"].as_str().unwrap().contains(&want.to_string()), "{code}: {r}");
            assert!(r["requests"].is_null());
            continue;
        }
        // The register's own answer: closed in the year as 予以公开.
        let granted: Vec<String> = all
            .iter()
            .filter(|s| s.agency_id == id)
            .filter(|s| match s.request.state() {
                ogi_rules::request::State::Closed { on, outcome } => on.year() == YEAR && outcome == Outcome::Granted,
                _ => false,
            })
            .map(|s| s.code.clone())
            .collect();
        let counted: Vec<String> =
            r["requests"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
        assert_eq!(counted, granted, "{code}");
        assert_eq!(counted.len().to_string(), r["value"].as_str().unwrap(), "{code}");
    }
    std::fs::remove_dir_all(&region.dir).ok();
}
