//! Posts and comments carry their author's username (`author_username`, kept by the database:
//! migration `m20261128_000015`), so a page reads one table and costs no query or join per row.

use application::views::AuthorRef;
use domain::UserId;
use uuid::Uuid;

pub(super) fn author_ref(author_id: Uuid, author_username: String) -> AuthorRef {
    AuthorRef {
        id: UserId::from_uuid(author_id),
        username: author_username,
    }
}
