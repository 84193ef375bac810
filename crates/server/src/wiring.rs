//! Picks the adapters the configuration asks for and wires them into the services.

use std::{sync::Arc, time::Duration};

use agora_http::{AppState, CsrfTokens};
use anyhow::Context;
use application::{
    account::AccountService,
    audit::AuditService,
    auth::{AuthService, AuthSettings, CredentialPorts},
    comments::CommentService,
    health::Readiness,
    ports::{AuditLog, LoginAttempts, PostRepository, RateLimiter, SessionStore, UserRepository},
    posts::PostService,
    throttle::{LockoutPolicy, RatePolicy, Throttle},
    users::UserService,
};
use infrastructure::{
    BcryptHasher, CachedUsers, Db, FallbackLoginAttempts, FallbackRateLimiter, HashSlots,
    JwtTokens, MemoryLoginAttempts, MemoryRateLimiter, MemoryRoles, MemorySessions, NearCache,
    NearRoles, NearSessions, PoolStats, Pools, ROLES_CACHE_TTL, RedisLoginAttempts, RedisPoolStats,
    RedisRateLimiter, RedisRoles, RedisSessions, RolesCache, SqlAccountTokens, SqlAudit,
    SqlComments, SqlMailOutbox, SqlPosts, SqlUsers, SystemClock, TokioTasks, ZxcvbnStrength,
    config::{AppEnv, DatabaseSettings, SessionStoreSettings, Settings},
    connect_database, connect_readers, connect_replica, crypto, migrate, random_secret, redis_pool,
};
use secrecy::ExposeSecret;

/// How long a start waits for the near cache's first heartbeat before serving without it.
const NEAR_CACHE_START: Duration = Duration::from_secs(1);

pub struct Wired {
    pub state: AppState,
    pub pool: PoolStats,
    /// The Redis pool, for the metrics endpoint; `None` on the in-memory stores.
    pub redis_pool: Option<RedisPoolStats>,
    /// Closed when the server stops.
    pub pools: Pools,
    retention: chrono::Duration,
    prune_every: std::time::Duration,
    mail_delivery: application::mail::MailDelivery,
}

impl Wired {
    /// Starts the task that sends queued mail (see `mail.rs`); aborted when the server stops.
    pub fn start_mail_delivery(&self) -> tokio::task::JoinHandle<()> {
        crate::mail::start_delivery(self.mail_delivery.clone())
    }

    /// Starts the audit prune: once now, then every `AUDIT_PRUNE_INTERVAL_SECONDS`, deleting
    /// events older than `AUDIT_RETENTION_DAYS`. A failed run is logged and retried at the next
    /// tick. The server aborts the task when it stops.
    pub fn start_audit_prune(&self) -> tokio::task::JoinHandle<()> {
        let audit = self.state.audit.clone();
        let retention = self.retention;
        // `interval` refuses a zero period; configuration already requires at least a second.
        let mut ticks =
            tokio::time::interval(self.prune_every.max(std::time::Duration::from_secs(1)));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::spawn(async move {
            loop {
                ticks.tick().await;
                match audit.prune(chrono::Utc::now(), retention).await {
                    Ok(0) => {}
                    Ok(deleted) => tracing::info!(deleted, "audit events past retention deleted"),
                    Err(err) => tracing::error!(
                        error = ?anyhow::Error::from(err),
                        "pruning the audit trail failed; retrying at the next interval"
                    ),
                }
            }
        })
    }
}

