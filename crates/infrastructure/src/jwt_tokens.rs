//! `TokenIssuer` with HS256 JWTs for access tokens and HMAC-SHA256 for session-bound CSRF tokens.

use anyhow::Context;
use application::{
    DependencyError,
    ports::{AccessClaims, InvalidToken, TokenIssuer},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use domain::{Role, SessionId, UserId};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use secrecy::{ExposeSecret, SecretSlice};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

const ISSUER: &str = "agora";
/// Tolerated clock difference between instances.
const LEEWAY_SECONDS: u64 = 5;

pub struct JwtTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    csrf_key: SecretSlice<u8>,
    device_key: SecretSlice<u8>,
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
    /// `secret` signs the tokens; the CSRF key is derived from it so one secret serves both.
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = LEEWAY_SECONDS;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            csrf_key: SecretSlice::from(mac(secret, b"agora/csrf-key/v1")),
            device_key: SecretSlice::from(mac(secret, b"agora/device-key/v1")),
        }
    }
}

fn mac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

impl TokenIssuer for JwtTokens {
    fn issue_access(&self, claims: &AccessClaims) -> Result<String, DependencyError> {
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

    fn verify_access(&self, token: &str) -> Result<AccessClaims, InvalidToken> {
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

    fn csrf_token(&self, session: SessionId) -> String {
        URL_SAFE_NO_PAD.encode(mac(
            self.csrf_key.expose_secret(),
            session.as_uuid().as_bytes(),
        ))
    }

    fn verify_csrf(&self, session: SessionId, presented: &str) -> bool {
        let Ok(tag) = URL_SAFE_NO_PAD.decode(presented.trim()) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(self.csrf_key.expose_secret())
            .expect("HMAC accepts keys of any length");
        mac.update(session.as_uuid().as_bytes());
        mac.verify_slice(&tag).is_ok()
    }

    fn issue_device(&self, account: &str, expires_at: DateTime<Utc>) -> String {
        let device = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
        let expires = expires_at.timestamp();
        let tag = self
            .device_mac(account, &device, expires)
            .finalize()
            .into_bytes();
        format!("{device}.{expires}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    fn verify_device(&self, token: &str, account: &str, now: DateTime<Utc>) -> Option<String> {
        let mut parts = token.trim().splitn(3, '.');
        let (device, expires, tag) = (parts.next()?, parts.next()?, parts.next()?);
        let expires: i64 = expires.parse().ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.device_mac(account, device, expires)
            .verify_slice(&tag)
            .ok()?;
        (expires > now.timestamp()).then(|| device.to_owned())
    }
}

impl JwtTokens {
    /// The MAC over everything a device token binds: the account, the device id, the expiry.
    fn device_mac(&self, account: &str, device: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.device_key.expose_secret())
            .expect("HMAC accepts keys of any length");
        for part in [account, device, &expires.to_string()] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
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
    fn device_tokens_bind_the_account_and_refuse_tampering_and_expiry() {
        let tokens = JwtTokens::new(SECRET);
        let now = Utc::now();
        let token = tokens.issue_device("account-a", now + Duration::days(1));
        let device = tokens
            .verify_device(&token, "account-a", now)
            .expect("valid for its account");
        assert!(token.starts_with(&device));
        assert_eq!(tokens.verify_device(&token, "account-b", now), None);
        assert_eq!(
            tokens.verify_device(&token, "account-a", now + Duration::days(2)),
            None,
            "expired"
        );
        let (head, tag) = token.rsplit_once('.').expect("three parts");
        let mut forged = format!("{head}.{tag}");
        forged.replace_range(0..1, if forged.starts_with('A') { "B" } else { "A" });
        assert_eq!(tokens.verify_device(&forged, "account-a", now), None);
        let later = format!(
            "{}.{}.{tag}",
            device,
            (now + Duration::days(400)).timestamp()
        );
        assert_eq!(tokens.verify_device(&later, "account-a", now), None);
        let other_key = JwtTokens::new(b"another secret of enough length!!");
        assert_eq!(other_key.verify_device(&token, "account-a", now), None);
        assert_eq!(tokens.verify_device("garbage", "account-a", now), None);
    }

    #[test]
    fn a_token_round_trips() {
        let tokens = JwtTokens::new(SECRET);
        let issued = claims(Duration::minutes(15));
        let token = tokens.issue_access(&issued).expect("signs");
        let read = tokens.verify_access(&token).expect("verifies");
        assert_eq!(read.user_id, issued.user_id);
        assert_eq!(read.session_id, issued.session_id);
        assert_eq!(read.roles, issued.roles);
        assert_eq!(read.token_id, issued.token_id);
    }

    #[test]
    fn rejects_expired_foreign_and_tampered_tokens() {
        let tokens = JwtTokens::new(SECRET);
        let expired = tokens
            .issue_access(&claims(Duration::minutes(-5)))
            .expect("signs");
        assert_eq!(tokens.verify_access(&expired), Err(InvalidToken));
        let other = JwtTokens::new(b"another secret that is long enough!!");
        let foreign = other
            .issue_access(&claims(Duration::minutes(15)))
            .expect("signs");
        assert_eq!(tokens.verify_access(&foreign), Err(InvalidToken));
        let mut tampered = tokens
            .issue_access(&claims(Duration::minutes(15)))
            .expect("signs");
        tampered.push('x');
        assert_eq!(tokens.verify_access(&tampered), Err(InvalidToken));
        assert_eq!(tokens.verify_access("not.a.jwt"), Err(InvalidToken));
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_session() {
        let tokens = JwtTokens::new(SECRET);
        let one = SessionId::from_uuid(Uuid::now_v7());
        let two = SessionId::from_uuid(Uuid::now_v7());
        let token = tokens.csrf_token(one);
        assert!(tokens.verify_csrf(one, &token));
        assert!(!tokens.verify_csrf(two, &token));
        assert!(!tokens.verify_csrf(one, "forged"));
        assert!(!JwtTokens::new(b"another secret that is long enough!!").verify_csrf(one, &token));
    }
}
