//! Connecting to the configured database and bringing its schema up to date.

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
    TransactionTrait,
    sea_query::{Expr, ExprTrait, Query},
};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    config::DatabaseSettings,
    private_files::{create_private_dir, ensure_private_file, narrow},
};

/// Any fixed number works: every instance must use the same one.
const MIGRATION_LOCK_KEY: i64 = 0x6167_6f72_615f_6d67;

/// The connection pools as the metrics endpoint reports them: summed, the writer's and, on
/// SQLite, the readers'.
#[derive(Clone)]
pub struct PoolStats(Vec<DatabaseConnection>);

impl PoolStats {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self(vec![db.clone()])
    }

    /// Counts `other` too.
    #[must_use]
    pub fn and(mut self, other: &DatabaseConnection) -> Self {
        self.0.push(other.clone());
        self
    }

    /// Connections open and, of them, idle.
    pub fn sample(&self) -> Option<(u32, usize)> {
        self.0.iter().try_fold((0, 0), |(size, idle), db| {
            let (s, i) = sample(db)?;
            Some((size + s, idle + i))
        })
    }
}

fn sample(db: &DatabaseConnection) -> Option<(u32, usize)> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            Some((pool.size(), pool.num_idle()))
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            Some((pool.size(), pool.num_idle()))
        }
        _ => None,
    }
}

pub async fn connect_database(settings: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let options = match settings {
        DatabaseSettings::Sqlite { path } => {
            // It holds password hashes and encrypted emails: owner only. SQLite gives its
            // -wal and -shm files the database file's mode.
            if let Some(dir) = path.parent() {
                create_private_dir(dir)
                    .with_context(|| format!("DATA_DIR: cannot create {}", dir.display()))?;
            }
            ensure_private_file(path)
                .with_context(|| format!("DATA_DIR: cannot create {}", path.display()))?;
            for suffix in ["-wal", "-shm"] {
                let mut side = path.clone().into_os_string();
                side.push(suffix);
                let side = std::path::PathBuf::from(side);
                if side.exists() {
                    narrow(&side)
                        .with_context(|| format!("DATA_DIR: cannot protect {}", side.display()))?;
                }
            }
            let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
            // SQLite takes one writer at a time: one connection, so this process's writes queue
            // for it instead of meeting SQLITE_BUSY, and reads go to `connect_readers`' pool.
            // sqlx's busy timeout covers other processes; it turns foreign keys on too.
            options.max_connections(1).min_connections(1);
            options
        }
        DatabaseSettings::Postgres {
            url,
            schema,
            max_connections,
        } => {
            let mut options = ConnectOptions::new(url.expose_secret().to_owned());
            options.max_connections(*max_connections).min_connections(1);
            if let Some(schema) = schema {
                options.set_schema_search_path(schema.clone());
            }
            options
        }
    };
    let db = connect(options, "DATABASE_URL: cannot connect to the database").await?;
    if let DatabaseSettings::Postgres {
        schema: Some(schema),
        ..
    } = settings
    {
        require_schema(&db, schema).await?;
    }
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode = WAL")
            .await
            .context("configuring SQLite")?;
    }
    Ok(db)
}

