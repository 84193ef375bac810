//! `PasswordStrength` with zxcvbn: its dictionaries, keyboard patterns and the account's own
//! words estimate the guesses a password takes; below `min_score` it is refused. The estimate
//! (up to ~0.5 s for a long l33t password) runs in the password-hashing slots, never on the
//! async workers, under the same bounded wait.

use std::sync::Arc;

use application::{
    DependencyError,
    ports::{PasswordStrength, WeakPassword},
};
use async_trait::async_trait;
use domain::Password;

use crate::HashSlots;

pub struct ZxcvbnStrength {
    /// 0 (anything) ..= 4 (very hard to guess).
    min_score: u8,
    slots: Arc<HashSlots>,
}

impl ZxcvbnStrength {
    pub fn new(min_score: u8, slots: Arc<HashSlots>) -> Self {
        Self {
            min_score: min_score.min(4),
            slots,
        }
    }
}

#[async_trait]
impl PasswordStrength for ZxcvbnStrength {
    async fn check(
        &self,
        password: &Password,
        account_words: &[&str],
    ) -> Result<Result<(), WeakPassword>, DependencyError> {
        let password = password.expose().to_owned();
        let words: Vec<String> = account_words.iter().map(|w| (*w).to_owned()).collect();
        let min_score = self.min_score;
        self.slots
            .run(move || {
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                Ok(judge(&password, &words, min_score))
            })
            .await
    }
}

/// The estimate itself: CPU-heavy, so only ever called in a slot (or a test).
fn judge(password: &str, account_words: &[&str], min_score: u8) -> Result<(), WeakPassword> {
    let estimate = zxcvbn::zxcvbn(password, account_words);
    if u8::from(estimate.score()) >= min_score {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str, words: &[&str]) -> Result<(), WeakPassword> {
        Password::parse(password).expect("valid length");
        judge(password, words, 3)
    }

    #[tokio::test]
    async fn the_estimate_runs_in_the_slots_and_is_shed_when_they_stay_busy() {
        use std::time::Duration;
        let slots = Arc::new(HashSlots::new(1, Duration::from_millis(20)).expect("threads start"));
        let strength = ZxcvbnStrength::new(3, slots.clone());
        let strong = Password::parse("correct horse battery staple plum").expect("valid");
        assert_eq!(strength.check(&strong, &[]).await.expect("judged"), Ok(()));
        let weak = Password::parse("password123").expect("valid");
        assert!(strength.check(&weak, &[]).await.expect("judged").is_err());

        let busy = slots.occupy(Duration::from_millis(300));
        tokio::time::sleep(Duration::from_millis(30)).await;
        let shed = strength.check(&strong, &[]).await;
        assert!(shed.is_err_and(|e| e.is_unavailable()));
        busy.await.expect("joined").expect("ran");
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
