//! Use-case tests of accounts against the fakes of the ports (`testing::fakes`).

use std::sync::Arc;

use chrono::{Duration, Utc};
use domain::{
    AuditAction, Email, Password, PasswordHash, Role, Session, SessionId, TokenDigest, User,
    UserId, Username,
};
use uuid::Uuid;

use super::*;
use crate::{
    Actor, ClientInfo,
    pagination::PageRequest,
    ports::{Clock, SessionStore, UserFilter, UserRepository},
    testing::fakes::{
        FakeAttempts, FakeAudit, FakeClock, FakeHasher, FakeSessions, FakeStrength, FakeUsers,
        WEAK_PASSWORD,
    },
    views::{IfMatch, UserView},
};

const PASSWORD: &str = "correct horse battery";

struct Fixture {
    service: UserService,
    users: Arc<FakeUsers>,
    sessions: Arc<FakeSessions>,
    clock: Arc<FakeClock>,
    audit: Arc<FakeAudit>,
}

fn fixture() -> Fixture {
    let clock = Arc::new(FakeClock::new(Utc::now()));
    let audit = Arc::new(FakeAudit::default());
    let users = Arc::new(FakeUsers::new(audit.clone()));
    let sessions = Arc::new(FakeSessions::default());
    let ports = CredentialPorts {
        users: users.clone(),
        hasher: Arc::new(FakeHasher::default()),
        strength: Arc::new(FakeStrength),
        sessions: sessions.clone(),
        clock: clock.clone(),
        audit: audit.clone(),
        attempts: Arc::new(FakeAttempts::new(clock.clone())),
    };
    let service = UserService::new(ports, LockoutPolicy::default());
    Fixture {
        service,
        users,
        sessions,
        clock,
        audit,
    }
}

impl Fixture {
    /// A stored account with `roles` and one open session, and the caller it is on it.
    async fn account(&self, name: &str, roles: &[Role]) -> (User, Actor) {
        let user = User::with_roles(
            UserId::from_uuid(Uuid::now_v7()),
            Username::parse(name).expect("valid"),
            Email::parse(&format!("{name}@example.com")).expect("valid"),
            PasswordHash::new(format!("plain:{PASSWORD}")),
            roles.to_vec(),
            self.clock.now(),
        );
        let event = domain::AuditEvent::new(AuditAction::AccountRegistered, None, self.clock.now());
        self.users.insert(&user, &event).await.expect("insert");
        let session = self.session(user.id()).await;
        let actor = Actor {
            user_id: user.id(),
            session_id: session,
            roles: user.roles().to_vec(),
            client: ClientInfo::default(),
        };
        (user, actor)
    }

    /// The account acted upon and its owner, an administrator, and another member.
    async fn cast(&self) -> (User, Actor, Actor, Actor) {
        let (target, owner) = self.account("target", &[]).await;
        let (_, admin) = self.account("admin", &[Role::Admin]).await;
        let (_, member) = self.account("member", &[]).await;
        (target, owner, admin, member)
    }

    async fn session(&self, user: UserId) -> SessionId {
        let id = SessionId::from_uuid(Uuid::now_v7());
        let session = Session::start(
            id,
            user,
            TokenDigest([1; 32]),
            self.clock.now(),
            Duration::days(1),
            None,
            None,
        );
        self.sessions.create(&session, 10).await.expect("session");
        id
    }

    async fn stored(&self, id: UserId) -> User {
        self.users
            .find_by_id(id)
            .await
            .expect("find")
            .expect("stored")
    }

    /// `by` can neither demote nor delete the last administrator `id`.
    async fn cannot_remove(&self, by: &Actor, id: UserId) {
        let demoted = self.service.set_roles(by, id, vec![], None).await;
        assert!(matches!(demoted, Err(UserError::LastAdmin)), "{demoted:?}");
        let deleted = self.service.delete(by, id, None, Some(PASSWORD)).await;
        assert!(matches!(deleted, Err(UserError::LastAdmin)), "{deleted:?}");
    }

    async fn exists(&self, id: UserId) -> bool {
        self.users.find_by_id(id).await.expect("find").is_some()
    }
}

fn tag_of(view: &UserView) -> IfMatch {
    IfMatch::Tags(vec![view.version_tag()])
}

