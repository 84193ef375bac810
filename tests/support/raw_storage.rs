//! What the database holds, read around the application: the raw SQLite files, or every row
//! of every table of the test's PostgreSQL schema as text.

use infrastructure::config::DatabaseSettings;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::TestApp;

impl TestApp {
    /// A connection of the test's own to the app's database (its schema on PostgreSQL).
    pub async fn raw_connection(&self) -> DatabaseConnection {
        infrastructure::connect_database(&self.settings.database)
            .await
            .expect("connect to the test database")
    }

    /// Everything stored: on SQLite the bytes of the database file and its write-ahead log,
    /// on PostgreSQL `SELECT t::text` of every row of every table in the schema.
    pub async fn raw_storage(&self) -> Vec<u8> {
        match &self.settings.database {
            DatabaseSettings::Sqlite { path } => {
                let mut bytes = std::fs::read(path).expect("read the SQLite file");
                let wal = path.with_extension("db-wal");
                if let Ok(log) = std::fs::read(&wal) {
                    bytes.extend_from_slice(&log);
                }
                bytes
            }
            DatabaseSettings::Postgres { schema, .. } => {
                let schema = schema.clone().unwrap_or_else(|| "public".into());
                let db = self.raw_connection().await;
                let tables = db
                    .query_all_raw(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "SELECT table_name::text FROM information_schema.tables \
                         WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
                        [schema.clone().into()],
                    ))
                    .await
                    .expect("list tables");
                let mut text = String::new();
                for table in tables {
                    let name: String = table.try_get_by_index(0).expect("table name");
                    let rows = db
                        .query_all_raw(Statement::from_string(
                            DbBackend::Postgres,
                            format!("SELECT t::text FROM \"{schema}\".\"{name}\" t"),
                        ))
                        .await
                        .expect("read a table");
                    for row in rows {
                        let row: String = row.try_get_by_index(0).expect("row as text");
                        text.push_str(&name);
                        text.push(' ');
                        text.push_str(&row);
                        text.push('\n');
                    }
                }
                db.close().await.ok();
                text.into_bytes()
            }
        }
    }

    /// The `email` column of every account, as stored.
    pub async fn stored_emails(&self) -> Vec<String> {
        let db = self.raw_connection().await;
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT email FROM users ORDER BY id",
            ))
            .await
            .expect("read emails");
        db.close().await.ok();
        rows.into_iter()
            .map(|r| r.try_get_by_index::<String>(0).expect("email column"))
            .collect()
    }
}

/// Whether `needle` occurs in `haystack`, as bytes.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}
