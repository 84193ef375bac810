//! A username: 3 to 50 characters of letters, digits, `_`, `-` and `.`, starting with a letter or digit.

use thiserror::Error;

const MIN_CHARS: usize = 3;
const MAX_CHARS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UsernameError {
    #[error("must be at least {MIN_CHARS} characters")]
    TooShort,
    #[error("must be at most {MAX_CHARS} characters")]
    TooLong,
    #[error(
        "may contain only ASCII letters, digits, '_', '-' and '.', and must start with a letter or digit"
    )]
    InvalidCharacters,
}

impl Username {
    /// Restricted to ASCII so that look-alike characters cannot impersonate another user.
    pub fn parse(raw: &str) -> Result<Self, UsernameError> {
        let count = raw.chars().count();
        if count < MIN_CHARS {
            return Err(UsernameError::TooShort);
        }
        if count > MAX_CHARS {
            return Err(UsernameError::TooLong);
        }
        let mut chars = raw.chars();
        let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !starts_well || !rest_ok {
            return Err(UsernameError::InvalidCharacters);
        }
        Ok(Self(raw.to_owned()))
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_ordinary_names() {
        for raw in ["ada", "Ada_Lovelace", "user.name-1", &"a".repeat(50)] {
            assert!(Username::parse(raw).is_ok(), "{raw}");
        }
    }

    #[test]
    fn rejects_bad_names() {
        assert_eq!(Username::parse("ab"), Err(UsernameError::TooShort));
        assert_eq!(
            Username::parse(&"a".repeat(51)),
            Err(UsernameError::TooLong)
        );
        for raw in ["_ada", "ada lovelace", "adá", "ad\u{0}a", "<script>"] {
            assert_eq!(
                Username::parse(raw),
                Err(UsernameError::InvalidCharacters),
                "{raw}"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics(raw in "\\PC{0,80}") {
            if let Ok(name) = Username::parse(&raw) {
                prop_assert!((MIN_CHARS..=MAX_CHARS).contains(&name.as_ref().len()));
            }
        }
    }
}
