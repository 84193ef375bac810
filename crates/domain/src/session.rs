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
mod tests;
