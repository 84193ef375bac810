//! Use-case tests of authentication against in-memory fakes of the ports.

use chrono::Duration;
use domain::{Email, Password, Username};

use super::*;
use crate::{
    Actor, ClientInfo,
    fakes::{Harness, harness},
};

pub(super) const PASSWORD: &str = "correct horse battery";

pub(super) fn register_input(username: &str, email: &str) -> RegisterInput {
    RegisterInput {
        username: Username::parse(username).expect("valid"),
        email: Email::parse(email).expect("valid"),
        password: Password::parse(PASSWORD).expect("valid"),
    }
}

pub(super) async fn register(h: &Harness, input: RegisterInput) -> Result<User, RegisterError> {
    h.auth.register(&ClientInfo::default(), input).await
}

pub(super) async fn registered(h: &Harness, name: &str) -> User {
    let input = register_input(name, &format!("{name}@example.com"));
    register(h, input).await.expect("registers")
}

pub(super) async fn login(h: &Harness, name: &str) -> IssuedTokens {
    attempt(h, &format!("{name}@example.com"), PASSWORD)
        .await
        .expect("logs in")
}

/// A harness with `ada` registered and logged in once.
async fn logged_in(settings: AuthSettings) -> (Harness, IssuedTokens) {
    let h = harness(settings);
    registered(&h, "ada").await;
    let tokens = login(&h, "ada").await;
    (h, tokens)
}

/// A harness with `ada` and `bob` registered and logged in once each.
async fn ada_and_bob() -> (Harness, IssuedTokens, IssuedTokens) {
    let (h, ada) = logged_in(AuthSettings::default()).await;
    registered(&h, "bob").await;
    let bob = login(&h, "bob").await;
    (h, ada, bob)
}

pub(super) fn refresh_of(tokens: &IssuedTokens) -> String {
    expose_refresh_token(&tokens.refresh_token).to_owned()
}

/// The caller `tokens` were issued to, if their access token still holds.
pub(super) async fn authenticate(
    h: &Harness,
    tokens: &IssuedTokens,
) -> Result<Actor, AuthenticateError> {
    h.auth
        .authenticate(&tokens.access_token, ClientInfo::default())
        .await
}

pub(super) async fn refresh(h: &Harness, token: &str) -> Result<IssuedTokens, RefreshError> {
    h.auth.refresh(&ClientInfo::default(), token).await
}

#[tokio::test]
async fn duplicate_username_and_email_are_reported_by_field() {
    let h = harness(AuthSettings::default());
    registered(&h, "ada").await;
    let same_name = register(&h, register_input("ada", "other@example.com")).await;
    assert!(matches!(same_name, Err(RegisterError::UsernameTaken)));
    let same_email = register(&h, register_input("other", "ADA@example.com")).await;
    assert!(matches!(same_email, Err(RegisterError::EmailTaken)));
}

#[tokio::test]
async fn unknown_email_and_wrong_password_fail_alike_and_both_cost_a_hash() {
    let h = harness(AuthSettings::default());
    registered(&h, "ada").await;
    let wrong_password = attempt(&h, "ada@example.com", "not the password").await;
    let unknown = attempt(&h, "nobody@example.com", PASSWORD).await;
    assert!(matches!(
        wrong_password,
        Err(LoginError::InvalidCredentials)
    ));
    assert!(matches!(unknown, Err(LoginError::InvalidCredentials)));
    assert_eq!(*h.hasher.dummy_verifications.lock().expect("lock"), 1);
}

#[tokio::test]
async fn refresh_rotates_and_the_new_token_works() {
    let (h, first) = logged_in(AuthSettings::default()).await;
    let second = refresh(&h, &refresh_of(&first)).await.expect("refreshes");
    assert_ne!(refresh_of(&first), refresh_of(&second));
    assert_eq!(second.session_id, first.session_id);
    refresh(&h, &refresh_of(&second))
        .await
        .expect("the rotated token works");
}

