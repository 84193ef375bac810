//! A login session (one per device) and the refresh-token rotation rules it enforces.

use chrono::{DateTime, Duration, Utc};

use crate::{SessionId, UserId};

const MAX_USER_AGENT_CHARS: usize = 256;

/// How many digests of a family's earlier refresh tokens a session remembers (beyond the one
/// replaced last). A token older than that is refused like a forged one, without ending the
/// session: only a token this server issued for the session may count as a reuse.
pub const MAX_EARLIER_TOKENS: usize = 32;

/// The SHA-256 digest of a refresh token: the only form in which a token is ever stored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenDigest(pub [u8; 32]);

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenDigest(..)")
    }
}

/// What was replaced by the last rotation, kept for the grace window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// Digest of the token that was replaced.
    pub digest: TokenDigest,
    /// The replacement token, sealed with a key only the replaced token's holder can derive.
    pub sealed_successor: [u8; 32],
    pub at: DateTime<Utc>,
}

/// The stored fields of a session, for adapters that persist it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionParts {
    pub id: SessionId,
    pub user_id: UserId,
    pub refresh: TokenDigest,
    pub previous: Option<Rotation>,
    /// Digests of the tokens replaced before `previous`, newest first, at most
    /// `MAX_EARLIER_TOKENS`.
    pub earlier: Vec<TokenDigest>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session(SessionParts);

/// How a presented refresh token relates to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshCheck {
    /// The current token: rotate it.
    Current,
    /// The token replaced moments ago (another tab won the race): hand back its successor.
    WithinGrace { sealed_successor: [u8; 32] },
    /// A token of this session's family used again (an older one, or the replaced one after
    /// the grace window): the session is compromised.
    Reused,
    /// Not a token this server issued for the session (forged, or older than the session
    /// remembers): refuse it and change nothing.
    Unknown,
    /// The session has run past its expiry.
    Expired,
}

