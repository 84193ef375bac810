//! Roles, seeded with the three the application knows.

use sea_orm_migration::{prelude::*, schema::*};
use uuid::Uuid;

use crate::idents::Roles;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SEEDED: [&str; 3] = ["user", "moderator", "admin"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(pk_uuid(Roles::Id))
                    .col(string_len(Roles::Name, 32))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("roles_name_key")
                    .table(Roles::Table)
                    .col(Roles::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        let mut seed = Query::insert();
        seed.into_table(Roles::Table)
            .columns([Roles::Id, Roles::Name]);
        for name in SEEDED {
            seed.values([Uuid::now_v7().into(), name.into()])
                .map_err(|e| DbErr::Migration(e.to_string()))?;
        }
        manager.exec_stmt(seed).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Roles::Table).to_owned())
            .await
    }
}
