use sea_orm::entity::prelude::*;
use serde::Deserialize;

/// `Deserialize` reads a page of accounts folded into JSON (`sql::folded`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub username: String,
    /// A ciphertext (see `crypto::EmailProtection`), never the address.
    pub email: String,
    pub email_blind_index: Option<String>,
    pub password_hash: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub email_verified: bool,
    /// The account's role names, `,`-separated (`NULL`: none): a copy of `user_roles` kept by
    /// the database (migration `m20261128_000016`); never written here.
    pub role_names: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
