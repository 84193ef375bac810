//! sea-orm entities: private to this crate, converted to domain types at its edge.

/// The `Relation` of an entity a user writes (posts, comments): its `author_id` belongs to a
/// user, the relation `with_author` joins along.
macro_rules! written_by_a_user {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(
                belongs_to = "super::users::Entity",
                from = "Column::AuthorId",
                to = "super::users::Column::Id"
            )]
            Author,
        }

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod account_tokens;
pub mod audit_events;
pub mod comments;
pub mod mail_outbox;
pub mod posts;
pub mod roles;
pub mod user_roles;
pub mod users;
