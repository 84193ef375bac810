//! `Db`: the handle every SQL adapter queries through. With a [`CircuitBreaker`] it refuses
//! calls at once while the database is known to be unreachable, and opens the breaker when a
//! call finds it so; queries, statements, `BEGIN` and pings all pass through it. With readers
//! (SQLite: a read-only pool beside the single writer) a lone `SELECT` goes to them and every
//! other statement, and every transaction, to the writer.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement, TransactionError,
};

use super::breaker::{CircuitBreaker, PROBE_TIMEOUT, Probe};
use crate::unavailable::{db_outage, db_unreachable};

mod transactions;

/// The error of a call refused by an open breaker: a connection error, so it is classified
/// as "unavailable" (503 with `Retry-After`) like the failure that opened the breaker.
const OPEN: &str = "the database is unreachable (circuit open): not trying until a probe succeeds";

/// A query as sea-orm's `ConnectionTrait` returns it: boxed, borrowing the connection.
type BoxedQuery<'a, T> = Pin<Box<dyn Future<Output = Result<T, DbErr>> + Send + 'a>>;

/// One of `ConnectionTrait`'s raw query methods, called on the connection chosen for it.
type RawQuery<'a, T> = fn(&'a DatabaseConnection, Statement) -> BoxedQuery<'a, T>;

#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    readers: Option<DatabaseConnection>,
    breaker: Option<Arc<CircuitBreaker>>,
    /// Set on a read replica's handle: where queries go while the replica is unreachable.
    fallback: Option<Box<Db>>,
    /// A replica's outage state, shared by its clones: set by the first fallback of an
    /// outage (which logs it), cleared by the replica's next answer (which logs that).
    falling_back: Arc<AtomicBool>,
}

impl From<DatabaseConnection> for Db {
    /// No breaker: every call goes to the pool (commands, tests).
    fn from(conn: DatabaseConnection) -> Self {
        Self {
            conn,
            readers: None,
            breaker: None,
            fallback: None,
            falling_back: Arc::default(),
        }
    }
}

impl Db {
    /// Calls go through a breaker that, once open, pings the database every `probe_interval`
    /// (each ping bounded by [`PROBE_TIMEOUT`]) until it answers.
    pub fn with_breaker(conn: DatabaseConnection, probe_interval: Duration) -> Self {
        let pinged = conn.clone();
        let probe: Probe = Arc::new(move || {
            let conn = pinged.clone();
            Box::pin(async move {
                matches!(
                    tokio::time::timeout(PROBE_TIMEOUT, conn.ping()).await,
                    Ok(Ok(()))
                )
            })
        });
        Self {
            conn,
            readers: None,
            breaker: Some(CircuitBreaker::new(probe, probe_interval)),
            fallback: None,
            falling_back: Arc::default(),
        }
    }

    /// Sends lone `SELECT`s to `readers` (behind the same breaker); the connection given at
    /// construction stays the writer. `readers` must see what the writer commits as soon as
    /// it commits (SQLite in WAL mode: each statement reads the latest committed state).
    #[must_use]
    pub fn with_readers(mut self, readers: DatabaseConnection) -> Self {
        self.readers = Some(readers);
        self
    }

    /// Where `stmt` runs: the readers for a `SELECT`, else the writer. Only the statement's
    /// first keyword is read: SQLite accepts `WITH … INSERT`, and an `INSERT … RETURNING`
    /// comes through the query methods too, so anything but a `SELECT` is a write.
    fn route(&self, stmt: &Statement) -> &DatabaseConnection {
        match &self.readers {
            Some(readers) if is_select(&stmt.sql) => readers,
            _ => &self.conn,
        }
    }

    /// A read replica's handle: its own breaker, and queries it cannot answer because it is
    /// unreachable (or its breaker is open) are asked of `primary` instead, with a warning,
    /// so a replica outage never fails a read the primary can serve.
    pub fn replica(conn: DatabaseConnection, probe_interval: Duration, primary: Db) -> Self {
        Self {
            fallback: Some(Box::new(primary)),
            ..Self::with_breaker(conn, probe_interval)
        }
    }

    /// The primary this replica falls back to, if `err` means the replica is unreachable.
    fn fall_back(&self, err: &DbErr) -> Option<&Db> {
        let primary = self.fallback.as_deref()?;
        if !db_unreachable(err) {
            return None;
        }
        if !self.falling_back.swap(true, Ordering::Relaxed) {
            // Once per outage, not once per request.
            tracing::warn!(
                error = %err,
                "read replica unreachable: reading from the primary until it answers again"
            );
        }
        metrics::counter!("agora_db_replica_fallbacks_total").increment(1);
        Some(primary)
    }

    /// Passes a replica's answer through, logging the end of an outage.
    fn answered<T>(&self, result: Result<T, DbErr>) -> Result<T, DbErr> {
        if self.fallback.is_some() && self.falling_back.swap(false, Ordering::Relaxed) {
            tracing::info!("read replica answers again: public reads back on it");
        }
        result
    }

