//! Throwaway PostgreSQL databases, for tests and benchmarks: each is created
//! fresh under a unique name on the server named by `OGI_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`) and dropped when
//! the value is dropped. Not used by the program itself.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::StoreError;

/// The server tests use when `OGI_TEST_POSTGRES_URL` is not set.
pub const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists while this value lives.
pub struct ScratchPostgres {
    admin: String,
    name: String,
    url: String,
}

impl ScratchPostgres {
    /// Creates an empty database; `label` (letters, digits) goes in its name.
    pub fn create(label: &str) -> Result<ScratchPostgres, StoreError> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let admin = std::env::var("OGI_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_SERVER.to_string());
        let label: String =
            label.chars().filter(|c| c.is_ascii_alphanumeric()).take(24).collect::<String>().to_ascii_lowercase();
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("ogi_t_{label}_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let url = with_database(&admin, &name)?;
        let mut client = admin_client(&admin)?;
        client
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"))
            .map_err(|e| StoreError::Unavailable(format!("建立测试数据库 {name}：{e}")))?;
        Ok(ScratchPostgres { admin, name, url })
    }

    /// The URL to open it with (`Database::open_location`).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        // Connections still open (a killed server's) are ended by FORCE.
        if let Ok(mut c) = admin_client(&self.admin) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

fn admin_client(url: &str) -> Result<postgres::Client, StoreError> {
    postgres::Client::connect(url, postgres::NoTls).map_err(|e| {
        StoreError::Unavailable(format!(
            "{url}：{e}（测试需要 PostgreSQL：请设置 OGI_TEST_POSTGRES_URL，或运行 .ci/run，它会启动服务器）"
        ))
    })
}

/// `postgres://u@h:p/db?x` with the database replaced by `name`.
fn with_database(url: &str, name: &str) -> Result<String, StoreError> {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").ok_or_else(|| StoreError::BadLocation(url.to_string()))? + 3;
    let host = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    Ok(match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(super::with_database("postgres://p@h:5432/test", "x").unwrap(), "postgres://p@h:5432/x");
        assert_eq!(super::with_database("postgres://p@h", "x").unwrap(), "postgres://p@h/x");
        assert_eq!(
            super::with_database("postgres://p@h/a?sslmode=disable", "x").unwrap(),
            "postgres://p@h/x?sslmode=disable"
        );
    }
}
