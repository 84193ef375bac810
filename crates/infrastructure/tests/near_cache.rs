//! What each instance keeps near (`NearSessions` over `RedisSessions`), as two instances on one
//! Redis see it: a session ended through one is gone from the other's next access check, even
//! while readers on the other keep filling its entries; a lease holder that never acknowledges
//! holds a change back until its lease has ended; a change whose caller goes away still ends
//! the session everywhere; losing every subscription serves nothing
//! stale, and the cache comes back into force; a stopped instance ends its lease. Needs Redis
//! (`.ci/run`).

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use application::ports::SessionStore;
use chrono::Utc;
use domain::{Session, SessionId, TokenDigest, UserId};
use futures_util::FutureExt;
use infrastructure::{NearCache, NearSessions, RedisSessions};
use uuid::Uuid;

/// One instance: its near cache, its sessions through it, and Redis's sessions behind its back.
struct Instance {
    near: NearCache,
    sessions: Arc<NearSessions>,
    behind: Arc<RedisSessions>,
}

/// Two instances under one key prefix, each with a Redis connection of its own.
async fn pair() -> (Instance, Instance, String) {
    let (_, prefix) = common::redis();
    let a = instance(&prefix).await;
    let b = instance(&prefix).await;
    (a, b, prefix)
}

async fn instance(prefix: &str) -> Instance {
    let (pool, _) = common::redis();
    let behind = Arc::new(RedisSessions::new(pool.clone(), prefix));
    let near = common::near_cache(pool, prefix).await;
    let sessions = Arc::new(NearSessions::new(behind.clone(), near.clone()));
    Instance {
        near,
        sessions,
        behind,
    }
}

fn session_of(user: UserId) -> Session {
    Session::start(
        SessionId::from_uuid(Uuid::now_v7()),
        user,
        TokenDigest([7; 32]),
        Utc::now(),
        chrono::Duration::hours(1),
        Some("near-cache test"),
        None,
    )
}

fn user() -> UserId {
    UserId::from_uuid(Uuid::now_v7())
}

async fn checked(instance: &Instance, id: SessionId) -> Option<SessionId> {
    instance
        .sessions
        .get_for_access(id)
        .await
        .expect("access check")
        .map(|s| s.id())
}

/// `instance` answers `session` from its entries: still there once Redis no longer has it.
/// Puts it back in Redis afterwards.
async fn assert_kept(instance: &Instance, session: &Session) {
    assert_eq!(checked(instance, session.id()).await, Some(session.id()));
    assert!(instance.behind.delete(session.id()).await.expect("delete"));
    assert_eq!(
        checked(instance, session.id()).await,
        Some(session.id()),
        "the session was not kept near"
    );
    instance.behind.create(session, 100).await.expect("create");
}

#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn a_session_ended_through_one_instance_is_refused_by_the_other_at_once() {
    let (a, b, _prefix) = pair().await;
    let owner = user();

    // Ended by id (logout, revoking one session).
    let session = session_of(owner);
    a.sessions.create(&session, 100).await.expect("create");
    assert_kept(&b, &session).await;
    assert!(a.sessions.delete(session.id()).await.expect("delete"));
    assert_eq!(checked(&b, session.id()).await, None, "delete");

    // Every session of the account (logout everywhere, password change, deletion).
    let (laptop, phone) = (session_of(owner), session_of(owner));
    for s in [&laptop, &phone] {
        a.sessions.create(s, 100).await.expect("create");
        assert_kept(&b, s).await;
    }
    assert_eq!(a.sessions.delete_all_for_user(owner).await.expect("all"), 2);
    for s in [&laptop, &phone] {
        assert_eq!(checked(&b, s.id()).await, None, "delete_all_for_user");
    }

    // The oldest session a new login ends.
    let (old, new) = (session_of(owner), session_of(owner));
    a.sessions.create(&old, 1).await.expect("create");
    assert_kept(&b, &old).await;
    let ended = a.sessions.create(&new, 1).await.expect("create");
    assert_eq!(ended, vec![old.id()]);
    assert_eq!(checked(&b, old.id()).await, None, "ended by a login");
    assert_eq!(checked(&b, new.id()).await, Some(new.id()));
}

/// Readers on B keep missing and filling their entries while A ends sessions: once each end
/// returns, B refuses the session.
#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn readers_filling_another_instance_cannot_keep_an_ended_session() {
    let (a, b, _prefix) = pair().await;
    let b = Arc::new(b);
    for round in 0..20 {
        let session = session_of(user());
        a.sessions.create(&session, 100).await.expect("create");
        let stop = Arc::new(AtomicBool::new(false));
        let reads = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let (b, stop, reads, id) = (b.clone(), stop.clone(), reads.clone(), session.id());
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        b.sessions.get_for_access(id).await.expect("read");
                        reads.fetch_add(1, Ordering::Relaxed);
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        while reads.load(Ordering::Relaxed) < 8 {
            tokio::task::yield_now().await;
        }
        a.sessions.delete(session.id()).await.expect("delete");
        for _ in 0..3 {
            assert_eq!(
                checked(&b, session.id()).await,
                None,
                "round {round}: B accepted a session A had ended"
            );
            tokio::task::yield_now().await;
        }
        stop.store(true, Ordering::Relaxed);
        for reader in readers {
            reader.await.expect("reader");
        }
    }
}