    /// Runs the query `call` where [`Db::route`] sends `stmt`, behind the breaker; when a
    /// replica cannot answer, the primary runs it the same way (its own route and breaker).
    fn routed<'a, T: Send + 'a>(
        &'a self,
        stmt: Statement,
        call: RawQuery<'a, T>,
    ) -> BoxedQuery<'a, T> {
        Box::pin(async move {
            match self.guard(call(self.route(&stmt), stmt.clone())).await {
                Err(err) => match self.fall_back(&err) {
                    Some(primary) => primary.routed(stmt, call).await,
                    None => Err(err),
                },
                ok => self.answered(ok),
            }
        })
    }

    /// The breaker, when there is one.
    pub fn breaker(&self) -> Option<&Arc<CircuitBreaker>> {
        self.breaker.as_ref()
    }

    /// Runs `call` unless the breaker is open; a failure that means the database is down
    /// ([`db_outage`]) opens it.
    async fn guard<T>(&self, call: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
        let Some(breaker) = &self.breaker else {
            return call.await;
        };
        let Some(admitted) = breaker.admit() else {
            return Err(DbErr::Conn(RuntimeErr::Internal(OPEN.to_owned())));
        };
        let result = call.await;
        if let Err(err) = &result
            && db_outage(err)
        {
            breaker.failed(admitted, err);
        }
        result
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        self.guard(self.conn.ping()).await
    }

    async fn guard_transaction<T, E>(
        &self,
        call: impl Future<Output = Result<T, TransactionError<E>>>,
    ) -> Result<T, TransactionError<E>> {
        let Some(breaker) = &self.breaker else {
            return call.await;
        };
        let Some(admitted) = breaker.admit() else {
            return Err(TransactionError::Connection(DbErr::Conn(
                RuntimeErr::Internal(OPEN.to_owned()),
            )));
        };
        let result = call.await;
        if let Err(TransactionError::Connection(err)) = &result
            && db_outage(err)
        {
            breaker.failed(admitted, err);
        }
        result
    }
}

fn is_select(sql: &str) -> bool {
    let sql = sql.trim_start();
    sql.get(..6)
        .is_some_and(|word| word.eq_ignore_ascii_case("SELECT"))
        && !sql[6..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

#[async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.guard(self.conn.execute_raw(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.guard(self.conn.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.routed(stmt, |conn, stmt| conn.query_one_raw(stmt))
            .await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.routed(stmt, |conn, stmt| conn.query_all_raw(stmt))
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{DbErr, RuntimeErr, sqlx};

    use super::{Db, is_select};
    use crate::unavailable::db_unreachable;

    /// What a socket answers once the Tokio runtime it was opened on has shut down: here a
    /// listener, on the server a pooled connection opened by an HTTP worker that has stopped.
    fn runtime_gone() -> std::io::Error {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
                .expect("a runtime")
        };
        let gone = runtime();
        let socket = gone
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bound");
        drop(gone);
        runtime()
            .block_on(socket.accept())
            .expect_err("its runtime is gone")
    }

    #[test]
    fn a_query_cut_by_a_stopping_runtime_is_unavailable_but_does_not_open_the_breaker() {
        let cut = Arc::new(sqlx::Error::Io(runtime_gone()));
        let cut = || DbErr::Query(RuntimeErr::SqlxError(cut.clone()));
        // The caller still answers 503: this instance is going away.
        assert!(db_unreachable(&cut()));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let conn = sea_orm::Database::connect("sqlite::memory:")
                .await
                .expect("SQLite in memory");
            let db = Db::with_breaker(conn, std::time::Duration::from_secs(60));
            let breaker = db.breaker().expect("a breaker").clone();
            let failed = db.guard(async { Err::<(), _>(cut()) }).await;
            assert!(failed.is_err());
            assert!(
                !breaker.is_open(),
                "the database is fine: no outage logged, the next call goes through"
            );
            // A connection the server itself reset is an outage, as before.
            let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
            let reset = DbErr::Query(RuntimeErr::SqlxError(Arc::new(sqlx::Error::Io(reset))));
            let _ = db.guard(async { Err::<(), _>(reset) }).await;
            assert!(breaker.is_open());
        });
    }

    #[test]
    fn only_a_select_is_a_read() {
        for sql in ["SELECT 1", "  select \"id\" FROM \"posts\"", "SELECT\n1"] {
            assert!(is_select(sql), "{sql}");
        }
        for sql in [
            "INSERT INTO \"posts\" VALUES (1) RETURNING \"id\"",
            "WITH x AS (SELECT 1) DELETE FROM \"posts\"",
            "UPDATE \"posts\" SET \"title\" = 'SELECT '",
            "SELECTED",
            "PRAGMA journal_mode = WAL",
            "",
        ] {
            assert!(!is_select(sql), "{sql}");
        }
    }
}
