//! One table of bad input, sent through every door a request comes in by:
//! `ogi request`, the workbench's forms and the JSON API. Each door must
//! refuse it with the same field errors, in the same words, and store nothing.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{cookie, http, ogi, serve, sign_in, temp, Served, CSRF};
use ogi_store::{Role, Store};

const TODAY: &str = "2025-06-30";

type Fields = &'static [(&'static str, &'static str)];

/// A new request: the fields typed, and the errors every door must give.
const NEW_REQUESTS: &[(Fields, Fields)] = &[
    (
        &[],
        &[
            ("applicant", "请选择申请人类型"),
            ("applicant_name", "请填写申请人姓名或者名称"),
            ("arrived", "请填写收到日期"),
            ("channel", "请选择提交渠道"),
            ("summary", "请填写申请内容"),
        ],
    ),
    (
        &[
            ("channel", "pigeon"),
            ("applicant", "total"),
            ("applicant_name", "张三"),
            ("arrived", "2025-13-01"),
            ("summary", "某文件"),
        ],
        &[
            (
                "applicant",
                "未知的申请人类型（可选：natural、commercial、research、nonprofit、legal_service、other_org）",
            ),
            ("arrived", "日期格式应为 2025-03-01"),
            ("channel", "未知的提交渠道（可选：in_person、registered_post、ordinary_post、online、fax、email、other）"),
        ],
    ),
    (
        &[
            ("channel", "email"),
            ("applicant", "natural"),
            ("applicant_name", "张三"),
            ("arrived", "2025-06-02"),
            ("summary", "某文件"),
        ],
        &[("confirmed", "电子邮件提交的申请以双方确认之日为收到申请之日（条例第三十一条），请填写确认日期")],
    ),
    (
        &[
            ("channel", "online"),
            ("applicant", "commercial"),
            ("applicant_name", "某公司"),
            ("arrived", "2025-06-02"),
            ("confirmed", "2025-05-30"),
            ("summary", "某文件"),
        ],
        &[("confirmed", "确认日期不能早于收到日期")],
    ),
    (
        &[
            ("channel", "in_person"),
            ("applicant", "natural"),
            ("applicant_name", "张三"),
            ("arrived", "2025-07-01"),
            ("confirmed", "2025-07-01"),
            ("summary", "某文件"),
        ],
        &[("arrived", "日期不能晚于今天（2025-06-30）"), ("confirmed", "当面提交的申请以收到之日为准，不填确认日期")],
    ),
];

/// An event on an open request received 2025-06-25 (the user is a 负责人).
const EVENTS: &[(Fields, Fields)] = &[
    (&[("kind", "fee_noticed"), ("on", "2025-06-27")], &[("yuan", "请填写收费金额")]),
    (
        &[("kind", "fee_noticed"), ("on", "2025-06-27"), ("yuan", "0"), ("delivered", "2025-06-26")],
        &[("delivered", "送达日期不能早于发出日期"), ("yuan", "收费金额应为 1 至 10000000 之间的整数元")],
    ),
    (&[("kind", "extended"), ("on", "2025-06-27"), ("days", "25")], &[("days", "延长的期限应为 1 至 20 个工作日")]),
    (
        &[("kind", "correction_requested"), ("on", "2025-06-26"), ("reply_by", "下周")],
        &[("reply_by", "日期格式应为 2025-03-01")],
    ),
    (
        &[("kind", "correction_requested"), ("on", "2025-06-26"), ("reply_by", "2025-06-26")],
        &[("reply_by", "补正期限应晚于告知日期")],
    ),
    (
        &[("kind", "answered"), ("on", "2025-07-02"), ("outcome", "maybe")],
        &[
            ("on", "日期不能晚于今天（2025-06-30）"),
            ("outcome", "未知的办理结果（表三的行键，如 granted、denied.state_secret）"),
        ],
    ),
    (
        &[("kind", "consultation_started"), ("on", "2025-06-27"), ("party", "someone")],
        &[("party", "征求意见的对象应为 third_party（第三方）或 agency（其他机关）")],
    ),
    (&[("kind", "withdrawn")], &[("on", "请填写日期")]),
];

fn expected(fields: Fields) -> BTreeMap<String, String> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// `ogi request … new|event`: one `--flag：message` line per field.
fn cli_errors(db: &Path, args: Vec<String>) -> BTreeMap<String, String> {
    let mut all =
        vec!["request".to_string(), "--db".into(), db.to_str().unwrap().into(), "--today".into(), TODAY.into()];
    all.extend(args);
    let out = ogi(&all.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(2), "{all:?} was accepted");
    String::from_utf8(out.stderr)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("ogi: --")?.split_once('：'))
        .map(|(flag, m)| (if flag == "name" { "applicant_name".into() } else { flag.replace('-', "_") }, m.to_string()))
        .collect()
}

