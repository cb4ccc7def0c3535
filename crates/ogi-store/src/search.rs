//! Full-text search of the register in Chinese: an FTS5 index of character
//! bigrams. Chinese has no spaces between words and names are two or three
//! characters long, so every pair of adjacent characters is a token; a query
//! word is the phrase of its bigrams (adjacency kept), and a one-character
//! word is a prefix of a bigram. Digits and Latin letters are treated the
//! same way (phone numbers, tracking codes). Schema migration 5.

use crate::sql::{params, Sql};

use crate::StoreError;

/// The index, and the register's list indexes (migration 5): one per filter
/// column, in list order, carrying the other filter columns so that counting
/// and filtering never read the table (only the page's own rows are read).
pub(crate) const MIGRATION: &str = "
CREATE VIRTUAL TABLE requests_fts USING fts5(grams, content='', tokenize='unicode61');
CREATE INDEX requests_state_list ON requests(state, received DESC, id DESC, applicant, channel, outcome);
CREATE INDEX requests_applicant_list ON requests(applicant, received DESC, id DESC, state, channel, outcome);
CREATE INDEX requests_channel_list ON requests(channel, received DESC, id DESC, state, applicant, outcome);
CREATE INDEX requests_outcome_list ON requests(outcome, received DESC, id DESC, state, applicant, channel);
";

