//! Two `agora` processes on one Redis spend one budget per client: a client cannot multiply
//! its allowance by spreading requests over the instances behind a load balancer.
//! Needs `REDIS_URL`: ignored by default, run by `.ci/run`'s PostgreSQL + Redis pass
//! (`--include-ignored`), where a missing Redis fails it.

#[path = "common/listening.rs"]
mod listening;

use std::process::{Child, Command};

use listening::{on_loopback, spawn_listening};

struct Instance {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(redis_url: &str, prefix: &str) -> Instance {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_agora"));
    on_loopback(&mut command, dir.path())
        .env_remove("DATABASE_URL")
        .env("REDIS_URL", redis_url)
        .env("REDIS_KEY_PREFIX", prefix)
        .env(
            "JWT_SECRET",
            "shared-limits-test-secret-of-32-bytes-or-more",
        )
        .env("BCRYPT_COST", "4")
        .env("RATE_LIMIT_GENERAL_PER_MIN", "6")
        .env("RATE_LIMIT_AUTH_PER_MIN", "3");
    let (child, port) = spawn_listening(&mut command);
    Instance {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn two_instances_on_one_redis_share_one_budget() {
    let redis_url = std::env::var("REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("REDIS_URL must name the Redis both instances share");
    let prefix = format!("shared-{}", uuid::Uuid::now_v7().simple());
    let (a, b) = (start(&redis_url, &prefix), start(&redis_url, &prefix));
    let client = reqwest::Client::new();
    let login = |base: &str| {
        client
            .post(format!("{base}/api/auth/login"))
            .json(&serde_json::json!({"email": "x@example.com", "password": "whatever-it-is"}))
            .send()
    };
    // Three authentication requests in all, alternating instances, then both refuse.
    for base in [&a.base, &b.base, &a.base] {
        assert_eq!(login(base).await.expect("sent").status(), 401);
    }
    for base in [&a.base, &b.base] {
        let refused = login(base).await.expect("sent");
        assert_eq!(refused.status(), 429, "{base} shares the spent budget");
        assert!(refused.headers().contains_key("retry-after"));
    }
    // The general budget (6) counted all five, so each instance has one request left between them.
    let get = |base: &str| client.get(format!("{base}/api/posts")).send();
    assert_eq!(get(&b.base).await.expect("sent").status(), 200);
    assert_eq!(get(&a.base).await.expect("sent").status(), 429);
    assert_eq!(get(&b.base).await.expect("sent").status(), 429);
}
