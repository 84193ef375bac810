//! The abuse-resistance and protocol limits, read with the rest of the configuration.

use std::{thread::available_parallelism, time::Duration};

use anyhow::{Context, bail};
use ipnet::IpNet;

use super::vars::Vars;

/// Budgets, lock-outs, proxies, CORS, and the limits that protect the server from slow or
/// greedy clients. Every field has an environment variable (see `.env.example`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    /// `RATE_LIMIT_GENERAL_PER_MIN`: requests per minute per client on every route.
    pub general_per_min: u32,
    /// `RATE_LIMIT_AUTH_PER_MIN`: per client on register, login and refresh.
    pub auth_per_min: u32,
    /// `LOGIN_LOCKOUT_THRESHOLD`: failed logins in a row that lock an account.
    pub lockout_threshold: u32,
    /// `LOGIN_LOCKOUT_SECONDS`: the first lock-out; each next one doubles, up to an hour.
    pub lockout_base: Duration,
    /// `TRUSTED_PROXIES`: peers (addresses or CIDR ranges) whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// `CORS_ORIGINS`: exact origins allowed to call the API from a browser, with credentials.
    pub cors_origins: Vec<String>,
    /// `POST_BODY_LIMIT_BYTES`: the body cap on post routes (50,000 characters of UTF-8).
    pub post_body_limit: usize,
    /// `CLIENT_HEADER_TIMEOUT_SECONDS`: time a client gets to send the request head.
    pub header_timeout: Duration,
    /// `REQUEST_TIMEOUT_SECONDS`: time a request gets, body included, before a 408.
    pub request_timeout: Duration,
    /// `MAX_CONNECTIONS`: concurrent connections per worker.
    pub max_connections: usize,
    /// `KEEP_ALIVE_SECONDS` (1 to 300): how long an idle keep-alive connection is kept.
    pub keep_alive: Duration,
    /// `MAX_CONNECTIONS_PER_CLIENT` (1 to 1,000,000): open connections one client address (an
    /// IPv6 client by its network, see `ipv6_prefix`) may hold; trusted proxies are exempt.
    pub max_connections_per_client: usize,
    /// `RATE_LIMIT_IPV6_PREFIX` (32 to 128): IPv6 clients are one client per network of this
    /// many bits, for budgets and the connection cap.
    pub ipv6_prefix: u8,
    /// `PASSWORD_HASH_CONCURRENCY`: bcrypt runs at once; below the core count so logins never
    /// starve reads.
    pub hash_concurrency: usize,
    /// `PASSWORD_HASH_QUEUE_MS` (1..=60000): the longest a request waits for a hashing slot
    /// (bcrypt or zxcvbn) before it is shed with 503 and `Retry-After`.
    pub hash_queue: Duration,
    /// `PASSWORD_MIN_SCORE`: the zxcvbn score (0..=4) a new password needs.
    pub password_min_score: u8,
}

impl Default for LimitSettings {
    fn default() -> Self {
        let cores = available_parallelism().map_or(1, |n| n.get());
        Self {
            general_per_min: 600,
            auth_per_min: 20,
            lockout_threshold: 5,
            lockout_base: Duration::from_secs(60),
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
            post_body_limit: 256 * 1024,
            header_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_connections: 10_000,
            keep_alive: Duration::from_secs(5),
            max_connections_per_client: 256,
            ipv6_prefix: 64,
            hash_concurrency: cores.saturating_sub(1).max(1),
            hash_queue: Duration::from_millis(2_000),
            password_min_score: 3,
        }
    }
}

