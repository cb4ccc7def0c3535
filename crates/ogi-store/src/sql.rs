//! One way to speak SQL to either backend. The store's queries are written
//! once, in the subset of SQL that SQLite and PostgreSQL share, with `?N`
//! placeholders (renumbered `$N` for PostgreSQL); values and rows look the
//! same whichever database answered. The few places where the dialects
//! differ ask [`Sql::is_postgres`] and say why.
//!
//! The interface copies the parts of `rusqlite` the store used (`execute`,
//! `query_row`, `query_map`, `params!`, `.optional()`), so that a query reads
//! as it did when SQLite was the only backend.

use crate::scope::Scope;
use std::cell::RefCell;
use std::collections::HashMap;

use postgres::types::{FromSql, IsNull, ToSql, Type};

/// A value going into or coming out of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Why a statement failed (turned into a [`crate::StoreError`] by `?`).
#[derive(Debug)]
pub enum SqlError {
    /// `query_row` found nothing (see [`OptionalExtension`]).
    NoRows,
    Sqlite(rusqlite::Error),
    Postgres(postgres::Error),
    /// A column held something the store did not expect there.
    Type(String),
}

pub type Result<T> = std::result::Result<T, SqlError>;

impl From<rusqlite::Error> for SqlError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::QueryReturnedNoRows => SqlError::NoRows,
            e => SqlError::Sqlite(e),
        }
    }
}

impl From<postgres::Error> for SqlError {
    fn from(e: postgres::Error) -> Self {
        SqlError::Postgres(e)
    }
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SqlError::NoRows => f.write_str("没有找到记录"),
            SqlError::Sqlite(e) => e.fmt(f),
            SqlError::Postgres(e) => match e.as_db_error() {
                Some(db) => f.write_str(db.message()),
                None => e.fmt(f),
            },
            SqlError::Type(m) => f.write_str(m),
        }
    }
}

/// `query_row(…).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(SqlError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

// ---- values in ----

pub trait ToValue {
    fn to_value(&self) -> Value;
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

macro_rules! int_to_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                // Every integer the store keeps fits (ids, counts, seconds, 元).
                Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_to_value!(i64, i32, i16, u8, u16, u32, u64, usize);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

/// A statement's parameters.
pub trait Params {
    fn values(self) -> Vec<Value>;
}

impl<T: ToValue> Params for &[T] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

impl<T: ToValue, const N: usize> Params for &[T; N] {
    fn values(self) -> Vec<Value> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

impl Params for Vec<Value> {
    fn values(self) -> Vec<Value> {
        self
    }
}

/// Parameters from an iterator (a filter's values, built at run time).
pub fn params_from_iter<I>(iter: I) -> Vec<Value>
where
    I: IntoIterator,
    I::Item: ToValue,
{
    iter.into_iter().map(|v| v.to_value()).collect()
}

/// `params![a, b, c]`, as in rusqlite.
macro_rules! params {
    () => { &[] as &[&dyn $crate::sql::ToValue] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::sql::ToValue),+] as &[&dyn $crate::sql::ToValue] };
}
pub(crate) use params;

// ---- values out ----

pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self>;
}

fn type_error(want: &str, v: &Value) -> SqlError {
    SqlError::Type(format!("应为{want}，实为 {v:?}"))
}

impl FromValue for Value {
    fn from_value(v: &Value) -> Result<Self> {
        Ok(v.clone())
    }
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Int(i) => Ok(*i),
            v => Err(type_error("整数", v)),
        }
    }
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value) -> Result<Self> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| type_error(stringify!($t), v))
            }
        }
    )*};
}
int_from_value!(i32, i16, u8, u16, u32, u64, usize);

impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self> {
        Ok(i64::from_value(v)? != 0)
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            v => Err(type_error("数值", v)),
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            v => Err(type_error("文本", v)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.clone().into_bytes()),
            v => Err(type_error("字节", v)),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A column's position (only `usize`, so that `r.get(0)` needs no annotation).
pub trait RowIndex {
    fn index(self) -> usize;
}

impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// One row of a result.
pub struct Row {
    values: Vec<Value>,
}

impl Row {
    pub fn get<I: RowIndex, T: FromValue>(&self, i: I) -> Result<T> {
        let i = i.index();
        let v = self.values.get(i).ok_or_else(|| SqlError::Type(format!("没有第 {i} 列")))?;
        T::from_value(v)
    }
}

// ---- the connection ----

/// A PostgreSQL connection and the statements it has prepared.
pub struct PgConn {
    client: RefCell<postgres::Client>,
    prepared: RefCell<HashMap<String, postgres::Statement>>,
}

impl PgConn {
    pub fn new(client: postgres::Client) -> PgConn {
        PgConn { client: RefCell::new(client), prepared: RefCell::new(HashMap::new()) }
    }

    fn statement(&self, sql: &str) -> Result<postgres::Statement> {
        if let Some(s) = self.prepared.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.borrow_mut().prepare(&numbered(sql))?;
        let mut cache = self.prepared.borrow_mut();
        // Bounded: the register's list builds its SQL from the filter.
        if cache.len() > 500 {
            cache.clear();
        }
        cache.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    pub fn batch(&self, sql: &str) -> Result<()> {
        Ok(self.client.borrow_mut().batch_execute(sql)?)
    }

    pub fn is_closed(&self) -> bool {
        self.client.borrow().is_closed()
    }
}

/// Where a statement runs: a SQLite connection (or transaction) or a
/// PostgreSQL connection (inside a transaction when writing), and whose
/// data it may see ([`Scope`]: every query over agency data filters by it).
#[derive(Clone, Copy)]
pub struct Sql<'c> {
    on: Conn<'c>,
    pub scope: &'c Scope,
}

#[derive(Clone, Copy)]
enum Conn<'c> {
    Lite(&'c rusqlite::Connection),
    Pg(&'c PgConn),
}

impl<'c> Sql<'c> {
    pub fn lite(c: &'c rusqlite::Connection, scope: &'c Scope) -> Sql<'c> {
        Sql { on: Conn::Lite(c), scope }
    }

    pub fn pg(pg: &'c PgConn, scope: &'c Scope) -> Sql<'c> {
        Sql { on: Conn::Pg(pg), scope }
    }

    /// The same connection with another scope (the public side reaching a
    /// request through its tracking code; migrations).
    pub fn with_scope<'s>(&self, scope: &'s Scope) -> Sql<'s>
    where
        'c: 's,
    {
        Sql { on: self.on, scope }
    }

    /// The SQLite connection underneath, if it is one.
    pub fn as_sqlite(&self) -> Option<&'c rusqlite::Connection> {
        match self.on {
            Conn::Lite(c) => Some(c),
            Conn::Pg(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.on, Conn::Pg(_))
    }

    pub fn execute<P: Params>(&self, sql: &str, p: P) -> Result<usize> {
        let values = p.values();
        match self.on {
            Conn::Lite(c) => Ok(c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(values.iter()))?),
            Conn::Pg(pg) => {
                let stmt = pg.statement(sql)?;
                let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                let n = pg.client.borrow_mut().execute(&stmt, &refs)?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// An `INSERT` into a table keyed by `id`; returns the new row's id.
    pub fn insert<P: Params>(&self, sql: &str, p: P) -> Result<i64> {
        self.query_row(&format!("{sql} RETURNING id"), p, |r| r.get(0))
    }

    /// Every row, each turned into a `T` by `f`.
    pub fn query_map<T, P: Params, F: FnMut(&Row) -> Result<T>>(&self, sql: &str, p: P, mut f: F) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each_row(sql, p.values(), |row| {
            out.push(f(&row)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// The first row, or [`SqlError::NoRows`].
    pub fn query_row<T, P: Params, F: FnOnce(&Row) -> Result<T>>(&self, sql: &str, p: P, f: F) -> Result<T> {
        let mut first = None;
        self.each_row(sql, p.values(), |row| {
            first = Some(row);
            Ok(false)
        })?;
        match first {
            Some(row) => f(&row),
            None => Err(SqlError::NoRows),
        }
    }

    /// A statement to run (kept prepared by the connection).
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'c>> {
        Ok(Stmt { sql: sql.to_string(), on: *self })
    }

    /// Hands each row to `f` until it returns `false` (SQLite then stops
    /// stepping; PostgreSQL has sent them all already).
    fn each_row(&self, sql: &str, values: Vec<Value>, mut f: impl FnMut(Row) -> Result<bool>) -> Result<()> {
        match self.on {
            Conn::Lite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let n = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
                while let Some(r) = rows.next()? {
                    let values = (0..n).map(|i| r.get_ref(i).map(from_sqlite)).collect::<rusqlite::Result<_>>()?;
                    if !f(Row { values })? {
                        break;
                    }
                }
                Ok(())
            }
            Conn::Pg(pg) => {
                let stmt = pg.statement(sql)?;
                let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                let rows = pg.client.borrow_mut().query(&stmt, &refs)?;
                for r in rows {
                    let values =
                        (0..r.len()).map(|i| r.try_get::<_, Value>(i)).collect::<std::result::Result<_, _>>()?;
                    if !f(Row { values })? {
                        break;
                    }
                }
                Ok(())
            }
        }
    }
}

/// A prepared statement, as in rusqlite.
pub struct Stmt<'c> {
    sql: String,
    on: Sql<'c>,
}

impl Stmt<'_> {
    pub fn execute<P: Params>(&mut self, p: P) -> Result<usize> {
        self.on.execute(&self.sql, p)
    }

    pub fn query_map<T, P: Params, F: FnMut(&Row) -> Result<T>>(
        &mut self,
        p: P,
        f: F,
    ) -> Result<std::iter::Map<std::vec::IntoIter<T>, fn(T) -> Result<T>>> {
        // Rows come back whole; the iterator keeps rusqlite's shape.
        Ok(self.on.query_map(&self.sql, p, f)?.into_iter().map(Ok))
    }
}

