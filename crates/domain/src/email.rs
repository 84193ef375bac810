//! An email address as Agora stores it: normalised first (Unicode NFC, lower-cased, the domain
//! in its ASCII IDNA form), then validated as stored, at most 255 bytes.

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

const MAX_LEN: usize = 255;
const MAX_LOCAL_LEN: usize = 64;
const MAX_DOMAIN_LEN: usize = 253;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_LEN} bytes")]
    TooLong,
    #[error("must be an address of the form name@example.com")]
    Malformed,
}

impl Email {
    /// Addresses are compared after normalisation, so they are stored normalised: two accounts
    /// can never differ only by case, by Unicode composition or by the spelling of an
    /// internationalised domain (`bücher.de` and `xn--bcher-kva.de` are one address). What is
    /// validated is the stored form, and it is only accepted if normalising it again changes
    /// nothing, so `parse(stored form)` always gives the same address back.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let candidate = raw.trim();
        if candidate.is_empty() {
            return Err(EmailError::Empty);
        }
        // Checked on the input too, so no oversized input reaches the normalisers.
        if candidate.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let stored = normalise(candidate)?;
        if normalise(&stored).as_deref() != Ok(stored.as_str()) {
            return Err(EmailError::Malformed);
        }
        Ok(Self(stored))
    }

    /// An address read back from where only [`Email::parse`]'s stored form is ever written,
    /// and which vouches for it (a ciphertext that authenticates under the account's context):
    /// not normalised again. Anything else, a plaintext column included, goes through `parse`.
    pub fn from_storage(stored: String) -> Self {
        Self(stored)
    }
}

/// The stored form of `candidate`, validated.
fn normalise(candidate: &str) -> Result<String, EmailError> {
    let (local, domain) = candidate.split_once('@').ok_or(EmailError::Malformed)?;
    let local: String = local
        .nfc()
        .collect::<String>()
        .to_lowercase()
        .nfc()
        .collect();
    // UTS 46: maps (lower-cases, NFC) and converts every Unicode label to punycode.
    let domain = idna::domain_to_ascii(domain).map_err(|_| EmailError::Malformed)?;
    let stored = format!("{local}@{domain}");
    if stored.len() > MAX_LEN {
        return Err(EmailError::TooLong);
    }
    if !valid_local(&local) || !valid_domain(&domain) {
        return Err(EmailError::Malformed);
    }
    Ok(stored)
}

fn valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
}

/// The ASCII form: letters, digits and hyphens in labels of at most 63 bytes.
fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= MAX_DOMAIN_LEN
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_and_normalises_an_ordinary_address() {
        let email = Email::parse("  Ada.Lovelace@Example.COM ").expect("valid");
        assert_eq!(email.as_ref(), "ada.lovelace@example.com");
    }

    #[test]
    fn rejects_malformed_addresses() {
        for raw in [
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@-b.com",
            ".a@b.com",
            "a..b@c.com",
            "a@b..com",
            "a@b_c.com",
            "a@example.com.",
            "a@xn--zz.com",
        ] {
            assert_eq!(Email::parse(raw), Err(EmailError::Malformed), "{raw}");
        }
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
    }

    #[test]
    fn rejects_overlong_addresses() {
        let raw = format!("{}@{}.com", "a".repeat(60), "b".repeat(200));
        assert_eq!(Email::parse(&raw), Err(EmailError::TooLong));
    }

    #[test]
    fn validates_what_lower_casing_produces_not_what_was_sent() {
        // `İ` lower-cases to `i` + U+0307 (a combining mark, not a letter).
        assert_eq!(Email::parse("İ@example.com"), Err(EmailError::Malformed));
        // `Ⱥ` is 2 bytes, its lower case `ⱥ` 3: 32 of them pass 64 bytes only before.
        let raw = format!("{}@example.com", "Ⱥ".repeat(32));
        assert!(raw.split('@').next().is_some_and(|l| l.len() <= 64));
        assert_eq!(Email::parse(&raw), Err(EmailError::Malformed));
        assert_eq!(
            Email::parse(&format!("{}@example.com", "Ⱥ".repeat(21))).map(|e| e.as_ref().to_owned()),
            Ok(format!("{}@example.com", "ⱥ".repeat(21)))
        );
    }

    #[test]
    fn one_address_has_one_stored_form() {
        let composed = Email::parse("J\u{00f6}rg@b\u{00fc}cher.de").expect("valid");
        let decomposed = Email::parse("jo\u{0308}rg@BU\u{0308}CHER.de").expect("valid");
        let punycode = Email::parse("J\u{00d6}RG@xn--bcher-kva.de").expect("valid");
        assert_eq!(composed.as_ref(), "j\u{00f6}rg@xn--bcher-kva.de");
        assert_eq!(composed, decomposed);
        assert_eq!(composed, punycode);
    }

    fn tricky_local() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9.+_İıȺⱥßẞΣσςﬃÅKǅ\u{0301}\u{0307}\u{0308}\u{212b}\u{1e9e}]{1,70}"
    }

    fn tricky_domain() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9äöüÄÖÜßİﬃ\u{0308}-]{1,30}\\.(de|COM|xn--bcher-kva|bücher|[a-z]{2,6})"
    }

    proptest! {
        #[test]
        fn never_panics_and_accepted_values_are_normalised(raw in "\\PC{0,300}") {
            if let Ok(email) = Email::parse(&raw) {
                prop_assert!(email.as_ref().len() <= MAX_LEN);
                prop_assert_eq!(Email::parse(email.as_ref()), Ok(email));
            }
        }

        #[test]
        fn the_stored_form_parses_to_the_same_address(local in tricky_local(), domain in tricky_domain()) {
            if let Ok(email) = Email::parse(&format!("{local}@{domain}")) {
                prop_assert!(email.as_ref().len() <= MAX_LEN);
                prop_assert!(email.as_ref().split('@').next().is_some_and(|l| l.len() <= MAX_LOCAL_LEN));
                prop_assert!(email.as_ref().split('@').nth(1).is_some_and(|d| d.is_ascii()));
                prop_assert_eq!(Email::parse(email.as_ref()), Ok(email));
            }
        }

        #[test]
        fn generated_valid_addresses_parse(local in "[a-z0-9]{1,20}", domain in "[a-z]{1,20}\\.[a-z]{2,6}") {
            let raw = format!("{local}@{domain}");
            prop_assert_eq!(Email::parse(&raw).map(|e| e.as_ref().to_owned()), Ok(raw));
        }
    }
}
