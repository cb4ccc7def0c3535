//! The storage suite, run against both backends: every test below runs
//! once on a fresh SQLite file and once on a fresh PostgreSQL database
//! (created on the server of `OGI_TEST_POSTGRES_URL`, dropped afterwards).
//! Lawful changes stored and audited, unlawful ones refused without a
//! trace, table 三 as a query, lists, search, accounts, the calendar, and
//! the races of a shared deployment.

use std::path::PathBuf;
use std::sync::Arc;

use ogi_rules::request::{Channel, Event, State};
use ogi_rules::{Calendar, Date};
use ogi_store::scratch::ScratchPostgres;
use ogi_store::{Database, Location, NewRequest, Store};
use ogi_vocab::cells::{ApplicantColumn, DenialReason, Outcome, Template};

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// A fresh, empty register on one backend; `open` connects to it again
/// (as another process or clerk would).
#[derive(Clone)]
struct Fresh {
    location: Location,
    /// Keeps the PostgreSQL database alive (dropped with the last clone).
    _scratch: Option<Arc<ScratchPostgres>>,
}

impl Fresh {
    fn sqlite(name: &str) -> Fresh {
        let dir = std::env::temp_dir().join(format!("ogi-storage-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Fresh { location: Location::Sqlite(dir.join("ogi.db")), _scratch: None }
    }

    fn postgres(name: &str) -> Fresh {
        let scratch = ScratchPostgres::create(name).unwrap_or_else(|e| panic!("{e}"));
        Fresh { location: Location::Postgres(scratch.url().to_string()), _scratch: Some(Arc::new(scratch)) }
    }

    fn open(&self) -> Database {
        Database::connect(&self.location).unwrap_or_else(|e| panic!("{}: {e}", self.location))
    }

    /// Where calendar files beside the database are read from.
    fn data_dir(&self) -> Option<&std::path::Path> {
        self.location.data_dir()
    }

    #[allow(dead_code)]
    fn path(&self) -> PathBuf {
        match &self.location {
            Location::Sqlite(p) => p.clone(),
            Location::Postgres(_) => unreachable!("a SQLite test"),
        }
    }
}

/// `both!(test_fn, …)`: a `sqlite` and a `postgres` test for each.
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(&super::Fresh::sqlite(stringify!($name)));
            }
            #[test]
            fn postgres() {
                super::$name(&super::Fresh::postgres(stringify!($name)));
            }
        }
    )*};
}

both!(
    a_request_lives_in_the_register_and_every_change_is_audited,
    two_offices_registering_at_once_both_succeed_with_distinct_codes,
    table_three_from_the_register_is_the_derivation_over_its_requests,
    a_simulated_register_round_trips_and_counts_the_same,
    the_records_of_the_annual_report_are_kept_audited_and_checked,
    fees_collected_are_the_fees_paid_in_the_year,
    the_register_lists_filter_search_and_page_and_the_workbench_finds_what_is_due,
    accounts_sessions_and_the_last_administrator,
    a_cached_table3_follows_changes_made_by_this_and_other_connections,
    a_tracking_code_or_its_beginning_finds_its_requests,
    saving_a_years_notice_recomputes_the_open_requests,
    failed_logins_lock_a_name_until_it_is_unlocked,
    twenty_clerks_answering_one_request_at_once_one_wins,
    twenty_registrations_at_once_get_consecutive_codes,
    agencies_are_imported_as_a_tree,
    who_sees_what_is_decided_by_the_scope,
    published_reports_keep_every_version_and_a_batch_rolls_back_whole,
    a_letter_delivered_online_is_kept_as_sent_and_only_its_agency_reads_it,
    a_region_gathers_published_versions_and_the_records_of_drafting_agencies,
    marks_on_findings_are_kept_with_their_history_in_the_scope,
);

/// Migration 17: the review marks on findings, each kept (the state is the
/// latest), only by and for the agencies the scope reads.
fn marks_on_findings_are_kept_with_their_history_in_the_scope(db: &Fresh) {
    use ogi_store::review::NewMark;
    use ogi_store::{Role, StoreError};
    let mut s = db.open();
    let csv = "code,name,parent,kind\na,甲局,root,department\nb,乙局,root,department\n";
    s.import_agencies(csv.as_bytes(), "管理员").unwrap();
    let id = |s: &Database, code: &str| s.agencies().unwrap().into_iter().find(|a| a.code == code).unwrap().id;
    let (a, b) = (id(&s, "a"), id(&s, "b"));
    let mark = |agency: i64, state: &'static str, note: &'static str, version: i64| NewMark {
        agency_id: agency,
        year: 2024,
        finding: "t3.row-sum@t3.new.total",
        rule: "t3.row-sum",
        message: "行合计不符",
        version,
        state,
        note,
    };
    let top = s.create_user_in(ogi_store::ROOT_AGENCY, "top", "督导员", Role::Supervisor, "h", "管理员").unwrap();
    s.set_scope(top.scope());
    s.mark_finding(&mark(a, "confirmed", "请更正", 1), "督导员").unwrap();
    s.mark_finding(&mark(a, "rectified", "", 2), "督导员").unwrap();
    s.mark_finding(&mark(b, "false_positive", "读错", 1), "督导员").unwrap();
    let e = s.mark_finding(&mark(b, "maybe", "", 1), "督导员").unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e}");
    let all = s.finding_marks(2024, None).unwrap();
    let got: Vec<(i64, &str, i64, &str)> =
        all.iter().map(|m| (m.agency_id, m.state.as_str(), m.version, m.note.as_str())).collect();
    assert_eq!(got, [(a, "confirmed", 1, "请更正"), (a, "rectified", 2, ""), (b, "false_positive", 1, "读错")]);
    assert_eq!(s.finding_marks(2024, Some(b)).unwrap().len(), 1);
    assert!(s.finding_marks(2023, None).unwrap().is_empty());
    // A clerk of 乙局 sees 乙局's marks only, and cannot mark 甲局's.
    let clerk = s.create_user_in(b, "yi", "乙局经办人", Role::Clerk, "h", "管理员").unwrap();
    s.set_scope(clerk.scope());
    assert_eq!(s.finding_marks(2024, None).unwrap().len(), 1);
    assert!(s.mark_finding(&mark(a, "confirmed", "", 3), "乙").is_err());
}