/// `?1`, `?2` … (and a bare `?`) as PostgreSQL's `$1`, `$2` …, outside quotes.
pub fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let (mut quoted, mut next) = (false, 1);
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    digits = next.to_string();
                    next += 1;
                }
                out.push('$');
                out.push_str(&digits);
            }
            c => out.push(c),
        }
    }
    out
}

fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

// PostgreSQL checks a parameter's type against the one it inferred; the
// value is converted to that type here (an integer for an INT4 column, a
// text for a TEXT one), so the store's queries need no casts.
impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> std::result::Result<IsNull, BoxError> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), t) if is_text(t) => i.to_string().as_str().to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT8) => f.to_sql(ty, out),
            (Value::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
            (Value::Text(s), t) if is_text(t) => s.as_str().to_sql(ty, out),
            (Value::Text(s), &Type::BYTEA) => s.as_bytes().to_sql(ty, out),
            (Value::Blob(b), &Type::BYTEA) => b.as_slice().to_sql(ty, out),
            (v, t) => Err(format!("参数 {v:?} 不能作为 {t} 类型").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn is_text(t: &Type) -> bool {
    matches!(*t, Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN)
}

impl<'a> FromSql<'a> for Value {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, BoxError> {
        Ok(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::BYTEA => Value::Blob(raw.to_vec()),
            // SUM() of integers is NUMERIC in PostgreSQL.
            Type::NUMERIC => numeric(raw)?,
            ref t if is_text(t) => Value::Text(<&str>::from_sql(ty, raw)?.to_string()),
            ref t => return Err(format!("不支持的列类型 {t}").into()),
        })
    }

    fn from_sql_null(_: &Type) -> std::result::Result<Self, BoxError> {
        Ok(Value::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A NUMERIC in PostgreSQL's binary form: an integer when it has no
/// fraction (sums and counts), else a float.
fn numeric(raw: &[u8]) -> std::result::Result<Value, BoxError> {
    let word = |i: usize| -> std::result::Result<i16, BoxError> {
        let b = raw.get(i * 2..i * 2 + 2).ok_or("NUMERIC 数据不完整")?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    };
    let (ndigits, weight, sign, dscale) = (word(0)?, word(1)?, word(2)? as u16, word(3)?);
    if sign == 0xC000 {
        return Err("NUMERIC 不是数".into());
    }
    let mut value = 0f64;
    let mut int: Option<i64> = Some(0);
    for i in 0..ndigits.max(0) as usize {
        let d = word(4 + i)?;
        let power = i32::from(weight) - i as i32;
        value += f64::from(d) * 10_000f64.powi(power);
        int = match (int, power) {
            (Some(acc), p) if p >= 0 => 10_000i64
                .checked_pow(p as u32)
                .and_then(|m| m.checked_mul(i64::from(d)))
                .and_then(|x| acc.checked_add(x)),
            (Some(acc), _) if d == 0 => Some(acc),
            _ => None,
        };
    }
    let negative = sign == 0x4000;
    Ok(match int {
        Some(i) if dscale == 0 || value.fract() == 0.0 => Value::Int(if negative { -i } else { i }),
        _ => Value::Real(if negative { -value } else { value }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_outside_quotes() {
        assert_eq!(numbered("SELECT ?1, ?2 WHERE a = ?1"), "SELECT $1, $2 WHERE a = $1");
        assert_eq!(numbered("SELECT '?1', ? , ?"), "SELECT '?1', $1 , $2");
    }

    #[test]
    fn numeric_sums_read_as_integers() {
        // 12345678 = 1234·10000 + 5678: ndigits 2, weight 1.
        let raw = [0, 2, 0, 1, 0, 0, 0, 0, 0x04, 0xD2, 0x16, 0x2E];
        assert_eq!(numeric(&raw).unwrap(), Value::Int(12_345_678));
        // Zero: no digits.
        assert_eq!(numeric(&[0, 0, 0, 0, 0, 0, 0, 0]).unwrap(), Value::Int(0));
        // -5
        assert_eq!(numeric(&[0, 1, 0, 0, 0x40, 0, 0, 0, 0, 5]).unwrap(), Value::Int(-5));
        assert!(numeric(&[0, 1]).is_err());
    }
}
