//! `agora-bench`: drives the running server and floor (bench/run.sh starts them) with wrk in
//! interleaved rounds, then fixed-rate runs at half of each read route's throughput
//! (`fixed_rate`, wrk2-style), a login
//! flood beside a read load and the server's RSS; writes docs/perf/<stem>.{json,md,svg}.

use std::{collections::HashMap, path::PathBuf, time::Duration};

use agora_bench::{
    ADMIN_EMAIL, BENCH_PASSWORD, Setup, cpu, fixed_rate,
    report::{Flood, Report, RouteResult, Rss},
    user_email,
    wrk::{self, Load, Outcome, Target},
};
use anyhow::Context;
use serde_json::{Value, json};

/// How many accounts write the posts `POST /api/posts` adds under load.
const WRITERS: usize = 20;

struct Args {
    server: String,
    floor: String,
    setup: PathBuf,
    out: PathBuf,
    stem: String,
    backend: String,
    commit: String,
    note: String,
    rounds: usize,
    seconds: u32,
    connections: u32,
    threads: u32,
    pid: Option<u32>,
    bcrypt_cost: u32,
    hash_concurrency: f64,
    smoke: bool,
    /// Public post/comment reads sent without a token (a read replica serves only those).
    anonymous_reads: bool,
}

fn args() -> anyhow::Result<Args> {
    let mut map = HashMap::new();
    let mut smoke = false;
    let mut anonymous_reads = false;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--smoke" {
            smoke = true;
            continue;
        }
        if flag == "--anonymous-reads" {
            anonymous_reads = true;
            continue;
        }
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        map.insert(flag.trim_start_matches("--").to_owned(), value);
    }
    let get = |k: &str, d: &str| map.get(k).cloned().unwrap_or_else(|| d.to_owned());
    Ok(Args {
        server: get("server", "http://127.0.0.1:8080"),
        floor: get("floor", "http://127.0.0.1:8081"),
        setup: get("setup", "setup.json").into(),
        out: get("out", "docs/perf").into(),
        stem: get("stem", "results"),
        backend: get("backend", "embedded"),
        commit: get("commit", "unknown"),
        note: get("note", ""),
        rounds: get("rounds", "3").parse()?,
        seconds: get("seconds", "5").parse()?,
        connections: get("connections", "64").parse()?,
        threads: get("threads", "2").parse()?,
        pid: map.get("pid").map(|p| p.parse()).transpose()?,
        bcrypt_cost: get("bcrypt-cost", "12").parse()?,
        hash_concurrency: get("hash-concurrency", "1").parse()?,
        smoke,
        anonymous_reads,
    })
}

async fn login(client: &reqwest::Client, server: &str, email: &str) -> anyhow::Result<Value> {
    let response = client
        .post(format!("{server}/api/auth/login"))
        .json(&json!({"email": email, "password": BENCH_PASSWORD, "include_refresh_token": true}))
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "login as {email}: {}",
        response.status()
    );
    Ok(response.json().await?)
}

