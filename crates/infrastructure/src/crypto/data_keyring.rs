//! Encryption of sensitive columns with AES-256-GCM under a keyring: one current key that
//! encrypts, and previous keys that still decrypt. Each ciphertext names its key, so keys can
//! rotate while old rows stay readable:
//! `enc:v1:<key id>:<base64url(96-bit nonce ‖ ciphertext ‖ tag)>`.

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use anyhow::{Context, anyhow, bail};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::key_material::{KEY_BYTES, hex};

pub const PREFIX: &str = "enc:v1:";
const NONCE_BYTES: usize = 12;

struct DataKey {
    id: String,
    cipher: Aes256Gcm,
}

impl DataKey {
    fn new(key: &[u8; KEY_BYTES]) -> Self {
        Self {
            id: key_id(key),
            cipher: Aes256Gcm::new(key.into()),
        }
    }
}

/// A short public name of a key: the first 8 hex digits of a hash of it. Operators never have
/// to choose ids, and the same key always gets the same id on every instance.
pub fn key_id(key: &[u8; KEY_BYTES]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"agora/data-key-id/v1");
    hasher.update(key);
    hex(&hasher.finalize()[..4])
}

pub struct DataKeyring {
    current: DataKey,
    previous: Vec<DataKey>,
}

impl DataKeyring {
    pub fn new(current: &[u8; KEY_BYTES], previous: &[[u8; KEY_BYTES]]) -> Self {
        Self {
            current: DataKey::new(current),
            previous: previous.iter().map(DataKey::new).collect(),
        }
    }

    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Encrypts under the current key with a fresh random nonce. `context` is authenticated,
    /// not stored: a ciphertext opens only with the same context (e.g. the row it belongs to).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> anyhow::Result<String> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .current
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .map_err(|_| anyhow!("encryption failed"))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}:{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    /// Decrypts what `seal` produced under the current key or any previous one.
    pub fn open(&self, stored: &str, context: &[u8]) -> anyhow::Result<Vec<u8>> {
        let (id, body) = stored
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .context("not a ciphertext of this format")?;
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .with_context(|| {
                format!("no key with id {id}: is it missing from DATA_KEYS_PREVIOUS?")
            })?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .context("ciphertext is not base64")?;
        if bytes.len() < NONCE_BYTES {
            bail!("ciphertext is too short");
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().context("ciphertext nonce")?;
        key.cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: context,
                },
            )
            .map_err(|_| anyhow!("ciphertext under key {id} does not authenticate"))
    }

    /// Whether `stored` is a ciphertext under the current key (nothing to rotate).
    pub fn is_current(&self, stored: &str) -> bool {
        stored
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(id, _)| id == self.current.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [u8; 32] = [1; 32];
    const B: [u8; 32] = [2; 32];

    #[test]
    fn round_trips_and_never_repeats_a_ciphertext() {
        let ring = DataKeyring::new(&A, &[]);
        let one = ring.seal(b"ada@example.com", b"row-1").expect("seals");
        let two = ring.seal(b"ada@example.com", b"row-1").expect("seals");
        assert_ne!(one, two);
        assert!(!one.contains("ada"));
        assert_eq!(
            ring.open(&one, b"row-1").expect("opens"),
            b"ada@example.com"
        );
    }

    #[test]
    fn refuses_another_context_a_tampered_body_and_an_unknown_key() {
        let ring = DataKeyring::new(&A, &[]);
        let sealed = ring.seal(b"x@example.com", b"row-1").expect("seals");
        assert!(ring.open(&sealed, b"row-2").is_err());
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(
            ring.open(&String::from_utf8(tampered).expect("ascii"), b"row-1")
                .is_err()
        );
        assert!(DataKeyring::new(&B, &[]).open(&sealed, b"row-1").is_err());
    }

    #[test]
    fn a_rotated_ring_reads_old_ciphertexts_and_writes_new_ones() {
        let old = DataKeyring::new(&A, &[]);
        let sealed = old.seal(b"x@example.com", b"r").expect("seals");
        let new = DataKeyring::new(&B, &[A]);
        assert!(!new.is_current(&sealed));
        assert_eq!(new.open(&sealed, b"r").expect("opens"), b"x@example.com");
        let resealed = new.seal(b"x@example.com", b"r").expect("seals");
        assert!(new.is_current(&resealed));
        assert!(resealed.starts_with(&format!("{PREFIX}{}:", key_id(&B))));
    }
}
