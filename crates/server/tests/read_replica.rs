//! A real streaming replica (`DATABASE_READ_URL`): anonymous reads go to it and may lag, the
//! author reads their own write at once from the primary, and a replica that is down makes
//! public reads fall back to the primary. Needs PostgreSQL, Redis and the replica `.ci/run`
//! starts (`start_replica` in `.ci/services.sh` exports `AGORA_REPLICA_URL`,
//! `AGORA_REPLICA_STOP` and `AGORA_REPLICA_START`): ignored by default. Under
//! `--include-ignored` a missing variable fails the test, never skips it.

#[allow(dead_code)]
#[path = "multi_instance/cluster.rs"]
mod cluster;

#[path = "common/listening.rs"]
mod listening;

use std::time::{Duration, Instant};

use cluster::{Deployment, Instance};
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};

fn required(name: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| panic!("{name} must be set: `start_replica` in .ci/services.sh"))
}

fn shell(command: &str) {
    let status = std::process::Command::new("sh")
        .args(["-c", command])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("sh runs");
    assert!(status.success(), "`{command}` failed");
}

async fn text(db: &DatabaseConnection, sql: &str) -> String {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<String>(0).expect("text")
}

/// Waits (bounded) until the replica has replayed everything the primary has written so far.
async fn caught_up(primary: &DatabaseConnection, replica: &DatabaseConnection) {
    let lsn = text(primary, "SELECT pg_current_wal_lsn()::text").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let done = text(
            replica,
            &format!("SELECT (pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn)::text"),
        )
        .await;
        if done == "true" {
            return;
        }
        assert!(Instant::now() < deadline, "the replica never caught up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn anonymous(instance: &Instance, path: &str) -> (u16, Value) {
    let answer = instance
        .request(Method::GET, path)
        .send()
        .await
        .expect("sent");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

fn lists(page: &Value, id: &str) -> bool {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|p| p["id"] == id)
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn anonymous_reads_lag_on_the_replica_the_author_reads_fresh_and_a_down_replica_falls_back() {
    let replica_url = required("AGORA_REPLICA_URL");
    let deployment = Deployment::new().await;
    let primary = Database::connect(required("DATABASE_URL"))
        .await
        .expect("primary");
    let replica = Database::connect(&replica_url).await.expect("replica");
    let [api]: [Instance; 1] = deployment
        .start(1, &[("DATABASE_READ_URL", replica_url.as_str())])
        .try_into()
        .ok()
        .expect("one");
    let author = api.member().await;
    caught_up(&primary, &replica).await;

    // Replay paused: whatever is written now exists on the primary only.
    replica
        .execute_unprepared("SELECT pg_wal_replay_pause()")
        .await
        .expect("pauses replay");
    let created = api
        .send(
            Method::POST,
            "/api/posts",
            &author.access_token,
            Some(json!({"title": "fresh from the primary", "body": "written while the replica lags"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let post: Value = created.json().await.expect("JSON");
    let id = post["id"].as_str().expect("id").to_owned();
    let item = format!("/api/posts/{id}");
    let by_author = format!("/api/posts?author_id={}", author.id);

    // The author reads their own write at once, item and list.
    let mine = api
        .send(Method::GET, &item, &author.access_token, None)
        .await;
    assert_eq!(mine.status(), 200, "the author cannot read their new post");
    let mine = api
        .send(Method::GET, &by_author, &author.access_token, None)
        .await;
    assert_eq!(mine.status(), 200);
    assert!(lists(&mine.json().await.expect("JSON"), &id));

    // ... and their edit.
    let edited = api
        .request(Method::PUT, &item)
        .bearer_auth(&author.access_token)
        .header(
            "If-Match",
            post_etag(&api, &item, &author.access_token).await,
        )
        .json(&json!({"title": "edited on the primary", "body": "still lagging"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(edited.status(), 200);
    let mine: Value = api
        .send(Method::GET, &item, &author.access_token, None)
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(mine["title"], "edited on the primary");

    // Anonymous readers are served by the paused replica: the post is not there yet (this
    // also proves their reads really go to the replica).
    let (status, _) = anonymous(&api, &item).await;
    assert_eq!(
        status, 404,
        "an anonymous read did not come from the replica"
    );
    let (status, page) = anonymous(&api, &by_author).await;
    assert_eq!(status, 200);
    assert!(!lists(&page, &id));
    let (status, _) = anonymous(&api, &format!("{item}/comments")).await;
    assert_eq!(status, 404);

    // Replay resumed: it appears, edited.
    replica
        .execute_unprepared("SELECT pg_wal_replay_resume()")
        .await
        .expect("resumes replay");
    caught_up(&primary, &replica).await;
    let (status, body) = anonymous(&api, &item).await;
    assert_eq!(status, 200);
    assert_eq!(body["title"], "edited on the primary");
    let (_, page) = anonymous(&api, &by_author).await;
    assert!(lists(&page, &id));

    // The replica down: public reads fall back to the primary, never a 503.
    replica.close().await.ok();
    shell(&required("AGORA_REPLICA_STOP"));
    for _ in 0..3 {
        let (status, body) = anonymous(&api, &item).await;
        assert_eq!(status, 200, "a read with the replica down: {body}");
        let (status, page) = anonymous(&api, &by_author).await;
        assert_eq!(status, 200);
        assert!(lists(&page, &id));
        let (status, _) = anonymous(&api, &format!("{item}/comments")).await;
        assert_eq!(status, 200);
    }
    let (status, _) = anonymous(&api, "/health/ready").await;
    assert_eq!(
        status, 200,
        "a replica outage must not make the instance unready"
    );
    shell(&required("AGORA_REPLICA_START"));
}

async fn post_etag(api: &Instance, item: &str, token: &str) -> String {
    let answer = api.send(Method::GET, item, token, None).await;
    answer
        .headers()
        .get("etag")
        .expect("ETag")
        .to_str()
        .expect("ASCII")
        .to_owned()
}
