//! The `UserRepository` contract.

use chrono::{Duration, SubsecRound, Utc};
use domain::{
    AdminTally, AuditAction, AuditEvent, Email, PasswordHash, Role, SearchText, User, UserId,
    Username,
};
use uuid::Uuid;

use crate::{
    RepositoryError, UniqueField,
    pagination::PageRequest,
    ports::{AdminChange, AdminGuard, UserFilter, UserRepository},
};

fn event(user: &User) -> AuditEvent {
    AuditEvent::new(AuditAction::AccountRegistered, Some(user.id()), Utc::now())
}

fn account(tag: &str, n: i64) -> User {
    User::register(
        UserId::from_uuid(Uuid::now_v7()),
        Username::parse(&format!("{tag}{n}")).expect("valid username"),
        Email::parse(&format!("{tag}{n}@example.com")).expect("valid email"),
        PasswordHash::new("$2b$04$contract".into()),
        // Whole microseconds, as every store keeps them: a version read back equals it.
        (Utc::now() - Duration::minutes(10 - n)).trunc_subsecs(6),
    )
}

fn ids(users: &[User]) -> Vec<UserId> {
    users.iter().map(User::id).collect()
}

/// Accounts are inserted (usernames and emails unique, emails compared after normalisation),
/// found by id and email, listed newest first by keyset pages narrowed by the filter, updated
/// only when unchanged since read, and deleted (guarded the same way).
pub async fn user_repository(users: &impl UserRepository) {
    users.ping().await.expect("ping");
    let tag = format!("k{}", &Uuid::now_v7().simple().to_string()[22..]);
    let alice = account(&tag, 1);
    users.insert(&alice, &event(&alice)).await.expect("insert");
    let found = stored(users, alice.id()).await;
    assert_eq!(found.username(), alice.username());
    assert_eq!(found.email(), alice.email());
    assert_eq!(found.roles(), [Role::User]);
    let by_email = users
        .find_by_email(alice.email().expect("email"))
        .await
        .expect("find")
        .expect("found by email");
    assert_eq!(by_email.id(), alice.id());
    let shouted = Email::parse(&format!("{}1@EXAMPLE.COM", tag.to_uppercase())).expect("valid");
    assert_eq!(
        users
            .find_by_email(&shouted)
            .await
            .expect("find")
            .map(|u| u.id()),
        Some(alice.id()),
        "emails are compared case-insensitively"
    );
    assert_eq!(
        users.roles_of(alice.id()).await.expect("roles"),
        Some(vec![Role::User])
    );
    let nobody = UserId::from_uuid(Uuid::now_v7());
    assert!(users.find_by_id(nobody).await.expect("find").is_none());
    // Given the roles it holds, the account reads back as `find_by_id` reads it.
    let holding = users
        .find_by_id_holding(alice.id(), found.roles())
        .await
        .expect("find holding")
        .expect("found holding its roles");
    assert_eq!(
        (
            holding.id(),
            holding.username(),
            holding.email(),
            holding.roles()
        ),
        (found.id(), found.username(), found.email(), found.roles())
    );
    assert_eq!(
        (holding.email_verified(), holding.password_hash().as_ref()),
        (found.email_verified(), found.password_hash().as_ref())
    );
    assert_eq!(
        (holding.created_at(), holding.updated_at()),
        (found.created_at(), found.updated_at())
    );
    assert!(
        users
            .find_by_id_holding(nobody, &[Role::User])
            .await
            .expect("find holding")
            .is_none()
    );
    assert_eq!(users.roles_of(nobody).await.expect("roles"), None);

    // Uniqueness.
    let same_name = User::register(
        UserId::from_uuid(Uuid::now_v7()),
        alice.username().clone(),
        Email::parse(&format!("{tag}-other@example.com")).expect("valid"),
        PasswordHash::new("x".into()),
        Utc::now(),
    );
    assert!(matches!(
        users.insert(&same_name, &event(&same_name)).await,
        Err(RepositoryError::Duplicate(UniqueField::Username))
    ));
    let same_email = User::register(
        UserId::from_uuid(Uuid::now_v7()),
        Username::parse(&format!("{tag}other")).expect("valid"),
        shouted.clone(),
        PasswordHash::new("x".into()),
        Utc::now(),
    );
    assert!(matches!(
        users.insert(&same_email, &event(&same_email)).await,
        Err(RepositoryError::Duplicate(UniqueField::Email))
    ));
    assert!(
        users
            .find_by_id(same_email.id())
            .await
            .expect("find")
            .is_none()
    );

    // Keyset pages, newest first, narrowed by the filter.
    let mut all = vec![alice.clone()];
    for n in 2..=5 {
        let user = account(&tag, n);
        users.insert(&user, &event(&user)).await.expect("insert");
        all.push(user);
    }
    all.reverse();
    let filter = UserFilter {
        username_prefix: Some(SearchText::parse(&tag.to_uppercase()).expect("valid")),
        ..UserFilter::default()
    };
    let first = users
        .list(&filter, &PageRequest::first(2))
        .await
        .expect("list");
    assert_eq!(ids(&first.items), ids(&all[..2]), "newest first");
    let cursor = first.next_cursor.expect("more pages");
    let second = users
        .list(
            &filter,
            &PageRequest {
                limit: 10,
                after: Some(cursor),
            },
        )
        .await
        .expect("list");
    assert_eq!(ids(&second.items), ids(&all[2..]));
    assert_eq!(second.next_cursor, None, "the last page");
    let by_email = users
        .list(
            &UserFilter {
                email: alice.email().cloned(),
                ..UserFilter::default()
            },
            &PageRequest::first(10),
        )
        .await
        .expect("list");
    assert_eq!(ids(&by_email.items), [alice.id()]);

    // Versioned updates.
    let read = stored(users, alice.id()).await;
    let read_at = read.updated_at();
    let mut renamed = read.clone();
    renamed.update_profile(
        Username::parse(&format!("{tag}renamed")).expect("valid"),
        read.email().cloned(),
        Utc::now(),
    );
    assert!(
        !users
            .update(&renamed, Some(read_at - Duration::seconds(5)), None)
            .await
            .expect("update"),
        "a stale version does not save"
    );
    assert!(
        users
            .update(&renamed, Some(read_at), None)
            .await
            .expect("update")
    );
    let saved = stored(users, alice.id()).await;
    assert_eq!(saved.username(), renamed.username());
    assert!(
        !users
            .update(&renamed, Some(read_at), None)
            .await
            .expect("update"),
        "the version read before the change is stale now"
    );
    let mut taken = saved.clone();
    taken.update_profile(
        all[0].username().clone(),
        saved.email().cloned(),
        Utc::now(),
    );
    assert!(matches!(
        users.update(&taken, None, None).await,
        Err(RepositoryError::Duplicate(UniqueField::Username))
    ));
    let ghost = account(&tag, 9);
    assert!(
        !users.update(&ghost, None, None).await.expect("update"),
        "no such row"
    );

    // Deletes, guarded the same way.
    let gone = all[0].id();
    let current = stored(users, gone).await.updated_at();
    let removal = AuditEvent::new(AuditAction::AccountDeleted, Some(gone), Utc::now());
    let keep = |t: AdminTally| t.keeps_an_administrator();
    assert_eq!(
        users
            .delete(
                gone,
                AdminGuard::new(Some(current - Duration::seconds(5)), &removal, &keep)
            )
            .await
            .expect("delete"),
        AdminChange::Stale,
        "a stale version does not delete"
    );
    assert!(users.find_by_id(gone).await.expect("find").is_some());
    assert_eq!(
        users
            .delete(gone, AdminGuard::new(Some(current), &removal, &keep))
            .await
            .expect("delete"),
        AdminChange::Applied
    );
    assert!(users.find_by_id(gone).await.expect("find").is_none());
    assert_eq!(users.roles_of(gone).await.expect("roles"), None);
    assert_eq!(
        users
            .delete(gone, AdminGuard::new(None, &removal, &keep))
            .await
            .expect("delete"),
        AdminChange::Stale,
        "already gone"
    );
}

