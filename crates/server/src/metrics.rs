//! The Prometheus endpoint: `GET /metrics` on its own listener (`METRICS_ADDR`), never on the
//! public one.
//!
//! The recorder behind the `metrics` facade is process-global: it is installed once, by the
//! first application that asks for a metrics listener, and every application in the process
//! (tests start many) records into it. The HTTP layer and a few adapters count; the domain and
//! application crates know nothing of it.

use std::{sync::OnceLock, time::Duration};

use actix_server::Server;
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use infrastructure::{PoolStats, RedisPoolStats};
use metrics::{Unit, describe_counter, describe_gauge, describe_histogram, gauge};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Latency buckets (seconds): from a cached read to a request timing out.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use.
fn handle() -> anyhow::Result<PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), BUCKETS)
        .context("metrics: histogram buckets")?
        .build_recorder();
    let handle = recorder.handle();
    // Two applications starting at once: only one recorder wins; both use the winner's handle.
    if HANDLE.set(handle).is_ok() {
        metrics::set_global_recorder(recorder)
            .map_err(|err| anyhow::anyhow!("metrics: cannot install the recorder: {err}"))?;
        describe();
        // Histograms are drained into their buckets on upkeep as well as on each scrape.
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_secs(5));
                if let Some(handle) = HANDLE.get() {
                    handle.run_upkeep();
                }
            }
        });
    }
    HANDLE.get().cloned().context("metrics: recorder missing")
}

fn describe() {
    describe_counter!(
        "agora_http_requests_total",
        "Requests answered, by route pattern, method and status class."
    );
    describe_histogram!(
        "agora_http_request_duration_seconds",
        Unit::Seconds,
        "Time from request head to response, by route pattern, method and status class."
    );
    describe_gauge!(
        "agora_http_requests_in_flight",
        "Requests being served now."
    );
    describe_gauge!(
        "agora_db_pool_connections",
        "Database connections open (sampled at scrape)."
    );
    describe_gauge!(
        "agora_db_pool_idle_connections",
        "Open database connections not in use (sampled at scrape)."
    );
    describe_gauge!(
        "agora_redis_pool_connections",
        "Redis connections open (sampled at scrape; absent on the in-memory stores)."
    );
    describe_gauge!(
        "agora_redis_pool_idle_connections",
        "Open Redis connections not in use (sampled at scrape)."
    );
    describe_gauge!(
        "agora_redis_pool_waiting",
        "Requests waiting for a Redis connection (sampled at scrape)."
    );
    describe_gauge!(
        "agora_near_cache_in_force",
        "1 while sessions and roles kept near this instance answer access checks, else 0 \
         (sampled at scrape; absent on the in-memory stores)."
    );
    describe_counter!(
        "agora_rate_limit_refusals_total",
        "Requests refused with 429 by a rate-limit budget, by budget."
    );
    describe_counter!(
        "agora_logins_total",
        "Login attempts by outcome: success or the problem code answered."
    );
    describe_counter!(
        "agora_lockouts_total",
        "Lock-outs imposed after repeated failed logins."
    );
    describe_gauge!(
        "agora_password_hash_queue_depth",
        "Password-hashing jobs waiting for a slot."
    );
    describe_histogram!(
        "agora_password_hash_seconds",
        Unit::Seconds,
        "Time one password hash or check took on the blocking pool."
    );
    describe_gauge!(
        "agora_db_circuit_open",
        "1 while the database circuit breaker is open (database unreachable, 503 at once), else 0."
    );
    describe_counter!(
        "agora_db_circuit_opened_total",
        "Times the database circuit breaker opened."
    );
    describe_counter!(
        "agora_refresh_token_reuse_total",
        "Rotated refresh tokens presented again (possible theft); each ends its session."
    );
}

/// Binds `METRICS_ADDR` and serves `GET /metrics` there. Returns the bound port and the server
/// (not yet polled; it stops when the application does).
pub fn serve(
    addr: std::net::SocketAddr,
    pool: PoolStats,
    redis: Option<RedisPoolStats>,
) -> anyhow::Result<(u16, Server)> {
    let handle = handle()?;
    crate::side_listener::serve("METRICS_ADDR", addr, "metrics listening", |listener| {
        Ok(HttpServer::new(move || {
            let handle = handle.clone();
            let pool = pool.clone();
            let redis = redis.clone();
            App::new().route(
                "/metrics",
                web::get().to(move || {
                    let handle = handle.clone();
                    let pool = pool.clone();
                    let redis = redis.clone();
                    async move {
                        if let Some((size, idle)) = pool.sample() {
                            gauge!("agora_db_pool_connections").set(f64::from(size));
                            gauge!("agora_db_pool_idle_connections").set(idle as f64);
                        }
                        if let Some(redis) = &redis {
                            let sample = redis.sample();
                            gauge!("agora_redis_pool_connections").set(sample.connections as f64);
                            gauge!("agora_redis_pool_idle_connections").set(sample.idle as f64);
                            gauge!("agora_redis_pool_waiting").set(sample.waiting as f64);
                            if let Some(in_force) = sample.near_cache_in_force {
                                gauge!("agora_near_cache_in_force")
                                    .set(f64::from(u8::from(in_force)));
                            }
                        }
                        HttpResponse::Ok()
                            .content_type("text/plain; version=0.0.4; charset=utf-8")
                            .body(handle.render())
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run())
    })
}
