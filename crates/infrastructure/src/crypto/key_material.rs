//! Reading 256-bit keys from configuration: base64 (standard or URL-safe, padded or not) of
//! exactly 32 random bytes, e.g. `openssl rand -base64 32`.

use anyhow::bail;
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD},
};
use rand::RngCore;
use secrecy::SecretString;

pub const KEY_BYTES: usize = 32;

/// Decodes a configured key; the error names `variable`, never the value.
pub fn decode_key(variable: &str, encoded: &str) -> anyhow::Result<[u8; KEY_BYTES]> {
    let encoded = encoded.trim();
    let decoded = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(encoded).ok());
    match decoded.map(<[u8; KEY_BYTES]>::try_from) {
        Some(Ok(key)) => Ok(key),
        _ => bail!(
            "{variable}: expected the base64 encoding of exactly {KEY_BYTES} bytes \
             (e.g. `openssl rand -base64 32`)"
        ),
    }
}

/// A new random key, encoded the way `decode_key` reads it.
pub fn generate_key() -> SecretString {
    let mut bytes = [0u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(STANDARD.encode(bytes))
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn generated_keys_decode_and_bad_ones_name_the_variable() {
        let key = generate_key();
        assert!(decode_key("DATA_KEY", key.expose_secret()).is_ok());
        for bad in ["", "short", &STANDARD.encode([0u8; 31]), "%%%%"] {
            let err = decode_key("DATA_KEY", bad).expect_err("refused");
            assert!(err.to_string().starts_with("DATA_KEY:"));
        }
    }
}
