//! The abuse-resistance and protocol limits, read with the rest of the configuration.

use std::{thread::available_parallelism, time::Duration};

use anyhow::{Context, bail};
use ipnet::IpNet;

use super::table::settings;
use super::vars::Vars;

settings! {
    /// Budgets, lock-outs, proxies, CORS, and the limits that protect the server from slow or
    /// greedy clients. Every field has an environment variable (see `.env.example`).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct LimitSettings {
        /// `RATE_LIMIT_GENERAL_PER_MIN`: requests per minute per client on every route.
        general_per_min: u32 = 600, number("RATE_LIMIT_GENERAL_PER_MIN", 1..=1_000_000);
        /// `RATE_LIMIT_AUTH_PER_MIN`: per client on register, login and refresh.
        auth_per_min: u32 = 20, number("RATE_LIMIT_AUTH_PER_MIN", 1..=1_000_000);
        /// `LOGIN_LOCKOUT_THRESHOLD`: failed logins in a row that lock an account.
        lockout_threshold: u32 = 5, number("LOGIN_LOCKOUT_THRESHOLD", 1..=1_000_000);
        /// `LOGIN_LOCKOUT_SECONDS`: the first lock-out; each next one doubles, up to an hour.
        lockout_base: Duration = Duration::from_secs(60),
            seconds("LOGIN_LOCKOUT_SECONDS", 1..=3600);
        /// `TRUSTED_PROXIES`: peers (addresses or CIDR ranges) whose `X-Forwarded-For` is believed.
        trusted_proxies: Vec<IpNet> = Vec::new(), with(trusted_proxies);
        /// `CORS_ORIGINS`: exact origins allowed to call the API from a browser, with credentials.
        cors_origins: Vec<String> = Vec::new(), with(cors_origins);
        /// `POST_BODY_LIMIT_BYTES`: the body cap on post routes (50,000 characters of UTF-8).
        post_body_limit: usize = 256 * 1024, number("POST_BODY_LIMIT_BYTES", 1024..=16 * MIB);
        /// `CLIENT_HEADER_TIMEOUT_SECONDS`: time a client gets to send the request head.
        header_timeout: Duration = Duration::from_secs(5),
            seconds("CLIENT_HEADER_TIMEOUT_SECONDS", 1..=300);
        /// `REQUEST_TIMEOUT_SECONDS`: time a request gets, body included, before a 408.
        request_timeout: Duration = Duration::from_secs(30),
            seconds("REQUEST_TIMEOUT_SECONDS", 1..=3600);
        /// `MAX_CONNECTIONS`: concurrent connections per worker.
        max_connections: usize = 10_000, number("MAX_CONNECTIONS", 1..=1_000_000);
        /// `KEEP_ALIVE_SECONDS` (1 to 300): how long an idle keep-alive connection is kept.
        keep_alive: Duration = Duration::from_secs(5), seconds("KEEP_ALIVE_SECONDS", 1..=300);
        /// `MAX_CONNECTIONS_PER_CLIENT` (1 to 1,000,000): open connections one client address (an
        /// IPv6 client by its network, see `ipv6_prefix`) may hold; trusted proxies are exempt.
        max_connections_per_client: usize = 256,
            number("MAX_CONNECTIONS_PER_CLIENT", 1..=1_000_000);
        /// `RATE_LIMIT_IPV6_PREFIX` (32 to 128): IPv6 clients are one client per network of this
        /// many bits, for budgets and the connection cap.
        ipv6_prefix: u8 = 64, number("RATE_LIMIT_IPV6_PREFIX", 32..=128);
        /// `PASSWORD_HASH_CONCURRENCY`: bcrypt runs at once; below the core count so logins never
        /// starve reads.
        hash_concurrency: usize = all_cores_but_one(),
            number("PASSWORD_HASH_CONCURRENCY", 1..=1024);
        /// `PASSWORD_HASH_QUEUE_MS` (1..=60000): the longest a request waits for a hashing slot
        /// (bcrypt or zxcvbn) before it is shed with 503 and `Retry-After`.
        hash_queue: Duration = Duration::from_millis(2_000),
            millis("PASSWORD_HASH_QUEUE_MS", 1..=60_000);
        /// `PASSWORD_MIN_SCORE`: the zxcvbn score (0..=4) a new password needs.
        password_min_score: u8 = 3, number("PASSWORD_MIN_SCORE", 0..=4);
    }
}

const MIB: usize = 1024 * 1024;

fn all_cores_but_one() -> usize {
    let cores = available_parallelism().map_or(1, |n| n.get());
    cores.saturating_sub(1).max(1)
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
fn trusted_proxies(vars: &Vars) -> anyhow::Result<Vec<IpNet>> {
    list(vars.text("TRUSTED_PROXIES"))
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
fn cors_origins(vars: &Vars) -> anyhow::Result<Vec<String>> {
    list(vars.text("CORS_ORIGINS"))
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
