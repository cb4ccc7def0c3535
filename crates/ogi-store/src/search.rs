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

/// The FTS5 query for the user's words (all must match), or `None` if
/// nothing searchable was typed.
pub(crate) fn query(text: &str) -> Option<String> {
    let parts: Vec<String> = words(text)?
        .into_iter()
        .map(|w| match w {
            Word::Prefix(c) => format!("\"{c}\"*"),
            Word::Bigrams(b) => format!("\"{}\"", b.join(" ")),
        })
        .collect();
    Some(parts.join(" AND "))
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

pub(crate) fn index(tx: &Sql, id: i64, fields: &[&str]) -> Result<(), StoreError> {
    tx.execute("INSERT INTO requests_fts(rowid, grams) VALUES (?1, ?2)", params![id, grams(fields)])?;
    Ok(())
}

/// Indexes the requests stored before the index existed.
pub(crate) fn backfill(tx: &Sql) -> Result<(), StoreError> {
    let mut stmt = tx.prepare("SELECT id, code, applicant_name, contact, summary FROM requests")?;
    let rows = stmt.query_map(params![], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (id, code, name, contact, summary) = row?;
        index(tx, id, &[&code, &name, &contact, &summary])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_keep_adjacency_and_queries_follow_them() {
        assert_eq!(grams(&["李明"]), "李明 明 ");
        assert_eq!(grams(&["YSQ-12"]), "ys sq q 12 2 ");
        assert_eq!(query("李明 拆迁").as_deref(), Some("\"李明\" AND \"拆迁\""));
        assert_eq!(query("补偿方案").as_deref(), Some("\"补偿 偿方 方案\""));
        assert_eq!(query("李").as_deref(), Some("\"李\"*"));
        assert_eq!(query("100%_拆迁").as_deref(), Some("\"10 00\" AND \"拆迁\""));
        assert_eq!(query("  %% "), None);
        // Quotes typed by the user never reach FTS5 syntax.
        assert_eq!(query("a\"b").as_deref(), Some("\"a\"* AND \"b\"*"));
        assert_eq!(
            postgres_needles("李明 补偿方案 李"),
            Some(vec![" 李明 ".into(), " 补偿 偿方 方案 ".into(), " 李".into()])
        );
        assert_eq!(postgres_needles(" %% "), None);
    }
}