/// Issue 14: the region under a code, each agency with its active version,
/// or its records drafted as tables (table 三 from the register, 二 and 四
/// from documents, 第二十条 figures and cases), or missing; the requests
/// behind a cell of a drafting agency's table 三.
fn a_region_gathers_published_versions_and_the_records_of_drafting_agencies(db: &Fresh) {
    use ogi_store::published::NewVersion;
    use ogi_store::region::Figures;
    use ogi_store::{Role, Scope};
    use ogi_vocab::cells::CellKey;
    use ogi_vocab::model::Report;
    use ogi_vocab::Number;
    let mut s = db.open();
    let csv = "code,name,parent,kind\nd,某区人民政府,root,government\na,甲局,d,department\nb,乙局,d,department\nc,丙局,root,department\n";
    s.import_agencies(csv.as_bytes(), "管理员").unwrap();
    let id = |s: &Database, code: &str| s.agencies().unwrap().into_iter().find(|a| a.code == code).unwrap().id;
    let (a, b) = (id(&s, "a"), id(&s, "b"));
    // 甲局 drafts in ogi: a simulated register and its 第二十条 figures.
    let cal = Calendar::embedded();
    let requests = ogi_rules::sim::requests(&cal, 7, 60, d("2023-08-01"), 400);
    s.import_registers([(a, requests.clone())].into_iter(), "模拟", "模拟", &cal, 16).unwrap();
    s.set_scope(Scope::operator_in(a));
    let (documents, art20, cases) = ogi_rules::sim::records(7, 2024);
    for doc in &documents {
        s.add_document(doc, "模拟").unwrap();
    }
    s.set_art20(2024, &art20, "模拟").unwrap();
    for c in &cases {
        s.add_case(c, "模拟").unwrap();
    }
    s.set_scope(Scope::OPERATOR);
    // 乙局 published its report.
    let key: CellKey = "t3.new.total".parse().unwrap();
    let published = Report::of_cells(2024, Template::Y2021, [(key, Number::int(5))]);
    let new = NewVersion {
        agency_id: b,
        year: 2024,
        report: &published,
        source: "乙局.pdf",
        received: d("2025-01-10"),
        errors: 0,
        warnings: 0,
        reason: "读入",
        changed: "",
    };
    s.add_report_version(&new, "督导员").unwrap();
    // Two reviewers correcting version 1 at once: the second is refused.
    let fixed = Report::of_cells(2024, Template::Y2021, [(key, Number::int(6))]);
    let correction =
        NewVersion {
            report: &fixed, source: "更正", reason: "误读", changed: "t3.new.total：5→6", ..new.clone()
        };
    s.correct_report(&correction, 1, "审核甲").unwrap();
    let e = s.correct_report(&correction, 1, "审核乙").unwrap_err();
    assert!(e.to_string().contains("第 2 版"), "{e}");
    assert_eq!(s.report_versions(b, 2024).unwrap().len(), 2);
    let region = s.region(2024, Some("d")).unwrap();
    let codes: Vec<&str> = region.iter().map(|r| r.agency.code.as_str()).collect();
    assert_eq!(codes, ["d", "a", "b"], "the district and what is below it, not 丙局");
    assert_eq!(region[0].figures, Figures::Missing);
    let Figures::Drafted(drafted) = &region[1].figures else { panic!("{:?}", region[1].figures) };
    let mut expected = ogi_rules::table3::derive(&requests, 2024, Template::Y2021);
    expected.extend(ogi_rules::annual::table2(2024, &documents, Some(&art20)));
    expected.extend(ogi_rules::annual::table4(2024, &cases));
    let got: std::collections::BTreeMap<CellKey, Number> = drafted.cells.iter().map(|(k, c)| (*k, c.value)).collect();
    assert_eq!(got, expected);
    assert_eq!(region[2].version().unwrap().report.value(key), Some(Number::int(6)), "the correction is summed");
    // The requests behind 甲局's 新收 and 结转下年度: exactly those the rule counts.
    let stored: Vec<_> = s.all().unwrap().into_iter().filter(|r| r.agency_id == a).collect();
    let new_codes: Vec<String> =
        stored.iter().filter(|r| r.request.received.year() == 2024).map(|r| r.code.clone()).collect();
    assert_eq!(s.counted_requests(a, 2024, key).unwrap(), new_codes);
    assert_eq!(new_codes.len() as i64, drafted.value(key).unwrap().as_int().unwrap());
    let forward: CellKey = "t3.carry_forward.total".parse().unwrap();
    let open_at_end = stored
        .iter()
        .filter(|r| r.request.received.year() <= 2024)
        .filter(|r| match r.request.state() {
            State::Closed { on, .. } => on.year() > 2024,
            _ => true,
        })
        .count();
    assert_eq!(s.counted_requests(a, 2024, forward).unwrap().len(), open_at_end);
    assert!(s.counted_requests(a, 2024, "t2.penalty.decisions".parse().unwrap()).unwrap().is_empty());
    // An unknown code is named; a clerk of 乙局 reads only 乙局.
    assert!(s.region(2024, Some("zz")).unwrap_err().to_string().contains("zz"));
    let clerk = s.create_user_in(b, "yi", "乙局经办人", Role::Clerk, "h", "管理员").unwrap();
    s.set_scope(clerk.scope());
    let mine = s.region(2024, None).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].agency.code, "b");
    assert!(s.counted_requests(a, 2024, key).is_err(), "another agency's requests are not told");
}

fn new(applicant: ApplicantColumn, arrived: &str) -> NewRequest {
    NewRequest {
        channel: Channel::InPerson,
        applicant,
        arrived: d(arrived),
        confirmed: None,
        summary: "要求公开某项目批复文件".into(),
        applicant_name: "张某".into(),
        contact: "13800000000".into(),
    }
}

fn a_request_lives_in_the_register_and_every_change_is_audited(db: &Fresh) {
    let cal = Calendar::embedded();
    let code = {
        let mut s = db.open();
        let r = s.create(new(ApplicantColumn::Natural, "2024-09-27"), "张三", &cal).unwrap();
        assert_eq!(r.code, "YSQ2024-000001");
        assert_eq!(r.request.due(&cal).unwrap(), Some(d("2024-10-30")));
        s.record(&r.code, Event::Extended { on: d("2024-10-28"), days: 20, approver: "王主任".into() }, "张三", &cal)
            .unwrap();
        r.code
    };
    // Reopened: the request and its computed deadline are back.
    let mut s = db.open();
    let r = s.get(&code).unwrap();
    assert_eq!(r.request.due(&cal).unwrap(), Some(d("2024-11-27")));
    // An unlawful change is refused and leaves no trace.
    let err =
        s.record(&code, Event::Extended { on: d("2024-10-29"), days: 5, approver: "王主任".into() }, "张三", &cal);
    assert!(err.is_err());
    assert_eq!(s.get(&code).unwrap(), r);
    s.record(
        &code,
        Event::Answered { on: d("2024-11-20"), outcome: Outcome::Denied(DenialReason::ThirdPartyRights) },
        "李四",
        &cal,
    )
    .unwrap();
    assert!(matches!(s.get(&code).unwrap().request.state(), State::Closed { .. }));
    let audit = s.audit().unwrap();
    assert_eq!(audit.len(), 3, "{audit:#?}");
    assert_eq!(audit[0].actor, "张三");
    assert_eq!(audit[2].actor, "李四");
    assert!(audit[2].before.as_deref().unwrap().contains("办理中"));
    assert!(audit[2].after.as_deref().unwrap().contains("已办结 2024-11-20"));
    assert!(s.get("YSQ2024-999999").is_err());
}

fn two_offices_registering_at_once_both_succeed_with_distinct_codes(db: &Fresh) {
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                let cal = Calendar::embedded();
                let mut s = db.open();
                (0..40)
                    .map(|_| s.create(new(ApplicantColumn::KINDS[t], "2024-06-03"), "并发", &cal).unwrap().code)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut codes: Vec<String> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 80);
    assert_eq!(codes.last().unwrap(), "YSQ2024-000080");
}

