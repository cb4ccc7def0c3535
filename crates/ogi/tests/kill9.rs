//! `kill -9` of `ogi serve` in the middle of a burst of writes, on SQLite and
//! on PostgreSQL: every registration the server acknowledged (201 with its
//! code) is in the register afterwards, with its audit line, and the
//! register opens and takes new work.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use common::{http, serve, sign_in};
use ogi_store::{Database, Location, Role, Store};

fn burst_then_kill(db: Location) {
    let (_, token) = sign_in(&db, "clerk", Role::Clerk);
    let mut served = serve(&db, "2025-03-03");
    let addr = served.addr.clone();
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (addr, token, acknowledged, stop) = (addr.clone(), token.clone(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                let headers = [format!("Authorization: Bearer {token}"), "Content-Type: application/json".into()];
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let body = serde_json::json!({
                        "channel": "in_person", "applicant": "natural", "applicant_name": format!("申请人{w}-{i}"),
                        "contact": "13800000000", "arrived": "2025-03-03", "summary": "要求公开某项目批复文件",
                    });
                    i += 1;
                    // A connection cut by the kill is no acknowledgement.
                    let Ok(r) = std::panic::catch_unwind(|| {
                        http(&addr, "POST", "/api/requests", &headers, body.to_string().as_bytes())
                    }) else {
                        break;
                    };
                    match r.status {
                        201 => {
                            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
                            acknowledged.lock().unwrap().push(v["code"].as_str().unwrap().to_string());
                        }
                        // The kill may cut an answer short; anything else is a bug.
                        0 => break,
                        s => {
                            stop.store(true, Ordering::Relaxed);
                            panic!("{s}: {}", r.text());
                        }
                    }
                }
            })
        })
        .collect();
    // Let the writes run, then pull the plug while they still do.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 150 {
        assert!(!stop.load(Ordering::Relaxed) && std::time::Instant::now() < deadline, "the writes did not run");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    served.kill_9();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        let _ = w.join();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 150);
    let store = Database::connect(&db).unwrap();
    let stored: std::collections::BTreeSet<String> = store.all().unwrap().into_iter().map(|s| s.code).collect();
    for code in &acknowledged {
        assert!(stored.contains(code), "{db}: acknowledged {code} was lost");
        assert_eq!(store.audit_for(code).unwrap().len(), 1, "{code}: its audit line");
    }
    // Nothing half-written: every stored request has its audit line, and
    // the codes run on without a gap.
    let n = stored.len();
    assert_eq!(stored.iter().last().unwrap(), &format!("YSQ2025-{n:06}"), "{db}: codes 1..{n}");
    // The register takes new work after the crash.
    let (_, token) = sign_in(&db, "clerk2", Role::Clerk);
    let served = serve(&db, "2025-03-03");
    let headers = [format!("Authorization: Bearer {token}"), "Content-Type: application/json".into()];
    let body = serde_json::json!({"channel": "in_person", "applicant": "natural", "applicant_name": "王某",
        "contact": "13900000000", "arrived": "2025-03-03", "summary": "重启之后"});
    let r = http(&served.addr, "POST", "/api/requests", &headers, body.to_string().as_bytes());
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.text().contains(&format!("YSQ2025-{:06}", n + 1)), "{}", r.text());
}

#[test]
fn kill_9_of_the_server_on_sqlite_loses_no_acknowledged_write() {
    let dir = common::temp("kill9");
    burst_then_kill(Location::Sqlite(dir.join("ogi.db")));
}

#[test]
fn kill_9_of_the_server_on_postgresql_loses_no_acknowledged_write() {
    let pg = ogi_store::scratch::ScratchPostgres::create("kill9").unwrap_or_else(|e| panic!("{e}"));
    burst_then_kill(Location::Postgres(pg.url().to_string()));
}
