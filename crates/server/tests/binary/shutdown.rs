//! Graceful shutdown of the real binary under a steady load: on SIGTERM readiness turns 503 at
//! once, the listener keeps accepting for `SHUTDOWN_DRAIN_SECONDS`, every request it took is
//! answered in full with its normal status, the pools close, and the process exits 0.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use super::{agora, answers::json_of, terminate};

const DRAIN: Duration = Duration::from_secs(1);
/// Far above what the slow logins need, even on a loaded machine: the process exits as soon
/// as they are done, so it costs nothing when things go well.
const TIMEOUT: Duration = Duration::from_secs(20);
const PASSWORD: &str = "correct horse battery";

/// The server's log events, complete once the process has ended.
struct Logs {
    reader: std::thread::JoinHandle<()>,
    events: Arc<Mutex<Vec<Value>>>,
}

impl Logs {
    /// Every event, after the process exited and its output was read to the end.
    fn all(self) -> Vec<Value> {
        self.reader.join().expect("the log reader ends");
        std::mem::take(&mut *self.events.lock().expect("lock"))
    }
}

/// Starts the server; every log event (before and after `listening`) is kept.
fn serve_capturing(mut command: Command) -> (Child, u16, Logs) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("agora starts");
    let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let events = Arc::new(Mutex::new(Vec::new()));
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let sink = events.clone();
    let reader = std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let Ok(event) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if event["message"] == "listening" {
                let _ = port_tx.send(event["port"].as_u64().expect("port") as u16);
            }
            sink.lock().expect("lock").push(event);
        }
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server listens");
    (child, port, Logs { reader, events })
}

#[derive(Debug)]
struct Exchange {
    what: &'static str,
    started: Instant,
    finished: Instant,
    /// The status and whether the whole body arrived and parsed (with the status expected);
    /// or the error that came before any answer.
    outcome: Result<(u16, bool), String>,
}

async fn timed(what: &'static str, request: reqwest::RequestBuilder, expected: u16) -> Exchange {
    let started = Instant::now();
    let outcome = match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            // A body cut mid-way fails here, or parses as no JSON.
            let whole = match response.bytes().await {
                Ok(body) => serde_json::from_slice::<Value>(&body).is_ok(),
                Err(_) => false,
            };
            Ok((status, whole && status == expected))
        }
        Err(err) => Err(format!("{err:?}")),
    };
    Exchange {
        what,
        started,
        finished: Instant::now(),
        outcome,
    }
}

