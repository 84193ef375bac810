//! What each instance keeps near (`NearSessions` over `RedisSessions`), as two instances on one
//! Redis see it: a session ended through one is gone from the other's next access check, even
//! while readers on the other keep filling its entries; a lease holder that never acknowledges
//! holds a change back until its lease has ended; a change whose caller goes away still ends
//! the session everywhere; losing every subscription serves nothing
//! stale, and the cache comes back into force; so does a subscription that goes silent behind
//! a dead link; a stopped instance ends its lease. Needs Redis (`.ci/run`).

mod common;

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use application::ports::SessionStore;
use chrono::Utc;
use domain::{Session, SessionId, TokenDigest, UserId};
use futures_util::FutureExt;
use infrastructure::{NearCache, NearSessions, RedisSessions, redis_pool};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
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
    let near = common::near_cache(pool.clone(), prefix).await;
    with_near(pool, near, prefix)
}

fn with_near(pool: infrastructure::RedisPool, near: NearCache, prefix: &str) -> Instance {
    let behind = Arc::new(RedisSessions::new(pool, prefix));
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
    assert!(
        kept_near(instance, session).await,
        "the session was not kept near"
    );
}

/// Whether `instance` answers `session` from its near entries: read through it, taken away
/// behind the cache's back, read again; then put back.
async fn kept_near(instance: &Instance, session: &Session) -> bool {
    assert_eq!(checked(instance, session.id()).await, Some(session.id()));
    assert!(instance.behind.delete(session.id()).await.expect("delete"));
    let kept = checked(instance, session.id()).await == Some(session.id());
    instance.behind.create(session, 100).await.expect("create");
    kept
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

/// Held by the test that kills every subscription on the server, and by those it would disturb.
static KILLING_SUBSCRIPTIONS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Every subscription on the server is killed (as a Redis failover or a proxy restart would):
/// a change made meanwhile is still in force on B at once, and B's cache comes back.
#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn losing_every_subscription_serves_nothing_stale_and_the_cache_comes_back() {
    let _alone = KILLING_SUBSCRIPTIONS.lock().await;
    let (a, b, _prefix, session) = kept_on_b().await;
    let killed: i64 = on_redis(redis::cmd("CLIENT").arg(&["KILL", "TYPE", "pubsub"])).await;
    assert!(killed >= 2, "killed {killed} subscriptions");
    end_and_come_back(&a, &b, &session, Duration::from_secs(5)).await;
}

/// A ends `session` while B's subscription is gone: B serves nothing stale, subscribes again
/// within `within`, still without the session, and keeps what is made afterwards.
async fn end_and_come_back(a: &Instance, b: &Instance, session: &Session, within: Duration) {
    a.sessions.delete(session.id()).await.expect("delete");
    assert_eq!(
        checked(b, session.id()).await,
        None,
        "B served a stale session"
    );
    assert!(
        b.near.wait_in_force(within).await,
        "B never subscribed again"
    );
    assert_eq!(
        checked(b, session.id()).await,
        None,
        "B served the session ended while its subscription was gone"
    );
    let next = session_of(user());
    a.sessions.create(&next, 100).await.expect("create");
    assert_kept(b, &next).await;
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

/// A TCP relay to the Redis server `REDIS_URL` names. `go_silent` stops every connection open
/// at that moment for good, without closing it: nothing more crosses, as behind a link that
/// died with no reset. Connections opened afterwards relay as before.
struct Relay {
    /// `REDIS_URL` with the relay's address in place of the server's.
    url: String,
    /// Connections numbered up to this one are silent.
    silent_up_to: Arc<AtomicU64>,
    opened: Arc<AtomicU64>,
}

impl Relay {
    async fn start() -> Self {
        let url = std::env::var("REDIS_URL").expect("REDIS_URL (.ci/run starts Redis)");
        let client = redis::Client::open(url.as_str()).expect("a Redis URL");
        let redis::ConnectionAddr::Tcp(host, port) = client.get_connection_info().addr().clone()
        else {
            panic!("the relay speaks plain TCP only");
        };
        let server: SocketAddr = tokio::net::lookup_host((host.as_str(), port))
            .await
            .expect("resolvable")
            .next()
            .expect("an address");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let relay = Self {
            url: url.replacen(
                &format!("{host}:{port}"),
                &listener.local_addr().expect("addr").to_string(),
                1,
            ),
            silent_up_to: Arc::default(),
            opened: Arc::default(),
        };
        let (silent_up_to, opened) = (relay.silent_up_to.clone(), relay.opened.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let number = opened.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::spawn(relay_one(client, server, number, silent_up_to.clone()));
            }
        });
        relay
    }

    fn go_silent(&self) {
        self.silent_up_to
            .store(self.opened.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

async fn relay_one(
    client: TcpStream,
    server: SocketAddr,
    number: u64,
    silent_up_to: Arc<AtomicU64>,
) {
    let Ok(server) = TcpStream::connect(server).await else {
        return;
    };
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let (mut up, mut down) = ([0u8; 8192], [0u8; 8192]);
    loop {
        let (read, upward) = tokio::select! {
            read = from_client.read(&mut up) => (read, true),
            read = from_server.read(&mut down) => (read, false),
        };
        let Ok(n @ 1..) = read else { return };
        if number <= silent_up_to.load(Ordering::SeqCst) {
            // Held open, never closed: the sockets live as long as this task, which never ends.
            std::future::pending::<()>().await;
        }
        let written = if upward {
            to_server.write_all(&up[..n]).await
        } else {
            to_client.write_all(&down[..n]).await
        };
        if written.is_err() {
            return;
        }
    }
}

/// B's near cache reaches Redis through a relay whose connections then go silent, as behind a
/// link that died without a reset: B's subscription delivers nothing more, and the change that
/// ends a session through A never reaches it. B answers from Redis once its lease lapses, takes
/// the subscription for dead, subscribes again over a new connection and comes back into
/// force, without the session ended meanwhile.
#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn a_subscription_gone_silent_is_replaced_and_serves_nothing_stale() {
    // A subscription killed meanwhile would be replaced at once, and its answer would not be
    // the silent one's.
    let _alone = KILLING_SUBSCRIPTIONS.lock().await;
    let relay = Relay::start().await;
    let (_, prefix) = common::redis();
    let a = instance(&prefix).await;
    let (direct, _) = common::redis();
    let relayed = redis_pool(&relay.url).expect("pool");
    let b = with_near(direct, common::near_cache(relayed, &prefix).await, &prefix);
    let session = session_of(user());
    a.sessions.create(&session, 100).await.expect("create");
    // B keeps a read only if it was in force from the read's start to its end; under load the
    // first may not be: read until one is.
    let deadline = Instant::now() + Duration::from_secs(3);
    while !kept_near(&b, &session).await {
        assert!(Instant::now() < deadline, "B never kept the session");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    relay.go_silent();
    // No heartbeat comes back: within a lease (1 s) B answers from Redis, long before it takes
    // the subscription for dead (3 s).
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        !b.near.in_force(),
        "B kept answering from its entries with no heartbeat back"
    );
    assert_eq!(checked(&b, session.id()).await, Some(session.id()));
    // A's change waits for B's acknowledgement, which never comes, or for B's lease to end:
    // B renews it over new connections until it drops the silent subscription.
    end_and_come_back(&a, &b, &session, Duration::from_secs(10)).await;
}