impl LimitSettings {
    /// Each number is checked against its range (see `vars.rs`); the README states them.
    pub(crate) fn from_vars(vars: &Vars) -> anyhow::Result<Self> {
        const MIB: usize = 1024 * 1024;
        let mut s = Self::default();
        vars.read(
            &mut s.general_per_min,
            "RATE_LIMIT_GENERAL_PER_MIN",
            1..=1_000_000,
        )?;
        vars.read(
            &mut s.auth_per_min,
            "RATE_LIMIT_AUTH_PER_MIN",
            1..=1_000_000,
        )?;
        vars.read(
            &mut s.lockout_threshold,
            "LOGIN_LOCKOUT_THRESHOLD",
            1..=1_000_000,
        )?;
        vars.read_seconds(&mut s.lockout_base, "LOGIN_LOCKOUT_SECONDS", 1..=3600)?;
        s.trusted_proxies = trusted_proxies(vars.text("TRUSTED_PROXIES"))?;
        s.cors_origins = cors_origins(vars.text("CORS_ORIGINS"))?;
        vars.read(
            &mut s.post_body_limit,
            "POST_BODY_LIMIT_BYTES",
            1024..=16 * MIB,
        )?;
        vars.read_seconds(
            &mut s.header_timeout,
            "CLIENT_HEADER_TIMEOUT_SECONDS",
            1..=300,
        )?;
        vars.read_seconds(&mut s.request_timeout, "REQUEST_TIMEOUT_SECONDS", 1..=3600)?;
        vars.read(&mut s.max_connections, "MAX_CONNECTIONS", 1..=1_000_000)?;
        vars.read(
            &mut s.hash_concurrency,
            "PASSWORD_HASH_CONCURRENCY",
            1..=1024,
        )?;
        vars.read_seconds(&mut s.keep_alive, "KEEP_ALIVE_SECONDS", 1..=300)?;
        let per_client = &mut s.max_connections_per_client;
        vars.read(per_client, "MAX_CONNECTIONS_PER_CLIENT", 1..=1_000_000)?;
        vars.read(&mut s.ipv6_prefix, "RATE_LIMIT_IPV6_PREFIX", 32..=128)?;
        vars.read_as(
            &mut s.hash_queue,
            "PASSWORD_HASH_QUEUE_MS",
            1..=60_000,
            Duration::from_millis,
        )?;
        vars.read(&mut s.password_min_score, "PASSWORD_MIN_SCORE", 0..=4)?;
        Ok(s)
    }
}

fn list(raw: Option<String>) -> impl Iterator<Item = String> {
    raw.unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// Addresses (`10.0.0.7`) or ranges (`10.0.0.0/8`), comma-separated.
fn trusted_proxies(raw: Option<String>) -> anyhow::Result<Vec<IpNet>> {
    list(raw)
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
                .with_context(|| format!("TRUSTED_PROXIES: '{entry}' is not an address or range"))
        })
        .collect()
}

/// Exact origins (`https://app.example.com`), comma-separated; `*` is refused because
/// credentials are allowed.
fn cors_origins(raw: Option<String>) -> anyhow::Result<Vec<String>> {
    list(raw)
        .map(|origin| {
            let well_formed = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.trim_end_matches('/').contains(['*', ' '])
                && origin
                    .split("://")
                    .nth(1)
                    .is_some_and(|host| !host.is_empty() && !host.contains('/'));
            if well_formed {
                Ok(origin)
            } else {
                bail!(
                    "CORS_ORIGINS: '{origin}' is not an exact origin like https://app.example.com"
                )
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::vars::{assert_each_refused, load_from};
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> anyhow::Result<LimitSettings> {
        load_from(pairs, LimitSettings::from_vars)
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let limits = load(&[]).expect("defaults");
        assert_eq!(limits.general_per_min, 600);
        assert_eq!(limits.auth_per_min, 20);
        assert_eq!(limits.lockout_threshold, 5);
        assert!(limits.hash_concurrency >= 1);
        assert_eq!(limits.hash_queue, Duration::from_millis(2_000));
        let set = load(&[("PASSWORD_HASH_QUEUE_MS", "250")]).expect("loads");
        assert_eq!(set.hash_queue, Duration::from_millis(250));
        assert_eq!(limits.keep_alive, Duration::from_secs(5));
        assert_eq!(limits.max_connections_per_client, 256);
        assert_eq!(limits.ipv6_prefix, 64);
    }

    #[test]
    fn lists_parse_and_bad_entries_name_their_variable() {
        let limits = load(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
            (
                "CORS_ORIGINS",
                "https://app.example.com,http://localhost:5173",
            ),
        ])
        .expect("loads");
        assert_eq!(limits.trusted_proxies.len(), 2);
        assert_eq!(limits.cors_origins.len(), 2);
        let bad = [
            ("TRUSTED_PROXIES", "proxy.local"),
            ("CORS_ORIGINS", "*"),
            ("CORS_ORIGINS", "https://app.example.com/path"),
            ("RATE_LIMIT_AUTH_PER_MIN", "0"),
            ("REQUEST_TIMEOUT_SECONDS", "soon"),
            ("PASSWORD_MIN_SCORE", "5"),
            ("PASSWORD_HASH_QUEUE_MS", "0"),
            ("PASSWORD_HASH_QUEUE_MS", "60001"),
            ("PASSWORD_HASH_QUEUE_MS", "soon"),
            ("RATE_LIMIT_IPV6_PREFIX", "31"),
            ("RATE_LIMIT_IPV6_PREFIX", "129"),
            ("KEEP_ALIVE_SECONDS", "0"),
            ("KEEP_ALIVE_SECONDS", "301"),
            ("MAX_CONNECTIONS_PER_CLIENT", "0"),
        ];
        assert_each_refused(&bad, LimitSettings::from_vars);
    }
}
