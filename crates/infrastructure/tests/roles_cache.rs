//! The roles cache (`CachedUsers` over `SqlUsers`, with `MemoryRoles` or `RedisRoles`): a
//! change of roles or a deletion is in force on the next read, even against readers that keep
//! filling the cache while it happens; a cache that cannot be marked refuses the change; one
//! lost after the commit serves no stale roles; an unreachable cache leaves reads correct; and
//! nothing outlives the TTL. The Redis cases need PostgreSQL and Redis (`.ci/run`).

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use application::{
    RepositoryError, StoreError,
    ports::{AdminChange, AdminGuard, UserRepository},
    testing::contract,
};
use async_trait::async_trait;
use chrono::Utc;
use common::{TestDb, postgres, sqlite};
use domain::{AdminTally, AuditAction, AuditEvent, Role, User, UserId};
use infrastructure::{
    CachedUsers, MemoryRoles, NearRoles, RedisRoles, RolesCache, SqlUsers, redis_pool,
};
use uuid::Uuid;

const TTL: Duration = Duration::from_secs(60);

/// Runs each `scenario(db, cache)` as three tests: the first name on SQLite with `MemoryRoles`,
/// the second on PostgreSQL with `RedisRoles`, the third with `RedisRoles` kept near
/// (`NearRoles`; both ignored unless `.ci/run` provides PostgreSQL and Redis).
macro_rules! on_both_backends {
    ($($scenario:ident: $memory:ident, $redis:ident, $near:ident;)*) => {$(
        #[tokio::test]
        async fn $memory() {
            $scenario(sqlite().await, Arc::new(MemoryRoles::new(TTL))).await;
        }

        #[tokio::test]
        #[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
        async fn $redis() {
            $scenario(postgres(8).await, redis_roles(TTL)).await;
        }

        #[tokio::test]
        #[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
        async fn $near() {
            let (pool, prefix) = common::redis();
            let roles = Arc::new(RedisRoles::new(pool.clone(), &prefix, TTL));
            let near = common::near_cache(pool, &prefix).await;
            $scenario(postgres(8).await, Arc::new(NearRoles::new(roles, near))).await;
        }
    )*};
}

fn sql_users(db: &TestDb) -> Arc<SqlUsers> {
    Arc::new(common::sql_users(db.conn.clone()))
}

fn redis_roles(ttl: Duration) -> Arc<RedisRoles> {
    let (pool, prefix) = common::redis();
    Arc::new(RedisRoles::new(pool, &prefix, ttl))
}

async fn account(users: &dyn UserRepository) -> User {
    let n = Uuid::now_v7().simple().to_string();
    common::register(users, &format!("u{}", &n[20..]), Utc::now()).await
}

async fn set_roles(
    users: &dyn UserRepository,
    user: &mut User,
    roles: Vec<Role>,
) -> Result<bool, RepositoryError> {
    let before = user.updated_at();
    user.set_roles(roles, Utc::now());
    let event = AuditEvent::new(AuditAction::RolesChanged, Some(user.id()), Utc::now());
    users
        .set_roles(
            user,
            AdminGuard::new(Some(before), &event, &AdminTally::keeps_an_administrator),
        )
        .await
        .map(|change| change == AdminChange::Applied)
}

async fn roles(users: &dyn UserRepository, id: UserId) -> Option<Vec<Role>> {
    users.roles_of(id).await.expect("roles").map(|mut r| {
        r.sort_by_key(|role| role.as_str());
        r
    })
}

async fn the_user_repository_contract(db: TestDb, cache: Arc<dyn RolesCache>) {
    contract::user_repository(&CachedUsers::new(sql_users(&db), cache)).await;
}

on_both_backends! {
    the_user_repository_contract:
        cached_users_on_sqlite_with_memory_roles_pass_the_user_repository_contract,
        cached_users_on_postgres_with_redis_roles_pass_the_user_repository_contract,
        cached_users_on_postgres_with_near_roles_pass_the_user_repository_contract;
}

