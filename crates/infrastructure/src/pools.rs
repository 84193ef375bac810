//! The connection pools, held together so a stopping server can close them: connections in
//! use are waited for, idle ones are closed properly (PostgreSQL sees a goodbye, not a reset;
//! SQLite checkpoints its write-ahead log).

use crate::{NearCache, RedisPool};
use sea_orm::DatabaseConnection;

pub struct Pools {
    db: DatabaseConnection,
    readers: Option<DatabaseConnection>,
    /// Redis, and the near cache whose lease it ends first.
    redis: Option<(RedisPool, NearCache)>,
}

impl Pools {
    pub fn new(db: &DatabaseConnection, redis: Option<(&RedisPool, &NearCache)>) -> Self {
        Self {
            db: db.clone(),
            readers: None,
            redis: redis.map(|(pool, near)| (pool.clone(), near.clone())),
        }
    }

    /// Closes SQLite's read-only pool too, before the writer (whose close checkpoints).
    #[must_use]
    pub fn with_readers(mut self, readers: Option<&DatabaseConnection>) -> Self {
        self.readers = readers.cloned();
        self
    }

    /// Closes every pool; a failure is logged, never fatal (the process is ending anyway).
    pub async fn close(self) {
        if let Some((redis, near)) = self.redis {
            // Changes made on the other instances stop waiting for this one's lease.
            near.stop().await;
            redis.close();
        }
        if let Some(readers) = self.readers
            && let Err(err) = readers.close().await
        {
            tracing::warn!(error = %err, "closing the database readers' pool failed");
        }
        match self.db.close().await {
            Ok(()) => tracing::info!("database pool closed"),
            Err(err) => tracing::warn!(error = %err, "closing the database pool failed"),
        }
    }
}
