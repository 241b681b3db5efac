//! The one interface the history logic talks to: SQL with `?N` placeholders, values of four
//! kinds, exclusive write transactions. SQLite ([`super::sqlite`]) and PostgreSQL
//! ([`super::postgres`]) implement it; nothing else in `src/` knows which one is in use.

/// A value bound to or read from a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer (BIGINT).
    Int(i64),
    /// A float (DOUBLE PRECISION).
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes (BLOB, BYTEA): compressed crash documents.
    Bytes(Vec<u8>),
}

impl Value {
    /// The integer, or 0 for NULL and other kinds.
    pub fn int(&self) -> i64 {
        match self {
            Value::Int(v) => *v,
            Value::Real(v) => *v as i64,
            _ => 0,
        }
    }

    /// The integer, `None` for NULL.
    pub fn opt_int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// The float, `None` for NULL.
    pub fn opt_real(&self) -> Option<f64> {
        match self {
            Value::Real(v) => Some(*v),
            Value::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// The text, `None` for NULL.
    pub fn opt_text(&self) -> Option<String> {
        match self {
            Value::Text(v) => Some(v.clone()),
            _ => None,
        }
    }

    /// The text, empty for NULL.
    pub fn text(&self) -> String {
        self.opt_text().unwrap_or_default()
    }

    /// The bytes, empty for NULL and other kinds.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Value::Bytes(v) => v,
            _ => &[],
        }
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Bytes(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Real(v)
    }
}

/// Which SQL dialect the schema migrations are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A database the history can live in. Every error is one line that names the database.
pub trait Backend {
    /// The database as shown in messages (a path, or a URL without its password).
    fn name(&self) -> &str;
    /// The dialect of the migrations to apply.
    fn dialect(&self) -> Dialect;
    /// The applied schema version (0 for an empty database). Refuses a database that belongs
    /// to another program.
    fn schema_version(&mut self) -> anyhow::Result<i64>;
    /// Records the schema version (inside the migration's transaction).
    fn set_schema_version(&mut self, version: i64) -> anyhow::Result<()>;
    /// Starts a write transaction that excludes other writers until commit or rollback.
    fn begin(&mut self) -> anyhow::Result<()>;
    /// Commits the transaction.
    fn commit(&mut self) -> anyhow::Result<()>;
    /// Rolls the transaction back (errors are ignored: the connection may be gone).
    fn rollback(&mut self);
    /// Runs several statements without parameters (migrations).
    fn batch(&mut self, sql: &str) -> anyhow::Result<()>;
    /// Runs one statement; returns the number of rows changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<u64>;
    /// Runs one query; returns every row.
    fn query(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<Vec<Vec<Value>>>;
}

/// `?1`, `?2`… → `$1`, `$2`… (PostgreSQL's placeholders). Quoted text is left alone.
pub fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        out.push(if c == '?' && !quoted { '$' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(
            dollar_placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?' AND d = ?12"),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d = $12"
        );
    }
}