fn table_three_from_the_register_is_the_derivation_over_its_requests(db: &Fresh) {
    let cal = Calendar::embedded();
    let mut s = db.open();
    let mut seed = 7u64;
    let mut rnd = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let outcomes = [Outcome::Granted, Outcome::Partial, Outcome::Denied(DenialReason::StateSecret)];
    for i in 0..600 {
        let day = cal.add_workdays(d("2023-01-03"), rnd(470) as u32).unwrap();
        let applicant = ApplicantColumn::KINDS[rnd(6) as usize];
        let r = s.create(new(applicant, &day.to_string()), "测试", &cal).unwrap();
        match i % 4 {
            0 => {} // left open
            1 => {
                let on = cal.add_workdays(day, 1 + rnd(30) as u32).unwrap();
                s.record(&r.code, Event::Answered { on, outcome: outcomes[rnd(3) as usize] }, "测试", &cal).unwrap();
            }
            2 => {
                let on = cal.add_workdays(day, 1).unwrap();
                s.record(
                    &r.code,
                    Event::CorrectionRequested { on, reply_by: cal.add_workdays(on, 10).unwrap() },
                    "测试",
                    &cal,
                )
                .unwrap();
                let lapse = cal.add_workdays(on, 11).unwrap();
                s.record(&r.code, Event::CorrectionLapsed { on: lapse }, "测试", &cal).unwrap();
            }
            _ => {
                let on = cal.add_workdays(day, 2).unwrap();
                s.record(&r.code, Event::Withdrawn { on }, "测试", &cal).unwrap();
            }
        }
    }
    let all: Vec<_> = s.all().unwrap().into_iter().map(|x| x.request).collect();
    for year in [2023, 2024] {
        for t in [Template::Y2021, Template::Y2019] {
            assert_eq!(s.table3(year, t).unwrap(), ogi_rules::table3::derive(&all, year, t), "{year} {t}");
        }
    }
}

fn a_simulated_register_round_trips_and_counts_the_same(db: &Fresh) {
    let cal = Calendar::embedded();
    let requests = ogi_rules::sim::requests(&cal, 11, 3000, d("2023-10-09"), 300);
    let mut s = db.open();
    s.import_requests(&requests, "模拟", "演示", &cal).unwrap();
    let back: Vec<_> = s.all().unwrap().into_iter().map(|x| x.request).collect();
    assert_eq!(back, requests);
    for year in [2023, 2024] {
        assert_eq!(
            s.table3(year, Template::Y2021).unwrap(),
            ogi_rules::table3::derive(&requests, year, Template::Y2021)
        );
    }
}

fn the_records_of_the_annual_report_are_kept_audited_and_checked(db: &Fresh) {
    use ogi_rules::annual::{Art20Figures, Case, CaseKind, CaseResult, Document, DocumentKind, EditableSection};
    use ogi_vocab::Number;
    {
        let mut s = db.open();
        s.set_setting(ogi_store::AGENCY_NAME, "某市数据局", "管理员").unwrap();
        let doc = Document {
            kind: DocumentKind::Normative,
            title: "关于数据共享的管理办法".into(),
            number: "某数规〔2023〕1号".into(),
            issued: d("2023-04-01"),
            repealed: None,
        };
        let id = s.add_document(&doc, "李四").unwrap();
        // A repeal before the issue date is refused, and nothing changes.
        assert!(matches!(s.repeal_document(id, d("2023-01-01"), "李四"), Err(ogi_store::StoreError::Invalid(_))));
        s.repeal_document(id, d("2024-06-30"), "李四").unwrap();
        assert!(s.repeal_document(id, d("2024-07-01"), "李四").is_err(), "repealed once only");
        assert!(matches!(s.repeal_document(99, d("2024-07-01"), "李四"), Err(ogi_store::StoreError::NoRecord { .. })));
        let figures =
            Art20Figures { licensing: 120, penalty: 8, enforcement: 0, fees_wan: "3.75".parse::<Number>().unwrap() };
        s.set_art20(2024, &figures, "李四").unwrap();
        let case =
            Case { kind: CaseKind::Review, received: d("2024-11-02"), summary: "不服答复".into(), decided: None };
        let case_id = s.add_case(&case, "李四").unwrap();
        assert!(s.decide_case(case_id, d("2024-10-01"), CaseResult::Upheld, "李四").is_err(), "before receipt");
        s.decide_case(case_id, d("2025-01-20"), CaseResult::Corrected, "李四").unwrap();
        assert!(s.set_text(2024, EditableSection::Overview, "收到{收到}件", "李四").is_err());
        s.set_text(2024, EditableSection::Overview, "新收申请{新收申请}件。", "李四").unwrap();
    }
    // Everything survives reopening.
    let s = db.open();
    let records = s.annual_records(2024).unwrap();
    assert_eq!(records.agency, "某市数据局");
    assert_eq!(records.documents.len(), 1);
    assert_eq!(records.documents[0].repealed, Some(d("2024-06-30")));
    assert_eq!(records.art20.as_ref().unwrap().fees_wan.to_string(), "3.75");
    assert_eq!(records.cases[0].decided, Some((d("2025-01-20"), CaseResult::Corrected)));
    assert_eq!(records.texts[&EditableSection::Overview], "新收申请{新收申请}件。");
    assert!(s.art20(2023).unwrap().is_none());
    let report = ogi_rules::annual::draft(&records).unwrap();
    let v = |k: &str| report.value(k.parse().unwrap()).unwrap().to_string();
    assert_eq!((v("t2.normative.repealed"), v("t2.normative.in_force")), ("1".into(), "0".into()));
    assert_eq!((v("t4.review.pending"), v("t2.fees.amount")), ("1".into(), "3.75".into()));
    // Each accepted change is in the audit log, with before and after; refused ones are not.
    let audit = s.audit().unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions.len(), 7, "{actions:?}");
    let repeal = audit.iter().find(|a| a.action.starts_with("废止文件")).unwrap();
    assert!(repeal.before.as_deref().unwrap().contains("关于数据共享的管理办法"));
    assert!(repeal.after.as_deref().unwrap().contains("2024-06-30 废止"));
}

fn fees_collected_are_the_fees_paid_in_the_year(db: &Fresh) {
    let cal = Calendar::embedded();
    let mut s = db.open();
    let paid = s.create(new(ApplicantColumn::Natural, "2024-12-02"), "张三", &cal).unwrap();
    s.record(
        &paid.code,
        Event::FeeNoticed { on: d("2024-12-05"), yuan: 100, delivered: d("2024-12-05") },
        "张三",
        &cal,
    )
    .unwrap();
    s.record(&paid.code, Event::FeePaid { on: d("2025-01-02") }, "张三", &cal).unwrap();
    let lapsed = s.create(new(ApplicantColumn::Natural, "2025-03-03"), "张三", &cal).unwrap();
    s.record(
        &lapsed.code,
        Event::FeeNoticed { on: d("2025-03-04"), yuan: 300, delivered: d("2025-03-04") },
        "张三",
        &cal,
    )
    .unwrap();
    assert_eq!(s.processing_fees(2024).unwrap(), 0);
    assert_eq!(s.processing_fees(2025).unwrap(), 100);
}

