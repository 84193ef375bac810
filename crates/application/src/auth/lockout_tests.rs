//! The lock-out under attack: racing guesses, and strangers locking out the owner.

use futures_util::future::join_all;

use super::{tests::*, *};
use crate::{ClientInfo, fakes::harness};

async fn attempt_from(
    h: &crate::fakes::Harness,
    device: Option<&str>,
    password: &str,
) -> Result<IssuedTokens, LoginError> {
    attempt_with_device(h, "ada@example.com", password, device).await
}

/// Registers ada, logs her in once, and hands back the device token that login issued.
async fn known_device(h: &crate::fakes::Harness) -> String {
    registered(h, "ada").await;
    attempt_from(h, None, PASSWORD)
        .await
        .expect("logs in")
        .device_token
        .expect("a login issues a device token")
}

fn verifications(h: &crate::fakes::Harness) -> u32 {
    *h.hasher.verifications.lock().expect("lock")
}

#[tokio::test]
async fn forty_racing_guesses_get_at_most_the_threshold_of_password_checks() {
    let h = harness(AuthSettings::default());
    registered(&h, "ada").await;
    let before = verifications(&h);

    let outcomes = join_all((0..40).map(|_| attempt_from(&h, None, "wrong password"))).await;

    let checked = verifications(&h) - before;
    assert_eq!(checked, 5, "only the threshold of guesses is checked");
    let invalid = outcomes
        .iter()
        .filter(|o| matches!(o, Err(LoginError::InvalidCredentials)))
        .count();
    let locked = outcomes
        .iter()
        .filter(|o| matches!(o, Err(LoginError::LockedOut { .. })))
        .count();
    assert_eq!((invalid, locked), (5, 35));
}

#[tokio::test]
async fn the_owners_device_logs_in_while_strangers_are_locked_out() {
    let h = harness(AuthSettings::default());
    let device = known_device(&h).await;
    for _ in 0..5 {
        let failed = attempt_from(&h, None, "wrong password").await;
        assert!(matches!(failed, Err(LoginError::InvalidCredentials)));
    }
    let stranger = attempt_from(&h, None, PASSWORD).await;
    assert!(matches!(stranger, Err(LoginError::LockedOut { .. })));
    let forged = attempt_from(&h, Some("device:someone-else:x:99999999999"), PASSWORD).await;
    assert!(
        matches!(forged, Err(LoginError::LockedOut { .. })),
        "a token of another account is no device of this one"
    );

    attempt_from(&h, Some(&device), PASSWORD)
        .await
        .expect("the owner's device is not blocked by strangers");
}

#[tokio::test]
async fn a_devices_own_failures_lock_only_that_device() {
    let h = harness(AuthSettings::default());
    let device = known_device(&h).await;
    for _ in 0..5 {
        let failed = attempt_from(&h, Some(&device), "wrong password").await;
        assert!(matches!(failed, Err(LoginError::InvalidCredentials)));
    }
    let locked = attempt_from(&h, Some(&device), PASSWORD).await;
    assert!(matches!(locked, Err(LoginError::LockedOut { .. })));
    attempt_from(&h, None, PASSWORD)
        .await
        .expect("other clients are not locked by the device's failures");
}

#[tokio::test]
async fn every_spelling_of_one_address_meets_one_lock_out() {
    let spellings = [
        ("ada@example.com", " ADA@Example.COM "),
        ("ada@bücher.de", "ada@xn--bcher-kva.de"),
        ("ada@bücher.de", "ada@bu\u{308}cher.de"),
    ];
    for (stored, other) in spellings {
        let (Ok(a), Ok(b)) = (domain::Email::parse(stored), domain::Email::parse(other)) else {
            continue;
        };
        if a != b {
            // Not one address under the current `Email` rules: nothing to share.
            continue;
        }
        let h = harness(AuthSettings::default());
        for spelling in [stored, other].iter().cycle().take(5) {
            let _ = h
                .auth
                .login(
                    &ClientInfo::default(),
                    LoginInput {
                        email: (*spelling).into(),
                        password: "wrong password".into(),
                        device: None,
                    },
                )
                .await;
        }
        let locked = h
            .auth
            .login(
                &ClientInfo::default(),
                LoginInput {
                    email: other.into(),
                    password: "wrong password".into(),
                    device: None,
                },
            )
            .await;
        assert!(
            matches!(locked, Err(LoginError::LockedOut { .. })),
            "{stored} / {other}"
        );
    }
}
