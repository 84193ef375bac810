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
    /// Restricted to ASCII so that look-alike characters cannot impersonate another user; that
    /// also refuses bidirectional controls and zero-width characters, which would let two
    /// names look alike or one be shown reordered.
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

    #[test]
    fn refuses_bidi_controls_and_invisible_characters() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}',
            '\u{00AD}',
        ] {
            assert_eq!(
                Username::parse(&format!("ada{c}lovelace")),
                Err(UsernameError::InvalidCharacters),
                "{c:?}"
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

        #[test]
        fn the_stored_form_parses_to_the_same_value(
            raw in "[a-zA-Z0-9_.\\-\u{200B}\u{202E}\u{2066}\u{FEFF}é]{0,60}"
        ) {
            if let Ok(name) = Username::parse(&raw) {
                prop_assert!(name.as_ref().is_ascii());
                prop_assert_eq!(Username::parse(name.as_ref()), Ok(name));
            }
        }
    }
}