#[tokio::test]
async fn the_owner_and_admins_see_the_full_record_and_others_the_public_profile() {
    let f = fixture();
    let (target, owner, admin, member) = f.cast().await;
    let (_, moderator) = f.account("moderator", &[Role::Moderator]).await;

    for (who, caller) in [("owner", &owner), ("admin", &admin)] {
        let view = f.service.get(caller, target.id()).await.expect("get");
        assert!(matches!(view, UserView::Full(_)), "{who}");
    }
    for (who, caller) in [("moderator", &moderator), ("member", &member)] {
        let view = f.service.get(caller, target.id()).await.expect("get");
        assert!(matches!(view, UserView::Public(_)), "{who}");
    }
    let full = f.service.get(&owner, target.id()).await.expect("get");
    let public = f.service.get(&member, target.id()).await.expect("get");
    assert_ne!(full.version_tag(), public.version_tag());
    let me = f.service.me(&owner).await.expect("me");
    assert_eq!(me.user().id(), target.id());
    assert_eq!(
        me.version_tag(),
        full.version_tag(),
        "one tag per representation"
    );
    assert!(matches!(
        f.service
            .get(&owner, UserId::from_uuid(Uuid::now_v7()))
            .await,
        Err(UserError::NotFound)
    ));
}

#[tokio::test]
async fn the_public_tag_does_not_move_with_hidden_fields() {
    let f = fixture();
    let (target, _, admin, member) = f.cast().await;
    let before = f.service.get(&member, target.id()).await.expect("get");
    let full_before = f.service.get(&admin, target.id()).await.expect("get");
    f.clock.advance(Duration::seconds(1));
    f.service
        .set_roles(&admin, target.id(), vec![Role::Moderator], None)
        .await
        .expect("set roles");
    let after = f.service.get(&member, target.id()).await.expect("get");
    let full_after = f.service.get(&admin, target.id()).await.expect("get");
    assert_eq!(before.version_tag(), after.version_tag());
    assert_ne!(full_before.version_tag(), full_after.version_tag());
}

#[tokio::test]
async fn lists_show_full_records_to_admins_and_public_profiles_to_moderators() {
    let f = fixture();
    let (_, admin) = f.account("admin", &[Role::Admin]).await;
    let (_, moderator) = f.account("moderator", &[Role::Moderator]).await;
    let (_, member) = f.account("member", &[]).await;
    let page = PageRequest::first(10);
    let everyone = UserFilter::default();

    let full = |v: &UserView| matches!(v, UserView::Full(_));
    let public = |v: &UserView| matches!(v, UserView::Public(_));
    for (viewer, shown, how) in [
        (&admin, &full as &dyn Fn(&UserView) -> bool, "full records"),
        (
            &moderator,
            &public,
            "public profiles, their own row included",
        ),
    ] {
        let seen = f.service.list(viewer, &everyone, &page).await;
        let seen = seen.expect("list");
        assert_eq!(seen.items.len(), 3);
        assert!(seen.items.iter().all(shown), "{how}");
    }
    let by_role = UserFilter {
        role: Some(Role::Admin),
        ..UserFilter::default()
    };
    assert!(matches!(
        f.service.list(&moderator, &by_role, &page).await,
        Err(UserError::Forbidden(_))
    ));
    assert_eq!(
        f.service
            .list(&admin, &by_role, &page)
            .await
            .expect("list")
            .items
            .len(),
        1
    );
    assert!(matches!(
        f.service.list(&member, &everyone, &page).await,
        Err(UserError::Forbidden(_))
    ));
}

#[tokio::test]
async fn a_profile_change_returns_the_full_record_and_honours_if_match() {
    let f = fixture();
    let (target, owner, admin, member) = f.cast().await;
    let old = tag_of(&f.service.get(&owner, target.id()).await.expect("get"));
    let rename = |name: &str| ProfileUpdate {
        username: Some(Username::parse(name).expect("valid")),
        ..ProfileUpdate::default()
    };
    assert!(matches!(
        f.service
            .update_profile(&member, target.id(), rename("x_member"), None)
            .await,
        Err(UserError::Forbidden(_))
    ));
    f.clock.advance(Duration::seconds(1));
    let renamed = f
        .service
        .update_profile(&owner, target.id(), rename("renamed"), Some(&old))
        .await
        .expect("update");
    assert_eq!(renamed.user().username().as_ref(), "renamed");
    assert_eq!(
        IfMatch::Tags(vec![renamed.version_tag()]),
        tag_of(&f.service.get(&admin, target.id()).await.expect("get")),
        "the tag returned is the tag a read gives"
    );
    assert!(matches!(
        f.service
            .update_profile(&owner, target.id(), rename("again"), Some(&old))
            .await,
        Err(UserError::PreconditionFailed)
    ));
    assert_eq!(f.stored(target.id()).await.username().as_ref(), "renamed");
    assert!(
        !f.audit.actions().contains(&AuditAction::EmailChanged),
        "a rename is not an email change"
    );
}