fn the_register_lists_filter_search_and_page_and_the_workbench_finds_what_is_due(db: &Fresh) {
    use ogi_store::{ListFilter, StateFilter};
    let cal = Calendar::embedded();
    let mut s = db.open();
    let mut codes = Vec::new();
    for (i, day) in ["2024-09-02", "2024-09-03", "2024-09-20", "2024-10-08"].iter().enumerate() {
        let mut n = new(if i % 2 == 0 { ApplicantColumn::Natural } else { ApplicantColumn::Commercial }, day);
        n.applicant_name = format!("申请人{i}");
        n.summary = if i == 2 { "要求公开100%_拆迁补偿方案".into() } else { n.summary };
        codes.push(s.create(n, "张三", &cal).unwrap().code);
    }
    s.record(
        &codes[0],
        Event::Answered { on: d("2024-09-10"), outcome: Outcome::Denied(DenialReason::StateSecret) },
        "李四",
        &cal,
    )
    .unwrap();
    s.record(&codes[1], Event::CorrectionRequested { on: d("2024-09-04"), reply_by: d("2024-09-20") }, "张三", &cal)
        .unwrap();
    let all = |f: ListFilter| s.list(&f, 0, 100).unwrap();
    let (rows, total) = all(ListFilter::default());
    assert_eq!(total, 4);
    assert_eq!(rows[0].code, codes[3], "newest first");
    assert_eq!(all(ListFilter { state: Some(StateFilter::Closed), ..Default::default() }).1, 1);
    assert_eq!(all(ListFilter { state: Some(StateFilter::NotClosed), ..Default::default() }).1, 3);
    assert_eq!(
        all(ListFilter { state: Some(StateFilter::AwaitingCorrection), ..Default::default() }).0[0].code,
        codes[1]
    );
    assert_eq!(
        all(ListFilter { outcome: Some("denied".into()), ..Default::default() }).1,
        1,
        "a family matches its reasons"
    );
    assert_eq!(all(ListFilter { outcome: Some("denied.state_secret".into()), ..Default::default() }).1, 1);
    assert_eq!(all(ListFilter { outcome: Some("granted".into()), ..Default::default() }).1, 0);
    assert_eq!(all(ListFilter { applicant: Some(ApplicantColumn::Commercial), ..Default::default() }).1, 2);
    assert_eq!(all(ListFilter { from: Some(d("2024-09-03")), to: Some(d("2024-09-20")), ..Default::default() }).1, 2);
    // Search is by words: % and _ are not wildcards, characters must be adjacent.
    assert_eq!(all(ListFilter { text: Some("100%_拆迁".into()), ..Default::default() }).1, 1);
    assert_eq!(all(ListFilter { text: Some("拆迁 100".into()), ..Default::default() }).1, 1);
    assert_eq!(all(ListFilter { text: Some("100拆迁".into()), ..Default::default() }).1, 0);
    assert_eq!(all(ListFilter { text: Some("补偿方案".into()), ..Default::default() }).1, 1);
    assert_eq!(all(ListFilter { text: Some("补方".into()), ..Default::default() }).1, 0);
    assert_eq!(all(ListFilter { text: Some("%%".into()), ..Default::default() }).1, 0);
    // One character: at the start, middle or end of a word.
    assert_eq!(all(ListFilter { text: Some("申".into()), ..Default::default() }).1, 4);
    assert!(all(ListFilter { text: Some("3".into()), ..Default::default() }).1 >= 1);
    assert_eq!(all(ListFilter { text: Some(codes[2].to_lowercase()), ..Default::default() }).0[0].code, codes[2]);
    assert_eq!(all(ListFilter { text: Some("申请人3".into()), ..Default::default() }).0[0].code, codes[3]);
    let (page, total) = s.list(&ListFilter::default(), 2, 2).unwrap();
    assert_eq!((page.len(), total, page[0].code.as_str()), (2, 4, codes[1].as_str()));
    // 2024-09-20 in person → due 2024-10-25; 2024-10-08 → due 2024-11-05.
    let board = s.dashboard(d("2024-10-23"), d("2024-10-25")).unwrap();
    assert_eq!(board.due_soon.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), [codes[2].as_str()]);
    assert_eq!(board.counts.awaiting_correction, 1);
    assert_eq!(board.counts.open, 3);
    let board = s.dashboard(d("2024-11-06"), d("2024-11-08")).unwrap();
    assert_eq!(board.counts.overdue, 2);
    // The request's own audit lines.
    let lines = s.audit_for(&codes[0]).unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].actor, "李四");
}

fn accounts_sessions_and_the_last_administrator(db: &Fresh) {
    use ogi_store::Role;
    let mut s = db.open();
    assert_eq!(s.user_count().unwrap(), 0);
    let admin = s.create_user("admin", "管理员甲", Role::Admin, "$argon2id$x", "setup").unwrap();
    assert!(s.create_user("admin", "重名", Role::Clerk, "h", "admin").is_err());
    assert!(s.create_user("a b", "空格", Role::Clerk, "h", "admin").is_err());
    let clerk = s.create_user("zhang", "张三", Role::Clerk, "h", "admin").unwrap();
    assert!(s.update_user(admin.id, Role::Clerk, true, "admin").is_err(), "the only admin stays");
    s.create_session("tok", clerk.id, "csrf1", 2_000_000_000).unwrap();
    let (u, csrf) = s.session("tok", 1_900_000_000).unwrap().unwrap();
    assert_eq!((u.username.as_str(), csrf.as_str()), ("zhang", "csrf1"));
    assert!(s.session("tok", 2_100_000_000).unwrap().is_none(), "expired");
    // Disabling a user ends their sessions.
    s.update_user(clerk.id, Role::Clerk, false, "admin").unwrap();
    assert!(s.session("tok", 1_900_000_000).unwrap().is_none());
    assert_eq!(s.login_user("admin").unwrap().unwrap().1, "$argon2id$x");
}

// ---- table 三 is cached per connection (load test): never stale ----

fn a_cached_table3_follows_changes_made_by_this_and_other_connections(db: &Fresh) {
    use ogi_vocab::cells::{CellKey, T3Row};
    let cal = Calendar::embedded();
    let mut writer = db.open();
    let reader = db.open();
    let new_total = "t3.new.total".parse::<CellKey>().unwrap();
    let granted = CellKey::T3(T3Row::Outcome(Outcome::Granted), ApplicantColumn::Total);
    let value = |s: &Database, k: CellKey| s.table3(2024, Template::Y2021).unwrap()[&k].as_int().unwrap();
    assert_eq!(value(&reader, new_total), 0);
    assert_eq!(value(&writer, new_total), 0);
    // Another connection registers: the reader's cached table is not served.
    let r = writer.create(new(ApplicantColumn::Natural, "2024-03-04"), "张三", &cal).unwrap();
    assert_eq!(value(&reader, new_total), 1);
    assert_eq!(value(&reader, new_total), 1);
    // This connection's own write is seen by its own cache too.
    assert_eq!(value(&writer, new_total), 1);
    writer.record(&r.code, Event::Answered { on: d("2024-03-08"), outcome: Outcome::Granted }, "张三", &cal).unwrap();
    assert_eq!(value(&writer, granted), 1);
    assert_eq!(value(&reader, granted), 1);
    // Another year is its own table.
    assert_eq!(reader.table3(2023, Template::Y2021).unwrap()[&new_total].as_int(), Some(0));
    assert_eq!(value(&reader, new_total), 1);
}

fn a_tracking_code_or_its_beginning_finds_its_requests(db: &Fresh) {
    use ogi_store::ListFilter;
    let cal = Calendar::embedded();
    let mut s = db.open();
    for _ in 0..12 {
        s.create(new(ApplicantColumn::Natural, "2024-09-02"), "张三", &cal).unwrap();
    }
    let find = |t: &str| s.list(&ListFilter { text: Some(t.into()), ..Default::default() }, 0, 100).unwrap().1;
    assert_eq!(find("YSQ2024-000012"), 1);
    assert_eq!(find("ysq2024-00001"), 3, "the prefix 00001 is 000010 … 000019, of which 000010 … 000012 exist");
    assert_eq!(find("YSQ2024"), 12);
    assert_eq!(find("YSQ2023"), 0);
}