async fn account(client: &reqwest::Client, base: &str, name: &str) -> String {
    let email = format!("{name}@example.com");
    let registered = client
        .post(format!("{base}/api/auth/register"))
        .json(&json!({"username": name, "email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("sent");
    assert_eq!(registered.status(), 201);
    let login = json_of(
        client
            .post(format!("{base}/api/auth/login"))
            .json(&json!({"email": email, "password": PASSWORD})),
    )
    .await;
    login["access_token"].as_str().expect("a token").to_owned()
}

#[tokio::test]
async fn sigterm_drains_then_finishes_every_accepted_request_and_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    drain_under_load(agora(dir.path())).await;
}

/// The same on PostgreSQL and Redis: both pools close, nothing is logged as an error.
#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn on_postgresql_and_redis_sigterm_drains_and_closes_both_pools() {
    let database = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .expect("DATABASE_URL must name PostgreSQL");
    let redis = std::env::var("REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("REDIS_URL must name Redis");
    let schema = format!("shutdown_{}", uuid::Uuid::now_v7().simple());
    let created = Command::new("psql")
        .args([
            database.as_str(),
            "-q",
            "-c",
            &format!("CREATE SCHEMA {schema}"),
        ])
        .output()
        .expect("psql runs");
    super::assert_succeeded(&created);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = agora(dir.path());
    command
        .env("DATABASE_URL", &database)
        .env("DATABASE_SCHEMA", &schema)
        .env("REDIS_URL", &redis)
        .env("REDIS_KEY_PREFIX", &schema);
    drain_under_load(command).await;
    let _ = Command::new("psql")
        .args([
            database.as_str(),
            "-q",
            "-c",
            &format!("DROP SCHEMA {schema} CASCADE"),
        ])
        .output();
}

/// Starts `command` (the binary, on whatever backend it names), puts it under a steady load,
/// sends SIGTERM, and checks the drain, the answers, the exit and the logs.
async fn drain_under_load(mut command: Command) {
    let (mut child, port, logs) = serve_capturing({
        command
            .env("SHUTDOWN_DRAIN_SECONDS", DRAIN.as_secs().to_string())
            .env("SHUTDOWN_TIMEOUT_SECONDS", TIMEOUT.as_secs().to_string())
            // Slow logins: in flight when the listener closes.
            .env("BCRYPT_COST", "11")
            .env("PASSWORD_HASH_QUEUE_MS", "5000")
            .env("RATE_LIMIT_GENERAL_PER_MIN", "1000000")
            .env("RATE_LIMIT_AUTH_PER_MIN", "1000000")
            .env("WORKERS", "2");
        command
    });
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let writer = account(&client, &base, "writer").await;
    account(&client, &base, "slow").await;
    let ready = client.get(format!("{base}/health/ready")).send().await;
    assert_eq!(ready.expect("sent").status(), 200);

    // Steady load: 6 readers and 2 writers, each one request after another.
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for n in 0..8 {
        let (client, base, writer, stop) =
            (client.clone(), base.clone(), writer.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::SeqCst) && seen.len() < 2_000 {
                let exchange = if n < 6 {
                    timed("read", client.get(format!("{base}/api/posts")), 200).await
                } else {
                    let post = client
                        .post(format!("{base}/api/posts"))
                        .bearer_auth(&writer)
                        .json(&json!({"title": "steady", "body": "load"}));
                    timed("write", post, 201).await
                };
                if exchange.outcome.is_err() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                seen.push(exchange);
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let sigterm = Instant::now();
    terminate(&child);
    let readiness = loop {
        let answer = client.get(format!("{base}/health/ready")).send().await;
        if let Ok(answer) = answer
            && answer.status() == 503
        {
            // Draining: the connection ends with the answer, so the client reconnects
            // (through the load balancer, elsewhere).
            assert_eq!(answer.headers()["connection"], "close");
            break sigterm.elapsed();
        }
        assert!(
            sigterm.elapsed() < Duration::from_millis(500),
            "readiness still not 503"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // Slow logins started just before the drain ends are still being hashed when the
    // listener closes.
    tokio::time::sleep(DRAIN.saturating_sub(sigterm.elapsed() + Duration::from_millis(350))).await;
    let slow_logins: Vec<_> = (0..3)
        .map(|_| {
            let login = client
                .post(format!("{base}/api/auth/login"))
                .json(&json!({"email": "slow@example.com", "password": PASSWORD}));
            tokio::spawn(timed("slow login", login, 200))
        })
        .collect();

    let exit = tokio::time::timeout(
        DRAIN + TIMEOUT + Duration::from_secs(3),
        tokio::task::spawn_blocking(move || child.wait()),
    )
    .await
    .expect("the process exits within the drain and the timeout")
    .expect("joined")
    .expect("exit status");
    let exited_after = sigterm.elapsed();
    stop.store(true, Ordering::SeqCst);
    let mut exchanges = Vec::new();
    for task in load {
        exchanges.extend(task.await.expect("joined"));
    }
    for task in slow_logins {
        exchanges.push(task.await.expect("joined"));
    }

    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        exited_after >= DRAIN,
        "exited {exited_after:?} after SIGTERM, before the drain ended"
    );
    let drain_end = sigterm + DRAIN;
    // Every request begun before the drain's end (less a margin for the signal's delivery)
    // was accepted: it must have its whole, normal answer. A later one may find the port
    // closed (refused, or reset while it waited in the closing listener's backlog) and get no
    // answer at all; an answer that starts must still be whole.
    let mut during_drain = 0;
    let mut late_in_drain = 0;
    let mut across_close = 0;
    for exchange in &exchanges {
        let before_close = exchange.started + Duration::from_millis(250) < drain_end;
        match &exchange.outcome {
            Ok((status, whole)) => {
                assert!(whole, "{exchange:?}: status {status} or a cut body");
                if exchange.started > sigterm && before_close {
                    during_drain += 1;
                    if exchange.started > sigterm + DRAIN / 2 {
                        late_in_drain += 1;
                    }
                }
                if exchange.started < drain_end && exchange.finished > drain_end {
                    across_close += 1;
                }
            }
            Err(err) => assert!(
                !before_close,
                "{} begun {:?} after SIGTERM failed: {err}",
                exchange.what,
                exchange.started.saturating_duration_since(sigterm)
            ),
        }
    }
    let slow: Vec<_> = exchanges
        .iter()
        .filter(|e| e.what == "slow login")
        .collect();
    assert!(
        slow.iter().all(|e| e.outcome == Ok((200, true))),
        "{slow:?}"
    );
    // New connections were still taken in the second half of the drain.
    assert!(
        during_drain >= 5 && late_in_drain >= 1,
        "{during_drain} requests served during the drain, {late_in_drain} in its second half"
    );
    assert!(across_close >= 1, "no request was in flight at the close");
    let events = logs.all();
    let logged = |message: &str| events.iter().any(|e| e["message"] == message);
    assert!(logged("database pool closed"), "the pool was not closed");
    assert!(logged("stopped"));
    let errors: Vec<_> = events.iter().filter(|e| e["level"] == "ERROR").collect();
    assert!(errors.is_empty(), "errors logged: {errors:?}");
    eprintln!(
        "readiness 503 after {readiness:?}; exit after {exited_after:?}; {} requests, \
         {during_drain} served during the drain, {across_close} in flight at the close",
        exchanges.len()
    );
}

#[tokio::test]
async fn a_second_sigterm_cuts_the_drain_short_and_the_exit_is_still_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut child, port, logs) = serve_capturing({
        let mut command = agora(dir.path());
        command.env("SHUTDOWN_DRAIN_SECONDS", "60");
        command
    });
    let ready = reqwest::get(format!("http://127.0.0.1:{port}/health/ready")).await;
    assert_eq!(ready.expect("sent").status(), 200);
    let sigterm = Instant::now();
    terminate(&child);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ready = reqwest::get(format!("http://127.0.0.1:{port}/health/ready")).await;
    assert_eq!(ready.expect("still accepting").status(), 503);
    terminate(&child);
    let exit = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::task::spawn_blocking(move || child.wait()),
    )
    .await
    .expect("the second signal ends the drain")
    .expect("joined")
    .expect("exit status");
    assert!(exit.success(), "{exit:?}");
    assert!(sigterm.elapsed() < Duration::from_secs(10));
    let events = logs.all();
    assert!(
        events
            .iter()
            .any(|e| e["message"] == "database pool closed")
    );
}