pub async fn wire(settings: &Settings) -> anyhow::Result<Wired> {
    let db = connect_database(&settings.database).await?;
    migrate(&db).await?;
    // SQLite: reads on a read-only pool sized to the cores, writes on the one writer.
    let readers = connect_readers(&settings.database).await?;
    let pool = match &readers {
        Some(readers) => PoolStats::new(&db).and(readers),
        None => PoolStats::new(&db),
    };
    let db_pool = db.clone();
    match &settings.database {
        DatabaseSettings::Sqlite { path } => {
            tracing::info!(path = %path.display(), "database: SQLite (embedded default), migrations applied")
        }
        DatabaseSettings::Postgres { schema, .. } => tracing::info!(
            schema = schema.as_deref().unwrap_or("public"),
            "database: PostgreSQL, migrations applied"
        ),
    }

    let mut redis = None;
    let (sessions, limiter, attempts): (
        Arc<dyn SessionStore>,
        Arc<dyn RateLimiter>,
        Arc<dyn LoginAttempts>,
    ) = match &settings.sessions {
        SessionStoreSettings::Memory => {
            tracing::info!("sessions and rate limits: in memory (single instance only)");
            (
                Arc::new(MemorySessions::default()),
                Arc::new(MemoryRateLimiter::default()),
                Arc::new(MemoryLoginAttempts::default()),
            )
        }
        SessionStoreSettings::Redis { url, key_prefix } => {
            tracing::info!(
                key_prefix,
                "sessions and rate limits: Redis, shared by every instance"
            );
            let pool = redis_pool(url.expose_secret())?;
            // Sessions and roles kept near each instance, dropped everywhere on every change.
            let near = NearCache::start(pool.clone(), key_prefix);
            if near.wait_in_force(NEAR_CACHE_START).await {
                tracing::info!("sessions and roles kept near this instance, coherent via Redis");
            } else {
                tracing::warn!(
                    "REDIS_URL: no subscription yet; session checks read Redis until one is made"
                );
            }
            redis = Some((pool.clone(), near.clone()));
            (
                Arc::new(NearSessions::new(
                    Arc::new(RedisSessions::new(pool.clone(), key_prefix)),
                    near,
                )),
                Arc::new(FallbackRateLimiter::new(Box::new(RedisRateLimiter::new(
                    pool.clone(),
                    key_prefix,
                )))),
                Arc::new(FallbackLoginAttempts::new(Box::new(
                    RedisLoginAttempts::new(pool, key_prefix),
                ))),
            )
        }
    };
    if matches!(settings.sessions, SessionStoreSettings::Redis { .. })
        && let Err(e) = sessions.ping().await
    {
        // Not fatal: the adapters reconnect by themselves once Redis answers.
        tracing::warn!(
            error = %e,
            "REDIS_URL: Redis cannot be reached at start; until it can, session checks \
             answer 503 and rate limits count in this instance's memory"
        );
    }
    let limits = &settings.limits;
    let throttle = Throttle::new(
        limiter,
        RatePolicy::per_minute("general", limits.general_per_min),
        RatePolicy::per_minute("auth", limits.auth_per_min),
    );

    let secret = match &settings.jwt_secret {
        Some(secret) => secret.clone(),
        None if settings.app_env == AppEnv::Production => {
            anyhow::bail!("JWT_SECRET: required when APP_ENV=production")
        }
        None => {
            tracing::warn!(
                "JWT_SECRET is not set: using a random secret for this process only. \
                 Sessions will not survive a restart or work across instances. Set JWT_SECRET."
            );
            random_secret()
        }
    };

    let emails = Arc::new(crypto::email_protection(settings)?);
    tracing::info!(
        data_key_id = emails.current_key_id(),
        previous_keys = settings.data_keys_previous.len(),
        "emails encrypted at rest"
    );
    // Once a call finds the database unreachable, the others fail at once until it is back.
    let db = Db::with_breaker(db, settings.database_probe_interval);
    let db = match &readers {
        Some(readers) => db.with_readers(readers.clone()),
        None => db,
    };
    let outbox = Arc::new(SqlMailOutbox::new(db.clone(), emails.clone()));
    let account_tokens = Arc::new(SqlAccountTokens::new(db.clone(), emails.clone()));
    // DATABASE_READ_URL: anonymous post/comment reads go to the replica, which falls back to
    // the primary while it is unreachable. Everything else stays on the primary.
    let replica = match &settings.database_read_url {
        Some(url) => {
            let conn = connect_replica(url, &settings.database).await?;
            tracing::info!("database: public reads on the read replica (DATABASE_READ_URL)");
            Some(Db::replica(
                conn,
                settings.database_probe_interval,
                db.clone(),
            ))
        }
        None => None,
    };
    // Roles are cached beside the sessions, so authenticating a request needs no SQL.
    let roles: Arc<dyn RolesCache> = match (&settings.sessions, &redis) {
        (SessionStoreSettings::Redis { key_prefix, .. }, Some((pool, near))) => {
            Arc::new(NearRoles::new(
                Arc::new(RedisRoles::new(pool.clone(), key_prefix, ROLES_CACHE_TTL)),
                near.clone(),
            ))
        }
        _ => Arc::new(MemoryRoles::new(ROLES_CACHE_TTL)),
    };
    let users: Arc<dyn UserRepository> = Arc::new(CachedUsers::new(
        Arc::new(SqlUsers::new(db.clone(), emails)),
        roles,
    ));
    let audit: Arc<dyn AuditLog> = Arc::new(SqlAudit::new(db.clone()));
    let posts: Arc<dyn PostRepository> = Arc::new(SqlPosts::new(db.clone()));
    let comments = Arc::new(SqlComments::new(db));
    // bcrypt and zxcvbn share the slots: both are CPU-heavy password work.
    let slots = Arc::new(HashSlots::new(limits.hash_concurrency, limits.hash_queue)?);
    let hasher =
        Arc::new(BcryptHasher::new(settings.bcrypt_cost, slots.clone()).context("BCRYPT_COST")?);
    let clock = Arc::new(SystemClock);
    let mail = crate::mail::wire_mail(settings, outbox, account_tokens, clock.clone())?;
    let strength = Arc::new(ZxcvbnStrength::new(limits.password_min_score, slots));
    let lockout = LockoutPolicy {
        threshold: limits.lockout_threshold,
        base: limits.lockout_base,
        ..LockoutPolicy::default()
    };
    let auth_settings = AuthSettings {
        access_ttl: chrono::Duration::from_std(settings.access_token_ttl)
            .context("ACCESS_TOKEN_TTL_SECONDS")?,
        refresh_ttl: chrono::Duration::from_std(settings.refresh_token_ttl)
            .context("REFRESH_TOKEN_TTL_SECONDS")?,
        reuse_grace: chrono::Duration::from_std(settings.refresh_reuse_grace)
            .context("REFRESH_REUSE_GRACE_SECONDS")?,
        max_lifetime: chrono::Duration::from_std(settings.lifetimes.session_max_lifetime)
            .context("SESSION_MAX_LIFETIME_SECONDS")?,
        max_sessions_per_user: settings.lifetimes.max_sessions_per_user,
        lockout: lockout.clone(),
        ..AuthSettings::default()
    };
    let credentials = CredentialPorts {
        users: users.clone(),
        hasher: hasher.clone(),
        strength: strength.clone(),
        sessions: sessions.clone(),
        clock: clock.clone(),
        attempts: attempts.clone(),
        audit: audit.clone(),
    };
    let auth = AuthService::new(
        credentials.clone(),
        Arc::new(JwtTokens::new(secret.expose_secret().as_bytes())),
        Arc::new(crypto::HmacDeviceTokens::derived_from(
            secret.expose_secret().as_bytes(),
        )),
        auth_settings,
    );
    let account = AccountService::new(
        Arc::new(TokioTasks),
        mail.account_mail.clone(),
        auth.clone(),
        throttle.clone(),
        settings.mail.require_verified_email,
    );
    let retention = chrono::Duration::days(i64::from(settings.lifetimes.audit_retention_days));
    Ok(Wired {
        pool,
        redis_pool: redis
            .as_ref()
            .map(|(pool, near)| RedisPoolStats::new(pool).with_near(near)),
        pools: Pools::new(&db_pool, redis.as_ref().map(|(pool, near)| (pool, near)))
            .with_readers(readers.as_ref()),
        retention,
        prune_every: settings.lifetimes.audit_prune_interval,
        mail_delivery: mail.delivery,
        state: AppState {
            auth,
            account,
            users: UserService::new(credentials, lockout).with_email_changes(mail.account_mail),
            audit: AuditService::new(audit),
            posts: match &replica {
                Some(r) => PostService::new(posts.clone(), clock.clone())
                    .with_public_reads(Arc::new(SqlPosts::new(r.clone()))),
                None => PostService::new(posts.clone(), clock.clone()),
            },
            comments: match &replica {
                Some(r) => CommentService::new(comments, posts, clock).with_public_reads(
                    Arc::new(SqlComments::new(r.clone())),
                    Arc::new(SqlPosts::new(r.clone())),
                ),
                None => CommentService::new(comments, posts, clock),
            },
            readiness: Readiness::new(users, sessions),
            throttle,
            csrf: CsrfTokens::derived_from(secret.expose_secret().as_bytes()),
        },
    })
}