/// A year's notice saved in the register: every request whose clock runs
/// into it is recomputed in the same transaction, the moves are kept for the
/// workbench and audited, and the next process reads the year from the file.
fn saving_a_years_notice_recomputes_the_open_requests(db: &Fresh) {
    let mut cal = Calendar::embedded();
    let mut s = db.open();
    // Due Mon 2027-01-04 provisionally (元旦 alone off).
    let moved = s.create(new(ApplicantColumn::Natural, "2026-12-04"), "张三", &cal).unwrap();
    assert!(moved.request.due_status(&cal).unwrap().unwrap().is_provisional());
    // Due 2026-11-30, entirely in 2026: untouched.
    let kept = s.create(new(ApplicantColumn::Natural, "2026-11-02"), "张三", &cal).unwrap();
    // Closed: untouched.
    let closed = s.create(new(ApplicantColumn::Natural, "2026-12-07"), "张三", &cal).unwrap();
    s.record(&closed.code, Event::Withdrawn { on: d("2026-12-08") }, "张三", &cal).unwrap();

    // A made-up arrangement: 1月1日 to 4日 off.
    let text = "# 测试安排\nyear 2027\nholiday 2027-01-01..2027-01-04\n";
    // Refused: the text is another year, or invalid; nothing changes.
    assert!(s.save_calendar_year(2028, text, "管理员", &cal).is_err());
    assert!(s.save_calendar_year(2027, "year 2027\nworkday 2027-01-05\n", "管理员", &cal).is_err());
    assert!(s.calendar_years().unwrap().is_empty());

    cal.load("2027", text).unwrap();
    let changes = s.save_calendar_year(2027, text, "管理员", &cal).unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].code.as_str(), changes[0].before, changes[0].after),
        (moved.code.as_str(), Some(d("2027-01-04")), Some(d("2027-01-05")))
    );
    assert_eq!(s.due_changes().unwrap().len(), 1);
    let listed = s.list(&ogi_store::ListFilter::default(), 0, 10).unwrap().0;
    assert_eq!(listed.iter().find(|r| r.code == moved.code).unwrap().due, Some(d("2027-01-05")));
    assert_eq!(listed.iter().find(|r| r.code == kept.code).unwrap().due, Some(d("2026-11-30")));
    let audit = s.audit().unwrap();
    assert!(audit.iter().any(|a| a.action == "载入 2027 年节假日安排" && a.after.as_deref() == Some(text)));
    assert!(audit
        .iter()
        .any(|a| a.code.as_deref() == Some(moved.code.as_str()) && a.after.as_deref() == Some("2027-01-05")));

    // Another process on the same file uses the saved year.
    let other = db.open();
    let loaded = ogi_store::load_calendar(db.data_dir(), &other).unwrap();
    assert!(!loaded.is_provisional(2027));
    assert!(!loaded.is_workday(d("2027-01-04")).unwrap());
    // Saving it again moves nothing; the list of moves stays that of the latest load.
    let again = s.save_calendar_year(2027, text, "管理员", &cal).unwrap();
    assert!(again.is_empty());
    // Once the moved request is closed it leaves the list.
    s.record(&moved.code, Event::Withdrawn { on: d("2026-12-09") }, "张三", &cal).unwrap();
    assert!(s.due_changes().unwrap().is_empty());
}

fn failed_logins_lock_a_name_until_it_is_unlocked(db: &Fresh) {
    use ogi_store::Role;
    let mut s = db.open();
    let u = s.create_user("li", "李四", Role::Clerk, "h", "admin").unwrap();
    s.create_session("tok", u.id, "c", 2_000_000_000).unwrap();
    let t0 = 1_900_000_000;
    for i in 0..9 {
        assert!(!s.login_failed("li", t0 + i, 10, 900).unwrap());
    }
    // A success clears the count; failures outside the window start it again.
    s.login_succeeded("li").unwrap();
    for i in 0..9 {
        assert!(!s.login_failed("li", t0 + 100 + i, 10, 900).unwrap());
    }
    assert!(!s.login_failed("li", t0 + 100 + 1000, 10, 900).unwrap(), "the window passed: the first of a new count");
    for i in 0..8 {
        assert!(!s.login_failed("li", t0 + 1200 + i, 10, 900).unwrap());
    }
    assert!(s.login_failed("li", t0 + 1300, 10, 900).unwrap(), "the tenth within the window locks");
    assert_eq!(s.login_locked("li").unwrap(), Some(t0 + 1300));
    assert!(s.session("tok", t0).unwrap().is_none(), "the lock ended the session");
    // A success does not clear a lock; only the administrator does.
    s.login_succeeded("li").unwrap();
    assert!(s.login_locked("li").unwrap().is_some());
    assert_eq!(s.locked_logins().unwrap().keys().collect::<Vec<_>>(), ["li"]);
    assert!(s.unlock_user(u.id, "admin").unwrap());
    assert!(s.login_locked("li").unwrap().is_none());
    assert!(!s.unlock_user(u.id, "admin").unwrap(), "nothing left to unlock");
    // Names nobody has lock too (the login page says the same for both).
    for i in 0..10 {
        s.login_failed("nobody", t0 + i, 10, 900).unwrap();
    }
    assert!(s.login_locked("nobody").unwrap().is_some());
}

/// Twenty clerks open the same request and answer it at once, each from the
/// version they saw: one answer is recorded, nineteen are refused with the
/// conflict message, nothing is half-written.
fn twenty_clerks_answering_one_request_at_once_one_wins(db: &Fresh) {
    let cal = Calendar::embedded();
    let code = db.open().create(new(ApplicantColumn::Natural, "2024-06-03"), "登记员", &cal).unwrap().code;
    let seen = db.open().get(&code).unwrap().request.events().len();
    let start = Arc::new(std::sync::Barrier::new(20));
    let clerks: Vec<_> = (0..20)
        .map(|i| {
            let (db, code, start) = (db.clone(), code.clone(), start.clone());
            std::thread::spawn(move || {
                let cal = Calendar::embedded();
                let mut s = db.open();
                let answer = Event::Answered { on: d("2024-06-10"), outcome: Outcome::Granted };
                start.wait();
                s.record_seen(&code, Some(seen), answer, &format!("办理员{i}"), &cal)
            })
        })
        .collect();
    let results: Vec<_> = clerks.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(matches!(r, ogi_store::StoreError::Conflict), "{r:?}");
        assert_eq!(r.to_string(), "该申请已被他人修改，请刷新后重试");
    }
    let s = db.open();
    assert_eq!(s.get(&code).unwrap().request.events().len(), seen + 1);
    let answers = s.audit_for(&code).unwrap().into_iter().filter(|a| a.action.contains("answered")).count();
    assert_eq!(answers, 1);
    // Without a version (the command line), the law decides: it is closed.
    let late = db.open().record(&code, Event::Withdrawn { on: d("2024-06-11") }, "命令行", &cal);
    assert!(matches!(late, Err(ogi_store::StoreError::Rule(_))), "{late:?}");
}

/// Twenty registrations in one agency at the same moment, each on its own
/// connection: twenty distinct codes, consecutive from 1.
fn twenty_registrations_at_once_get_consecutive_codes(db: &Fresh) {
    drop(db.open());
    let start = Arc::new(std::sync::Barrier::new(20));
    let clerks: Vec<_> = (0..20)
        .map(|_| {
            let (db, start) = (db.clone(), start.clone());
            std::thread::spawn(move || {
                let cal = Calendar::embedded();
                let mut s = db.open();
                start.wait();
                s.create(new(ApplicantColumn::Natural, "2025-03-03"), "登记员", &cal).unwrap().code
            })
        })
        .collect();
    let mut codes: Vec<String> = clerks.into_iter().map(|t| t.join().unwrap()).collect();
    codes.sort();
    let expected: Vec<String> = (1..=20).map(|n| format!("YSQ2025-{n:06}")).collect();
    assert_eq!(codes, expected);
}

#[test]
fn a_newer_postgresql_schema_is_refused_not_damaged() {
    let db = Fresh::postgres("newer");
    drop(db.open());
    let Location::Postgres(url) = &db.location else { unreachable!() };
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.batch_execute("INSERT INTO ogi_schema (version) VALUES (99)").unwrap();
    let e = Database::connect(&db.location).err().expect("refused");
    assert!(matches!(e, ogi_store::StoreError::NewerSchema { found: 99, .. }), "{e:?}");
    assert!(e.to_string().contains("比本程序新"), "{e}");
    let v: i64 = c.query_one("SELECT MAX(version) FROM ogi_schema", &[]).unwrap().get(0);
    assert_eq!(v, 99, "refused means untouched");
}

