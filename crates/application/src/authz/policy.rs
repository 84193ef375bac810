//! One policy function per resource: (actor, action, resource) -> allowed or `Forbidden`.

use domain::UserId;
use thiserror::Error;

use super::Permission;
use crate::Actor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("the caller may not do this")]
pub struct Forbidden;

fn allow(granted: bool) -> Result<(), Forbidden> {
    if granted { Ok(()) } else { Err(Forbidden) }
}

/// What may be done to a post or a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentAction {
    Create,
    Update,
    Delete,
}

/// Which content an action is on: each kind has permissions of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    Post,
    Comment,
}

/// Reading content needs no permission: anonymous callers may read. Creating needs the
/// kind's create permission; changing or deleting needs the permission to do it to anyone's,
/// or the one for one's own when the actor is the `author`.
pub fn authorize_content(
    actor: &Actor,
    kind: ContentKind,
    action: ContentAction,
    author: Option<UserId>,
) -> Result<(), Forbidden> {
    use {ContentAction as A, ContentKind as K, Permission as P};
    let (any, own) = match (kind, action) {
        (K::Post, A::Create) => (P::PostsCreate, None),
        (K::Post, A::Update) => (P::PostsUpdateAny, Some(P::PostsUpdateOwn)),
        (K::Post, A::Delete) => (P::PostsDeleteAny, Some(P::PostsDeleteOwn)),
        (K::Comment, A::Create) => (P::CommentsCreate, None),
        (K::Comment, A::Update) => (P::CommentsUpdateAny, Some(P::CommentsUpdateOwn)),
        (K::Comment, A::Delete) => (P::CommentsDeleteAny, Some(P::CommentsDeleteOwn)),
    };
    let can = |p: Permission| p.granted_to(&actor.roles);
    allow(can(any) || (author == Some(actor.user_id) && own.is_some_and(can)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    List,
    /// See the full record (email, roles) rather than the public profile.
    ReadFull,
    Update,
    Delete,
    ListRoles,
    AssignRoles,
    EndSessions,
}

/// `target` is the account acted upon, when there is one.
pub fn authorize_user(
    actor: &Actor,
    action: UserAction,
    target: Option<UserId>,
) -> Result<(), Forbidden> {
    let own = target == Some(actor.user_id);
    let can = |p: Permission| p.granted_to(&actor.roles);
    allow(match action {
        UserAction::List => can(Permission::UsersList),
        UserAction::ReadFull => own || can(Permission::UsersReadAny),
        UserAction::Update | UserAction::Delete => own || can(Permission::UsersManage),
        UserAction::ListRoles => can(Permission::RolesRead),
        UserAction::AssignRoles => can(Permission::RolesAssign),
        UserAction::EndSessions => can(Permission::UsersManage),
    })
}

/// The audit trail is for administrators only.
pub fn authorize_audit(actor: &Actor) -> Result<(), Forbidden> {
    allow(Permission::AuditRead.granted_to(&actor.roles))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use domain::{Post, PostBody, PostId, PostTitle, Role, SessionId};
    use uuid::Uuid;

    fn actor(roles: &[Role]) -> Actor {
        let mut roles = roles.to_vec();
        roles.push(Role::User);
        Actor {
            user_id: UserId::from_uuid(Uuid::now_v7()),
            session_id: SessionId::from_uuid(Uuid::now_v7()),
            roles,
            client: crate::ClientInfo::default(),
        }
    }

    fn post_by(author: UserId) -> Post {
        Post::create(
            PostId::from_uuid(Uuid::now_v7()),
            author,
            PostTitle::parse("t").expect("valid"),
            PostBody::parse("b").expect("valid"),
            Utc::now(),
        )
    }

    #[test]
    fn the_post_matrix() {
        use ContentAction::*;
        // (roles, action, own, allowed)
        let table = [
            (vec![], Update, true, true),
            (vec![], Update, false, false),
            (vec![], Delete, true, true),
            (vec![], Delete, false, false),
            (vec![Role::Moderator], Update, false, false),
            (vec![Role::Moderator], Delete, false, true),
            (vec![Role::Admin], Update, false, true),
            (vec![Role::Admin], Delete, false, true),
        ];
        for (roles, action, own, allowed) in table {
            let who = actor(&roles);
            let author = if own {
                who.user_id
            } else {
                UserId::from_uuid(Uuid::now_v7())
            };
            let post = post_by(author);
            assert_eq!(
                authorize_content(&who, ContentKind::Post, action, Some(post.author_id())).is_ok(),
                allowed,
                "{roles:?} {action:?} own={own}"
            );
        }
    }

    #[test]
    fn only_admins_manage_other_accounts_and_roles() {
        let user = actor(&[]);
        let moderator = actor(&[Role::Moderator]);
        let admin = actor(&[Role::Admin]);
        let other = Some(UserId::from_uuid(Uuid::now_v7()));
        assert!(authorize_user(&user, UserAction::Update, Some(user.user_id)).is_ok());
        assert!(authorize_user(&user, UserAction::Update, other).is_err());
        assert!(authorize_user(&moderator, UserAction::List, None).is_ok());
        assert!(authorize_user(&moderator, UserAction::ReadFull, other).is_err());
        assert!(authorize_user(&moderator, UserAction::AssignRoles, other).is_err());
        assert!(authorize_user(&admin, UserAction::AssignRoles, other).is_ok());
        assert!(authorize_user(&admin, UserAction::Delete, other).is_ok());
    }
}
