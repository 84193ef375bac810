//! `SessionStore` in Redis, shared by every instance. Sessions are JSON values that expire by
//! themselves; a per-user sorted set (scored by creation time) indexes them. Every change to
//! the index is one Lua script, so the per-user limit and rotation hold across instances.

use application::{StoreError, ports::SessionStore};
use async_trait::async_trait;
use chrono::Utc;
use domain::{Session, SessionId, TokenDigest, UserId};
use redis::{self, AsyncCommands, Script};
use uuid::Uuid;

use super::pool::{PooledRedis, RedisPool, redis_connection};
use super::session_record::{encode_digest, json, parse};
use crate::unavailable::StoreContext;

/// Turns a user index written by an older version (a plain set) into the sorted set, its
/// sessions counted as the oldest. Prepended to every script that reads the index.
const INDEX: &str = r"
local function index(key)
  if redis.call('TYPE', key).ok == 'set' then
    local ids = redis.call('SMEMBERS', key)
    local ttl = redis.call('PTTL', key)
    redis.call('DEL', key)
    for _, id in ipairs(ids) do redis.call('ZADD', key, 0, id) end
    if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
  end
  return key
end
";

/// Stores the session and indexes it under its user, first ending the user's oldest sessions
/// beyond ARGV[5]; the index lives as long as its longest session. Returns the ended ids.
const CREATE: &str = r"
local key = index(KEYS[2])
for _, id in ipairs(redis.call('ZRANGE', key, 0, -1)) do
  if redis.call('EXISTS', ARGV[6] .. id) == 0 then redis.call('ZREM', key, id) end
end
local ended = {}
local excess = redis.call('ZCARD', key) + 1 - tonumber(ARGV[5])
if excess > 0 then
  for _, id in ipairs(redis.call('ZRANGE', key, 0, excess - 1)) do
    redis.call('DEL', ARGV[6] .. id)
    redis.call('ZREM', key, id)
    table.insert(ended, id)
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', key, ARGV[4], ARGV[3])
if redis.call('PTTL', key) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', key, ARGV[2])
end
return ended
";

/// Replaces the session only while its current refresh digest is still ARGV[1].
const REPLACE_IF_CURRENT: &str = r"
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
if cjson.decode(stored)['refresh'] ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return 1
";

/// Deletes one session and its index entry.
const DELETE: &str = r"
local key = index(KEYS[2])
redis.call('ZREM', key, ARGV[1])
return redis.call('DEL', KEYS[1])
";

/// The user's live sessions; index entries of expired ones are dropped on the way.
const LIST: &str = r"
local key = index(KEYS[1])
local found = {}
for _, id in ipairs(redis.call('ZRANGE', key, 0, -1)) do
  local value = redis.call('GET', ARGV[1] .. id)
  if value then table.insert(found, value) else redis.call('ZREM', key, id) end
end
return found
";

/// Deletes every session in the user's index, and the index, at once.
const DELETE_ALL: &str = r"
local key = index(KEYS[1])
local ended = 0
for _, id in ipairs(redis.call('ZRANGE', key, 0, -1)) do
  ended = ended + redis.call('DEL', ARGV[1] .. id)
end
redis.call('DEL', key)
return ended
";

fn script(body: &str) -> Script {
    Script::new(&format!("{INDEX}{body}"))
}

pub struct RedisSessions {
    pool: RedisPool,
    prefix: String,
    create: Script,
    replace: Script,
    delete: Script,
    list: Script,
    delete_all: Script,
}

impl RedisSessions {
    /// Keys start with `prefix`; no connection is made until first use (`ping` checks readiness).
    pub fn new(pool: RedisPool, prefix: &str) -> Self {
        Self {
            pool,
            prefix: prefix.to_owned(),
            create: script(CREATE),
            replace: Script::new(REPLACE_IF_CURRENT),
            delete: script(DELETE),
            list: script(LIST),
            delete_all: script(DELETE_ALL),
        }
    }

