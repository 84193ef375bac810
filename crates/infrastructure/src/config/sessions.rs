//! How many sessions a user may hold, how long they may last, and how long the audit trail
//! is kept: read with the rest of the configuration.

use std::time::Duration;

use super::table::settings;

const DAY: u64 = 24 * 3600;

settings! {
    /// Every field has an environment variable (see `.env.example`) and a range checked at start.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct LifetimeSettings {
        /// `MAX_SESSIONS_PER_USER` (1 to 1,000): a login beyond it ends the user's oldest session.
        max_sessions_per_user: usize = 50, number("MAX_SESSIONS_PER_USER", 1..=1_000);
        /// `SESSION_MAX_LIFETIME_SECONDS` (1 to 31,536,000): refresh is refused once a session
        /// is this old, however often it refreshed.
        session_max_lifetime: Duration = Duration::from_secs(30 * DAY),
            seconds("SESSION_MAX_LIFETIME_SECONDS", 1..=365 * DAY);
        /// `AUDIT_RETENTION_DAYS` (1 to 36,500): older audit events are deleted.
        audit_retention_days: u32 = 365, number("AUDIT_RETENTION_DAYS", 1..=36_500);
        /// `AUDIT_PRUNE_INTERVAL_SECONDS` (1 to 86,400): how often the prune runs.
        audit_prune_interval: Duration = Duration::from_secs(3600),
            seconds("AUDIT_PRUNE_INTERVAL_SECONDS", 1..=DAY);
    }
}
