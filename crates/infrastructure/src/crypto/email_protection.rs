//! How the users repository keeps emails: encrypted under the data keyring, bound to their
//! row, with a blind index for uniqueness and look-ups. Nothing above infrastructure sees
//! either form.

use anyhow::Context;
use domain::Email;
use uuid::Uuid;

use super::{BlindIndex, DataKeyring, data_keyring::PREFIX};

const CONTEXT: &[u8] = b"agora/users.email/v1/";
const INDEX_PURPOSE: &str = "users.email";

pub struct EmailProtection {
    ring: DataKeyring,
    index: BlindIndex,
}

impl EmailProtection {
    pub fn new(ring: DataKeyring, index: BlindIndex) -> Self {
        Self { ring, index }
    }

    fn context(user: Uuid) -> Vec<u8> {
        [CONTEXT, user.as_bytes()].concat()
    }

    /// The column value for `user`'s email: a ciphertext that opens only for that row.
    pub fn seal(&self, user: Uuid, email: &Email) -> anyhow::Result<String> {
        self.ring
            .seal(email.as_ref().as_bytes(), &Self::context(user))
    }

    /// Reads the column. A value written before emails were encrypted is read as it is
    /// (`agora rotate-data-key` encrypts those).
    pub fn open(&self, user: Uuid, stored: &str) -> anyhow::Result<Email> {
        if !stored.starts_with(PREFIX) {
            return Email::parse(stored).context("a stored plaintext email is invalid");
        }
        let plain = self
            .ring
            .open(stored, &Self::context(user))
            .with_context(|| format!("decrypting the email of user {user}"))?;
        // Only `seal` writes under this context, and it seals an `Email`'s stored form: the
        // ciphertext authenticating is the proof, so the address is not normalised again
        // (twice per read, two NFC passes and IDNA each time: a page of twenty accounts
        // paid it twenty times).
        let plain = String::from_utf8(plain).context("a decrypted email is not UTF-8")?;
        Ok(Email::from_storage(plain))
    }

    /// The blind index of the (already normalised: trimmed, lower-cased) address.
    pub fn index(&self, email: &Email) -> String {
        self.index.of(INDEX_PURPOSE, email.as_ref())
    }

    /// Whether the row must be rewritten: not under the current key, or missing its index.
    pub fn needs_rewrite(&self, stored: &str, index: Option<&str>) -> bool {
        !self.ring.is_current(stored) || index.is_none()
    }

    /// Seals other personal data (a queued mail, the address a token was sent to) under the
    /// same keyring, bound to its `purpose` and row.
    pub fn seal_bytes(&self, purpose: &str, row: Uuid, plain: &[u8]) -> anyhow::Result<String> {
        self.ring.seal(plain, &Self::other_context(purpose, row))
    }

    /// Opens what `seal_bytes` sealed for the same purpose and row.
    pub fn open_bytes(&self, purpose: &str, row: Uuid, stored: &str) -> anyhow::Result<Vec<u8>> {
        self.ring
            .open(stored, &Self::other_context(purpose, row))
            .with_context(|| format!("decrypting {purpose} {row}"))
    }

    fn other_context(purpose: &str, row: Uuid) -> Vec<u8> {
        [b"agora/", purpose.as_bytes(), b"/v1/", row.as_bytes()].concat()
    }

    pub fn current_key_id(&self) -> &str {
        self.ring.current_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protection() -> EmailProtection {
        EmailProtection::new(DataKeyring::new(&[1; 32], &[]), BlindIndex::new(&[2; 32]))
    }

    #[test]
    fn a_sealed_email_opens_only_for_its_own_row() {
        let p = protection();
        let email = Email::parse("Ada@Example.com").expect("valid");
        let (ada, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let sealed = p.seal(ada, &email).expect("seals");
        assert!(!sealed.to_lowercase().contains("ada@example.com"));
        assert_eq!(p.open(ada, &sealed).expect("opens"), email);
        assert!(p.open(bob, &sealed).is_err());
        assert!(!p.needs_rewrite(&sealed, Some("x")));
        assert!(p.needs_rewrite(&sealed, None));
        assert!(p.needs_rewrite("ada@example.com", Some("x")));
    }

    #[test]
    fn what_opens_is_the_address_sealed_and_a_tampered_one_never_opens() {
        let p = protection();
        let user = Uuid::now_v7();
        let email = Email::parse("Jo\u{0065}\u{0301}@B\u{00fc}cher.DE").expect("valid");
        let sealed = p.seal(user, &email).expect("seals");
        let opened = p.open(user, &sealed).expect("opens");
        assert_eq!(opened, email);
        assert_eq!(
            opened.as_ref(),
            "jo\u{00e9}@xn--bcher-kva.de",
            "the stored form"
        );
        // Anything but the sealed bytes under this context fails to authenticate, so nothing
        // unnormalised can be read back as an address: not another purpose's ciphertext of
        // the same text, not a flipped byte.
        let other = p
            .seal_bytes("token", user, b"Not An Address")
            .expect("seals");
        assert!(p.open(user, &other).is_err());
        let (head, last) = sealed.split_at(sealed.len() - 1);
        let flipped = format!("{head}{}", if last == "A" { "B" } else { "A" });
        assert!(p.open(user, &flipped).is_err());
    }

    #[test]
    fn the_index_ignores_case_because_emails_are_normalised() {
        let p = protection();
        let lower = Email::parse("ada@example.com").expect("valid");
        let upper = Email::parse("ADA@EXAMPLE.COM").expect("valid");
        assert_eq!(p.index(&lower), p.index(&upper));
    }
}