/// The page sent back: each field marked `field-error` with its message.
fn page_errors(served: &Served, session: &str, path: &str, fields: Fields) -> BTreeMap<String, String> {
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", CSRF));
    let body = form.iter().map(|(k, v)| format!("{k}={}", percent(v))).collect::<Vec<_>>().join("&");
    let headers = [cookie(session), "Content-Type: application/x-www-form-urlencoded".to_string()];
    let r = http(&served.addr, "POST", path, &headers, body.as_bytes());
    assert_eq!(r.status, 400, "{path} {fields:?}: {}", r.head);
    let html = r.text();
    let mut errors = BTreeMap::new();
    for label in html.split("<label class=\"field-error\">").skip(1) {
        let label = &label[..label.find("</label>").unwrap()];
        let name = label.split("name=\"").nth(1).map(|r| &r[..r.find('"').unwrap()]).expect("a field");
        let msg = label.split("<span class=\"msg\">").nth(1).map(|r| &r[..r.find("</span>").unwrap()]).unwrap();
        errors.insert(name.to_string(), unescape(msg));
    }
    errors
}

/// The API's 422: `fields`.
fn api_errors(served: &Served, token: &str, path: &str, fields: Fields) -> BTreeMap<String, String> {
    let body: serde_json::Map<String, serde_json::Value> =
        fields.iter().map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string()))).collect();
    let headers = [format!("Authorization: Bearer {token}"), "Content-Type: application/json".to_string()];
    let r = http(&served.addr, "POST", path, &headers, serde_json::to_string(&body).unwrap().as_bytes());
    assert_eq!(r.status, 422, "{path} {fields:?}: {}", r.text());
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    v["fields"].as_object().unwrap().iter().map(|(k, m)| (k.clone(), m.as_str().unwrap().to_string())).collect()
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn every_door_refuses_the_same_input_with_the_same_words() {
    let dir = temp("doors");
    let db = dir.join("ogi.db");
    // One open request for the events, registered through the terminal.
    let new = ogi(&[
        "request",
        "--db",
        db.to_str().unwrap(),
        "--today",
        TODAY,
        "new",
        "--channel",
        "in_person",
        "--applicant",
        "natural",
        "--arrived",
        "2025-06-25",
        "--name",
        "张三",
        "--summary",
        "某文件",
    ]);
    assert!(new.status.success(), "{}", String::from_utf8_lossy(&new.stderr));
    let code = String::from_utf8(new.stdout).unwrap().split('\t').next().unwrap().to_string();
    let (session, token) = sign_in(&db, "head", Role::Head);
    let served = serve(&db, TODAY);
    let flag = |k: &str| format!("--{}", if k == "applicant_name" { "name".into() } else { k.replace('_', "-") });

    for (fields, want) in NEW_REQUESTS {
        let want = expected(want);
        let mut args = vec!["new".to_string()];
        for (k, v) in *fields {
            args.extend([flag(k), v.to_string()]);
        }
        assert_eq!(cli_errors(&db, args), want, "terminal: {fields:?}");
        assert_eq!(page_errors(&served, &session, "/requests", fields), want, "page: {fields:?}");
        assert_eq!(api_errors(&served, &token, "/api/requests", fields), want, "API: {fields:?}");
    }
    for (fields, want) in EVENTS {
        let want = expected(want);
        let kind = fields.iter().find(|(k, _)| *k == "kind").map(|(_, v)| *v).unwrap();
        let mut args =
            vec!["event".to_string(), code.clone(), kind.to_string(), "--approver".into(), "head的姓名".into()];
        for (k, v) in fields.iter().filter(|(k, _)| *k != "kind") {
            args.extend([flag(k), v.to_string()]);
        }
        assert_eq!(cli_errors(&db, args), want, "terminal: {fields:?}");
        let path = format!("/requests/{code}/events");
        assert_eq!(page_errors(&served, &session, &path, fields), want, "page: {fields:?}");
        assert_eq!(
            api_errors(&served, &token, &format!("/api/requests/{code}/events"), fields),
            want,
            "API: {fields:?}"
        );
    }
    // Nothing of it was stored: one request, no event.
    let store = ogi_store::Database::open(&db).unwrap();
    let all = store.all().unwrap();
    assert_eq!(all.len(), 1);
    assert!(all[0].request.events().is_empty(), "{:?}", all[0].request.events());
    drop(served);
    std::fs::remove_dir_all(&dir).ok();
}
