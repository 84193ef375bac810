//! User-written text (titles, bodies): stored as given, counted in characters, free of
//! control characters other than newline and tab and of bidirectional overrides, and with at
//! least one visible character.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("must not be blank")]
    Blank,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("must not contain control characters other than newline and tab")]
    ControlCharacter,
    #[error("must not contain bidirectional embedding, override or isolate characters")]
    BidiControl,
}

/// U+202A-U+202E (embeddings, overrides) and U+2066-U+2069 (isolates): they reorder how the
/// text around them is shown, so what a reader sees is not what was written.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that render as nothing: Unicode's default-ignorable code points (zero-width
/// spaces and joiners, soft hyphen, variation selectors, tags ...), the Hangul fillers and
/// the blank braille pattern. They may appear in text (a joiner inside an emoji) but do not
/// make it visible.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// What every text obeys, stored or searched for: at most `max` characters, and no control
/// characters other than newline and tab.
fn within(raw: &str, max: usize) -> Result<(), TextError> {
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

/// Checks `raw` against the shared text rules with a maximum of `max` characters.
pub fn validate(raw: &str, max: usize) -> Result<(), TextError> {
    within(raw, max)?;
    if raw.chars().any(is_bidi_control) {
        return Err(TextError::BidiControl);
    }
    if raw.chars().all(is_invisible) {
        return Err(TextError::Blank);
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

            /// Text read back from storage, which an earlier version may have written under
            /// looser rules (e.g. before bidirectional overrides were refused). Only storage
            /// adapters call this: refusing it would make the whole row, and every list
            /// holding it, unreadable.
            pub fn from_storage(stored: String) -> Self {
                Self(stored)
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
        within(raw, Self::MAX_CHARS)?;
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

    #[test]
    fn refuses_bidirectional_overrides_and_isolates() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}',
        ] {
            let raw = format!("invoice{c}fdp.exe");
            assert_eq!(PostTitle::parse(&raw), Err(TextError::BidiControl), "{c:?}");
            assert_eq!(PostBody::parse(&raw), Err(TextError::BidiControl), "{c:?}");
            assert_eq!(
                CommentBody::parse(&raw),
                Err(TextError::BidiControl),
                "{c:?}"
            );
        }
        // Right-to-left text itself is fine.
        assert!(PostTitle::parse("שלום עולם").is_ok());
    }

    #[test]
    fn only_visible_characters_make_text_not_blank() {
        for blank in [
            "\u{200B}",
            "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}",
            " \u{00AD} ",
            "\u{3164}",
            "\u{2800}\u{FE0F}",
        ] {
            assert_eq!(PostBody::parse(blank), Err(TextError::Blank), "{blank:?}");
            assert_eq!(PostTitle::parse(blank), Err(TextError::Blank), "{blank:?}");
            assert_eq!(
                CommentBody::parse(blank),
                Err(TextError::Blank),
                "{blank:?}"
            );
        }
        // Joiners inside visible text stay: family emoji, Indic conjuncts.
        assert!(PostBody::parse("👩\u{200D}👩\u{200D}👧").is_ok());
        assert!(PostTitle::parse("a\u{200B}").is_ok());
    }

    fn tricky_text() -> impl Strategy<Value = String> {
        "[a-z \t\n\u{200B}-\u{200F}\u{202A}-\u{202E}\u{2066}-\u{2069}\u{00AD}\u{FEFF}\u{3164}é🦀\u{0301}]{0,40}"
    }

    proptest! {
        #[test]
        fn never_panics(raw in "\\PC{0,300}") {
            let _ = PostTitle::parse(&raw);
            let _ = SearchText::parse(&raw);
        }

        #[test]
        fn the_stored_form_parses_to_the_same_value(raw in prop_oneof![tricky_text(), "\\PC{0,300}".boxed()]) {
            if let Ok(title) = PostTitle::parse(&raw) {
                prop_assert_eq!(PostTitle::parse(title.as_ref()), Ok(title.clone()));
                prop_assert!(!title.as_ref().chars().any(is_bidi_control));
                prop_assert!(title.as_ref().chars().any(|c| !is_invisible(c)));
            }
            if let Ok(body) = PostBody::parse(&raw) {
                prop_assert_eq!(PostBody::parse(body.as_ref()), Ok(body));
            }
            if let Ok(comment) = CommentBody::parse(&raw) {
                prop_assert_eq!(CommentBody::parse(comment.as_ref()), Ok(comment));
            }
        }
    }
}