/// Readers keep missing and filling the cache while roles change under them: after each
/// change returns, every read gives the new roles; after the deletion, none.
async fn a_change_is_in_force_at_once_against_readers_filling_the_cache(
    db: TestDb,
    cache: Arc<dyn RolesCache>,
) {
    let users = Arc::new(CachedUsers::new(sql_users(&db), cache));
    // Another administrator, so taking the role away is not refused as the last one.
    let mut admin = account(users.as_ref()).await;
    assert!(
        set_roles(users.as_ref(), &mut admin, vec![Role::Admin])
            .await
            .expect("changes")
    );
    let mut user = account(users.as_ref()).await;
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (users, stop, id) = (users.clone(), stop.clone(), user.id());
            tokio::spawn(async move {
                let mut reads = 0_u32;
                while !stop.load(Ordering::Relaxed) {
                    users.roles_of(id).await.expect("roles");
                    reads += 1;
                    tokio::task::yield_now().await;
                }
                reads
            })
        })
        .collect();
    for round in 0..20 {
        let wanted = if round % 2 == 0 {
            vec![Role::Admin, Role::User]
        } else {
            vec![Role::User]
        };
        assert!(
            set_roles(users.as_ref(), &mut user, wanted.clone())
                .await
                .expect("changes")
        );
        for _ in 0..3 {
            assert_eq!(
                roles(users.as_ref(), user.id()).await,
                Some(wanted.clone()),
                "round {round}: old roles served after the change returned"
            );
            tokio::task::yield_now().await;
        }
    }
    let event = AuditEvent::new(AuditAction::AccountDeleted, Some(user.id()), Utc::now());
    assert_eq!(
        users
            .delete(
                user.id(),
                AdminGuard::new(None, &event, &AdminTally::keeps_an_administrator)
            )
            .await
            .expect("deletes"),
        AdminChange::Applied
    );
    assert_eq!(roles(users.as_ref(), user.id()).await, None);
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        assert!(reader.await.expect("reader") > 0, "a reader never ran");
    }
}

on_both_backends! {
    a_change_is_in_force_at_once_against_readers_filling_the_cache:
        memory_roles_a_change_is_in_force_at_once_against_readers_filling_the_cache,
        redis_roles_a_change_is_in_force_at_once_against_readers_filling_the_cache,
        near_roles_a_change_is_in_force_at_once_against_readers_filling_the_cache;
}

/// The race the mark closes, step by step: a reader read the old roles before the change
/// committed, and tries to cache them after the change marked the account.
async fn a_reader_late_with_old_roles_cannot_cache_them(cache: Arc<dyn RolesCache>) {
    let user = UserId::from_uuid(Uuid::now_v7());
    let cache_old_roles = || cache.put_if_absent(user, &[Role::Admin, Role::User]);
    cache_old_roles().await.expect("put");
    assert_eq!(
        cache.get(user).await.expect("get"),
        Some(vec![Role::Admin, Role::User])
    );
    cache.mark(user).await.expect("mark");
    cache_old_roles().await.expect("put");
    assert_eq!(
        cache.get(user).await.expect("get"),
        None,
        "the late reader won"
    );
}

#[tokio::test]
async fn memory_roles_a_reader_late_with_old_roles_cannot_cache_them() {
    a_reader_late_with_old_roles_cannot_cache_them(Arc::new(MemoryRoles::new(TTL))).await;
}

#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn redis_roles_a_reader_late_with_old_roles_cannot_cache_them() {
    a_reader_late_with_old_roles_cannot_cache_them(redis_roles(TTL)).await;
}

/// A cache that fails the marks numbered in `failing` (1 = the first), as Redis going away
/// and coming back would; reads and writes otherwise go through.
struct LosesMarks {
    inner: Arc<dyn RolesCache>,
    marks: AtomicUsize,
    failing: fn(usize) -> bool,
}

#[async_trait]
impl RolesCache for LosesMarks {
    async fn get(&self, user: UserId) -> Result<Option<Vec<Role>>, StoreError> {
        self.inner.get(user).await
    }

    async fn put_if_absent(&self, user: UserId, roles: &[Role]) -> Result<(), StoreError> {
        self.inner.put_if_absent(user, roles).await
    }