fn token(v: &Value, field: &str) -> anyhow::Result<String> {
    v[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no {field} in {v}"))
}

/// Each target answers 2xx once before it is loaded: the smoke's only assertion.
async fn check(client: &reqwest::Client, base: &str, t: &Target) -> anyhow::Result<()> {
    let url = format!("{base}{}", t.path);
    let mut req = match t.method {
        "GET" => client.get(&url),
        _ => client.post(&url),
    };
    if let Some(b) = &t.bearer {
        req = req.bearer_auth(b);
    }
    req = match (&t.body, t.random_login) {
        (_, Some(_)) => req.json(&json!({"email": user_email(0), "password": BENCH_PASSWORD})),
        (Some(body), None) => req
            .header("content-type", "application/json")
            .body(body.clone()),
        (None, None) => req,
    };
    let status = req.send().await?.status();
    anyhow::ensure!(status.is_success(), "{}: answered {status}", t.name);
    Ok(())
}

fn rss_kb(pid: Option<u32>, field: &str) -> f64 {
    let Some(pid) = pid else { return f64::NAN };
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<f64>().ok())
        })
        .unwrap_or(f64::NAN)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let setup: Setup = serde_json::from_slice(&std::fs::read(&a.setup)?)?;
    let client = reqwest::Client::new();
    let user = login(&client, &a.server, &user_email(0)).await?;
    let bearer = token(&user, "access_token")?;
    // The posts written under load come from twenty accounts, as the seeded posts come from
    // many: page 1 (the newest, written here) and page 1,000 (seeded) then join as many
    // different authors. From one account, page 1 joined one author twenty times.
    let mut writers = Vec::new();
    for i in 1..=WRITERS.min(setup.users.saturating_sub(1)).max(1) {
        writers.push(token(
            &login(&client, &a.server, &user_email(i % setup.users)).await?,
            "access_token",
        )?);
    }
    let writer = writers[0].clone();
    let admin = token(
        &login(&client, &a.server, ADMIN_EMAIL).await?,
        "access_token",
    )?;
    let post = setup.post_id;
    let deep = match &setup.deep_cursor {
        Some(c) => format!("/api/posts?limit=20&cursor={c}"),
        None => "/api/posts?limit=20".into(),
    };
    let b = Some(bearer.as_str());
    // Post and comment reads: anonymous when asked, so a read replica serves them.
    let r = if a.anonymous_reads { None } else { b };
    let floor = Target::get("floor (bare JWT + PK select)", format!("/floor/{post}"), b);
    let mut login_target = Target::post(
        "POST /api/auth/login",
        "/api/auth/login",
        None,
        String::new(),
    );
    login_target.random_login = Some(setup.users);
    let targets: Vec<(String, Target)> = vec![
        (a.floor.clone(), floor),
        (
            a.server.clone(),
            Target::get("GET /api/users/me", "/api/users/me", b),
        ),
        (
            a.server.clone(),
            Target::get("GET /api/posts/{id}", format!("/api/posts/{post}"), r),
        ),
        (
            a.server.clone(),
            Target::get("GET /api/posts?limit=20", "/api/posts?limit=20", r),
        ),
        (
            a.floor.clone(),
            Target::get(
                "bare list of 20 (floor binary, same SQL)",
                "/floor/posts",
                b,
            ),
        ),
        (
            a.floor.clone(),
            Target::get(
                "bare list of 20 as one JSON row (floor binary)",
                "/floor/posts-json",
                b,
            ),
        ),
        (
            a.server.clone(),
            Target::get(&format!("same list, page {}", setup.deep_page), deep, r),
        ),
        (
            a.server.clone(),
            Target::get(
                "search matching nothing (?q=)",
                "/api/posts?limit=20&q=zqxjkvw",
                r,
            ),
        ),
        (
            a.server.clone(),
            Target::get(
                "GET /api/posts/{id}/comments?limit=20",
                format!("/api/posts/{post}/comments?limit=20"),
                r,
            ),
        ),
        (
            a.server.clone(),
            Target::get(
                "GET /api/users?limit=20 (admin)",
                "/api/users?limit=20",
                Some(&admin),
            ),
        ),
        (
            a.server.clone(),
            Target {
                random_bearers: writers,
                ..Target::post(
                    "POST /api/posts",
                    "/api/posts",
                    Some(&writer),
                    json!({"title": "A benchmark post", "body": agora_bench::post_body()})
                        .to_string(),
                )
            },
        ),
        (a.server.clone(), login_target.clone()),
        (
            a.server.clone(),
            Target::post(
                "POST /api/auth/refresh",
                "/api/auth/refresh",
                None,
                String::new(),
            ),
        ),
    ];
    let refresh_index = targets.len() - 1;
    let scripts = std::env::temp_dir().join(format!("agora-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scripts)?;

    let idle_mb = rss_kb(a.pid, "VmRSS:") / 1024.0;
    let load = Load {
        threads: a.threads,
        connections: a.connections,
        seconds: a.seconds,
    };
    // bcrypt at 64 connections would only measure the hash queue's 503s.
    let login_load = Load {
        threads: 1,
        connections: (a.hash_concurrency as u32 * 2).max(2),
        seconds: a.seconds,
    };
    let hz = cpu::ticks_per_second();
    let mut outcomes: Vec<Vec<Outcome>> = vec![Vec::new(); targets.len()];
    for round in 0..a.rounds {
        // Interleaved: every round visits every route, starting one further along.
        for k in 0..targets.len() {
            let i = (k + round) % targets.len();
            let (base, target) = &targets[i];
            let mut target = target.clone();
            if i == refresh_index {
                let fresh = login(&client, &a.server, &user_email(2 % setup.users)).await?;
                target.body =
                    Some(json!({"refresh_token": token(&fresh, "refresh_token")?}).to_string());
            }
            if round == 0 {
                check(&client, base, &target).await?;
            }
            let l = if target.random_login.is_some() {
                &login_load
            } else {
                &load
            };
            // wrk stops sending, not the server: let what it queued drain before the next run.
            std::thread::sleep(Duration::from_secs(if a.smoke { 0 } else { 2 }));
            let app = if *base == a.floor {
                "agora-floor"
            } else {
                "agora"
            };
            let before = cpu::snapshot(app);
            let mut outcome = wrk::run(base, &target, l, &scripts, BENCH_PASSWORD)?;
            let spent = before.per_request(&cpu::snapshot(app), outcome.requests, hz);
            outcome.cpu = Some(spent);
            println!(
                "round {} {:<45} {:>9.0} rps  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}  cpu/request: app {:.1} us, database {:.1} us, Redis {:.1} us",
                round + 1,
                target.name,
                outcome.rps,
                outcome.p50_ms,
                outcome.p99_ms,
                outcome.errors,
                spent.app_us,
                spent.database_us,
                spent.redis_us
            );
            let bad = target.random_login.is_none() && outcome.errors * 100 > outcome.requests;
            anyhow::ensure!(
                !bad,
                "{}: {} errors in {} requests",
                target.name,
                outcome.errors,
                outcome.requests
            );
            outcomes[i].push(outcome);
        }
    }
    let mut routes: Vec<RouteResult> = targets
        .iter()
        .zip(outcomes)
        .map(|((_, t), o)| RouteResult::new(&t.name, o))
        .collect();
    let floor_rps = routes[0].median_rps;
    let floor_rounds: Vec<f64> = routes[0].rounds.iter().map(|o| o.rps).collect();
    for r in &mut routes {
        r.compare_to_floor(floor_rps, &floor_rounds);
    }

    // Latency at a given load: half of each read route's maximum.
    for (i, (base, t)) in targets.iter().enumerate() {
        if t.method != "GET" {
            continue;
        }
        let rate = ((routes[i].median_rps / 2.0) as u32).max(1);
        let request = fixed_rate::Request::get(&format!("{base}{}", t.path), t.bearer.as_deref())?;
        let fixed = tokio::task::block_in_place(|| {
            fixed_rate::run(request, rate, a.seconds, a.connections as usize)
        })?;
        println!(
            "fixed {:<45} {:>6} rps  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  errors {}",
            t.name, rate, fixed.p50_ms, fixed.p99_ms, fixed.max_ms, fixed.errors
        );
        routes[i].fixed = Some(fixed);
    }

    // The hash's time: the median of three, in this process while the server is idle.
    let mut hashes = Vec::new();
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let _ = bcrypt::hash(BENCH_PASSWORD, a.bcrypt_cost)?;
        hashes.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    hashes.sort_by(f64::total_cmp);
    let bcrypt_ms = hashes[1];
    // The flood runs three rounds' length, so one login (a third of a second at cost 12) is a
    // small part of the window; the reads use one wrk thread so the flood's wrk has its share
    // of the cores. Each load is first measured alone, the same way, so the figures compare.
    let (read_base, read_target) = targets[2].clone();
    let reads_load = Load {
        threads: 1,
        seconds: a.seconds * 3,
        ..load
    };
    let flood_load = Load {
        seconds: a.seconds * 3,
        ..login_load
    };
    let reads_run = || {
        wrk::run(
            &read_base,
            &read_target,
            &reads_load,
            &scripts,
            BENCH_PASSWORD,
        )
    };
    let reads_alone = reads_run()?;
    let logins_alone = wrk::run(
        &a.server,
        &login_target,
        &flood_load,
        &scripts,
        BENCH_PASSWORD,
    )?;
    let server = a.server.clone();
    let dir = scripts.clone();
    let flood_target = login_target.clone();
    let flood = std::thread::spawn(move || {
        wrk::run(&server, &flood_target, &flood_load, &dir, BENCH_PASSWORD)
    });
    let reads = reads_run()?;
    let logins = flood
        .join()
        .map_err(|_| anyhow::anyhow!("wrk thread panicked"))??;
    let flood = Flood {
        logins_alone: logins_alone.rps,
        logins_beside_reads: logins.rps,
        reads_alone: reads_alone.rps,
        reads_beside_logins: reads.rps,
        login_ceiling: a.hash_concurrency / (bcrypt_ms / 1000.0),
        bcrypt_ms,
    };
    println!("flood {flood:?}");

    let peak_mb = rss_kb(a.pid, "VmHWM:") / 1024.0;
    tokio::time::sleep(Duration::from_secs(if a.smoke { 0 } else { 5 })).await;
    let after_mb = rss_kb(a.pid, "VmRSS:") / 1024.0;
    let report = Report {
        commit: a.commit,
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        backend: a.backend,
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        users: setup.users,
        posts: setup.posts,
        comments: setup.comments,
        rounds: a.rounds,
        seconds: a.seconds,
        connections: a.connections,
        note: a.note,
        routes,
        flood: Some(flood),
        rss: Rss {
            idle_mb,
            peak_mb,
            after_mb,
        },
    };
    report.write(&a.out, &a.stem)?;
    println!("\n{}", report.markdown());
    let _ = std::fs::remove_dir_all(&scripts);
    Ok(())
}
