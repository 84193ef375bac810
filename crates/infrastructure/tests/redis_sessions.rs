//! The Redis session store against a real Redis (`REDIS_URL`): the per-user cap under
//! concurrent logins, and indexes written by an older version (a plain set). They run in
//! `.ci/run`'s PostgreSQL + Redis pass (`--include-ignored`); run alone without `REDIS_URL`
//! they fail, so a skip is always visible as "ignored".

use std::sync::Arc;

use application::ports::SessionStore;
use chrono::{Duration, Utc};
use domain::{Session, SessionId, TokenDigest, UserId};
use infrastructure::{RedisSessions, redis_pool};
use redis::AsyncCommands;
use uuid::Uuid;

/// The store, a client of its own on the same server, and the store's key prefix.
fn store() -> (RedisSessions, redis::Client, String) {
    let url = std::env::var("REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("REDIS_URL names a Redis server (.ci/run starts one)");
    let prefix = format!("test-{}", Uuid::now_v7());
    let store = RedisSessions::new(redis_pool(&url).expect("pool"), &prefix);
    (store, redis::Client::open(url).expect("client"), prefix)
}

fn session(user: UserId, minutes_ago: i64) -> Session {
    Session::start(
        SessionId::from_uuid(Uuid::now_v7()),
        user,
        TokenDigest([1; 32]),
        Utc::now() - Duration::minutes(minutes_ago),
        Duration::days(1),
        None,
        None,
    )
}

#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn concurrent_logins_never_exceed_the_cap() {
    let (store, _, _) = store();
    let store = Arc::new(store);
    let user = UserId::from_uuid(Uuid::now_v7());
    let logins = (0..20).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.create(&session(user, 0), 3).await })
    });
    let mut ended = 0;
    for login in logins {
        ended += login.await.expect("joined").expect("created").len();
    }
    assert_eq!(ended, 17);
    assert_eq!(store.list_for_user(user).await.expect("listed").len(), 3);
}

#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn an_index_written_by_an_older_version_is_converted_and_its_sessions_count_as_oldest() {
    let (store, client, prefix) = store();
    let user = UserId::from_uuid(Uuid::now_v7());
    let legacy = session(user, 0);
    store.create(&legacy, 50).await.expect("created");
    // What an older version left: the same key as a plain set.
    let index = format!("{prefix}:user-sessions:{user}");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connection");
    let _: i64 = conn.del(&index).await.expect("del");
    let _: i64 = conn
        .sadd(&index, legacy.id().to_string())
        .await
        .expect("sadd");

    let newer = session(user, 5);
    assert!(store.create(&newer, 2).await.expect("created").is_empty());
    assert_eq!(store.list_for_user(user).await.expect("listed").len(), 2);
    let ended = store.create(&session(user, 0), 2).await.expect("created");
    assert_eq!(
        ended,
        vec![legacy.id()],
        "the legacy session counts as oldest"
    );
    assert!(store.delete(newer.id()).await.expect("deleted"));
    assert_eq!(store.delete_all_for_user(user).await.expect("ended"), 1);
}
