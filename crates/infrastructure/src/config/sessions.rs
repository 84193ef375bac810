//! How many sessions a user may hold, how long they may last, and how long the audit trail
//! is kept: read with the rest of the configuration.

use std::time::Duration;

use super::vars::Vars;

/// Every field has an environment variable (see `.env.example`) and a range checked at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifetimeSettings {
    /// `MAX_SESSIONS_PER_USER` (1 to 1,000): a login beyond it ends the user's oldest session.
    pub max_sessions_per_user: usize,
    /// `SESSION_MAX_LIFETIME_SECONDS` (1 to 31,536,000): refresh is refused once a session is
    /// this old, however often it refreshed.
    pub session_max_lifetime: Duration,
    /// `AUDIT_RETENTION_DAYS` (1 to 36,500): older audit events are deleted.
    pub audit_retention_days: u32,
    /// `AUDIT_PRUNE_INTERVAL_SECONDS` (1 to 86,400): how often the prune runs.
    pub audit_prune_interval: Duration,
}

impl Default for LifetimeSettings {
    fn default() -> Self {
        Self {
            max_sessions_per_user: 50,
            session_max_lifetime: Duration::from_secs(30 * 24 * 3600),
            audit_retention_days: 365,
            audit_prune_interval: Duration::from_secs(3600),
        }
    }
}

impl LifetimeSettings {
    /// Each number is checked against its range (see `vars.rs`); the README states them.
    pub(crate) fn from_vars(vars: &Vars) -> anyhow::Result<Self> {
        const DAY: u64 = 24 * 3600;
        let mut s = Self::default();
        vars.read(
            &mut s.max_sessions_per_user,
            "MAX_SESSIONS_PER_USER",
            1..=1_000,
        )?;
        let lifetime = &mut s.session_max_lifetime;
        vars.read_seconds(lifetime, "SESSION_MAX_LIFETIME_SECONDS", 1..=365 * DAY)?;
        vars.read(
            &mut s.audit_retention_days,
            "AUDIT_RETENTION_DAYS",
            1..=36_500,
        )?;
        let prune = &mut s.audit_prune_interval;
        vars.read_seconds(prune, "AUDIT_PRUNE_INTERVAL_SECONDS", 1..=DAY)?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::super::vars::{assert_each_refused, load_from};
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> anyhow::Result<LifetimeSettings> {
        load_from(pairs, LifetimeSettings::from_vars)
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let d = load(&[]).expect("defaults");
        assert_eq!(d.max_sessions_per_user, 50);
        assert_eq!(d.session_max_lifetime, Duration::from_secs(2_592_000));
        assert_eq!(d.audit_retention_days, 365);
        assert_eq!(d.audit_prune_interval, Duration::from_secs(3600));
    }

    #[test]
    fn values_outside_their_range_name_their_variable() {
        let bad = [
            ("MAX_SESSIONS_PER_USER", "0"),
            ("MAX_SESSIONS_PER_USER", "1001"),
            ("SESSION_MAX_LIFETIME_SECONDS", "0"),
            ("SESSION_MAX_LIFETIME_SECONDS", "31536001"),
            ("AUDIT_RETENTION_DAYS", "-1"),
            ("AUDIT_RETENTION_DAYS", "36501"),
            ("AUDIT_PRUNE_INTERVAL_SECONDS", "soon"),
            ("AUDIT_PRUNE_INTERVAL_SECONDS", "86401"),
        ];
        assert_each_refused(&bad, LifetimeSettings::from_vars);
        let ok = load(&[
            ("MAX_SESSIONS_PER_USER", "3"),
            ("AUDIT_RETENTION_DAYS", "1"),
        ])
        .expect("in range");
        assert_eq!(ok.max_sessions_per_user, 3);
        assert_eq!(ok.audit_retention_days, 1);
    }
}
