//! An email address as Agora accepts it: trimmed, lower-cased, at most 255 bytes.

use thiserror::Error;

const MAX_LEN: usize = 255;
const MAX_LOCAL_LEN: usize = 64;

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
    /// Addresses are compared case-insensitively, so they are stored lower-cased: two accounts
    /// can never differ only by the case of their email.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let candidate = raw.trim();
        if candidate.is_empty() {
            return Err(EmailError::Empty);
        }
        if candidate.len() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = candidate.split_once('@').ok_or(EmailError::Malformed)?;
        if !valid_local(local) || !valid_domain(domain) {
            return Err(EmailError::Malformed);
        }
        Ok(Self(candidate.to_lowercase()))
    }
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

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
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

    proptest! {
        #[test]
        fn never_panics_and_accepted_values_are_normalised(raw in "\\PC{0,300}") {
            if let Ok(email) = Email::parse(&raw) {
                prop_assert!(email.as_ref().len() <= MAX_LEN);
                prop_assert_eq!(email.as_ref(), email.as_ref().to_lowercase());
                prop_assert!(Email::parse(email.as_ref()).is_ok());
            }
        }

        #[test]
        fn generated_valid_addresses_parse(local in "[a-z0-9]{1,20}", domain in "[a-z]{1,20}\\.[a-z]{2,6}") {
            let raw = format!("{local}@{domain}");
            prop_assert_eq!(Email::parse(&raw).map(|e| e.as_ref().to_owned()), Ok(raw));
        }
    }
}