/// Redis's clock, in milliseconds.
async fn redis_now_ms() -> i64 {
    let (secs, micros): (i64, i64) = on_redis(&redis::cmd("TIME")).await;
    secs * 1000 + micros / 1000
}

/// `command`'s answer, on a connection of the test's own to the Redis every instance uses.
async fn on_redis<T: redis::FromRedisValue>(command: &redis::Cmd) -> T {
    let mut conn = redis::Client::open(std::env::var("REDIS_URL").expect("REDIS_URL"))
        .expect("client")
        .get_multiplexed_async_connection()
        .await
        .expect("connects");
    command.query_async(&mut conn).await.expect("Redis answers")
}

/// A holder that recorded a lease and then went silent (hung, or its subscription gone unseen):
/// a change waits until that lease has ended, since until then the holder may still answer
/// from what it kept.
#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn a_holder_that_never_acknowledges_holds_a_change_back_until_its_lease_ends() {
    let (a, _b, prefix) = pair().await;
    let session = session_of(user());
    a.sessions.create(&session, 100).await.expect("create");
    let lease = Duration::from_millis(700);
    let ends = redis_now_ms().await + i64::try_from(lease.as_millis()).expect("ms");
    let _: i64 = on_redis(
        redis::cmd("ZADD")
            .arg(format!("{prefix}:near:leases"))
            .arg(ends)
            .arg("4242"),
    )
    .await;
    let started = Instant::now();
    a.sessions.delete(session.id()).await.expect("delete");
    let waited = started.elapsed();
    assert!(
        waited >= lease - Duration::from_millis(150),
        "the change returned after {waited:?}, before the silent holder's lease ({lease:?}) ended"
    );
}

/// Every subscription on the server is killed (as a Redis failover or a proxy restart would):
/// a change made meanwhile is still in force on B at once, and B's cache comes back.
#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn losing_every_subscription_serves_nothing_stale_and_the_cache_comes_back() {
    let (a, b, _prefix, session) = kept_on_b().await;
    let killed: i64 = on_redis(redis::cmd("CLIENT").arg(&["KILL", "TYPE", "pubsub"])).await;
    assert!(killed >= 2, "killed {killed} subscriptions");
    a.sessions.delete(session.id()).await.expect("delete");
    assert_eq!(
        checked(&b, session.id()).await,
        None,
        "B served a stale session"
    );

    assert!(
        b.near.wait_in_force(Duration::from_secs(5)).await,
        "B never subscribed again"
    );
    let next = session_of(user());
    a.sessions.create(&next, 100).await.expect("create");
    assert_kept(&b, &next).await;
}

/// The caller of a logout goes away (a client that hung up) once the change has begun: the
/// change still runs to its end, in Redis and on B.
#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn a_change_its_caller_abandons_still_ends_the_session_everywhere() {
    let (a, b, _prefix, session) = kept_on_b().await;
    assert!(
        a.sessions.delete(session.id()).now_or_never().is_none(),
        "the delete ended within its first poll"
    );
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let stored = b.behind.get(session.id()).await.expect("get");
        let answered = checked(&b, session.id()).await;
        if stored.is_none() && answered.is_none() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "3 s after the abandoned delete: stored {}, B answers {answered:?}",
            stored.is_some()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A pair whose B keeps a session created through A.
async fn kept_on_b() -> (Instance, Instance, String, Session) {
    let (a, b, prefix) = pair().await;
    let session = session_of(user());
    a.sessions.create(&session, 100).await.expect("create");
    assert_kept(&b, &session).await;
    (a, b, prefix, session)
}

async fn lease_holders(prefix: &str) -> i64 {
    on_redis(redis::cmd("ZCARD").arg(format!("{prefix}:near:leases"))).await
}

/// A stopping instance ends its lease at once (changes elsewhere stop waiting for it) and
/// answers nothing more from its entries.
#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn a_stopped_instance_ends_its_lease_and_answers_from_redis() {
    let (_a, b, prefix, session) = kept_on_b().await;
    assert_eq!(lease_holders(&prefix).await, 2);
    b.near.stop().await;
    assert_eq!(
        lease_holders(&prefix).await,
        1,
        "the stopped instance's lease is still held"
    );
    assert!(!b.near.in_force());
    assert!(b.behind.delete(session.id()).await.expect("delete"));
    assert_eq!(
        checked(&b, session.id()).await,
        None,
        "answered from its entries"
    );
    // Two renewals (every 250 ms) would have happened by now.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        !b.near.in_force(),
        "a stopped instance came back into force"
    );
}
