//! A keyed blind index: HMAC-SHA256 of a normalised value under a key of its own. Equal values
//! give equal indexes, so a unique index and look-ups work on it, but without the key nobody
//! can test a guess. The key must never change with the data key: every index would change.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

use super::key_material::{KEY_BYTES, hex};

pub struct BlindIndex {
    key: SecretSlice<u8>,
}

impl BlindIndex {
    pub fn new(key: &[u8; KEY_BYTES]) -> Self {
        Self {
            key: SecretSlice::from(key.to_vec()),
        }
    }

    /// 64 hex digits. `purpose` separates indexes of different columns.
    pub fn of(&self, purpose: &str, normalised: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.expose_secret())
            .expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(normalised.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_per_key_and_purpose() {
        let index = BlindIndex::new(&[7; 32]);
        let a = index.of("email", "ada@example.com");
        assert_eq!(a, index.of("email", "ada@example.com"));
        assert_eq!(a.len(), 64);
        assert_ne!(a, index.of("email", "bob@example.com"));
        assert_ne!(a, index.of("other", "ada@example.com"));
        assert_ne!(a, BlindIndex::new(&[8; 32]).of("email", "ada@example.com"));
    }
}