    async fn mark(&self, user: UserId) -> Result<(), StoreError> {
        if (self.failing)(self.marks.fetch_add(1, Ordering::SeqCst) + 1) {
            return Err(StoreError::Unavailable(anyhow::anyhow!(
                "the cache went away"
            )));
        }
        self.inner.mark(user).await
    }
}

/// Redis dies between the database commit and the invalidation, then comes back: the mark
/// written before the change keeps the old roles out. Redis down before the change: the
/// change is refused (503 upstream) and nothing changed.
async fn losing_the_cache_around_a_change_serves_no_stale_roles(
    db: TestDb,
    cache: Arc<dyn RolesCache>,
) {
    let sql = sql_users(&db);
    let after_commit = CachedUsers::new(
        sql.clone(),
        Arc::new(LosesMarks {
            inner: cache.clone(),
            marks: AtomicUsize::new(0),
            failing: |n| n == 2,
        }),
    );
    let mut user = account(&after_commit).await;
    assert_eq!(
        roles(&after_commit, user.id()).await,
        Some(vec![Role::User])
    );
    assert!(
        set_roles(&after_commit, &mut user, vec![Role::Admin])
            .await
            .expect("the change committed: its outcome is reported")
    );
    assert_eq!(
        roles(&after_commit, user.id()).await,
        Some(vec![Role::Admin, Role::User]),
        "stale roles after an invalidation lost past the commit"
    );

    let before_commit = CachedUsers::new(
        sql.clone(),
        Arc::new(LosesMarks {
            inner: cache,
            marks: AtomicUsize::new(0),
            failing: |_| true,
        }),
    );
    let refused = set_roles(&before_commit, &mut user, vec![]).await;
    assert!(
        matches!(refused, Err(RepositoryError::Dependency(ref e)) if e.is_unavailable()),
        "{refused:?}"
    );
    assert_eq!(
        roles(sql.as_ref(), user.id()).await,
        Some(vec![Role::Admin, Role::User]),
        "a change went through without its invalidation"
    );
    assert_eq!(
        roles(&before_commit, user.id()).await,
        Some(vec![Role::Admin, Role::User])
    );
}

on_both_backends! {
    losing_the_cache_around_a_change_serves_no_stale_roles:
        memory_roles_losing_the_cache_around_a_change_serves_no_stale_roles,
        redis_roles_losing_the_cache_around_a_change_serves_no_stale_roles,
        near_roles_losing_the_cache_around_a_change_serves_no_stale_roles;
}

/// Redis not there at all: reads are answered by the database, changes are refused.
#[tokio::test]
async fn with_redis_unreachable_roles_are_read_from_the_database_and_changes_refused() {
    let db = sqlite().await;
    let sql = sql_users(&db);
    let dead = Arc::new(RedisRoles::new(
        redis_pool("redis://127.0.0.1:1").expect("pool"),
        "dead",
        TTL,
    ));
    let users = CachedUsers::new(sql.clone(), dead);
    let mut user = account(&users).await;
    assert_eq!(roles(&users, user.id()).await, Some(vec![Role::User]));
    let refused = set_roles(&users, &mut user, vec![Role::Admin]).await;
    assert!(
        matches!(refused, Err(RepositoryError::Dependency(ref e)) if e.is_unavailable()),
        "{refused:?}"
    );
    assert_eq!(roles(&users, user.id()).await, Some(vec![Role::User]));
}

/// The bound in the failure case: roles changed where the cache cannot see it (as after a
/// cache that lost the mark) are served at most the TTL.
#[tokio::test]
async fn a_cached_entry_lives_at_most_the_ttl() {
    let db = sqlite().await;
    let sql = sql_users(&db);
    let users = CachedUsers::new(
        sql.clone(),
        Arc::new(MemoryRoles::new(Duration::from_millis(300))),
    );
    let mut user = account(&users).await;
    assert_eq!(roles(&users, user.id()).await, Some(vec![Role::User]));
    assert!(
        set_roles(sql.as_ref(), &mut user, vec![Role::Admin])
            .await
            .expect("changes")
    );
    assert_eq!(
        roles(&users, user.id()).await,
        Some(vec![Role::User]),
        "the cache was not used"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        roles(&users, user.id()).await,
        Some(vec![Role::Admin, Role::User])
    );
}
