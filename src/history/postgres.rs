//! The PostgreSQL backend, for a history a lab shares: the same schema as SQLite, the version
//! in a `legolog_meta` table, write transactions serialized by a transaction-scoped advisory
//! lock (so concurrent writers never race on bug assignment), statements prepared once.
//! A lost connection aborts the open transaction on the server: nothing half-recorded remains.

use super::backend::{dollar_placeholders, Backend, Dialect, Value};
use anyhow::anyhow;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

/// The advisory lock every write transaction takes ("LgLg").
const WRITE_LOCK: i64 = 0x4c67_4c67;

/// Prepared statements kept per connection.
const MAX_STATEMENTS: usize = 256;

/// Whether a `--db` value names a PostgreSQL database rather than a SQLite file.
pub fn is_url(spec: &str) -> bool {
    spec.starts_with("postgresql://") || spec.starts_with("postgres://")
}

/// A connection to a PostgreSQL history.
pub struct Postgres {
    client: Client,
    name: String,
    statements: HashMap<String, Statement>,
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => v.to_string().to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Real(v) => match *ty {
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Text(v) => v.as_str().to_sql(ty, out),
            Value::Bytes(v) => v.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl Postgres {
    /// Connects to `url` (`postgresql://user[:password]@host[:port]/db`, libpq's URL form). A
    /// server that cannot be reached within 5 s, a wrong password, host or database is an error
    /// naming the database (never its password).
    pub fn connect(url: &str) -> anyhow::Result<Postgres> {
        Postgres::connect_with(url, false)
    }

    /// [`Postgres::connect`] for a session that cannot write: every transaction is read-only
    /// (`default_transaction_read_only`), so a write is refused by the server.
    pub fn connect_read_only(url: &str) -> anyhow::Result<Postgres> {
        Postgres::connect_with(url, true)
    }

    fn connect_with(url: &str, read_only: bool) -> anyhow::Result<Postgres> {
        let mut config = postgres::Config::from_str(url)
            .map_err(|err| anyhow!("{}: not a PostgreSQL URL: {}", redact(url), one_line(&err)))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        config.application_name("legolog");
        if read_only {
            config.options("-c default_transaction_read_only=on");
        }
        let name = describe(&config);
        let client = config.connect(NoTls).map_err(|err| {
            anyhow!(
                "{name}: cannot connect to the history: {}",
                pg_message(&err)
            )
        })?;
        Ok(Postgres {
            client,
            name,
            statements: HashMap::new(),
        })
    }

    fn err(&self, err: &postgres::Error) -> anyhow::Error {
        anyhow!("{}: history database error: {}", self.name, pg_message(err))
    }

    fn statement(&mut self, sql: &str) -> anyhow::Result<Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self
            .client
            .prepare(&dollar_placeholders(sql))
            .map_err(|e| self.err(&e))?;
        // Some statements carry their values in the text (a page's bug ids): a long-lived
        // connection would keep every one of them, here and on the server.
        if self.statements.len() >= MAX_STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

fn params_of(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

fn read_value(row: &postgres::Row, idx: usize) -> Result<Value, postgres::Error> {
    let ty = row.columns()[idx].type_().clone();
    Ok(match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(idx)?
            .map_or(Value::Null, Value::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(idx)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(idx)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(idx)?
            .map_or(Value::Null, |v| Value::Int(v.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(idx)?
            .map_or(Value::Null, Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(idx)?
            .map_or(Value::Null, |v| Value::Real(v.into())),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(idx)?
            .map_or(Value::Null, Value::Bytes),
        _ => row
            .try_get::<_, Option<String>>(idx)?
            .map_or(Value::Null, Value::Text),
    })
}

impl Backend for Postgres {
    fn name(&self) -> &str {
        &self.name
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn schema_version(&mut self) -> anyhow::Result<i64> {
        let rows = self.query(
            "SELECT COUNT(*) FILTER (WHERE table_name = 'legolog_meta'), COUNT(*)
                 FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )?;
        let (meta, tables) = (rows[0][0].int(), rows[0][1].int());
        if meta == 0 {
            if tables > 0 {
                anyhow::bail!(
                    "{}: not a legolog history database (it holds other tables); left untouched",
                    self.name
                );
            }
            return Ok(0);
        }
        let rows = self.query(
            "SELECT value FROM legolog_meta WHERE key = 'schema_version'",
            &[],
        )?;
        Ok(rows
            .first()
            .and_then(|row| row[0].text().parse().ok())
            .unwrap_or(0))
    }

    fn set_schema_version(&mut self, version: i64) -> anyhow::Result<()> {
        self.batch(
            "CREATE TABLE IF NOT EXISTS legolog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        )?;
        self.execute(
            "INSERT INTO legolog_meta (key, value) VALUES ('schema_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[Value::Text(version.to_string())],
        )?;
        Ok(())
    }

    fn begin(&mut self) -> anyhow::Result<()> {
        self.client
            .batch_execute(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})"
            ))
            .map_err(|e| self.err(&e))
    }

    fn commit(&mut self) -> anyhow::Result<()> {
        self.client
            .batch_execute("COMMIT")
            .map_err(|e| self.err(&e))
    }

    fn rollback(&mut self) {
        let _ = self.client.batch_execute("ROLLBACK");
    }

    fn batch(&mut self, sql: &str) -> anyhow::Result<()> {
        self.client.batch_execute(sql).map_err(|e| self.err(&e))
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<u64> {
        let statement = self.statement(sql)?;
        self.client
            .execute(&statement, &params_of(params))
            .map_err(|e| self.err(&e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> anyhow::Result<Vec<Vec<Value>>> {
        let statement = self.statement(sql)?;
        let rows = self
            .client
            .query(&statement, &params_of(params))
            .map_err(|e| self.err(&e))?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|idx| read_value(row, idx))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(&e))
    }
}

/// `postgresql://user@host:port/db`, without the password.
fn describe(config: &postgres::Config) -> String {
    let user = config.get_user().unwrap_or("");
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_default();
    let port = config
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let db = config.get_dbname().unwrap_or("");
    let at = if user.is_empty() { "" } else { "@" };
    format!("postgresql://{user}{at}{host}{port}/{db}")
}

/// The URL with any password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _password)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}/{tail}")
}

/// The server's message when there is one, else the driver's, on one line.
fn pg_message(err: &postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        return one_line(&format!("{}: {}", db.severity(), db.message()));
    }
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text = format!("{text}: {inner_text}");
        }
        source = inner.source();
    }
    one_line(&text)
}

fn one_line(err: &dyn std::fmt::Display) -> String {
    err.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgresql://ann:secret@db.lab:5433/legolog"),
            "postgresql://ann:***@db.lab:5433/legolog"
        );
        let config =
            postgres::Config::from_str("postgresql://ann:secret@db.lab:5433/legolog").unwrap();
        assert_eq!(describe(&config), "postgresql://ann@db.lab:5433/legolog");
        assert!(is_url("postgres://x/y") && !is_url("./postgresql/h.sqlite3"));
    }
}
