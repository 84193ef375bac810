//! Tokens sent by mail: 256 random bits, base64url in the clear; only their SHA-256 is stored.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::TokenDigest;
use rand::RngCore;
use sha2::{Digest, Sha256};

const TOKEN_BYTES: usize = 32;

/// A fresh token and its digest.
pub fn new_token() -> (String, TokenDigest) {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    (URL_SAFE_NO_PAD.encode(bytes), digest(&bytes))
}

/// The digest of a presented token; `None` when it cannot be one of ours (so no look-up).
pub fn digest_of(presented: &str) -> Option<TokenDigest> {
    let bytes = URL_SAFE_NO_PAD.decode(presented.trim()).ok()?;
    let bytes: [u8; TOKEN_BYTES] = bytes.try_into().ok()?;
    Some(digest(&bytes))
}

fn digest(bytes: &[u8]) -> TokenDigest {
    TokenDigest(Sha256::digest(bytes).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_maps_to_its_digest_and_nothing_else_does() {
        let (token, digest) = new_token();
        assert_eq!(token.len(), 43);
        assert_eq!(digest_of(&token), Some(digest));
        assert_ne!(new_token().1, digest);
        assert_eq!(digest_of("short"), None);
        assert_eq!(digest_of(&format!("{token}AA")), None);
        assert_eq!(digest_of("not base64 at all!"), None);
    }
}
