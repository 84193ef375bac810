//! The `UserRepository` contract.

use chrono::{Duration, Utc};
use domain::{
    AuditAction, AuditEvent, Email, PasswordHash, Role, SearchText, User, UserId, Username,
};
use uuid::Uuid;

use crate::{
    RepositoryError, UniqueField,
    pagination::PageRequest,
    ports::{UserFilter, UserRepository},
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
        Utc::now() - Duration::minutes(10 - n),
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
    let found = users
        .find_by_id(alice.id())
        .await
        .expect("find")
        .expect("stored");
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
    let stored = users
        .find_by_id(alice.id())
        .await
        .expect("find")
        .expect("stored");
    let read_at = stored.updated_at();
    let mut renamed = stored.clone();
    renamed.update_profile(
        Username::parse(&format!("{tag}renamed")).expect("valid"),
        stored.email().cloned(),
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
    let saved = users
        .find_by_id(alice.id())
        .await
        .expect("find")
        .expect("stored");
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
    let current = users
        .find_by_id(gone)
        .await
        .expect("find")
        .expect("stored")
        .updated_at();
    let removal = AuditEvent::new(AuditAction::AccountDeleted, Some(gone), Utc::now());
    assert!(
        !users
            .delete(gone, Some(current - Duration::seconds(5)), &removal)
            .await
            .expect("delete"),
        "a stale version does not delete"
    );
    assert!(users.find_by_id(gone).await.expect("find").is_some());
    assert!(
        users
            .delete(gone, Some(current), &removal)
            .await
            .expect("delete")
    );
    assert!(users.find_by_id(gone).await.expect("find").is_none());
    assert_eq!(users.roles_of(gone).await.expect("roles"), None);
    assert!(
        !users.delete(gone, None, &removal).await.expect("delete"),
        "already gone"
    );
}