/// SQLite only (`None` on PostgreSQL): a pool of read-only connections, [`READERS_PER_CORE`]
/// per core, beside the single writer `connect_database` opens. In WAL mode readers do not
/// block the writer or each other, and each statement reads the latest committed state, so a
/// read after a write sees it. Call after `connect_database` (which turns WAL on) and `migrate`.
pub async fn connect_readers(
    settings: &DatabaseSettings,
) -> anyhow::Result<Option<DatabaseConnection>> {
    let DatabaseSettings::Sqlite { path } = settings else {
        return Ok(None);
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let readers = cores.saturating_mul(READERS_PER_CORE);
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=ro", path.display()));
    options
        .max_connections(u32::try_from(readers).unwrap_or(u32::MAX))
        .min_connections(1);
    let readers = connect(options, "DATA_DIR: cannot open the database for reading").await?;
    Ok(Some(readers))
}

/// Read-only SQLite connections per core. Each is a thread of sqlx's, and a request holds its
/// connection while the statement and every row cross between that thread and the worker, so
/// most of a connection's time is spent waiting for threads to be scheduled, not in SQLite.
/// With one per core the pool was the limit: on 2 cores a third of the CPU stayed idle under
/// load; eight per core used it (docs/performance.md: `GET /api/posts/{id}` 7.8K -> 15-18K
/// rps). Connections beyond the first open on demand.
pub const READERS_PER_CORE: usize = 8;

/// sqlx checks a connection with a round trip as it goes back to its pool, and by default once
/// more before lending it again: two extra round trips per query. A connection lent again
/// within this long of its return is not checked twice; one idle for longer (which a server
/// restart, a proxy or a firewall may have cut meanwhile) still is.
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// What every pool here has: `timeout` to connect and to get a connection, no second check of
/// a connection just returned, and no statement logging.
fn pool_defaults(options: &mut ConnectOptions, timeout: Duration) {
    options
        .connect_timeout(timeout)
        .acquire_timeout(timeout)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .sqlx_logging(false);
}

/// Connects with the pool defaults and 5 s timeouts; a failure is reported as `failure`.
async fn connect(
    mut options: ConnectOptions,
    failure: &'static str,
) -> anyhow::Result<DatabaseConnection> {
    pool_defaults(&mut options, Duration::from_secs(5));
    Database::connect(options).await.context(failure)
}

/// `DATABASE_SCHEMA` must name a schema that exists: the server never creates one (its role
/// needs no `CREATE` on the database), and without this check the first migration fails with
/// "no schema has been selected to create in".
async fn require_schema(db: &DatabaseConnection, schema: &str) -> anyhow::Result<()> {
    let query = Query::select()
        .expr(Expr::val(1))
        .from("pg_namespace")
        .and_where(Expr::col("nspname").eq(schema))
        .to_owned();
    let found = db
        .query_one(&query)
        .await
        .context("DATABASE_URL: cannot query the database")?;
    if found.is_none() {
        anyhow::bail!(
            "DATABASE_SCHEMA: schema '{schema}' does not exist; create it first \
             (CREATE SCHEMA {schema}) or unset DATABASE_SCHEMA to use public"
        );
    }
    Ok(())
}

/// Applies pending migrations. On PostgreSQL an advisory lock makes instances that start
/// together take turns, so only one of them migrates.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = db.begin().await?;
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [MIGRATION_LOCK_KEY.into()],
            ))
            .await
            .context("taking the migration lock")?;
            Migrator::up(&txn, None)
                .await
                .context("applying migrations")?;
            txn.commit().await.context("committing migrations")?;
        }
        _ => Migrator::up(db, None)
            .await
            .context("applying migrations")?,
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[tokio::test]
    async fn the_sqlite_directory_and_files_are_readable_by_their_owner_only() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("data");
        let path = dir.join("agora.db");
        let db = connect_database(&DatabaseSettings::Sqlite { path: path.clone() })
            .await
            .expect("connects");
        migrate(&db).await.expect("migrates");
        assert_eq!(mode(&dir), 0o700);
        for file in ["agora.db", "agora.db-wal", "agora.db-shm"] {
            assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
        }
    }
}

/// The read replica's pool (`DATABASE_READ_URL`), with the primary's schema and pool size.
/// Lazy: a replica that is down at start delays nothing; its reads fall back to the primary.
pub async fn connect_replica(
    url: &SecretString,
    primary: &DatabaseSettings,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.expose_secret().to_owned());
    if let DatabaseSettings::Postgres {
        schema,
        max_connections,
        ..
    } = primary
    {
        options.max_connections(*max_connections).min_connections(0);
        if let Some(schema) = schema {
            options.set_schema_search_path(schema.clone());
        }
    }
    options.connect_lazy(true);
    pool_defaults(&mut options, Duration::from_secs(2));
    // `connect` with `connect_lazy` only builds the pool: nothing is dialled yet.
    Database::connect(options)
        .await
        .context("DATABASE_READ_URL: invalid replica URL")
}
