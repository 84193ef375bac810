//! The capabilities a role grants. This table is the whole permission model.

use domain::Role;

/// Declares `Permission`, its `ALL` list and its `name`s from one table, so a new permission
/// is one line.
macro_rules! permissions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Permission {
            $($(#[$doc])* $variant,)*
        }

        impl Permission {
            pub const ALL: [Permission; [$($name),*].len()] = [$(Permission::$variant),*];

            pub fn name(&self) -> &'static str {
                match self {
                    $(Permission::$variant => $name,)*
                }
            }
        }
    };
}

permissions! {
    PostsCreate => "posts:create",
    PostsUpdateOwn => "posts:update:own",
    PostsUpdateAny => "posts:update:any",
    PostsDeleteOwn => "posts:delete:own",
    PostsDeleteAny => "posts:delete:any",
    CommentsCreate => "comments:create",
    CommentsUpdateOwn => "comments:update:own",
    CommentsUpdateAny => "comments:update:any",
    CommentsDeleteOwn => "comments:delete:own",
    CommentsDeleteAny => "comments:delete:any",
    /// List and search accounts.
    UsersList => "users:list",
    /// See any account's full record (email, roles).
    UsersReadAny => "users:read:any",
    /// Change or delete any account, end its sessions.
    UsersManage => "users:manage",
    RolesRead => "roles:read",
    RolesAssign => "roles:assign",
    /// Read the audit trail of security events.
    AuditRead => "audit:read",
}

use Permission::*;

const USER: &[Permission] = &[
    PostsCreate,
    PostsUpdateOwn,
    PostsDeleteOwn,
    CommentsCreate,
    CommentsUpdateOwn,
    CommentsDeleteOwn,
];

/// Moderators remove (but never rewrite) anyone's content, and can look accounts up.
const MODERATOR: &[Permission] = &[PostsDeleteAny, CommentsDeleteAny, UsersList];

const ADMIN: &[Permission] = &[
    PostsUpdateAny,
    PostsDeleteAny,
    CommentsUpdateAny,
    CommentsDeleteAny,
    UsersList,
    UsersReadAny,
    UsersManage,
    RolesRead,
    RolesAssign,
    AuditRead,
];

/// What one role grants on its own (every account also holds `user`).
pub fn permissions_of(role: Role) -> &'static [Permission] {
    match role {
        Role::User => USER,
        Role::Moderator => MODERATOR,
        Role::Admin => ADMIN,
    }
}

impl Permission {
    pub fn granted_to(&self, roles: &[Role]) -> bool {
        roles
            .iter()
            .any(|role| permissions_of(*role).contains(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_can_do_everything_but_hold_user_grants_through_the_user_role() {
        let admin = [Role::User, Role::Admin];
        assert!(Permission::ALL.iter().all(|p| p.granted_to(&admin)));
    }

    #[test]
    fn moderators_delete_but_never_edit_others_content() {
        let moderator = [Role::User, Role::Moderator];
        assert!(PostsDeleteAny.granted_to(&moderator));
        assert!(CommentsDeleteAny.granted_to(&moderator));
        assert!(!PostsUpdateAny.granted_to(&moderator));
        assert!(!CommentsUpdateAny.granted_to(&moderator));
        assert!(!RolesAssign.granted_to(&moderator));
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Permission::ALL.iter().map(Permission::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Permission::ALL.len());
    }
}
