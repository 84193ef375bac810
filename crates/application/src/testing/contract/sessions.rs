//! The `SessionStore` contract.

use chrono::{Duration, Utc};
use domain::{Session, SessionId, TokenDigest, UserId};
use futures_util::future::join_all;
use uuid::Uuid;

use crate::ports::SessionStore;

fn session(id: SessionId, user: UserId, digest: u8, age: Duration, ttl: Duration) -> Session {
    Session::start(
        id,
        user,
        TokenDigest([digest; 32]),
        Utc::now() - age,
        ttl,
        Some("contract"),
        None,
    )
}

fn fresh(user: UserId, age_minutes: i64) -> Session {
    session(
        SessionId::from_uuid(Uuid::now_v7()),
        user,
        1,
        Duration::minutes(age_minutes),
        Duration::days(1),
    )
}

fn user() -> UserId {
    UserId::from_uuid(Uuid::now_v7())
}

/// Whether `session` replaces the stored one that holds the refresh digest `expected`.
async fn replaces(store: &impl SessionStore, session: &Session, expected: [u8; 32]) -> bool {
    let replaced = store
        .replace_if_current(session, &TokenDigest(expected))
        .await;
    replaced.expect("replace")
}

fn ids(sessions: &[Session]) -> Vec<SessionId> {
    let mut ids: Vec<SessionId> = sessions.iter().map(Session::id).collect();
    ids.sort_by_key(|id| id.as_uuid());
    ids
}

/// Sessions are created, read, replaced only when current, capped per user (oldest ended
/// first, atomically under concurrent logins, other users untouched), listed and ended.
pub async fn session_store(store: &impl SessionStore) {
    store.ping().await.expect("ping");
    let (alice, bob) = (user(), user());

    // Created, then read back as stored.
    let first = fresh(alice, 30);
    assert_eq!(store.create(&first, 3).await.expect("create"), []);
    let read = store.get(first.id()).await.expect("get").expect("stored");
    assert_eq!(read.parts(), first.parts());
    assert_eq!(
        store
            .get(SessionId::from_uuid(Uuid::now_v7()))
            .await
            .expect("get"),
        None,
        "an unknown session is absent"
    );

    // Replaced only while the expected digest is the current one.
    let rotated = session(
        first.id(),
        alice,
        2,
        Duration::minutes(30),
        Duration::days(1),
    );
    assert!(
        !replaces(store, &rotated, [9; 32]).await,
        "a stale digest does not replace"
    );
    assert!(replaces(store, &rotated, [1; 32]).await);
    assert_eq!(
        store
            .get(first.id())
            .await
            .expect("get")
            .map(|s| *s.refresh_digest()),
        Some(TokenDigest([2; 32]))
    );
    assert!(
        !replaces(store, &rotated, [1; 32]).await,
        "the same rotation cannot win twice"
    );
    let racers = (0..8).map(|n| {
        let next = session(
            first.id(),
            alice,
            10 + n,
            Duration::minutes(30),
            Duration::days(1),
        );
        async move {
            store
                .replace_if_current(&next, &TokenDigest([2; 32]))
                .await
                .expect("replace")
        }
    });
    let won = join_all(racers).await.into_iter().filter(|&w| w).count();
    assert_eq!(
        won, 1,
        "of concurrent rotations of one token exactly one wins"
    );

    // Capped: the oldest by created_at end first; other users are untouched.
    let bobs = fresh(bob, 60);
    assert_eq!(store.create(&bobs, 1).await.expect("create"), []);
    let second = fresh(alice, 20);
    let third = fresh(alice, 10);
    assert_eq!(store.create(&second, 3).await.expect("create"), []);
    assert_eq!(store.create(&third, 3).await.expect("create"), []);
    let fourth = fresh(alice, 0);
    assert_eq!(
        store.create(&fourth, 3).await.expect("create"),
        [first.id()],
        "the oldest session ends"
    );
    assert_eq!(store.get(first.id()).await.expect("get"), None);
    let mut expected = vec![second.id(), third.id(), fourth.id()];
    expected.sort_by_key(|id| id.as_uuid());
    assert_eq!(
        ids(&store.list_for_user(alice).await.expect("list")),
        expected
    );
    let mut ended = store.create(&fresh(alice, 0), 1).await.expect("create");
    ended.sort_by_key(|id| id.as_uuid());
    assert_eq!(ended, expected, "keep_at_most 1 ends every other session");
    assert_eq!(
        ids(&store.list_for_user(bob).await.expect("list")),
        [bobs.id()]
    );

    // Concurrent logins never exceed the cap.
    let carol = user();
    let logins = (0..12).map(|_| async move { store.create(&fresh(carol, 0), 3).await });
    let ended: usize = join_all(logins)
        .await
        .into_iter()
        .map(|r| r.expect("create").len())
        .sum();
    assert_eq!(ended, 9, "12 logins with a cap of 3 end 9 sessions");
    assert_eq!(store.list_for_user(carol).await.expect("list").len(), 3);

    // Ended one by one, then all of a user's.
    let alices = store.list_for_user(alice).await.expect("list");
    let one = alices[0].id();
    assert!(store.delete(one).await.expect("delete"));
    assert!(!store.delete(one).await.expect("delete"), "already gone");
    assert_eq!(store.get(one).await.expect("get"), None);
    assert_eq!(
        store.delete_all_for_user(carol).await.expect("delete all"),
        3
    );
    assert_eq!(store.list_for_user(carol).await.expect("list"), []);
    assert_eq!(
        store.delete_all_for_user(carol).await.expect("delete all"),
        0
    );
    assert_eq!(
        ids(&store.list_for_user(bob).await.expect("list")),
        [bobs.id()]
    );
}

/// A session disappears by itself once `expires_at` has passed (waits about 1.2 s). The fake
/// store keeps sessions on its fake clock, so only real adapters run this part.
pub async fn session_store_expiry(store: &impl SessionStore) {
    let owner = user();
    let short = session(
        SessionId::from_uuid(Uuid::now_v7()),
        owner,
        1,
        Duration::zero(),
        Duration::milliseconds(800),
    );
    store.create(&short, 3).await.expect("create");
    assert!(store.get(short.id()).await.expect("get").is_some());
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(store.get(short.id()).await.expect("get"), None, "expired");
    assert_eq!(store.list_for_user(owner).await.expect("list"), []);
    assert!(!store.delete(short.id()).await.expect("delete"));
}
