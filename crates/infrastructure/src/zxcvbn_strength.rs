//! `PasswordStrength` with zxcvbn: its dictionaries, keyboard patterns and the account's own
//! words estimate the guesses a password takes; below `min_score` it is refused.

use application::ports::{PasswordStrength, WeakPassword};
use domain::Password;

pub struct ZxcvbnStrength {
    /// 0 (anything) ..= 4 (very hard to guess).
    min_score: u8,
}

impl ZxcvbnStrength {
    pub fn new(min_score: u8) -> Self {
        Self {
            min_score: min_score.min(4),
        }
    }
}

impl PasswordStrength for ZxcvbnStrength {
    fn check(&self, password: &Password, account_words: &[&str]) -> Result<(), WeakPassword> {
        let estimate = zxcvbn::zxcvbn(password.expose(), account_words);
        if u8::from(estimate.score()) >= self.min_score {
            return Ok(());
        }
        let mut reason = String::from("is too easy to guess");
        if let Some(feedback) = estimate.feedback() {
            if let Some(warning) = feedback.warning() {
                reason.push_str(&format!(": {warning}"));
            }
            for suggestion in feedback.suggestions() {
                reason.push_str(&format!(" {suggestion}"));
            }
        }
        Err(WeakPassword(reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str, words: &[&str]) -> Result<(), WeakPassword> {
        ZxcvbnStrength::new(3).check(&Password::parse(password).expect("valid length"), words)
    }

    #[test]
    fn common_and_personal_passwords_are_refused_with_a_reason() {
        for weak in [
            "password",
            "password123",
            "qwertyuiop",
            "11111111",
            "iloveyou1",
        ] {
            let err = check(weak, &[]).expect_err(weak);
            assert!(err.0.starts_with("is too easy to guess"), "{err}");
        }
        let personal = check("ada.lovelace1815", &["ada.lovelace1815", "ada@example.com"]);
        assert!(personal.is_err(), "the account's own words count as known");
    }

    #[test]
    fn long_unpredictable_passwords_pass() {
        check("pw-5f3a9c1e77d2-long-enough", &["user_5f3a9c1e77d2"]).expect("strong");
        check("correct horse battery staple plum", &[]).expect("strong");
    }
}
