//! `AuditLog` with sea-orm, and the insert the users repository runs inside its transactions.

use super::db::Db;
use anyhow::Context;
use application::{
    RepositoryError,
    pagination::{Cursor, Page, PageRequest},
    ports::{AuditFilter, AuditLog},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{AuditAction, AuditEvent, UserId};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Query,
};

use super::{entities::audit_events, keyset};
use crate::unavailable::DbContext;

pub struct SqlAudit {
    db: Db,
}

impl SqlAudit {
    pub fn new(db: impl Into<Db>) -> Self {
        Self { db: db.into() }
    }
}

/// Appends `event` through `db`: a connection, or the transaction of the change it records.
pub(crate) async fn append<C: ConnectionTrait>(db: &C, event: &AuditEvent) -> Result<(), DbErr> {
    audit_events::Entity::insert(audit_events::ActiveModel {
        id: Set(event.id),
        actor_id: Set(event.actor.map(|a| a.as_uuid())),
        action: Set(event.action.as_str().to_owned()),
        target: Set(event.target.clone()),
        ip: Set(event.ip.clone()),
        user_agent: Set(event.user_agent.clone()),
        request_id: Set(event.request_id.clone()),
        created_at: Set(event.created_at),
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

fn to_domain(model: audit_events::Model) -> Result<AuditEvent, RepositoryError> {
    Ok(AuditEvent {
        id: model.id,
        actor: model.actor_id.map(UserId::from_uuid),
        action: model
            .action
            .parse::<AuditAction>()
            .context("a stored audit action is unknown to this version")?,
        target: model.target,
        ip: model.ip,
        user_agent: model.user_agent,
        request_id: model.request_id,
        created_at: model.created_at,
    })
}

#[async_trait]
impl AuditLog for SqlAudit {
    async fn record(&self, event: &AuditEvent) -> Result<(), RepositoryError> {
        append(&self.db, event)
            .await
            .db_context("appending an audit event")
    }

    async fn list(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>, RepositoryError> {
        let mut condition = Condition::all();
        if let Some(actor) = filter.actor {
            condition = condition.add(audit_events::Column::ActorId.eq(actor.as_uuid()));
        }
        if let Some(action) = filter.action {
            condition = condition.add(audit_events::Column::Action.eq(action.as_str()));
        }
        if let Some(cursor) = &page.after {
            condition = condition.add(keyset::before(
                audit_events::Column::CreatedAt,
                audit_events::Column::Id,
                cursor,
            ));
        }
        let events = audit_events::Entity::find()
            .filter(condition)
            .order_by_desc(audit_events::Column::CreatedAt)
            .order_by_desc(audit_events::Column::Id)
            .limit(page.limit + 1)
            .all(&self.db)
            .await
            .db_context("listing audit events")?
            .into_iter()
            .map(to_domain)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_rows(events, page.limit, |e| Cursor {
            created_at: e.created_at,
            id: e.id,
        }))
    }

    async fn prune_before(
        &self,
        cutoff: DateTime<Utc>,
        batch: u64,
    ) -> Result<u64, RepositoryError> {
        // The oldest `batch` ids through the (created_at, id) index, deleted in one statement:
        // portable to SQLite and PostgreSQL, and each batch is a short transaction.
        let oldest = Query::select()
            .column(audit_events::Column::Id)
            .from(audit_events::Entity)
            .and_where(audit_events::Column::CreatedAt.lt(cutoff))
            .order_by(audit_events::Column::CreatedAt, sea_orm::Order::Asc)
            .order_by(audit_events::Column::Id, sea_orm::Order::Asc)
            .limit(batch)
            .to_owned();
        let deleted = audit_events::Entity::delete_many()
            .filter(audit_events::Column::Id.in_subquery(oldest))
            .exec(&self.db)
            .await
            .db_context("pruning old audit events")?;
        Ok(deleted.rows_affected)
    }
}