#[test]
fn a_bad_location_and_a_server_that_is_down_are_told_apart() {
    use ogi_store::StoreError;
    assert!(matches!(Location::parse("mysql://x@h/db"), Err(StoreError::BadLocation(_))));
    assert!(matches!(Location::parse("postgres://x@h:notaport/db"), Err(StoreError::BadLocation(_))));
    assert!(matches!(Location::parse(""), Err(StoreError::BadLocation(_))));
    assert_eq!(Location::parse("ogi-data/ogi.db").unwrap(), Location::Sqlite("ogi-data/ogi.db".into()));
    // Nothing listens on port 1.
    let down = Location::parse("postgres://ogi:secret@127.0.0.1:1/ogi?connect_timeout=2").unwrap();
    let e = Database::connect(&down).err().expect("no server");
    assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
    assert!(e.to_string().starts_with("无法连接数据库服务器"), "{e}");
    assert!(!e.to_string().contains("secret"), "the password is never shown: {e}");
}

/// Agencies come from a CSV file in any order, re-importing updates them,
/// and a bad file (a loop, an unknown parent, a bad line) changes nothing.
fn agencies_are_imported_as_a_tree(db: &Fresh) {
    let mut s = db.open();
    s.set_setting(ogi_store::AGENCY_NAME, "某市人民政府办公室", "管理员").unwrap();
    // The register's first agency is there from the start.
    let first = s.agencies().unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].code, "root");
    let csv = "code,name,parent,kind\n\
               gxj,某市工业和信息化局,city,department\n\
               city,某市人民政府,,government\n\
               town1,某镇人民政府,county,town\n\
               county,某县人民政府,city,government\n\
               \n\
               st1,某街道办事处,county,street\n";
    let done = s.import_agencies(csv.as_bytes(), "管理员").unwrap();
    assert_eq!((done.created, done.updated, done.unchanged), (5, 0, 0));
    let tree: Vec<(String, usize, Option<String>)> =
        s.agencies().unwrap().into_iter().map(|a| (a.code, a.depth, a.parent)).collect();
    let t = |c: &str, d: usize, p: Option<&str>| (c.to_string(), d, p.map(str::to_string));
    assert_eq!(
        tree,
        [
            t("city", 0, None),
            t("county", 1, Some("city")),
            t("st1", 2, Some("county")),
            t("town1", 2, Some("county")),
            t("gxj", 1, Some("city")),
            t("root", 0, None),
        ]
    );
    // Again, with one rename: one updated, the rest unchanged.
    let renamed = csv.replace("某市工业和信息化局", "某市工业和信息化局（市国防科工办）");
    let done = s.import_agencies(renamed.as_bytes(), "管理员").unwrap();
    assert_eq!((done.created, done.updated, done.unchanged), (0, 1, 4));
    // Refused whole, with every bad line named.
    for (bad, says) in [
        ("code,name,parent,kind\nx,某局,nowhere,department\n", "上级机关 nowhere 不存在"),
        ("code,name,parent,kind\ncity,某市人民政府,county,government\n", "循环"),
        ("code,name,parent,kind\na b,某局,,department\nb,,,department\nc,某局,,bureau\n", "第 4 行"),
        ("code,name\nx,y\n", "表头"),
        ("code,name,parent,kind\nx,某局,,department\nx,某局,,department\n", "重复"),
    ] {
        let e = s.import_agencies(bad.as_bytes(), "管理员").unwrap_err().to_string();
        assert!(e.contains(says), "{bad}: {e}");
    }
    assert_eq!(s.agencies().unwrap().len(), 6, "nothing of a refused file was kept");
    // The first agency's code pattern makes its tracking codes.
    let pattern = ogi_rules::agency::CodePattern::parse("某工信〔{year}〕依申请{seq}号").unwrap();
    s.set_code_pattern("root", &pattern, "管理员").unwrap();
    let cal = Calendar::embedded();
    let r = s.create(new(ApplicantColumn::Natural, "2025-03-03"), "登记员", &cal).unwrap();
    assert_eq!(r.code, "某工信〔2025〕依申请1号");
    assert_eq!(s.get(&r.code).unwrap().code, r.code);
    assert!(s.set_code_pattern("nowhere", &pattern, "管理员").is_err());
}

