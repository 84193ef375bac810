//! Telling "the database or Redis cannot be reached" (503, retry later) from every other
//! failure (500, a bug), at the one place each adapter's errors become port errors.

use application::{DependencyError, RepositoryError, StoreError};
use redis::RedisError;
use sea_orm::{DbErr, RuntimeErr, sqlx};

/// Connection-level failures: refused, dropped, timed out, or the server shutting down
/// (SQLSTATE classes 08 "connection exception" and 57 "operator intervention").
pub(crate) fn db_unreachable(err: &DbErr) -> bool {
    if matches!(err, DbErr::ConnectionAcquire(_) | DbErr::Conn(_)) {
        return true;
    }
    let Some(sqlx) = sqlx_cause(err) else {
        return false;
    };
    match sqlx {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
        _ => false,
    }
}

/// A failure that says the database is down, as the circuit breaker counts them: unreachable
/// ([`db_unreachable`]), but not because this process's own Tokio runtime is stopping. Each
/// HTTP worker has a runtime of its own, and a pooled connection's socket belongs to the
/// runtime that opened it: during a graceful shutdown, a worker that has finished its requests
/// stops while another is still serving, and a query on a connection the first one opened fails
/// with "A Tokio 1.x context was found, but it is being shutdown". The caller still gets an
/// "unavailable" error (503: this instance is going away), but the database is fine, so the
/// breaker must not open, log an outage and fail every other request still finishing.
pub(crate) fn db_outage(err: &DbErr) -> bool {
    db_unreachable(err) && !runtime_stopping(err)
}

/// The call failed because the Tokio runtime its connection's socket is registered with is
/// shutting down (`tokio::runtime::is_rt_shutdown_err`), not because of the database.
fn runtime_stopping(err: &DbErr) -> bool {
    matches!(sqlx_cause(err), Some(sqlx::Error::Io(io)) if tokio::runtime::is_rt_shutdown_err(io))
}

/// The sqlx error under a connection, statement or query failure.
fn sqlx_cause(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e.as_ref()),
        _ => None,
    }
}

/// The port error for a failed database call, `what` naming the call for the log.
pub(crate) fn repository_error(err: DbErr, what: &'static str) -> RepositoryError {
    let unreachable = db_unreachable(&err);
    classified(unreachable, anyhow::Error::new(err).context(what)).into()
}

/// The one place an adapter's failure becomes an outage or a bug.
fn classified(unreachable: bool, cause: anyhow::Error) -> DependencyError {
    if unreachable {
        DependencyError::Unavailable(cause)
    } else {
        DependencyError::Bug(cause)
    }
}

pub(crate) fn redis_unreachable(err: &RedisError) -> bool {
    err.is_io_error()
        || err.is_connection_refusal()
        || err.is_connection_dropped()
        || err.is_timeout()
}

/// The port error for a failed Redis call.
pub(crate) fn store_error(err: RedisError, what: &'static str) -> StoreError {
    let unreachable = redis_unreachable(&err);
    classified(unreachable, anyhow::Error::new(err).context(what))
}

/// `.db_context("what")` in place of `.context("what")` on database calls.
pub(crate) trait DbContext<T> {
    fn db_context(self, what: &'static str) -> Result<T, RepositoryError>;
}

impl<T> DbContext<T> for Result<T, DbErr> {
    fn db_context(self, what: &'static str) -> Result<T, RepositoryError> {
        self.map_err(|err| repository_error(err, what))
    }
}

/// `.store_context("what")` in place of `.context("what")` on Redis calls.
pub(crate) trait StoreContext<T> {
    fn store_context(self, what: &'static str) -> Result<T, StoreError>;
}

impl<T> StoreContext<T> for Result<T, RedisError> {
    fn store_context(self, what: &'static str) -> Result<T, StoreError> {
        self.map_err(|err| store_error(err, what))
    }
}
