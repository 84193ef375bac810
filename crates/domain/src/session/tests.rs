use super::*;
use uuid::Uuid;

const TTL: Duration = Duration::days(7);
const MAX: Duration = Duration::days(30);

fn digest(byte: u8) -> TokenDigest {
    TokenDigest([byte; 32])
}

/// The grace window most tests use.
const GRACE: Duration = Duration::seconds(10);

/// A session started at `now` with token 1, then rotated at `now` to each of `tokens` in
/// turn; the rotation to token n seals the successor `[11 - n; 32]` (9 for 2, 8 for 3).
fn rotated(now: DateTime<Utc>, tokens: &[u8]) -> Session {
    let mut s = session(now);
    for &n in tokens {
        s.rotate(digest(n), [11 - n; 32], now, TTL, MAX);
    }
    s
}

fn session(now: DateTime<Utc>) -> Session {
    Session::start(
        SessionId::from_uuid(Uuid::now_v7()),
        UserId::from_uuid(Uuid::now_v7()),
        digest(1),
        now,
        TTL,
        Some("agent"),
        None,
    )
}

#[test]
fn only_the_current_and_the_last_replaced_token_may_end_a_live_session() {
    let now = Utc::now();
    let mut s = session(now);
    assert!(s.may_be_ended_with(&digest(1), now));
    assert!(!s.may_be_ended_with(&digest(2), now), "a stranger's token");
    s.rotate(digest(2), [9; 32], now, TTL, MAX);
    s.rotate(digest(3), [8; 32], now, TTL, MAX);
    assert!(s.may_be_ended_with(&digest(3), now), "current");
    let long_after = now + Duration::days(1);
    assert!(
        s.may_be_ended_with(&digest(2), long_after),
        "replaced last, even past any grace window"
    );
    assert!(!s.may_be_ended_with(&digest(1), now), "an older generation");
    assert!(
        !s.may_be_ended_with(&digest(3), s.expires_at()),
        "an expired session"
    );
}

/// A case of `check_refresh`: what it shows, the rotations after token 1, the token presented,
/// how long after the start, the grace window, and the answer.
type RefreshCase = (
    &'static str,
    &'static [u8],
    u8,
    Duration,
    Duration,
    RefreshCheck,
);

/// How `check_refresh` classifies a token: each case starts a session with token 1, rotates
/// it to each of `rotations` (sealing `[11 - n; 32]` for token n), then presents a token
/// `after` the start with a grace window of `grace`.
#[test]
fn refresh_tokens_are_classified() {
    use RefreshCheck::{Current, Expired, Reused, Unknown, WithinGrace};
    let cases: [RefreshCase; 9] = [
        ("the first token", &[], 1, Duration::zero(), GRACE, Current),
        (
            "the token after a rotation",
            &[2],
            2,
            Duration::zero(),
            GRACE,
            Current,
        ),
        (
            "the replaced token inside the grace window",
            &[2],
            1,
            Duration::seconds(9),
            GRACE,
            WithinGrace {
                sealed_successor: [9; 32],
            },
        ),
        (
            "the replaced token as the window ends",
            &[2],
            1,
            GRACE,
            GRACE,
            Reused,
        ),
        (
            "zero grace: any second use",
            &[2],
            1,
            Duration::zero(),
            Duration::zero(),
            Reused,
        ),
        (
            "an older generation, even within grace",
            &[2, 3],
            1,
            Duration::zero(),
            GRACE,
            Reused,
        ),
        (
            "any token of an expired session",
            &[],
            1,
            TTL,
            GRACE,
            Expired,
        ),
        (
            "a token never issued",
            &[],
            7,
            Duration::zero(),
            GRACE,
            Unknown,
        ),
        (
            "a token never issued, after rotations",
            &[2, 3],
            7,
            Duration::zero(),
            GRACE,
            Unknown,
        ),
    ];
    for (case, rotations, presented, after, grace, expected) in cases {
        let now = Utc::now();
        let s = rotated(now, rotations);
        assert_eq!(
            s.check_refresh(&digest(presented), now + after, grace),
            expected,
            "{case}"
        );
    }
}

#[test]
fn a_session_is_not_live_once_it_expires() {
    let now = Utc::now();
    assert!(!session(now).is_live(now + TTL));
}

/// A rotation `days` after the start moves the expiry to TTL after it, but never past the
/// absolute lifetime; at that expiry even the current token is refused.
#[test]
fn rotation_slides_the_expiry_but_never_past_the_absolute_lifetime() {
    let now = Utc::now();
    for (days, expires) in [(3, Duration::days(3) + TTL), (28, MAX)] {
        let mut s = session(now);
        s.rotate(digest(2), [0; 32], now + Duration::days(days), TTL, MAX);
        assert_eq!(s.expires_at(), now + expires, "rotated after {days} days");
        assert_eq!(
            s.check_refresh(&digest(2), now + expires, Duration::zero()),
            RefreshCheck::Expired
        );
    }
}

#[test]
fn the_family_history_is_bounded() {
    let now = Utc::now();
    let mut s = session(now);
    for byte in 2..=(MAX_EARLIER_TOKENS as u8 + 10) {
        s.rotate(digest(byte), [0; 32], now, TTL, MAX);
    }
    assert_eq!(s.parts().earlier.len(), MAX_EARLIER_TOKENS);
    assert_eq!(
        s.check_refresh(&digest(1), now, Duration::zero()),
        RefreshCheck::Unknown,
        "forgotten: refused without ending the session"
    );
    assert_eq!(
        s.check_refresh(&digest(10), now, Duration::zero()),
        RefreshCheck::Reused
    );
}

#[test]
fn long_user_agents_are_cut() {
    let s = Session::start(
        SessionId::from_uuid(Uuid::now_v7()),
        UserId::from_uuid(Uuid::now_v7()),
        digest(1),
        Utc::now(),
        TTL,
        Some(&"x".repeat(1000)),
        None,
    );
    assert_eq!(
        s.parts().user_agent.as_deref().map(str::len),
        Some(MAX_USER_AGENT_CHARS)
    );
}
