//! CSRF tokens: a browser that authenticates by cookie proves a request comes from the site's
//! own pages by echoing, in `X-CSRF-Token`, a token only the server can compute for its session
//! (HMAC-SHA256 of the session id). A transport concern: use cases never see it.

use actix_web::HttpRequest;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::SessionId;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

use crate::error::{ApiError, ProblemCode};

pub const CSRF_HEADER: &str = "x-csrf-token";

/// Computes and checks the CSRF token bound to a session.
#[derive(Clone)]
pub struct CsrfTokens {
    key: std::sync::Arc<SecretSlice<u8>>,
}

/// The request did not carry the CSRF token of its session: it may be forged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrfFailed;

impl CsrfTokens {
    /// The key is derived from `secret` (`JWT_SECRET`), so one secret serves every token kind.
    pub fn derived_from(secret: &[u8]) -> Self {
        let key = new_mac(secret)
            .chain_update(b"agora/csrf-key/v1")
            .finalize()
            .into_bytes();
        Self {
            key: std::sync::Arc::new(SecretSlice::from(key.to_vec())),
        }
    }

    pub fn token(&self, session: SessionId) -> String {
        let tag = self.mac(session).finalize().into_bytes();
        URL_SAFE_NO_PAD.encode(tag)
    }

    /// Constant-time comparison of `presented` with `token(session)`.
    pub fn verify(&self, session: SessionId, presented: &str) -> bool {
        let Ok(tag) = URL_SAFE_NO_PAD.decode(presented.trim()) else {
            return false;
        };
        self.mac(session).verify_slice(&tag).is_ok()
    }

    /// `Ok` when `req` carries, in `X-CSRF-Token`, the token bound to `session`.
    pub fn check(&self, req: &HttpRequest, session: SessionId) -> Result<(), CsrfFailed> {
        let presented = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !presented.is_empty() && self.verify(session, presented) {
            Ok(())
        } else {
            Err(CsrfFailed)
        }
    }

    fn mac(&self, session: SessionId) -> Hmac<Sha256> {
        new_mac(self.key.expose_secret()).chain_update(session.as_uuid().as_bytes())
    }
}

fn new_mac(key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

impl From<CsrfFailed> for ApiError {
    fn from(_: CsrfFailed) -> Self {
        ApiError::new(
            ProblemCode::CsrfFailed,
            "Requests authenticated by cookie must send the X-CSRF-Token header.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use uuid::Uuid;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn session() -> SessionId {
        SessionId::from_uuid(Uuid::now_v7())
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_session() {
        let tokens = CsrfTokens::derived_from(SECRET);
        let (one, two) = (session(), session());
        let token = tokens.token(one);
        assert!(tokens.verify(one, &token));
        assert!(!tokens.verify(two, &token));
        assert!(!tokens.verify(one, "forged"));
        assert!(
            !CsrfTokens::derived_from(b"another secret that is long enough!!").verify(one, &token)
        );
    }

    /// The derivation is part of the deployed contract: a change would refuse every CSRF token
    /// browsers hold across a deploy. (Vector computed independently with Python's `hmac`.)
    #[test]
    fn the_token_is_hmac_sha256_of_the_session_under_a_key_derived_from_the_secret() {
        let session = SessionId::from_uuid(
            Uuid::parse_str("0192d1e4-7c3a-7b5e-9a1f-3c2d4e5f6a7b").expect("uuid"),
        );
        assert_eq!(
            CsrfTokens::derived_from(SECRET).token(session),
            "WQOwN2NsEeXfpIMudZXHBQ2USV9W22JGiUGjvSuik2w"
        );
    }

    #[test]
    fn the_check_wants_the_sessions_token_in_the_header() {
        let tokens = CsrfTokens::derived_from(SECRET);
        let (one, two) = (session(), session());
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((CSRF_HEADER, value.to_owned()))
                .to_http_request()
        };
        assert_eq!(tokens.check(&with(&tokens.token(one)), one), Ok(()));
        assert_eq!(
            tokens.check(&with(&tokens.token(two)), one),
            Err(CsrfFailed)
        );
        assert_eq!(tokens.check(&with(""), one), Err(CsrfFailed));
        let bare = TestRequest::default().to_http_request();
        assert_eq!(tokens.check(&bare, one), Err(CsrfFailed));
    }
}
