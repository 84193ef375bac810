//! Opaque refresh tokens: `base64url(session id ‖ 256 random bits)`. Only their SHA-256 digest
//! is stored. The token that replaces one at rotation is kept for the grace window sealed with
//! a pad derived from the replaced token, so only that token's holder can recover it.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::{SessionId, TokenDigest};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const SECRET_LEN: usize = 32;
const TOKEN_LEN: usize = 16 + SECRET_LEN;
const SEAL_CONTEXT: &[u8] = b"agora/refresh-successor/v1";

/// A refresh token in the clear: held only long enough to hand it to the client.
pub struct RefreshToken {
    session: SessionId,
    bytes: [u8; TOKEN_LEN],
}

impl RefreshToken {
    pub fn generate(session: SessionId) -> Self {
        let mut secret = [0u8; SECRET_LEN];
        rand::rng().fill_bytes(&mut secret);
        Self::from_parts(session, secret)
    }

    fn from_parts(session: SessionId, secret: [u8; SECRET_LEN]) -> Self {
        let mut bytes = [0u8; TOKEN_LEN];
        bytes[..16].copy_from_slice(session.as_uuid().as_bytes());
        bytes[16..].copy_from_slice(&secret);
        Self { session, bytes }
    }

    /// Reads a token presented by a client; `None` when it is not one of ours.
    pub fn parse(presented: &str) -> Option<Self> {
        let decoded = URL_SAFE_NO_PAD.decode(presented.trim()).ok()?;
        let bytes: [u8; TOKEN_LEN] = decoded.try_into().ok()?;
        let id = Uuid::from_slice(&bytes[..16]).ok()?;
        Some(Self {
            session: SessionId::from_uuid(id),
            bytes,
        })
    }

    pub fn session(&self) -> SessionId {
        self.session
    }

    pub fn digest(&self) -> TokenDigest {
        TokenDigest(Sha256::digest(self.bytes).into())
    }

    /// Seals `successor` so that only the holder of `self` can open it.
    pub fn seal(&self, successor: &RefreshToken) -> [u8; 32] {
        xor(&successor.secret(), &self.pad())
    }

    /// Opens what `seal` produced with this token, giving back the successor.
    pub fn open(&self, sealed: &[u8; 32]) -> RefreshToken {
        RefreshToken::from_parts(self.session, xor(sealed, &self.pad()))
    }

    pub fn encode(&self) -> SecretString {
        SecretString::from(URL_SAFE_NO_PAD.encode(self.bytes))
    }

    fn secret(&self) -> [u8; SECRET_LEN] {
        let mut secret = [0u8; SECRET_LEN];
        secret.copy_from_slice(&self.bytes[16..]);
        secret
    }

    fn pad(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(SEAL_CONTEXT);
        hasher.update(self.bytes);
        hasher.finalize().into()
    }
}

fn xor(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

/// Exposes the encoded token, for the transport only.
pub fn expose(token: &SecretString) -> &str {
    token.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> SessionId {
        SessionId::from_uuid(Uuid::now_v7())
    }

    #[test]
    fn round_trips_through_its_encoding() {
        let token = RefreshToken::generate(session());
        let parsed = RefreshToken::parse(expose(&token.encode())).expect("parses");
        assert_eq!(parsed.session(), token.session());
        assert_eq!(parsed.digest(), token.digest());
    }

    #[test]
    fn two_tokens_differ() {
        let id = session();
        assert_ne!(
            RefreshToken::generate(id).digest(),
            RefreshToken::generate(id).digest()
        );
    }

    #[test]
    fn only_the_replaced_token_opens_the_sealed_successor() {
        let id = session();
        let old = RefreshToken::generate(id);
        let new = RefreshToken::generate(id);
        let sealed = old.seal(&new);
        assert_eq!(old.open(&sealed).digest(), new.digest());
        let stranger = RefreshToken::generate(id);
        assert_ne!(stranger.open(&sealed).digest(), new.digest());
    }

    #[test]
    fn rejects_what_is_not_a_token() {
        for raw in ["", "abc", "!!!!", &"A".repeat(63), &"A".repeat(200)] {
            assert!(RefreshToken::parse(raw).is_none(), "{raw}");
        }
    }
}
