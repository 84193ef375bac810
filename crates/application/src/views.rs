//! Read models: what the use cases hand back for display, with their version tags (the
//! HTTP layer's ETags).

use chrono::{DateTime, Utc};
use domain::{Comment, Post, PostId, PostTitle, Role, User, UserId};
use sha2::{Digest, Sha256};

/// A user as shown next to their content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorRef {
    pub id: UserId,
    pub username: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostView {
    pub post: Post,
    pub author: AuthorRef,
    pub comment_count: u64,
}

/// A post as a list shows it: the start of its body and the body's length, never the whole
/// body (which only the post's own read returns), so a page's size is bounded by its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostSummary {
    pub id: PostId,
    pub title: PostTitle,
    /// The first `EXCERPT_CHARS` characters of the body (all of it if shorter).
    pub excerpt: String,
    /// The body's length in characters.
    pub body_length: u64,
    pub author: AuthorRef,
    pub comment_count: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PostSummary {
    /// At most this many characters of the body appear in a list.
    pub const EXCERPT_CHARS: usize = 300;

    /// What a list shows of `body`: its first `EXCERPT_CHARS` characters, and its length in
    /// characters.
    pub fn excerpt_of(body: &str) -> (String, u64) {
        let excerpt = body.chars().take(Self::EXCERPT_CHARS).collect();
        (excerpt, body.chars().count() as u64)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentView {
    pub comment: Comment,
    pub author: AuthorRef,
}

/// An account's full record (email, roles, timestamps): what its owner and administrators
/// see. Only the use cases make one, after deciding the caller may see it.
#[derive(Debug, Clone)]
pub struct FullUser(User);

/// A user as a given caller may see them.
#[derive(Debug, Clone)]
pub enum UserView {
    /// Email, roles and timestamps: for the user themself and admins.
    Full(User),
    /// Id, username, created_at: for everyone else.
    Public(User),
}

/// A short digest of everything a representation shows: it changes whenever the representation does.
fn tag(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

impl PostView {
    pub fn version_tag(&self) -> String {
        tag(&[
            b"post",
            self.post.id().as_uuid().as_bytes(),
            &self.post.updated_at().timestamp_micros().to_be_bytes(),
            &self.comment_count.to_be_bytes(),
            self.author.username.as_bytes(),
        ])
    }
}

impl CommentView {
    pub fn version_tag(&self) -> String {
        tag(&[
            b"comment",
            self.comment.id().as_uuid().as_bytes(),
            &self.comment.updated_at().timestamp_micros().to_be_bytes(),
            self.author.username.as_bytes(),
        ])
    }
}

impl FullUser {
    pub(crate) fn new(user: User) -> Self {
        Self(user)
    }

    pub fn user(&self) -> &User {
        &self.0
    }

    pub fn version_tag(&self) -> String {
        full_tag(&self.0)
    }
}

/// The full record's tag, for `FullUser` and `UserView::Full` alike.
/// It covers the roles as well: `me` answers with the roles the access check read, and a
/// change of roles committed between that read and the row's must not leave a client holding
/// the old roles under the new row's tag.
fn full_tag(user: &User) -> String {
    let roles: Vec<&str> = user.roles().iter().map(Role::as_str).collect();
    tag(&[
        b"user/full",
        user.id().as_uuid().as_bytes(),
        &user.updated_at().timestamp_micros().to_be_bytes(),
        user.username().as_ref().as_bytes(),
        roles.join(",").as_bytes(),
    ])
}

impl UserView {
    /// The full record if `full`, else the public profile.
    pub(crate) fn of(user: User, full: bool) -> Self {
        if full {
            UserView::Full(user)
        } else {
            UserView::Public(user)
        }
    }

    pub fn user(&self) -> &User {
        match self {
            UserView::Full(user) | UserView::Public(user) => user,
        }
    }

    pub fn version_tag(&self) -> String {
        match self {
            UserView::Full(user) => full_tag(user),
            // Only what the public profile shows: a change of password, email or roles
            // (which moves `updated_at`) must not be observable through it.
            UserView::Public(user) => tag(&[
                b"user/public",
                user.id().as_uuid().as_bytes(),
                &user.created_at().timestamp_micros().to_be_bytes(),
                user.username().as_ref().as_bytes(),
            ]),
        }
    }
}

/// An `If-Match` precondition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    pub fn matches(&self, current: &str) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|t| t == current),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use domain::{Email, PasswordHash, Username};
    use uuid::Uuid;

    use super::*;

    #[test]
    fn the_full_tag_covers_the_roles() {
        let now = Utc::now();
        let account = |roles: Vec<Role>| {
            User::with_roles(
                UserId::from_uuid(Uuid::nil()),
                Username::parse("alice").expect("valid"),
                Email::parse("alice@example.com").expect("valid"),
                PasswordHash::new("x".into()),
                roles,
                now,
            )
        };
        let user = FullUser::new(account(vec![]));
        let admin = FullUser::new(account(vec![Role::Admin]));
        assert_eq!(
            user.version_tag(),
            FullUser::new(account(vec![])).version_tag()
        );
        assert_ne!(user.version_tag(), admin.version_tag());
        assert_eq!(
            admin.version_tag(),
            UserView::Full(account(vec![Role::Admin])).version_tag(),
            "the account's own record and an admin's view of it share the tag"
        );
    }
}
