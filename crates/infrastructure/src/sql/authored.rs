//! Posts and comments are read with their author's id and username in the same query, so a
//! page costs no query per row.

use application::views::AuthorRef;
use domain::UserId;
use sea_orm::{EntityTrait, JoinType, QuerySelect, RelationTrait, Select};
use uuid::Uuid;

use super::entities::users;

/// `SELECT columns, users.username AS author_username FROM E JOIN users` along `author`; the
/// row type reads the name as `author_username`.
pub(super) fn with_author<E: EntityTrait>(
    columns: impl IntoIterator<Item = E::Column>,
    author: E::Relation,
) -> Select<E> {
    E::find()
        .select_only()
        .columns(columns)
        .column_as(users::Column::Username, "author_username")
        .join(JoinType::InnerJoin, author.def())
}

pub(super) fn author_ref(author_id: Uuid, author_username: String) -> AuthorRef {
    AuthorRef {
        id: UserId::from_uuid(author_id),
        username: author_username,
    }
}
