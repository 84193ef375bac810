//! Use-case tests of the session rules (forged tokens, the per-user cap, the absolute
//! lifetime, paging) against in-memory fakes of the ports.

use chrono::Duration;
use domain::AuditAction;

use super::{
    tests::{refresh, refresh_of, register_input},
    *,
};
use crate::{
    fakes::{Harness, harness},
    pagination::PageRequest,
};

async fn login(h: &Harness) -> IssuedTokens {
    let registered = tests::register(h, register_input("ada", "ada@example.com")).await;
    assert!(registered.is_ok() || matches!(registered, Err(RegisterError::UsernameTaken)));
    tests::login(h, "ada").await
}

#[tokio::test]
async fn a_forged_token_is_invalid_and_ends_nothing() {
    let h = harness(AuthSettings {
        reuse_grace: Duration::zero(),
        ..AuthSettings::default()
    });
    let tokens = login(&h).await;
    let forged = refresh_token::RefreshToken::generate(tokens.session_id).encode();

    let result = refresh(&h, expose_refresh_token(&forged)).await;

    assert!(matches!(result, Err(RefreshError::InvalidToken)));
    assert!(h.has_session(tokens.session_id).await);
    assert!(!h.audit.actions().contains(&AuditAction::RefreshTokenReused));
    assert!(refresh(&h, &refresh_of(&tokens)).await.is_ok());
}

#[tokio::test]
async fn a_login_beyond_the_cap_ends_the_oldest_and_says_so() {
    let h = harness(AuthSettings {
        max_sessions_per_user: 2,
        ..AuthSettings::default()
    });
    let first = login(&h).await;
    h.clock.advance(Duration::seconds(1));
    let second = login(&h).await;
    h.clock.advance(Duration::seconds(1));
    let third = login(&h).await;

    assert!(!h.has_session(first.session_id).await);
    for kept in [&second, &third] {
        assert!(h.has_session(kept.session_id).await);
    }
    let ended = h
        .audit
        .actions()
        .into_iter()
        .filter(|a| *a == AuditAction::SessionEnded)
        .count();
    assert_eq!(ended, 1);
}

#[tokio::test]
async fn refreshing_never_outlives_the_absolute_lifetime() {
    let h = harness(AuthSettings {
        refresh_ttl: Duration::days(7),
        max_lifetime: Duration::days(10),
        ..AuthSettings::default()
    });
    let mut tokens = login(&h).await;
    for _ in 0..3 {
        h.clock.advance(Duration::days(3));
        tokens = refresh(&h, &refresh_of(&tokens))
            .await
            .expect("within the lifetime");
    }
    h.clock.advance(Duration::days(2));

    let late = refresh(&h, &refresh_of(&tokens)).await;

    assert!(matches!(late, Err(RefreshError::InvalidToken)));
}

#[tokio::test]
async fn session_pages_cover_every_session_once() {
    let h = harness(AuthSettings::default());
    let mut last = None;
    for _ in 0..7 {
        h.clock.advance(Duration::seconds(1));
        last = Some(login(&h).await);
    }
    let actor = tests::authenticate(&h, &last.expect("logged in"))
        .await
        .expect("valid");
    let mut seen = Vec::new();
    let mut page = PageRequest::first(3);
    loop {
        let listed = h.auth.list_sessions(&actor, &page).await.expect("lists");
        seen.extend(
            listed
                .items
                .iter()
                .map(|s| (s.session.parts().created_at, s.session.id())),
        );
        match listed.next_cursor {
            Some(cursor) => page.after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
}