#[tokio::test]
async fn changing_ones_own_email_needs_the_current_password_and_an_admin_needs_none() {
    let f = fixture();
    let (target, owner) = f.account("target", &[]).await;
    let (_, admin) = f.account("admin", &[Role::Admin]).await;
    let email = |address: &str, password: Option<&str>| ProfileUpdate {
        email: Some(Email::parse(address).expect("valid")),
        current_password: password.map(str::to_owned),
        ..ProfileUpdate::default()
    };
    assert!(matches!(
        f.service
            .update_profile(&owner, target.id(), email("new@example.com", None), None)
            .await,
        Err(UserError::CurrentPasswordRequired)
    ));
    assert!(matches!(
        f.service
            .update_profile(
                &owner,
                target.id(),
                email("new@example.com", Some("wrong")),
                None
            )
            .await,
        Err(UserError::InvalidCurrentPassword)
    ));
    f.service
        .update_profile(
            &owner,
            target.id(),
            email("new@example.com", Some(PASSWORD)),
            None,
        )
        .await
        .expect("own change with the password");
    f.service
        .update_profile(
            &admin,
            target.id(),
            email("admin-set@example.com", None),
            None,
        )
        .await
        .expect("an admin's change");
    assert_eq!(
        f.stored(target.id()).await.email().map(AsRef::as_ref),
        Some("admin-set@example.com")
    );
    assert!(matches!(
        f.service
            .update_profile(&admin, target.id(), email("admin@example.com", None), None)
            .await,
        Err(UserError::EmailTaken)
    ));
    assert_eq!(f.audit.count(AuditAction::EmailChanged), 2);
}

#[tokio::test]
async fn a_password_change_checks_the_old_one_and_ends_the_other_sessions() {
    let f = fixture();
    let (target, owner) = f.account("target", &[]).await;
    let other = f.session(target.id()).await;
    let new = |p: &str| Password::parse(p).expect("valid");
    assert!(matches!(
        f.service
            .change_password(&owner, "wrong", new("a brand new secret"))
            .await,
        Err(UserError::InvalidCurrentPassword)
    ));
    assert!(matches!(
        f.service
            .change_password(&owner, PASSWORD, new(WEAK_PASSWORD))
            .await,
        Err(UserError::WeakPassword(_))
    ));
    assert!(f.sessions.get(other).await.expect("get").is_some());
    f.service
        .change_password(&owner, PASSWORD, new("a brand new secret"))
        .await
        .expect("change");
    assert!(f.sessions.get(other).await.expect("get").is_none());
    assert!(
        f.sessions
            .get(owner.session_id)
            .await
            .expect("get")
            .is_some(),
        "this session stays"
    );
    assert_eq!(
        f.stored(target.id()).await.password_hash().as_ref(),
        "plain:a brand new secret"
    );
    assert!(f.audit.actions().contains(&AuditAction::PasswordChanged));
}

#[tokio::test]
async fn deleting_ones_own_account_needs_the_password_and_ends_its_sessions() {
    let f = fixture();
    let (target, owner) = f.account("target", &[]).await;
    let (_, member) = f.account("member", &[]).await;
    assert!(matches!(
        f.service.delete(&member, target.id(), None, None).await,
        Err(UserError::Forbidden(_))
    ));
    assert!(matches!(
        f.service.delete(&owner, target.id(), None, None).await,
        Err(UserError::ReauthenticationRequired)
    ));
    assert!(matches!(
        f.service
            .delete(&owner, target.id(), None, Some("wrong"))
            .await,
        Err(UserError::InvalidCurrentPassword)
    ));
    let stale = IfMatch::Tags(vec!["stale".into()]);
    assert!(matches!(
        f.service
            .delete(&owner, target.id(), Some(&stale), Some(PASSWORD))
            .await,
        Err(UserError::PreconditionFailed)
    ));
    assert!(f.exists(target.id()).await);
    f.service
        .delete(&owner, target.id(), None, Some(PASSWORD))
        .await
        .expect("delete");
    assert!(!f.exists(target.id()).await);
    assert!(
        f.sessions
            .list_for_user(target.id())
            .await
            .expect("list")
            .is_empty()
    );
    assert!(f.audit.actions().contains(&AuditAction::AccountDeleted));
}