impl Session {
    pub fn start(
        id: SessionId,
        user_id: UserId,
        refresh: TokenDigest,
        now: DateTime<Utc>,
        ttl: Duration,
        user_agent: Option<&str>,
        ip: Option<String>,
    ) -> Self {
        Self(SessionParts {
            id,
            user_id,
            refresh,
            previous: None,
            earlier: Vec::new(),
            created_at: now,
            last_used_at: now,
            expires_at: now + ttl,
            user_agent: user_agent.map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect()),
            ip,
        })
    }

    pub fn restore(parts: SessionParts) -> Self {
        Self(parts)
    }

    pub fn parts(&self) -> &SessionParts {
        &self.0
    }

    pub fn id(&self) -> SessionId {
        self.0.id
    }

    pub fn user_id(&self) -> UserId {
        self.0.user_id
    }

    pub fn refresh_digest(&self) -> &TokenDigest {
        &self.0.refresh
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }

    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.0.expires_at
    }

    /// Classifies a presented refresh token. `grace` of zero makes any second use a reuse.
    pub fn check_refresh(
        &self,
        presented: &TokenDigest,
        now: DateTime<Utc>,
        grace: Duration,
    ) -> RefreshCheck {
        if !self.is_live(now) {
            return RefreshCheck::Expired;
        }
        if presented == &self.0.refresh {
            return RefreshCheck::Current;
        }
        match &self.0.previous {
            Some(rotation) if &rotation.digest == presented => {
                if now < rotation.at + grace {
                    RefreshCheck::WithinGrace {
                        sealed_successor: rotation.sealed_successor,
                    }
                } else {
                    RefreshCheck::Reused
                }
            }
            _ if self.0.earlier.contains(presented) => RefreshCheck::Reused,
            _ => RefreshCheck::Unknown,
        }
    }

    /// Whether `presented` may end this session (log out): the current token, or the one the
    /// last rotation replaced (whatever the grace window; its holder may not have seen the
    /// replacement), while the session is live. Unlike `check_refresh`, nothing older counts:
    /// ending a session needs no reuse detection, and an old token must not end a live one.
    pub fn may_be_ended_with(&self, presented: &TokenDigest, now: DateTime<Utc>) -> bool {
        let known = presented == &self.0.refresh
            || self
                .0
                .previous
                .as_ref()
                .is_some_and(|rotation| &rotation.digest == presented);
        known && self.is_live(now)
    }

    /// Replaces the current refresh token and extends the session's life by `ttl` from now,
    /// but never past `max_lifetime` after it started.
    pub fn rotate(
        &mut self,
        next: TokenDigest,
        sealed_successor: [u8; 32],
        now: DateTime<Utc>,
        ttl: Duration,
        max_lifetime: Duration,
    ) {
        let replaced = std::mem::replace(&mut self.0.refresh, next);
        let before = self.0.previous.replace(Rotation {
            digest: replaced,
            sealed_successor,
            at: now,
        });
        if let Some(before) = before {
            self.0.earlier.insert(0, before.digest);
            self.0.earlier.truncate(MAX_EARLIER_TOKENS);
        }
        self.0.last_used_at = now;
        self.0.expires_at = (now + ttl).min(self.0.created_at + max_lifetime);
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn the_current_token_is_current_until_rotated() {
        let now = Utc::now();
        let mut s = session(now);
        assert_eq!(
            s.check_refresh(&digest(1), now, GRACE),
            RefreshCheck::Current
        );
        s.rotate(digest(2), [9; 32], now, TTL, MAX);
        assert_eq!(
            s.check_refresh(&digest(2), now, GRACE),
            RefreshCheck::Current
        );
    }

    #[test]
    fn the_replaced_token_is_accepted_only_within_the_grace_window() {
        let now = Utc::now();
        let s = rotated(now, &[2]);
        let grace = GRACE;
        assert_eq!(
            s.check_refresh(&digest(1), now + Duration::seconds(9), grace),
            RefreshCheck::WithinGrace {
                sealed_successor: [9; 32]
            }
        );
        assert_eq!(
            s.check_refresh(&digest(1), now + grace, grace),
            RefreshCheck::Reused
        );
    }

    #[test]
    fn zero_grace_makes_any_second_use_a_reuse() {
        let now = Utc::now();
        let s = rotated(now, &[2]);
        assert_eq!(
            s.check_refresh(&digest(1), now, Duration::zero()),
            RefreshCheck::Reused
        );
    }

    #[test]
    fn an_older_generation_is_a_reuse_even_within_grace() {
        let now = Utc::now();
        let s = rotated(now, &[2, 3]);
        assert_eq!(
            s.check_refresh(&digest(1), now, GRACE),
            RefreshCheck::Reused
        );
    }

    #[test]
    fn an_expired_session_refuses_every_token() {
        let now = Utc::now();
        let s = session(now);
        assert_eq!(
            s.check_refresh(&digest(1), now + TTL, GRACE),
            RefreshCheck::Expired
        );
        assert!(!s.is_live(now + TTL));
    }

    #[test]
    fn rotation_slides_the_expiry() {
        let now = Utc::now();
        let mut s = session(now);
        let later = now + Duration::days(3);
        s.rotate(digest(2), [0; 32], later, TTL, MAX);
        assert_eq!(s.expires_at(), later + TTL);
    }

    #[test]
    fn a_token_never_issued_for_the_session_is_unknown_not_reused() {
        let now = Utc::now();
        let mut s = session(now);
        assert_eq!(
            s.check_refresh(&digest(7), now, GRACE),
            RefreshCheck::Unknown
        );
        s.rotate(digest(2), [9; 32], now, TTL, MAX);
        s.rotate(digest(3), [8; 32], now, TTL, MAX);
        assert_eq!(
            s.check_refresh(&digest(7), now, GRACE),
            RefreshCheck::Unknown
        );
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
    fn rotation_never_extends_past_the_absolute_lifetime() {
        let now = Utc::now();
        let mut s = session(now);
        let later = now + Duration::days(28);
        s.rotate(digest(2), [0; 32], later, TTL, MAX);
        assert_eq!(s.expires_at(), now + MAX);
        assert_eq!(
            s.check_refresh(&digest(2), now + MAX, Duration::zero()),
            RefreshCheck::Expired
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
}
