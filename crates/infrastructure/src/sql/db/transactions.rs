//! `TransactionTrait` for [`Db`]: every `BEGIN` goes to the writer through the breaker.

use std::{future::Future, pin::Pin};

use async_trait::async_trait;
use sea_orm::{
    AccessMode, DatabaseTransaction, DbErr, IsolationLevel, TransactionError, TransactionOptions,
    TransactionTrait,
};

use super::Db;

/// What `TransactionTrait::transaction` runs inside the transaction: the trait's bound on its
/// callback, named once for the two methods that take one.
pub trait TransactionBody<T, E>:
    for<'c> FnOnce(
        &'c DatabaseTransaction,
    ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
    + Send
{
}

impl<F, T, E> TransactionBody<T, E> for F where
    F: for<'c> FnOnce(
            &'c DatabaseTransaction,
        ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
        + Send
{
}

#[async_trait]
impl TransactionTrait for Db {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.guard(self.conn.begin()).await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.guard(self.conn.begin_with_config(isolation_level, access_mode))
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.guard(self.conn.begin_with_options(options)).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: TransactionBody<T, E>,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.guard_transaction(self.conn.transaction(callback))
            .await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: TransactionBody<T, E>,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.guard_transaction(self.conn.transaction_with_config(
            callback,
            isolation_level,
            access_mode,
        ))
        .await
    }
}