/// The fake repository applies whatever rule the use case hands it (and passes the same
/// contract suite as the SQL adapter): these refusals come from the use case's rule.
#[tokio::test]
async fn the_use_case_refuses_to_take_away_the_last_administrator() {
    let f = fixture();
    let (only, admin) = f.account("admin", &[Role::Admin]).await;
    let (member, _) = f.account("member", &[]).await;

    f.cannot_remove(&admin, only.id()).await;
    let kept = f.stored(only.id()).await;
    assert!(kept.has_role(Role::Admin));
    assert_eq!(kept.updated_at(), only.updated_at(), "nothing changed");
    assert!(
        !f.audit
            .actions()
            .iter()
            .any(|a| matches!(a, AuditAction::RolesChanged | AuditAction::AccountDeleted)),
        "a refused change writes no event"
    );

    // With a second administrator, either may go; then the other is the last again.
    f.clock.advance(Duration::seconds(1));
    let promoted = f
        .service
        .set_roles(&admin, member.id(), vec![Role::Admin], None)
        .await
        .expect("promote");
    assert!(promoted.user().has_role(Role::Admin));
    f.service
        .set_roles(&admin, only.id(), vec![Role::Moderator], None)
        .await
        .expect("another administrator remains");
    let second = Actor {
        user_id: member.id(),
        session_id: SessionId::from_uuid(Uuid::now_v7()),
        roles: vec![Role::User, Role::Admin],
        client: ClientInfo::default(),
    };
    f.cannot_remove(&second, member.id()).await;
    f.service
        .delete(&second, only.id(), None, None)
        .await
        .expect("a non-administrator is deleted");
}

#[tokio::test]
async fn roles_are_set_by_admins_only_and_honour_if_match() {
    let f = fixture();
    let (target, owner) = f.account("target", &[]).await;
    let (_, admin) = f.account("admin", &[Role::Admin]).await;
    assert!(matches!(
        f.service
            .set_roles(&owner, target.id(), vec![Role::Admin], None)
            .await,
        Err(UserError::Forbidden(_))
    ));
    let old = tag_of(&f.service.get(&admin, target.id()).await.expect("get"));
    f.clock.advance(Duration::seconds(1));
    let changed = f
        .service
        .set_roles(&admin, target.id(), vec![Role::Moderator], Some(&old))
        .await
        .expect("set roles");
    assert_eq!(changed.user().roles(), [Role::User, Role::Moderator]);
    assert!(matches!(
        f.service
            .set_roles(&admin, target.id(), vec![], Some(&old))
            .await,
        Err(UserError::PreconditionFailed)
    ));
    assert!(f.audit.actions().contains(&AuditAction::RolesChanged));
    assert!(f.service.roles(&owner).is_err());
    assert_eq!(
        f.service.roles(&admin).expect("roles").len(),
        Role::ALL.len()
    );
}

#[tokio::test]
async fn an_admin_ends_every_session_of_an_account() {
    let f = fixture();
    let (target, owner) = f.account("target", &[]).await;
    let (_, admin) = f.account("admin", &[Role::Admin]).await;
    f.session(target.id()).await;
    assert!(matches!(
        f.service.end_sessions(&owner, target.id()).await,
        Err(UserError::Forbidden(_))
    ));
    assert_eq!(
        f.service
            .end_sessions(&admin, target.id())
            .await
            .expect("end"),
        2
    );
    assert!(matches!(
        f.service
            .end_sessions(&admin, UserId::from_uuid(Uuid::now_v7()))
            .await,
        Err(UserError::NotFound)
    ));
    assert!(f.audit.actions().contains(&AuditAction::UserSessionsEnded));
}

#[tokio::test]
async fn an_administrator_is_created_with_a_strong_password_and_a_free_name() {
    let f = fixture();
    let input = |name: &str, password: &str| CreateAdminInput {
        username: Username::parse(name).expect("valid"),
        email: Email::parse(&format!("{name}@example.com")).expect("valid"),
        password: Password::parse(password).expect("valid"),
    };
    assert!(matches!(
        f.service.create_admin(input("root", WEAK_PASSWORD)).await,
        Err(CreateAdminError::WeakPassword(_))
    ));
    let created = f
        .service
        .create_admin(input("root", "a long admin secret"))
        .await
        .expect("create");
    assert!(created.has_role(Role::Admin));
    assert!(matches!(
        f.service
            .create_admin(input("root", "a long admin secret"))
            .await,
        Err(CreateAdminError::Taken(crate::UniqueField::Username))
    ));
    assert!(f.audit.actions().contains(&AuditAction::AdminCreated));
}
