//! `WORKER_NICE`: the password hashers keep the process's priority and every other thread of
//! the server runs lower, those started while serving included (Linux: read from `/proc`).

use std::process::Command;

use super::{agora, create_admin, log_in, serve, terminate};

/// The name and nice value in a `/proc/.../stat` line.
fn name_and_nice(stat: &str) -> (String, i32) {
    // `tid (name) state ...`: the name may hold spaces and parentheses.
    let (head, rest) = stat.rsplit_once(')').expect("a stat line");
    let name = head.split_once('(').expect("a stat line").1.to_owned();
    // After the name, field 3 (state) comes first; nice is field 19.
    let nice = rest.split_whitespace().nth(16).expect("nice");
    (name, nice.parse().expect("a number"))
}

/// Each thread of process `pid`: its name and its nice value.
fn threads(pid: u32) -> Vec<(String, i32)> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("the server's threads");
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("stat")).ok())
        .map(|stat| name_and_nice(&stat))
        .collect()
}

/// The calling thread's nice value, which a server it starts inherits.
fn own_nice() -> i32 {
    name_and_nice(&std::fs::read_to_string("/proc/thread-self/stat").expect("own stat")).1
}

/// Logins (a hash each) and reads at once, so threads start while the server serves.
async fn busy(port: u16, email: &'static str) {
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..16 {
        requests.spawn(async move {
            let url = format!("http://127.0.0.1:{port}/api/posts?limit=20");
            reqwest::get(url).await.expect("sent").status().as_u16()
        });
    }
    for _ in 0..4 {
        requests.spawn(async move { log_in(port, email).await.status().as_u16() });
    }
    for status in requests.join_all().await {
        assert_eq!(status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_hashers_keep_the_priority_and_every_other_thread_runs_lower() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(
        create_admin(dir.path(), "nice@example.com", "nice")
            .status
            .success()
    );
    let base = own_nice();
    for (worker_nice, lowered) in [("10", (base + 10).min(19)), ("0", base)] {
        let mut command: Command = agora(dir.path());
        command.env("WORKERS", "2").env("WORKER_NICE", worker_nice);
        let (child, port) = serve(command);
        let child = Stopped(child);
        busy(port, "nice@example.com").await;
        let threads = threads(child.0.id());
        let (hashers, others): (Vec<_>, Vec<_>) = threads
            .iter()
            .partition(|(name, _)| name.starts_with("agora-hash-"));
        assert!(!hashers.is_empty(), "no hashing thread in {threads:?}");
        assert!(
            hashers.iter().all(|(_, nice)| *nice == base),
            "WORKER_NICE={worker_nice}: the hashers keep {base}: {threads:?}"
        );
        for started in ["actix-rt|system", "sqlx-sqlite-wor"] {
            assert!(
                others.iter().any(|(name, _)| name.starts_with(started)),
                "no {started} thread in {threads:?}"
            );
        }
        assert!(
            others.iter().all(|(_, nice)| *nice == lowered),
            "WORKER_NICE={worker_nice}: every other thread at {lowered}: {threads:?}"
        );
        terminate(&child.0);
    }
}

/// The server, killed when the test ends, also when an assertion fails first.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
