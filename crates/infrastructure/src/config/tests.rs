//! Reading the settings: defaults, ranges, one-line errors naming the variable, keys, and
//! secrets kept out of Debug output.

use super::vars::{assert_each_refused, load_from};
use super::*;
use secrecy::ExposeSecret;
use std::collections::HashMap;

/// 32 bytes of 0x01, base64.
const KEY: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

fn load(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn defaults_to_the_embedded_setup() {
    let settings = load(&[]).expect("defaults load");
    assert!(matches!(settings.database, DatabaseSettings::Sqlite { .. }));
    assert!(matches!(settings.sessions, SessionStoreSettings::Memory));
    assert_eq!(settings.bind_addr.to_string(), "127.0.0.1:8080");
    assert_eq!(settings.bcrypt_cost, 12);
    assert_eq!(settings.refresh_reuse_grace, Duration::from_secs(10));
}

#[test]
fn invalid_values_name_their_variable() {
    for (vars, name) in [
        (vec![("BIND_ADDR", "nope")], "BIND_ADDR"),
        (vec![("BCRYPT_COST", "99")], "BCRYPT_COST"),
        (vec![("BCRYPT_COST", "x")], "BCRYPT_COST"),
        (vec![("JWT_SECRET", "short")], "JWT_SECRET"),
        (vec![("APP_ENV", "production")], "JWT_SECRET"),
        (
            vec![("APP_ENV", "production"), ("JWT_SECRET", &"s".repeat(40))],
            "DATA_KEY",
        ),
        (
            vec![
                ("APP_ENV", "production"),
                ("JWT_SECRET", &"s".repeat(40)),
                ("DATA_KEY", KEY),
            ],
            "BLIND_INDEX_KEY",
        ),
        (vec![("DATA_KEY", "not-a-key")], "DATA_KEY"),
        (
            vec![("DATA_KEYS_PREVIOUS", &format!("{KEY},nope"))],
            "DATA_KEYS_PREVIOUS",
        ),
        (vec![("BLIND_INDEX_KEY", "short")], "BLIND_INDEX_KEY"),
        (vec![("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
        (vec![("REDIS_URL", "http://x")], "REDIS_URL"),
        (vec![("LOG_FORMAT", "xml")], "LOG_FORMAT"),
        (vec![("WORKERS", "0")], "WORKERS"),
        (
            vec![("REFRESH_REUSE_GRACE_SECONDS", "-1")],
            "REFRESH_REUSE_GRACE_SECONDS",
        ),
        (vec![("TLS_CERT_FILE", "cert.pem")], "TLS_KEY_FILE"),
        (vec![("TLS_KEY_FILE", "key.pem")], "TLS_CERT_FILE"),
        (
            vec![("HTTP_REDIRECT_ADDR", "127.0.0.1:80")],
            "HTTP_REDIRECT_ADDR",
        ),
        (
            vec![
                ("TLS_CERT_FILE", "cert.pem"),
                ("TLS_KEY_FILE", "key.pem"),
                ("HTTP_REDIRECT_ADDR", "port 80"),
            ],
            "HTTP_REDIRECT_ADDR",
        ),
    ] {
        let err = load(&vars).expect_err("must fail");
        assert!(
            format!("{err:#}").contains(name),
            "{err:#} should name {name}"
        );
    }
}

#[test]
fn every_numeric_setting_refuses_values_outside_its_range_in_one_line() {
    let settings = Settings::numeric_settings();
    let names: Vec<_> = settings.iter().map(|s| s.name.as_str()).collect();
    for expected in [
        "WORKERS",
        "DATABASE_MAX_CONNECTIONS",
        "REFRESH_TOKEN_TTL_SECONDS",
        "JSON_BODY_LIMIT_BYTES",
        "MAX_CONNECTIONS",
        "SHUTDOWN_DRAIN_SECONDS",
    ] {
        assert!(names.contains(&expected), "{expected} is not range-checked");
    }
    for setting in &settings {
        let min: i128 = setting.min.parse().expect("a number");
        let max: i128 = setting.max.parse().expect("a number");
        for edge in [min, max] {
            load(&[(&setting.name, &edge.to_string())])
                .unwrap_or_else(|e| panic!("{}={edge} is in range: {e:#}", setting.name));
        }
        for bad in [
            (min - 1).to_string(),
            (max + 1).to_string(),
            "many".to_owned(),
            "1.5".to_owned(),
        ] {
            let err = load(&[(&setting.name, &bad)]).expect_err("out of range");
            let shown = format!("{err:#}");
            assert!(
                shown.starts_with(&format!("{}: ", setting.name))
                    && shown.contains(&setting.range())
                    && !shown.contains('\n'),
                "{}={bad} gave: {shown}",
                setting.name
            );
        }
    }
}

#[test]
fn the_zero_values_that_used_to_be_accepted_are_refused() {
    for name in [
        "WORKERS",
        "DATABASE_MAX_CONNECTIONS",
        "REFRESH_TOKEN_TTL_SECONDS",
        "JSON_BODY_LIMIT_BYTES",
    ] {
        let err = load(&[(name, "0")]).expect_err("0 is refused");
        assert!(format!("{err:#}").starts_with(name), "{err:#}");
    }
}

#[test]
fn a_schema_name_must_be_a_plain_identifier() {
    let url = ("DATABASE_URL", "postgres://agora@localhost/agora");
    for bad in ["Public", "a-b", "x\"; DROP", "1st", &"s".repeat(64)] {
        let err = load(&[url, ("DATABASE_SCHEMA", bad)]).expect_err("refused");
        assert!(format!("{err:#}").starts_with("DATABASE_SCHEMA"), "{err:#}");
    }
    let settings = load(&[url, ("DATABASE_SCHEMA", "tenant_1")]).expect("plain");
    assert!(matches!(
        settings.database,
        DatabaseSettings::Postgres { schema: Some(s), .. } if s == "tenant_1"
    ));
}

#[test]
fn reads_a_keyring() {
    let other = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
    let settings = load(&[
        ("DATA_KEY", KEY),
        ("DATA_KEYS_PREVIOUS", &format!(" {other} , {KEY} ")),
        ("BLIND_INDEX_KEY", other),
    ])
    .expect("loads");
    assert!(settings.data_key.is_some() && settings.blind_index_key.is_some());
    assert_eq!(settings.data_keys_previous.len(), 2);
}

#[test]
fn debug_output_hides_secrets() {
    let settings = load(&[
        ("DATA_KEY", KEY),
        ("JWT_SECRET", "a-very-secret-value-that-is-long-enough"),
        ("DATABASE_URL", "postgres://agora:hunter2@localhost/agora"),
    ])
    .expect("loads");
    let shown = format!("{settings:?}");
    assert!(!shown.contains("a-very-secret-value"));
    assert!(!shown.contains("hunter2"));
    assert!(!shown.contains(KEY));
}

#[test]
fn a_read_replica_is_postgres_only() {
    let replica = ("DATABASE_READ_URL", "postgres://agora@127.0.0.1:5433/agora");
    // SQLite (the default, or named) refuses a replica at start.
    for vars in [
        vec![replica],
        vec![("DATABASE_URL", "sqlite://x.db"), replica],
    ] {
        let err = load(&vars)
            .expect_err("a replica beside SQLite")
            .to_string();
        assert!(err.contains("DATABASE_READ_URL"), "{err}");
    }
    let primary = ("DATABASE_URL", "postgres://agora@127.0.0.1:5432/agora");
    let err = load(&[primary, ("DATABASE_READ_URL", "mysql://x")]).expect_err("not postgres");
    assert!(err.to_string().contains("DATABASE_READ_URL"));
    assert!(load(&[primary]).expect("loads").database_read_url.is_none());
    let settings = load(&[primary, replica]).expect("loads");
    assert_eq!(
        settings
            .database_read_url
            .as_ref()
            .map(|url| url.expose_secret().to_owned()),
        Some(replica.1.to_owned())
    );
}

fn limit_settings(pairs: &[(&str, &str)]) -> anyhow::Result<LimitSettings> {
    load_from(pairs, LimitSettings::from_vars)
}

fn lifetime_settings(pairs: &[(&str, &str)]) -> anyhow::Result<LifetimeSettings> {
    load_from(pairs, LifetimeSettings::from_vars)
}

#[test]
fn limit_defaults_match_the_documented_ones() {
    let limits = limit_settings(&[]).expect("defaults");
    assert_eq!(limits.general_per_min, 600);
    assert_eq!(limits.auth_per_min, 20);
    assert_eq!(limits.lockout_threshold, 5);
    assert!(limits.hash_concurrency >= 1);
    assert_eq!(limits.hash_queue, Duration::from_millis(2_000));
    let set = limit_settings(&[("PASSWORD_HASH_QUEUE_MS", "250")]).expect("loads");
    assert_eq!(set.hash_queue, Duration::from_millis(250));
    assert_eq!(limits.keep_alive, Duration::from_secs(5));
    assert_eq!(limits.max_connections_per_client, 256);
    assert_eq!(limits.ipv6_prefix, 64);
}

#[test]
fn limit_lists_parse_and_bad_entries_name_their_variable() {
    let limits = limit_settings(&[
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

#[test]
fn lifetime_defaults_match_the_documented_ones() {
    let d = lifetime_settings(&[]).expect("defaults");
    assert_eq!(d.max_sessions_per_user, 50);
    assert_eq!(d.session_max_lifetime, Duration::from_secs(2_592_000));
    assert_eq!(d.audit_retention_days, 365);
    assert_eq!(d.audit_prune_interval, Duration::from_secs(3600));
}

#[test]
fn lifetimes_outside_their_range_name_their_variable() {
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
    let ok = lifetime_settings(&[
        ("MAX_SESSIONS_PER_USER", "3"),
        ("AUDIT_RETENTION_DAYS", "1"),
    ])
    .expect("in range");
    assert_eq!(ok.max_sessions_per_user, 3);
    assert_eq!(ok.audit_retention_days, 1);
}