/// A tree of root → {a → a1, b}: a clerk of `a` reads and changes only
/// `a`'s register; a supervisor of `a` reads `a` and `a1` and changes only
/// `a`; nobody reads sideways or upward; the records, accounts, audit and
/// table 三 follow the same line.
fn who_sees_what_is_decided_by_the_scope(db: &Fresh) {
    use ogi_store::{ListFilter, Role, Scope, StoreError};
    let cal = Calendar::embedded();
    let mut s = db.open();
    let csv = "code,name,parent,kind\na,甲局,root,department\nb,乙局,root,department\na1,甲局下属中心,a,other\n";
    s.import_agencies(csv.as_bytes(), "管理员").unwrap();
    let id = |s: &Database, code: &str| s.agencies().unwrap().into_iter().find(|a| a.code == code).unwrap().id;
    let (root, a, b, a1) = (id(&s, "root"), id(&s, "a"), id(&s, "b"), id(&s, "a1"));
    let mut code_of = std::collections::BTreeMap::new();
    for (agency, name) in [(root, "root"), (a, "a"), (b, "b"), (a1, "a1")] {
        s.set_scope(Scope::operator_in(agency));
        let r = s.create(new(ApplicantColumn::Natural, "2025-03-03"), "登记员", &cal).unwrap();
        s.set_setting(ogi_store::AGENCY_NAME, &format!("{name}机关"), "管理员").unwrap();
        code_of.insert(name, r.code);
    }
    // Codes of agencies below the root name their agency: never two alike.
    assert_eq!(code_of["root"], "YSQ2025-000001");
    assert_eq!(code_of["a"], "a-YSQ2025-000001");
    s.set_scope(Scope::OPERATOR);
    let clerk = s.create_user_in(a, "jia", "甲局经办人", Role::Clerk, "h", "管理员").unwrap();
    let boss = s.create_user_in(a, "jiaboss", "甲局督导员", Role::Supervisor, "h", "管理员").unwrap();
    let top = s.create_user_in(root, "top", "市政府督导员", Role::Supervisor, "h", "管理员").unwrap();
    let visible = |s: &Database| -> Vec<String> {
        let mut v: Vec<String> =
            s.list(&ListFilter::default(), 0, 100).unwrap().0.into_iter().map(|r| r.code).collect();
        v.sort();
        v
    };
    let codes = |names: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|n| code_of[n].clone()).collect();
        v.sort();
        v
    };
    // The clerk: only a.
    s.set_scope(clerk.scope());
    assert_eq!(visible(&s), codes(&["a"]));
    for other in ["root", "b", "a1"] {
        assert!(matches!(s.get(&code_of[other]), Err(StoreError::NotFound(_))), "{other}");
        let found = s.list(&ListFilter { text: Some(code_of[other].clone()), ..Default::default() }, 0, 10).unwrap();
        assert_eq!(found.1, 0, "search finds {other}");
        assert!(s.audit_for(&code_of[other]).unwrap().is_empty());
        let e = s.record(&code_of[other], Event::Withdrawn { on: d("2025-03-04") }, "甲", &cal).unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{other}: {e}");
    }
    assert_eq!(s.export(&ListFilter::default()).unwrap().len(), 1);
    let audit = s.audit().unwrap();
    assert!(audit.iter().any(|e| e.code.as_deref() == Some(code_of["a"].as_str())), "a's own lines are there");
    assert!(audit.iter().all(|e| e.code.as_deref().is_none_or(|c| c == code_of["a"])));
    assert_eq!(s.setting(ogi_store::AGENCY_NAME).unwrap().as_deref(), Some("a机关"));
    assert_eq!(s.users().unwrap().iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["jia", "jiaboss"]);
    let t3 = s.table3(2025, Template::Y2021).unwrap();
    let new_natural = "t3.new.natural".parse::<ogi_vocab::cells::CellKey>().unwrap();
    assert_eq!(t3[&new_natural].to_string(), "1", "table 三 counts a's own request only");
    let mine = s.create(new(ApplicantColumn::Natural, "2025-03-05"), "甲", &cal).unwrap();
    assert_eq!(mine.code, "a-YSQ2025-000002");
    // A word every agency's requests share: the clerk finds its own two.
    let words = |s: &Database, text: &str| -> Vec<String> {
        let mut v: Vec<String> = s
            .list(&ListFilter { text: Some(text.into()), ..Default::default() }, 0, 100)
            .unwrap()
            .0
            .into_iter()
            .map(|r| r.code)
            .collect();
        v.sort();
        v
    };
    let mut own = codes(&["a"]);
    own.push(mine.code.clone());
    own.sort();
    assert_eq!(words(&s, "项目批复"), own);
    assert_eq!(words(&s, "张"), own);
    s.record(&code_of["a"], Event::Withdrawn { on: d("2025-03-04") }, "甲", &cal).unwrap();
    // a's supervisor: a and a1, writes only a.
    s.set_scope(boss.scope());
    let mut want = codes(&["a", "a1"]);
    want.push(mine.code.clone());
    want.sort();
    assert_eq!(visible(&s), want);
    assert_eq!(words(&s, "项目批复"), want, "a supervisor's search reaches below");
    assert!(s.get(&code_of["a1"]).is_ok());
    assert!(matches!(s.get(&code_of["b"]), Err(StoreError::NotFound(_))));
    assert!(matches!(s.get(&code_of["root"]), Err(StoreError::NotFound(_))));
    let e = s.record(&code_of["a1"], Event::Withdrawn { on: d("2025-03-04") }, "甲督导", &cal).unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)), "{e}");
    assert_eq!(s.get(&code_of["a1"]).unwrap().request.events().len(), 0, "nothing written below");
    // The government's supervisor: everything, writes only its own.
    s.set_scope(top.scope());
    assert_eq!(visible(&s).len(), 5);
    let e = s.record(&code_of["b"], Event::Withdrawn { on: d("2025-03-04") }, "市督导", &cal).unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)), "{e}");
    s.record(&code_of["root"], Event::Withdrawn { on: d("2025-03-04") }, "市督导", &cal).unwrap();
    assert_eq!(s.agencies().unwrap().len(), 4);
    // The public side reads no register at all.
    s.set_scope(Scope::PUBLIC);
    assert_eq!(visible(&s).len(), 0);
    assert!(s.create(new(ApplicantColumn::Natural, "2025-03-05"), "x", &cal).is_err());
}

/// `ogi migrate`'s copy: an agency's SQLite register, with its requests,
/// events, audit, accounts, records and agencies, copied into an empty
/// PostgreSQL database reads back the same, and goes on numbering.
#[test]
fn a_sqlite_register_copied_into_postgresql_reads_back_the_same() {
    use ogi_store::Role;
    let cal = Calendar::embedded();
    let file = Fresh::sqlite("copy");
    let mut s = file.open();
    let requests = ogi_rules::sim::requests(&cal, 5, 400, d("2023-10-09"), 300);
    s.import_requests(&requests, "模拟", "演示", &cal).unwrap();
    let r = s.create(new(ApplicantColumn::Commercial, "2024-12-02"), "张三", &cal).unwrap();
    s.record(&r.code, Event::Withdrawn { on: d("2024-12-03") }, "张三", &cal).unwrap();
    s.create_user("zhang", "张三", Role::Clerk, "$argon2id$x", "admin").unwrap();
    s.set_setting(ogi_store::AGENCY_NAME, "某市数据局", "admin").unwrap();
    s.import_agencies(b"code,name,parent,kind\nb,\xe4\xb9\x99,a,department\na,\xe7\x94\xb2,,government\n", "admin")
        .unwrap();

    let pg = Fresh::postgres("copy");
    let mut target = pg.open();
    let counts = s.copy_into(&mut target).unwrap();
    assert!(counts.iter().any(|(t, n)| *t == "events" && *n > 0), "{counts:?}");
    let t = pg.open();
    assert_eq!(t.all().unwrap(), s.all().unwrap());
    assert_eq!(t.audit().unwrap(), s.audit().unwrap());
    assert_eq!(t.users().unwrap(), s.users().unwrap());
    assert_eq!(t.agencies().unwrap(), s.agencies().unwrap());
    for year in [2023, 2024] {
        assert_eq!(t.table3(year, Template::Y2021).unwrap(), s.table3(year, Template::Y2021).unwrap());
    }
    assert_eq!(format!("{:?}", t.annual_records(2024).unwrap()), format!("{:?}", s.annual_records(2024).unwrap()));
    let found = |db: &Database| {
        db.list(&ogi_store::ListFilter { text: Some("张某".into()), ..Default::default() }, 0, 5).unwrap().1
    };
    assert_eq!(found(&t), found(&s));
    // New work goes on after the copied ids and codes.
    let mut t = t;
    let next = t.create(new(ApplicantColumn::Natural, "2024-12-04"), "李四", &cal).unwrap();
    let before = s.all().unwrap().iter().filter(|x| x.code.starts_with("YSQ2024")).count();
    assert_eq!(next.code, format!("YSQ2024-{:06}", before + 1));
    t.create_user("li", "李四", Role::Clerk, "h", "admin").unwrap();
    // A second copy into a database that is no longer empty is refused.
    let again = s.copy_into(&mut pg.open()).unwrap_err();
    assert!(again.to_string().contains("不是空的"), "{again}");
}

