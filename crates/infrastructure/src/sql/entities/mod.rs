//! sea-orm entities: private to this crate, converted to domain types at its edge.

/// An entity's `Relation` of one variant, `$variant`: its column `$from` points at `$to` of the
/// entity `$target` (the paths as sea-orm's attribute takes them).
macro_rules! belongs_to {
    ($variant:ident: $from:literal -> $target:literal, $to:literal) => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(belongs_to = $target, from = $from, to = $to)]
            $variant,
        }

        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// The `Relation` of an entity a user writes (posts, comments): its `author_id` belongs to a
/// user.
macro_rules! written_by_a_user {
    () => {
        belongs_to!(Author: "Column::AuthorId" -> "super::users::Entity", "super::users::Column::Id");
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
