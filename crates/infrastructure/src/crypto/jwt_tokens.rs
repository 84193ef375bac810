//! `AccessTokens` as HS256 JWTs.

use anyhow::Context;
use application::{
    DependencyError,
    ports::{AccessClaims, AccessTokens, InvalidToken},
};
use chrono::{DateTime, Utc};
use domain::{Role, SessionId, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const ISSUER: &str = "agora";
/// Tolerated clock difference between instances.
const LEEWAY_SECONDS: u64 = 5;

pub struct JwtTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: Uuid,
    sid: Uuid,
    roles: Vec<String>,
    iat: i64,
    exp: i64,
    jti: Uuid,
}

impl JwtTokens {
    /// `secret` signs the tokens (the CSRF and device keys are derived from it elsewhere).
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = LEEWAY_SECONDS;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }
}

impl AccessTokens for JwtTokens {
    fn issue(&self, claims: &AccessClaims) -> Result<String, DependencyError> {
        let body = Claims {
            iss: ISSUER.to_owned(),
            sub: claims.user_id.as_uuid(),
            sid: claims.session_id.as_uuid(),
            roles: claims.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            iat: claims.issued_at.timestamp(),
            exp: claims.expires_at.timestamp(),
            jti: claims.token_id,
        };
        encode(&Header::new(Algorithm::HS256), &body, &self.encoding)
            .context("signing a JWT")
            .map_err(DependencyError::Bug)
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, InvalidToken> {
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(|_| InvalidToken)?;
        let c = data.claims;
        let roles = c
            .roles
            .iter()
            .map(|r| r.parse::<Role>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| InvalidToken)?;
        let at = |secs| DateTime::<Utc>::from_timestamp(secs, 0).ok_or(InvalidToken);
        Ok(AccessClaims {
            user_id: UserId::from_uuid(c.sub),
            session_id: SessionId::from_uuid(c.sid),
            roles,
            issued_at: at(c.iat)?,
            expires_at: at(c.exp)?,
            token_id: c.jti,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn claims(expires_in: Duration) -> AccessClaims {
        let now = Utc::now();
        AccessClaims {
            user_id: UserId::from_uuid(Uuid::now_v7()),
            session_id: SessionId::from_uuid(Uuid::now_v7()),
            roles: vec![Role::User, Role::Admin],
            issued_at: now,
            expires_at: now + expires_in,
            token_id: Uuid::now_v7(),
        }
    }

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_token_round_trips() {
        let tokens = JwtTokens::new(SECRET);
        let issued = claims(Duration::minutes(15));
        let token = tokens.issue(&issued).expect("signs");
        let read = tokens.verify(&token).expect("verifies");
        assert_eq!(read.user_id, issued.user_id);
        assert_eq!(read.session_id, issued.session_id);
        assert_eq!(read.roles, issued.roles);
        assert_eq!(read.token_id, issued.token_id);
    }

    #[test]
    fn rejects_expired_foreign_and_tampered_tokens() {
        let tokens = JwtTokens::new(SECRET);
        let expired = tokens.issue(&claims(Duration::minutes(-5))).expect("signs");
        assert_eq!(tokens.verify(&expired), Err(InvalidToken));
        let other = JwtTokens::new(b"another secret that is long enough!!");
        let foreign = other.issue(&claims(Duration::minutes(15))).expect("signs");
        assert_eq!(tokens.verify(&foreign), Err(InvalidToken));
        let mut tampered = tokens.issue(&claims(Duration::minutes(15))).expect("signs");
        tampered.push('x');
        assert_eq!(tokens.verify(&tampered), Err(InvalidToken));
        assert_eq!(tokens.verify("not.a.jwt"), Err(InvalidToken));
    }
}