fn published_reports_keep_every_version_and_a_batch_rolls_back_whole(db: &Fresh) {
    use ogi_store::published::{FileOutcome, NewFile, NewVersion};
    use ogi_store::{Role, Scope, StoreError};
    use ogi_vocab::model::Report;
    use ogi_vocab::Number;
    let mut s = db.open();
    let csv = "code,name,parent,kind\na,甲局,root,department\nb,乙局,root,department\n";
    s.import_agencies(csv.as_bytes(), "管理员").unwrap();
    let id = |s: &Database, code: &str| s.agencies().unwrap().into_iter().find(|a| a.code == code).unwrap().id;
    let (a, b) = (id(&s, "a"), id(&s, "b"));
    let key: ogi_vocab::cells::CellKey = "t3.new.total".parse().unwrap();
    let report = |n: i64| Report::of_cells(2024, Template::Y2021, [(key, Number::int(n))]);
    let version = |agency: i64, r: &'static Report, reason: &'static str| NewVersion {
        agency_id: agency,
        year: 2024,
        report: r,
        source: "甲局2024年报.pdf",
        received: d("2025-01-20"),
        errors: 0,
        warnings: 1,
        reason,
        changed: "",
    };
    let first: &'static Report = Box::leak(Box::new(report(10)));
    let fixed: &'static Report = Box::leak(Box::new(report(12)));
    let refiled: &'static Report = Box::leak(Box::new(report(13)));
    // The government's supervisor takes in the region's reports.
    let top = s.create_user_in(ogi_store::ROOT_AGENCY, "top", "督导员", Role::Supervisor, "h", "管理员").unwrap();
    s.set_scope(top.scope());
    let batch = s.create_intake_batch(2024, "督导员").unwrap();
    let file = |outcome, version: Option<NewVersion<'static>>, content: Option<&'static [u8]>| NewFile {
        name: "x.pdf",
        sha256: "00",
        outcome,
        reason: if outcome == FileOutcome::Failed { "不是报告" } else { "" },
        printed_agency: "甲局",
        version,
        content,
    };
    s.add_intake_file(batch, &file(FileOutcome::Attached, Some(version(a, first, "读入")), None), "督导员").unwrap();
    let failed =
        s.add_intake_file(batch, &file(FileOutcome::Failed, None, Some(b"%PDF-1.4 broken")), "督导员").unwrap();
    let value = |s: &Database, agency: i64| -> Vec<String> {
        s.active_reports(2024)
            .unwrap()
            .into_iter()
            .filter(|v| v.agency_id == agency)
            .map(|v| format!("v{} {}", v.version, v.report.value(key).unwrap()))
            .collect()
    };
    assert_eq!(value(&s, a), ["v1 10"]);
    // A reviewer's correction: a new version, active; the old one readable.
    s.add_report_version(&NewVersion { changed: "t3.new.total：10→12", ..version(a, fixed, "误读更正") }, "审核人")
        .unwrap();
    assert_eq!(value(&s, a), ["v2 12"]);
    let history = s.report_versions(a, 2024).unwrap();
    assert_eq!(history.len(), 2);
    assert!(!history[0].active && history[1].active);
    assert_eq!(history[0].report.value(key), Some(Number::int(10)));
    assert_eq!((history[1].actor.as_str(), history[1].reason.as_str()), ("审核人", "误读更正"));
    assert_eq!(history[1].changed, "t3.new.total：10→12");
    // A second batch brings a republished file; rolling it back restores v2.
    let second = s.create_intake_batch(2024, "督导员").unwrap();
    s.add_intake_file(second, &file(FileOutcome::Attached, Some(version(a, refiled, "重新发布")), None), "督导员")
        .unwrap();
    assert_eq!(value(&s, a), ["v3 13"]);
    assert_eq!(s.roll_back_batch(second, "督导员").unwrap(), 1);
    assert_eq!(value(&s, a), ["v2 12"]);
    assert_eq!(s.report_versions(a, 2024).unwrap().len(), 2);
    let e = s.add_intake_file(second, &file(FileOutcome::Failed, None, None), "督导员").unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "a rolled-back batch takes nothing: {e}");
    // The batch list counts each outcome; a failed file keeps its bytes for a retry.
    let batches = s.intake_batches().unwrap();
    assert_eq!((batches[0].files, batches[0].attached, batches[0].failed), (2, 1, 1));
    assert!(batches[1].rolled_back.is_some());
    let files = s.intake_files(batch).unwrap();
    assert_eq!(files[1].content.as_deref(), Some(&b"%PDF-1.4 broken"[..]));
    s.retry_intake_file(failed, &file(FileOutcome::Attached, Some(version(b, first, "重试读入")), None), "督导员")
        .unwrap();
    assert_eq!(value(&s, b), ["v1 10"]);
    assert_eq!(s.intake_files(batch).unwrap()[1].outcome, FileOutcome::Attached);
    // A clerk of b sees b's report only and cannot file one for a.
    s.set_scope(Scope::OPERATOR);
    let clerk = s.create_user_in(b, "yi", "乙局经办人", Role::Clerk, "h", "管理员").unwrap();
    s.set_scope(clerk.scope());
    assert_eq!(s.active_reports(2024).unwrap().iter().map(|v| v.agency_id).collect::<Vec<_>>(), [b]);
    assert!(s.report_versions(a, 2024).is_err());
    let e = s.add_report_version(&version(a, fixed, "越权"), "乙").unwrap_err();
    assert!(matches!(e, StoreError::Forbidden(_)), "{e}");
    assert!(s.intake_batches().unwrap().is_empty(), "the batches are the government's");
}

fn a_letter_delivered_online_is_kept_as_sent_and_only_its_agency_reads_it(db: &Fresh) {
    use ogi_store::{Scope, StoreError};
    let cal = Calendar::embedded();
    let mut s = db.open();
    s.import_agencies("code,name,parent,kind\na,甲局,root,department\nb,乙局,root,department\n".as_bytes(), "管理员")
        .unwrap();
    let id = |s: &Database, code: &str| s.agencies().unwrap().into_iter().find(|a| a.code == code).unwrap().id;
    let (a, b) = (id(&s, "a"), id(&s, "b"));
    s.set_scope(Scope::operator_in(a));
    let r = s.create(new(ApplicantColumn::Natural, "2025-03-03"), "登记员", &cal).unwrap();
    let body = r#"{"title":"政府信息公开申请答复告知书","paragraphs":["一段"]}"#;
    let info = ogi_store::online::Attachment {
        name: "改造项目清单.pdf".into(),
        mime: "application/pdf",
        bytes: b"%PDF-1.4 the information itself".to_vec(),
    };
    let first = s
        .deliver_letter(&r.code, "answer.granted", "答复告知书：予以公开", body, d("2025-03-10"), "登记员", &[info])
        .unwrap();
    let second = s.deliver_letter(&r.code, "correction", "补正告知书", "{}", d("2025-03-11"), "登记员", &[]).unwrap();
    // The information itself went with the answer, and is read back whole by its request only.
    let files = s.delivered_files(&r.code).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!((files[0].0, files[0].1.name.as_str(), files[0].1.size), (first, "改造项目清单.pdf", 31));
    let (name, mime, bytes) = s.delivered_file(&r.code, files[0].1.id).unwrap().unwrap();
    assert_eq!(
        (name.as_str(), mime.as_str(), &bytes[..]),
        ("改造项目清单.pdf", "application/pdf", &b"%PDF-1.4 the information itself"[..])
    );
    let other = s.create(new(ApplicantColumn::Natural, "2025-03-03"), "登记员", &cal).unwrap();
    assert_eq!(s.delivered_file(&other.code, files[0].1.id).unwrap(), None);
    let all = s.delivered_letters(&r.code, None).unwrap();
    assert_eq!(all.iter().map(|(l, _)| l.id).collect::<Vec<_>>(), vec![first, second]);
    assert_eq!((all[0].0.kind.as_str(), all[0].0.on, all[0].1.as_str()), ("answer.granted", d("2025-03-10"), body));
    let one = s.delivered_letters(&r.code, Some(second)).unwrap();
    assert_eq!((one.len(), one[0].0.title.as_str()), (1, "补正告知书"));
    assert!(s.audit_for(&r.code).unwrap().iter().any(|e| e.action == "在线送达文书：答复告知书：予以公开"));
    // A sibling agency's clerk neither reads the letters nor delivers on the request.
    s.set_scope(Scope::OPERATOR);
    let clerk = s.create_user_in(b, "yi", "乙局经办人", ogi_store::Role::Clerk, "h", "管理员").unwrap();
    s.set_scope(clerk.scope());
    assert!(s.delivered_letters(&r.code, None).unwrap().is_empty());
    assert!(s.delivered_files(&r.code).unwrap().is_empty());
    assert_eq!(s.delivered_file(&r.code, files[0].1.id).unwrap(), None);
    assert!(matches!(
        s.deliver_letter(&r.code, "correction", "补正告知书", "{}", d("2025-03-11"), "乙", &[]),
        Err(StoreError::NotFound(_))
    ));
}