/// Characters that make up words (everything else separates runs).
fn word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Runs of word characters, lowercased.
fn runs(text: &str) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for c in text.chars() {
        if word_char(c) {
            cur.extend(c.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The indexed text of some fields: each run's bigrams, and its last
/// character alone (so a one-character query finds it at the end too).
pub(crate) fn grams(fields: &[&str]) -> String {
    let mut out = String::new();
    for field in fields {
        for run in runs(field) {
            for pair in run.windows(2) {
                out.extend(pair);
                out.push(' ');
            }
            if let Some(last) = run.last() {
                out.push(*last);
                out.push(' ');
            }
        }
    }
    out
}

/// A searched word: one character (a prefix of a token) or the bigrams of
/// a longer run, in order.
enum Word {
    Prefix(char),
    Bigrams(Vec<String>),
}

/// The user's words, or `None` if nothing searchable was typed.
fn words(text: &str) -> Option<Vec<Word>> {
    let words: Vec<Word> = runs(text)
        .into_iter()
        .map(|run| match run.as_slice() {
            [c] => Word::Prefix(*c),
            _ => Word::Bigrams(run.windows(2).map(|p| p.iter().collect()).collect()),
        })
        .collect();
    (!words.is_empty()).then_some(words)
}

/// The FTS5 query for the user's words (all must match) among the requests
/// of `agency` (any agency when `None`), or `None` if nothing searchable
/// was typed.
pub(crate) fn query(text: &str, agency: Option<i64>) -> Option<String> {
    let parts: Vec<String> = words(text)?
        .into_iter()
        .map(|w| match w {
            Word::Prefix(c) => format!("\"{c}\"*"),
            Word::Bigrams(b) => format!("\"{}\"", b.join(" ")),
        })
        .collect();
    let words = format!("grams : ({})", parts.join(" AND "));
    Some(match agency {
        Some(a) => format!("{words} AND agency : {}", agency_token(a)),
        None => words,
    })
}

/// The same words for PostgreSQL, which keeps the grams as plain text (see
/// `schema::postgres_dialect`): each word is a run of whole tokens in the
/// indexed text (` 补偿 偿方 方案 `), a one-character word a token's start
/// (` 李`). Matched with `strpos` on `' ' || grams`; the words hold only
/// letters and digits, so nothing in them is a pattern character.
pub(crate) fn postgres_needles(text: &str) -> Option<Vec<String>> {
    let needles = words(text)?
        .into_iter()
        .map(|w| match w {
            Word::Prefix(c) => format!(" {c}"),
            Word::Bigrams(b) => format!(" {} ", b.join(" ")),
        })
        .collect();
    Some(needles)
}

pub(crate) fn index(tx: &Sql, id: i64, agency: i64, fields: &[&str]) -> Result<(), StoreError> {
    index_many(tx, &[(id, agency, grams(fields))])
}

/// Indexes many requests at once: `(id, agency, grams)`. On SQLite the rows
/// go in by one statement from a staging table: FTS5 writes its pending
/// rows out as a new segment at every statement of the transaction, so one
/// insert per request among the requests' own inserts made a segment per
/// request and merged them over and over (an import of 1,000,000 requests
/// spent nearly all its time there).
pub(crate) fn index_many(tx: &Sql, rows: &[(i64, i64, String)]) -> Result<(), StoreError> {
    if tx.is_postgres() {
        for (id, _, grams) in rows {
            tx.execute("INSERT INTO requests_fts(rowid, grams) VALUES (?1, ?2)", params![id, grams])?;
        }
        return Ok(());
    }
    if let [(id, agency, grams)] = rows {
        tx.execute(
            "INSERT INTO requests_fts(rowid, grams, agency) VALUES (?1, ?2, ?3)",
            params![id, grams, agency_token(*agency)],
        )?;
        return Ok(());
    }
    tx.execute(
        "CREATE TEMP TABLE IF NOT EXISTS fts_staging (id INTEGER PRIMARY KEY, grams TEXT NOT NULL, agency TEXT NOT NULL)",
        params![],
    )?;
    for (id, agency, grams) in rows {
        tx.execute("INSERT INTO temp.fts_staging VALUES (?1, ?2, ?3)", params![id, grams, agency_token(*agency)])?;
    }
    tx.execute(
        "INSERT INTO requests_fts(rowid, grams, agency) SELECT id, grams, agency FROM temp.fts_staging",
        params![],
    )?;
    tx.execute("DELETE FROM temp.fts_staging", params![])?;
    Ok(())
}

/// The token of the FTS5 index's `agency` column. Users' words are matched
/// in the `grams` column only, so no typed word can match it.
fn agency_token(agency: i64) -> String {
    format!("a{agency}")
}

/// Migration 13 (SQLite): the index gains a column naming each request's
/// agency, so that a clerk's search walks the agency's few rows of each
/// word rather than a whole deployment's (a word common to every agency
/// matched 100,000 rows before the agency was filtered). Rebuilt in Rust.
pub(crate) const AGENCY_MIGRATION: &str = "
DROP TABLE requests_fts;
CREATE VIRTUAL TABLE requests_fts USING fts5(grams, agency, content='', tokenize='unicode61');
";

/// Indexes every stored request (the index was just created).
pub(crate) fn backfill(tx: &Sql) -> Result<(), StoreError> {
    let rows: Vec<(i64, i64, String, String, String, String)> =
        tx.query_map("SELECT id, agency_id, code, applicant_name, contact, summary FROM requests", params![], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })?;
    let rows: Vec<(i64, i64, String)> = rows
        .into_iter()
        .map(|(id, agency, code, name, contact, summary)| (id, agency, grams(&[&code, &name, &contact, &summary])))
        .collect();
    index_many(tx, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_keep_adjacency_and_queries_follow_them() {
        assert_eq!(grams(&["李明"]), "李明 明 ");
        assert_eq!(grams(&["YSQ-12"]), "ys sq q 12 2 ");
        assert_eq!(query("李明 拆迁", None).as_deref(), Some("grams : (\"李明\" AND \"拆迁\")"));
        assert_eq!(query("补偿方案", None).as_deref(), Some("grams : (\"补偿 偿方 方案\")"));
        assert_eq!(query("李", Some(7)).as_deref(), Some("grams : (\"李\"*) AND agency : a7"));
        assert_eq!(query("100%_拆迁", None).as_deref(), Some("grams : (\"10 00\" AND \"拆迁\")"));
        assert_eq!(query("  %% ", Some(7)), None);
        // Quotes typed by the user never reach FTS5 syntax.
        assert_eq!(query("a\"b", None).as_deref(), Some("grams : (\"a\"* AND \"b\"*)"));
        assert_eq!(
            postgres_needles("李明 补偿方案 李"),
            Some(vec![" 李明 ".into(), " 补偿 偿方 方案 ".into(), " 李".into()])
        );
        assert_eq!(postgres_needles(" %% "), None);
    }
}