    fn session_prefix(&self) -> String {
        format!("{}:session:", self.prefix)
    }

    fn session_key(&self, id: SessionId) -> String {
        format!("{}{id}", self.session_prefix())
    }

    fn user_key(&self, user: UserId) -> String {
        format!("{}:user-sessions:{user}", self.prefix)
    }

    async fn conn(&self) -> Result<PooledRedis, StoreError> {
        redis_connection(&self.pool).await
    }

    /// Runs `script` on `user`'s index, with the sessions' key prefix (listing, ending all).
    async fn invoke_for_user<T: redis::FromRedisValue>(
        &self,
        script: &Script,
        user: UserId,
        doing: &'static str,
    ) -> Result<T, StoreError> {
        let mut call = script.key(self.user_key(user));
        self.invoke(call.arg(self.session_prefix()), doing).await
    }

    /// Runs a script call on a pooled connection; a failure is reported as `doing`.
    async fn invoke<T: redis::FromRedisValue>(
        &self,
        call: &redis::ScriptInvocation<'_>,
        doing: &'static str,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn().await?;
        call.invoke_async(&mut conn).await.store_context(doing)
    }
}

fn ttl_millis(session: &Session) -> i64 {
    (session.expires_at() - Utc::now())
        .num_milliseconds()
        .max(1)
}

#[async_trait]
impl SessionStore for RedisSessions {
    async fn create(
        &self,
        session: &Session,
        keep_at_most: usize,
    ) -> Result<Vec<SessionId>, StoreError> {
        let ended: Vec<String> = self
            .invoke(
                self.create
                    .key(self.session_key(session.id()))
                    .key(self.user_key(session.user_id()))
                    .arg(json(session)?)
                    .arg(ttl_millis(session))
                    .arg(session.id().to_string())
                    .arg(session.parts().created_at.timestamp_micros())
                    .arg(keep_at_most.max(1))
                    .arg(self.session_prefix()),
                "storing a session",
            )
            .await?;
        Ok(ended
            .iter()
            .filter_map(|id| id.parse::<Uuid>().ok().map(SessionId::from_uuid))
            .collect())
    }

    async fn get(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        let mut conn = self.conn().await?;
        let stored: Option<String> = conn
            .get(self.session_key(id))
            .await
            .store_context("reading a session")?;
        Ok(stored.as_deref().map(parse).transpose()?)
    }

    async fn replace_if_current(
        &self,
        session: &Session,
        expected: &TokenDigest,
    ) -> Result<bool, StoreError> {
        let replaced: i64 = self
            .invoke(
                self.replace
                    .key(self.session_key(session.id()))
                    .key(self.user_key(session.user_id()))
                    .arg(encode_digest(expected))
                    .arg(json(session)?)
                    .arg(ttl_millis(session)),
                "rotating a session",
            )
            .await?;
        Ok(replaced == 1)
    }

    async fn delete(&self, id: SessionId) -> Result<bool, StoreError> {
        let Some(session) = self.get(id).await? else {
            return Ok(false);
        };
        let deleted: i64 = self
            .invoke(
                self.delete
                    .key(self.session_key(id))
                    .key(self.user_key(session.user_id()))
                    .arg(id.to_string()),
                "deleting a session",
            )
            .await?;
        Ok(deleted == 1)
    }

    async fn list_for_user(&self, user: UserId) -> Result<Vec<Session>, StoreError> {
        let values: Vec<String> = self
            .invoke_for_user(&self.list, user, "listing a user's sessions")
            .await?;
        Ok(values
            .iter()
            .map(|json| parse(json))
            .collect::<anyhow::Result<_>>()?)
    }

    async fn delete_all_for_user(&self, user: UserId) -> Result<u64, StoreError> {
        let ended: i64 = self
            .invoke_for_user(&self.delete_all, user, "ending a user's sessions")
            .await?;
        Ok(u64::try_from(ended).unwrap_or(0))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .store_context("Redis ping")?;
        Ok(())
    }
}
