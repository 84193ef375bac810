//! User-written text (titles, bodies): stored as given, counted in characters, and free of
//! control characters other than newline and tab.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("must not be blank")]
    Blank,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must not contain control characters other than newline and tab")]
    ControlCharacter,
}

/// Checks `raw` against the shared text rules with a maximum of `max` characters.
pub fn validate(raw: &str, max: usize) -> Result<(), TextError> {
    if raw.trim().is_empty() {
        return Err(TextError::Blank);
    }
    if raw.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(TextError::ControlCharacter);
    }
    Ok(())
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, TextError> {
                validate(raw, Self::MAX_CHARS)?;
                Ok(Self(raw.to_owned()))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

bounded_text!(
    /// A post's title: 1 to 200 characters.
    PostTitle,
    200
);
bounded_text!(
    /// A post's body: 1 to 50,000 characters.
    PostBody,
    50_000
);
bounded_text!(
    /// A comment's body: 1 to 10,000 characters.
    CommentBody,
    10_000
);

/// What a list is searched by (a title substring, a username prefix): at most 200 characters
/// and, like stored text, free of control characters other than newline and tab. So it can only
/// ask for text that could exist, and every database takes it (PostgreSQL refuses NUL outright).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, TextError> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(TextError::TooLong(Self::MAX_CHARS));
        }
        if raw
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(TextError::ControlCharacter);
        }
        Ok(Self(raw.to_owned()))
    }
}

impl AsRef<str> for SearchText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(PostTitle::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            PostTitle::parse(&"é".repeat(201)),
            Err(TextError::TooLong(200))
        );
        assert!(CommentBody::parse(&"🦀".repeat(10_000)).is_ok());
    }

    #[test]
    fn keeps_newlines_and_tabs_but_no_other_control_characters() {
        assert!(PostBody::parse("line one\n\tline two").is_ok());
        for bad in ["a\u{0}b", "a\rb", "a\u{1b}[31mb", "a\u{7f}b", "a\u{85}b"] {
            assert_eq!(
                PostBody::parse(bad),
                Err(TextError::ControlCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rejects_blank_text_and_stores_html_as_given() {
        assert_eq!(PostTitle::parse(""), Err(TextError::Blank));
        assert_eq!(PostTitle::parse(" \n\t "), Err(TextError::Blank));
        let html = "<script>alert(1)</script>";
        assert_eq!(
            PostTitle::parse(html).map(|t| t.as_ref().to_owned()),
            Ok(html.to_owned())
        );
    }

    #[test]
    fn search_text_refuses_what_stored_text_cannot_hold() {
        assert!(SearchText::parse("").is_ok());
        assert!(SearchText::parse("  two words\t").is_ok());
        assert_eq!(
            SearchText::parse("a\u{0}&"),
            Err(TextError::ControlCharacter)
        );
        assert!(SearchText::parse(&"é".repeat(200)).is_ok());
        assert_eq!(
            SearchText::parse(&"é".repeat(201)),
            Err(TextError::TooLong(200))
        );
    }

    proptest! {
        #[test]
        fn never_panics(raw in "\\PC{0,300}") {
            let _ = PostTitle::parse(&raw);
            let _ = SearchText::parse(&raw);
        }
    }
}
