//! Starts the real server on a random port and talks HTTP to it.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, ogi_web::app()).await.unwrap() });
    addr
}

async fn request(addr: std::net::SocketAddr, raw: Vec<u8>) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(&raw).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn upload(name: &str, content: &[u8]) -> Vec<u8> {
    let boundary = "XogiBoundary";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"report\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = format!(
        "POST /report/read HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(&body);
    req
}

#[tokio::test]
async fn the_reader_page_reads_an_uploaded_report() {
    let addr = start().await;
    let home = request(addr, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()).await;
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(home.contains("读取年度报告"));
    let report =
        "某某局2023年政府信息公开工作年度报告\n一、本年新收政府信息公开申请数量 | 5 | 0 | 0 | 0 | 0 | 0 | 5 |\n";
    let page = request(addr, upload("r.txt", report.as_bytes())).await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("某某局") && page.contains("t3.new.natural") && page.contains("2023"), "{page}");
}

#[tokio::test]
async fn a_file_that_is_not_a_report_gets_a_clear_error() {
    let addr = start().await;
    let page = request(addr, upload("x.txt", "今天天气很好。".as_bytes())).await;
    assert!(page.starts_with("HTTP/1.1 422"), "{page}");
    assert!(page.contains("不是政府信息公开工作年度报告"), "{page}");
}

#[tokio::test]
async fn serve_creates_the_register_in_the_data_directory() {
    let dir = std::env::temp_dir().join(format!("ogi-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = ogi_web::Config { addr: "127.0.0.1:0".parse().unwrap(), data_dir: dir.clone() };
    let server = tokio::spawn(ogi_web::serve(config));
    let db = dir.join("ogi.db");
    for _ in 0..100 {
        if db.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.abort();
    assert!(db.exists(), "no database at {}", db.display());
    std::fs::remove_dir_all(&dir).ok();
}
