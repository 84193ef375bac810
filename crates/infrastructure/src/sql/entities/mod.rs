//! sea-orm entities: private to this crate, converted to domain types at its edge.

pub mod account_tokens;
pub mod audit_events;
pub mod comments;
pub mod mail_outbox;
pub mod posts;
pub mod roles;
pub mod user_roles;
pub mod users;