#[tokio::test]
async fn within_grace_the_old_token_returns_the_same_successor() {
    let (h, first) = logged_in(AuthSettings::default()).await;
    let second = refresh(&h, &refresh_of(&first)).await.expect("refreshes");
    h.clock.advance(Duration::seconds(5));
    let again = refresh(&h, &refresh_of(&first)).await.expect("grace");
    assert_eq!(refresh_of(&again), refresh_of(&second));
    assert_ne!(again.access_token, second.access_token);
}

#[tokio::test]
async fn reuse_after_grace_revokes_the_whole_session() {
    let (h, first) = logged_in(AuthSettings::default()).await;
    let second = refresh(&h, &refresh_of(&first)).await.expect("refreshes");
    h.clock.advance(Duration::seconds(11));
    let reuse = refresh(&h, &refresh_of(&first)).await;
    assert!(matches!(reuse, Err(RefreshError::Reused)));
    let after = refresh(&h, &refresh_of(&second)).await;
    assert!(matches!(after, Err(RefreshError::InvalidToken)));
    assert!(authenticate(&h, &second).await.is_err());
}

#[tokio::test]
async fn zero_grace_makes_the_second_use_a_reuse() {
    let (h, first) = logged_in(AuthSettings {
        reuse_grace: Duration::zero(),
        ..AuthSettings::default()
    })
    .await;
    refresh(&h, &refresh_of(&first)).await.expect("refreshes");
    assert!(matches!(
        refresh(&h, &refresh_of(&first)).await,
        Err(RefreshError::Reused)
    ));
}

#[tokio::test]
async fn logout_kills_the_access_token_at_once() {
    let (h, tokens) = logged_in(AuthSettings::default()).await;
    let actor = authenticate(&h, &tokens).await.expect("valid");
    h.auth.logout(&actor).await.expect("logs out");
    assert!(matches!(
        authenticate(&h, &tokens).await,
        Err(AuthenticateError::SessionEnded)
    ));
}

#[tokio::test]
async fn someone_elses_session_is_not_found() {
    let (h, ada, bob) = ada_and_bob().await;
    let ada_actor = authenticate(&h, &ada).await.expect("valid");
    let result = h.auth.end_session(&ada_actor, bob.session_id).await;
    assert!(matches!(result, Err(SessionError::NotFound)));
    assert!(h.has_session(bob.session_id).await);
}

#[tokio::test]
async fn logout_all_ends_every_session_of_the_caller_only() {
    let (h, one, bob) = ada_and_bob().await;
    let two = login(&h, "ada").await;
    let actor = authenticate(&h, &one).await.expect("valid");
    let listed = h
        .auth
        .list_sessions(&actor, &crate::pagination::PageRequest::first(10))
        .await
        .expect("lists");
    assert_eq!(listed.items.len(), 2);
    assert_eq!(h.auth.logout_all(&actor).await.expect("ends"), 2);
    assert!(authenticate(&h, &two).await.is_err());
    assert!(authenticate(&h, &bob).await.is_ok());
}

#[tokio::test]
async fn a_refresh_token_alone_identifies_its_session_for_logout() {
    let (h, tokens) = logged_in(AuthSettings::default()).await;
    let session = h
        .auth
        .session_of_refresh_token(&refresh_of(&tokens))
        .await
        .expect("known");
    assert_eq!(session, tokens.session_id);
    assert!(h.auth.session_of_refresh_token("garbage").await.is_err());
}

pub(super) async fn attempt(
    h: &Harness,
    email: &str,
    password: &str,
) -> Result<IssuedTokens, LoginError> {
    attempt_with_device(h, email, password, None).await
}

pub(super) async fn attempt_with_device(
    h: &Harness,
    email: &str,
    password: &str,
    device: Option<&str>,
) -> Result<IssuedTokens, LoginError> {
    h.auth
        .login(
            &ClientInfo::default(),
            LoginInput {
                email: email.into(),
                password: password.into(),
                device: device.map(|d| DeviceToken(d.to_owned())),
            },
        )
        .await
}

