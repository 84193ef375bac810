//! A password as typed (never printed) and the hash that is stored in its place.

use std::fmt;
use thiserror::Error;

const MIN_BYTES: usize = 8;
/// bcrypt reads only the first 72 bytes: a longer password is refused rather than silently cut.
const MAX_BYTES: usize = 72;

/// A plaintext password that satisfies the policy. Its `Debug` never shows the value.
#[derive(Clone)]
pub struct Password(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PasswordError {
    #[error("must be at least {MIN_BYTES} bytes")]
    TooShort,
    #[error("must be at most {MAX_BYTES} bytes (bcrypt's limit)")]
    TooLong,
}

impl Password {
    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        if raw.len() < MIN_BYTES {
            return Err(PasswordError::TooShort);
        }
        if raw.len() > MAX_BYTES {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The plaintext, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// A password hash in the hasher's own encoding (a bcrypt `$2b$` string).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn new(encoded: String) -> Self {
        Self(encoded)
    }
}

impl AsRef<str> for PasswordHash {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_byte_bounds() {
        assert_eq!(
            Password::parse("1234567").err(),
            Some(PasswordError::TooShort)
        );
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"x".repeat(72)).is_ok());
        assert_eq!(
            Password::parse(&"x".repeat(73)).err(),
            Some(PasswordError::TooLong)
        );
    }

    #[test]
    fn counts_bytes_not_characters() {
        // 25 three-byte characters are 75 bytes: over bcrypt's limit.
        assert_eq!(
            Password::parse(&"€".repeat(25)).err(),
            Some(PasswordError::TooLong)
        );
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let password = Password::parse("hunter2hunter2").expect("valid");
        assert!(!format!("{password:?}").contains("hunter2"));
    }
}
