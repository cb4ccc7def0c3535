//! 读取年度报告: upload one published report, see every cell with where it
//! was read, and what could not be read with certainty.

use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use ogi_report::flat::Origin;
use ogi_report::Report;

/// Longest a single report may take to read.
pub const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}\
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #999;padding:.25rem .5rem;text-align:left}\
.num{text-align:right;font-variant-numeric:tabular-nums}.note{background:#fff4e5;border-left:4px solid #e67e22;padding:.5rem;margin:.5rem 0}\
.err{background:#fdecea;border-left:4px solid #c0392b;padding:.5rem}code{font-size:.9em}";

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t} - ogi</title>\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><style>{STYLE}</style></head>\
         <body><h1>{t}</h1>{body}</body></html>",
        t = esc(title)
    ))
}

const FORM: &str = "<form method=\"post\" action=\"/report/read\" enctype=\"multipart/form-data\">\
<p>选择一份已发布的政府信息公开工作年度报告（网页 HTML、Word DOCX、PDF、文本或 Markdown）：</p>\
<p><input type=\"file\" name=\"report\" required> <button type=\"submit\">读取</button></p></form>";

pub async fn index() -> Html<String> {
    page("读取年度报告", FORM)
}

pub async fn read_report(mut form: Multipart) -> Response {
    let mut file: Option<(Option<String>, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("report") => {
                let name = field.file_name().map(str::to_string);
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(e) => return bad(&format!("上传失败：{e}")),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return bad(&format!("上传失败：{e}")),
        }
    }
    let Some((name, bytes)) = file else { return bad("没有收到文件") };
    let shown = name.clone().unwrap_or_else(|| "（未命名）".into());
    // Reading is CPU work: keep it off the async workers, and bounded in time.
    let reading = tokio::task::spawn_blocking(move || ogi_report::read(&bytes, name.as_deref()));
    let read = match tokio::time::timeout(READ_TIMEOUT, reading).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => return bad("读取时出现内部错误"),
        Err(_) => return bad("读取超时：文件过于复杂"),
    };
    match read {
        Ok(report) => page(&format!("读取结果：{shown}"), &render_report(&report)).into_response(),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            page("无法读取", &format!("<p class=\"err\">{}：{}</p>{FORM}", esc(&shown), esc(&e.to_string()))),
        )
            .into_response(),
    }
}

fn bad(msg: &str) -> Response {
    (StatusCode::BAD_REQUEST, page("无法读取", &format!("<p class=\"err\">{}</p>{FORM}", esc(msg)))).into_response()
}

fn origin_text(o: &Origin) -> String {
    match o {
        Origin::Cell { table, row, col } => format!("表格{} 第{}行 第{}列", table + 1, row + 1, col + 1),
        Origin::Line { line } => format!("第{line}行"),
    }
}

fn render_report(r: &Report) -> String {
    let mut s = String::new();
    let m = &r.meta;
    s.push_str("<table><tbody>");
    let row = |k: &str, v: Option<String>| {
        format!("<tr><th>{}</th><td>{}</td></tr>", k, esc(&v.unwrap_or_else(|| "（未识别）".into())))
    };
    s.push_str(&row("机关", m.agency.clone()));
    s.push_str(&row("年度", m.year.map(|y| y.to_string())));
    s.push_str(&row("模板", m.template.map(|t| format!("{t} 版"))));
    s.push_str(&row("标题", m.title.clone()));
    s.push_str("</tbody></table>");
    if !r.notes.is_empty() {
        s.push_str("<h2>未能确定的内容</h2>");
        for n in &r.notes {
            s.push_str(&format!("<p class=\"note\">{} <code>{}</code></p>", esc(&n.message), esc(&n.code)));
        }
    }
    s.push_str(&format!("<h2>单元格（{} 个）</h2><table><thead><tr><th>键</th><th>数值</th><th>位置</th><th>原文</th></tr></thead><tbody>", r.cells.len()));
    for (k, c) in &r.cells {
        let (at, raw) =
            c.provenance.as_ref().map_or((String::new(), String::new()), |p| (origin_text(&p.origin), p.raw.clone()));
        s.push_str(&format!(
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            k,
            c.value,
            esc(&at),
            esc(&raw)
        ));
    }
    s.push_str("</tbody></table>");
    s.push_str(FORM);
    s
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}
