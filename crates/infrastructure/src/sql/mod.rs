//! Adapters on the SQL database through sea-orm, one implementation for PostgreSQL and SQLite:
//! the repositories, the audit log, connecting and migrating, and the data-key rotation.

mod account_tokens;
mod audit;
mod authored;
mod batch;
mod breaker;
mod comments;
mod database;
mod db;
mod email_rotation;
mod entities;
mod folded;
mod keyset;
mod limit;
mod mail_outbox;
mod posts;
mod prepared;
mod roles;
mod users;
mod versioned;

pub use account_tokens::SqlAccountTokens;
pub use audit::SqlAudit;
pub use breaker::CircuitBreaker;
pub use comments::SqlComments;
pub use database::{
    PING_IF_IDLE_FOR, PoolStats, connect_database, connect_readers, connect_replica, migrate,
};
pub use db::Db;
pub use email_rotation::{RotationReport, rotate_emails};
pub use mail_outbox::SqlMailOutbox;
pub use posts::SqlPosts;
pub use users::SqlUsers;