#[tokio::test]
async fn failed_logins_lock_the_account_before_any_hashing_even_for_the_right_password() {
    let h = harness(AuthSettings::default());
    registered(&h, "ada").await;
    for _ in 0..5 {
        let failed = attempt(&h, "ada@example.com", "wrong password").await;
        assert!(matches!(failed, Err(LoginError::InvalidCredentials)));
    }
    let hashed_before = *h.hasher.verifications.lock().expect("lock");
    let locked = attempt(&h, "ADA@example.com", PASSWORD).await;
    assert!(
        matches!(locked, Err(LoginError::LockedOut { retry_after }) if retry_after.as_secs() > 50)
    );
    assert_eq!(*h.hasher.verifications.lock().expect("lock"), hashed_before);
}

#[tokio::test]
async fn lock_outs_grow_and_a_success_resets_them() {
    let h = harness(AuthSettings::default());
    registered(&h, "ada").await;
    for round in 1..=2u32 {
        for _ in 0..5 {
            let _ = attempt(&h, "ada@example.com", "wrong password").await;
        }
        let Err(LoginError::LockedOut { retry_after }) =
            attempt(&h, "ada@example.com", PASSWORD).await
        else {
            panic!("round {round}: expected a lock-out");
        };
        assert_eq!(retry_after.as_secs(), 60 * u64::from(round));
        h.clock.advance(Duration::seconds(60 * i64::from(round)));
    }
    attempt(&h, "ada@example.com", PASSWORD)
        .await
        .expect("the right password works once the lock-out is over");
    for _ in 0..4 {
        let _ = attempt(&h, "ada@example.com", "wrong password").await;
    }
    attempt(&h, "ada@example.com", PASSWORD)
        .await
        .expect("the success reset the count: four failures do not lock");
}

#[tokio::test]
async fn unknown_accounts_lock_like_real_ones() {
    let h = harness(AuthSettings::default());
    for _ in 0..5 {
        let _ = attempt(&h, "nobody@example.com", "wrong password").await;
    }
    let locked = attempt(&h, "nobody@example.com", "wrong password").await;
    assert!(matches!(locked, Err(LoginError::LockedOut { .. })));
}

#[tokio::test]
async fn a_guessable_password_is_refused_before_anything_is_stored() {
    let h = harness(AuthSettings::default());
    let weak = RegisterInput {
        password: Password::parse(crate::fakes::WEAK_PASSWORD).expect("valid length"),
        ..register_input("ada", "ada@example.com")
    };
    let refused = register(&h, weak).await;
    assert!(matches!(refused, Err(RegisterError::WeakPassword(_))));
    let retry = registered(&h, "ada").await;
    assert_eq!(
        retry.username().as_ref(),
        "ada",
        "nothing was stored the first time"
    );
}

#[tokio::test]
async fn security_events_reach_the_audit_trail_without_the_address() {
    let h = harness(AuthSettings::default());
    let ada = registered(&h, "ada").await;
    let refused = attempt(&h, "ada@example.com", "not the password").await;
    assert!(matches!(refused, Err(LoginError::InvalidCredentials)));
    let tokens = login(&h, "ada").await;
    let second = refresh(&h, &refresh_of(&tokens)).await.expect("refreshes");
    h.clock.advance(Duration::seconds(60));
    let _ = refresh(&h, &refresh_of(&tokens)).await;
    drop(second);

    use domain::AuditAction::*;
    assert_eq!(
        h.audit.actions(),
        [
            AccountRegistered,
            LoginFailed,
            LoginSucceeded,
            RefreshTokenReused
        ]
    );
    for event in h.audit.0.lock().expect("lock").iter() {
        assert_eq!(event.target.as_deref(), Some(ada.id().to_string().as_str()));
        assert!(!format!("{event:?}").contains("example.com"));
    }
}