fn admin(tag: &str, n: i64) -> User {
    let plain = account(tag, n);
    User::with_roles(
        plain.id(),
        plain.username().clone(),
        plain.email().cloned().expect("email"),
        plain.password_hash().clone(),
        vec![Role::Admin],
        plain.created_at(),
    )
}

/// A new event for each change (events are appended, never overwritten).
fn changed() -> AuditEvent {
    AuditEvent::new(AuditAction::RolesChanged, None, Utc::now())
}

fn keep(tally: AdminTally) -> bool {
    tally.keeps_an_administrator()
}

/// `user`'s roles replaced by `roles`, one second later.
fn with(user: &User, roles: &[Role]) -> User {
    let mut changed = user.clone();
    changed.set_roles(roles.to_vec(), user.updated_at() + Duration::seconds(1));
    changed
}

async fn stored(users: &impl UserRepository, id: UserId) -> User {
    users.find_by_id(id).await.expect("find").expect("stored")
}

/// `set_roles` and `delete` hand the use case's rule the administrators as the change leaves
/// them (counted inside its transaction), keep the change only if the rule says yes, and never
/// let two racing changes both pass a rule that only one of them may. Counts administrators,
/// so it needs an instance of its own in which it is the only writer (a fresh database).
pub async fn user_repository_admins(users: &impl UserRepository) {
    let tag = format!("a{}", &Uuid::now_v7().simple().to_string()[22..]);
    let (first, second, member) = (admin(&tag, 1), admin(&tag, 2), account(&tag, 3));
    for user in [&first, &second, &member] {
        users.insert(user, &event(user)).await.expect("insert");
    }
    let seen = std::sync::Mutex::new(Vec::new());
    let record = |tally: AdminTally| {
        seen.lock().expect("lock").push(tally);
        true
    };

    // The tally: was the account an administrator, how many remain after the change.
    let promoted = with(&member, &[Role::Admin]);
    let applied = users
        .set_roles(
            &promoted,
            AdminGuard::new(Some(member.updated_at()), &changed(), &record),
        )
        .await
        .expect("set roles");
    assert_eq!(applied, AdminChange::Applied);
    assert_eq!(
        users.roles_of(member.id()).await.expect("roles"),
        Some(vec![Role::User, Role::Admin])
    );
    assert_eq!(
        listed_roles(users, &member).await,
        [Role::User, Role::Admin]
    );
    let demoted = with(&promoted, &[]);
    users
        .set_roles(
            &demoted,
            AdminGuard::new(Some(promoted.updated_at()), &changed(), &record),
        )
        .await
        .expect("set roles");
    assert_eq!(
        listed_roles(users, &member).await,
        users
            .roles_of(member.id())
            .await
            .expect("roles")
            .expect("an account"),
        "a list shows the roles as they are after a change"
    );
    users
        .delete(first.id(), AdminGuard::new(None, &changed(), &|_| false))
        .await
        .expect("delete");
    users
        .delete(
            member.id(),
            AdminGuard::new(Some(demoted.updated_at()), &changed(), &record),
        )
        .await
        .expect("delete");
    let tally = |target_was_admin, remaining| AdminTally {
        target_was_admin,
        remaining,
    };
    assert_eq!(
        *seen.lock().expect("lock"),
        [tally(false, 3), tally(true, 2), tally(false, 2)],
        "promote, demote, delete a member"
    );

    // A refusal changes nothing.
    let refused = users
        .set_roles(
            &with(&first, &[]),
            AdminGuard::new(Some(first.updated_at()), &changed(), &|_| false),
        )
        .await
        .expect("set roles");
    assert_eq!(refused, AdminChange::Refused(tally(true, 1)));
    let kept = stored(users, first.id()).await;
    assert_eq!(kept.roles(), [Role::User, Role::Admin]);
    let listed = users
        .list(
            &UserFilter {
                email: first.email().cloned(),
                ..UserFilter::default()
            },
            &PageRequest::first(10),
        )
        .await
        .expect("list");
    assert_eq!(
        listed.items.iter().map(User::roles).collect::<Vec<_>>(),
        [[Role::User, Role::Admin]],
        "a listed account comes with every role it holds"
    );
    assert_eq!(
        kept.updated_at(),
        first.updated_at(),
        "a refused change is rolled back whole"
    );
    assert_eq!(
        users
            .delete(first.id(), AdminGuard::new(None, &changed(), &|_| false))
            .await
            .expect("delete"),
        AdminChange::Refused(tally(true, 1))
    );
    assert!(users.find_by_id(first.id()).await.expect("find").is_some());
    assert_eq!(
        users
            .set_roles(
                &with(&first, &[]),
                AdminGuard::new(Some(first.updated_at()), &changed(), &keep)
            )
            .await
            .expect("set roles"),
        AdminChange::Applied,
        "another administrator remains"
    );
    assert_eq!(
        users
            .delete(second.id(), AdminGuard::new(None, &changed(), &keep))
            .await
            .expect("delete"),
        AdminChange::Refused(tally(true, 0)),
        "the last administrator"
    );

    // Two administrators demoting each other at once, then deleting each other at once:
    // whatever the interleaving, one change passes and the other is refused. A few rounds, as
    // a race missed once may be caught the next time.
    let mut pair = [first.id(), second.id()];
    for round in 0..3 {
        for id in pair {
            promote(users, id).await;
        }
        let (a, b) = (stored(users, pair[0]).await, stored(users, pair[1]).await);
        let (a, b) = futures_util::future::join(
            users.set_roles(&with(&a, &[]), AdminGuard::new(None, &changed(), &keep)),
            users.set_roles(&with(&b, &[]), AdminGuard::new(None, &changed(), &keep)),
        )
        .await;
        one_passes(
            [a.expect("set roles"), b.expect("set roles")],
            "racing demotions",
        );
        let mut admins = 0;
        for id in pair {
            admins += usize::from(stored(users, id).await.has_role(Role::Admin));
        }
        assert_eq!(admins, 1, "exactly one administrator remains");

        for id in pair {
            promote(users, id).await;
        }
        let (a, b) = futures_util::future::join(
            users.delete(pair[0], AdminGuard::new(None, &changed(), &keep)),
            users.delete(pair[1], AdminGuard::new(None, &changed(), &keep)),
        )
        .await;
        one_passes([a.expect("delete"), b.expect("delete")], "racing deletions");
        let mut left = Vec::new();
        for id in pair {
            if users.find_by_id(id).await.expect("find").is_some() {
                left.push(id);
            }
        }
        assert_eq!(left.len(), 1, "exactly one administrator is left");
        let next = admin(&tag, 10 + round);
        users.insert(&next, &event(&next)).await.expect("insert");
        pair = [left[0], next.id()];
    }
}

/// The roles a list of accounts shows for `user` (found by email).
async fn listed_roles(users: &impl UserRepository, user: &User) -> Vec<Role> {
    let filter = UserFilter {
        email: user.email().cloned(),
        ..UserFilter::default()
    };
    let page = users
        .list(&filter, &PageRequest::first(2))
        .await
        .expect("list");
    assert_eq!(page.items.len(), 1, "one account has the email");
    page.items[0].roles().to_vec()
}

/// Makes the account an administrator if it is not one.
async fn promote(users: &impl UserRepository, id: UserId) {
    let user = stored(users, id).await;
    if !user.has_role(Role::Admin) {
        let change = users
            .set_roles(
                &with(&user, &[Role::Admin]),
                AdminGuard::new(None, &changed(), &keep),
            )
            .await
            .expect("set roles");
        assert_eq!(change, AdminChange::Applied);
    }
}

fn one_passes(mut outcomes: [AdminChange; 2], what: &str) {
    outcomes.sort_by_key(|o| matches!(o, AdminChange::Refused(_)));
    let last = AdminChange::Refused(AdminTally {
        target_was_admin: true,
        remaining: 0,
    });
    assert_eq!(outcomes, [AdminChange::Applied, last], "{what}");
}
