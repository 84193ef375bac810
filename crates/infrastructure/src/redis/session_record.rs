//! A session as Redis stores it: a JSON record, digests in base64, readable by every instance
//! (and from records older versions wrote).

use anyhow::Context;
use application::StoreError;
use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD as B64};
use chrono::{DateTime, Utc};
use domain::{Rotation, Session, SessionId, SessionParts, TokenDigest, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Serialize, Deserialize)]
struct Record {
    id: Uuid,
    user_id: Uuid,
    refresh: String,
    previous: Option<PreviousRecord>,
    /// Absent in sessions stored by older versions.
    #[serde(default)]
    earlier: Vec<String>,
    created_at: DateTime<Utc>,
    last_used_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    user_agent: Option<String>,
    ip: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct PreviousRecord {
    digest: String,
    sealed: String,
    at: DateTime<Utc>,
}

pub(super) fn encode_digest(digest: &TokenDigest) -> String {
    B64.encode(digest.0)
}

fn decode_32(text: &str) -> anyhow::Result<[u8; 32]> {
    B64.decode(text)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("stored digest has the wrong length"))
}

impl Record {
    fn from_session(session: &Session) -> Self {
        let p = session.parts();
        Self {
            id: p.id.as_uuid(),
            user_id: p.user_id.as_uuid(),
            refresh: encode_digest(&p.refresh),
            previous: p.previous.as_ref().map(|r| PreviousRecord {
                digest: encode_digest(&r.digest),
                sealed: B64.encode(r.sealed_successor),
                at: r.at,
            }),
            earlier: p.earlier.iter().map(encode_digest).collect(),
            created_at: p.created_at,
            last_used_at: p.last_used_at,
            expires_at: p.expires_at,
            user_agent: p.user_agent.clone(),
            ip: p.ip.clone(),
        }
    }

    fn into_session(self) -> anyhow::Result<Session> {
        let previous = match self.previous {
            Some(r) => Some(Rotation {
                digest: TokenDigest(decode_32(&r.digest)?),
                sealed_successor: decode_32(&r.sealed)?,
                at: r.at,
            }),
            None => None,
        };
        Ok(Session::restore(SessionParts {
            id: SessionId::from_uuid(self.id),
            user_id: UserId::from_uuid(self.user_id),
            refresh: TokenDigest(decode_32(&self.refresh)?),
            previous,
            earlier: self
                .earlier
                .iter()
                .map(|d| decode_32(d).map(TokenDigest))
                .collect::<anyhow::Result<_>>()?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            expires_at: self.expires_at,
            user_agent: self.user_agent,
            ip: self.ip,
        }))
    }
}

pub(super) fn parse(json: &str) -> anyhow::Result<Session> {
    serde_json::from_str::<Record>(json)
        .context("reading a stored session")?
        .into_session()
}

pub(super) fn json(session: &Session) -> Result<String, StoreError> {
    Ok(serde_json::to_string(&Record::from_session(session)).context("encoding a session")?)
}
