//! The audit trail of security events. Append-only; listed newest first by keyset pagination
//! on (created_at, id), optionally narrowed to one actor or one action.

use sea_orm_migration::{prelude::*, schema::*};

use crate::idents::AuditEvents;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(pk_uuid(AuditEvents::Id))
                    // No foreign key: the trail outlives the accounts it mentions.
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(string_len_null(AuditEvents::Target, 64))
                    .col(string_len_null(AuditEvents::Ip, 64))
                    .col(text_null(AuditEvents::UserAgent))
                    .col(string_len_null(AuditEvents::RequestId, 128))
                    .col(timestamp_with_time_zone(AuditEvents::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // One index per way the trail is read: all of it, by actor, by action (each newest first).
        for (name, first) in [
            ("audit_events_created_at_id_idx", None),
            (
                "audit_events_actor_id_created_at_id_idx",
                Some(AuditEvents::ActorId),
            ),
            (
                "audit_events_action_created_at_id_idx",
                Some(AuditEvents::Action),
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvents::Table);
            if let Some(first) = first {
                index.col(first);
            }
            manager
                .create_index(
                    index
                        .col(AuditEvents::CreatedAt)
                        .col(AuditEvents::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await
    }
}
