//! `DeviceTokens` as `device id . expiry . HMAC-SHA256(account, device id, expiry)`.

use application::ports::DeviceTokens;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

pub struct HmacDeviceTokens {
    key: SecretSlice<u8>,
}

impl HmacDeviceTokens {
    /// The key is derived from `secret` (`JWT_SECRET`), so one secret serves every token kind.
    pub fn derived_from(secret: &[u8]) -> Self {
        let mut mac = new_mac(secret);
        mac.update(b"agora/device-key/v1");
        Self {
            key: SecretSlice::from(mac.finalize().into_bytes().to_vec()),
        }
    }

    /// The MAC over everything a device token binds: the account, the device id, the expiry.
    fn mac(&self, account: &str, device: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = new_mac(self.key.expose_secret());
        for part in [account, device, &expires.to_string()] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }
}

fn new_mac(key: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

impl DeviceTokens for HmacDeviceTokens {
    fn issue(&self, account: &str, expires_at: DateTime<Utc>) -> String {
        let device = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
        let expires = expires_at.timestamp();
        let tag = self.mac(account, &device, expires).finalize().into_bytes();
        format!("{device}.{expires}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    fn verify(&self, token: &str, account: &str, now: DateTime<Utc>) -> Option<String> {
        let mut parts = token.trim().splitn(3, '.');
        let (device, expires, tag) = (parts.next()?, parts.next()?, parts.next()?);
        let expires: i64 = expires.parse().ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac(account, device, expires).verify_slice(&tag).ok()?;
        (expires > now.timestamp()).then(|| device.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn device_tokens_bind_the_account_and_refuse_tampering_and_expiry() {
        let tokens = HmacDeviceTokens::derived_from(SECRET);
        let now = Utc::now();
        let token = tokens.issue("account-a", now + Duration::days(1));
        let device = tokens
            .verify(&token, "account-a", now)
            .expect("valid for its account");
        assert!(token.starts_with(&device));
        assert_eq!(tokens.verify(&token, "account-b", now), None);
        assert_eq!(
            tokens.verify(&token, "account-a", now + Duration::days(2)),
            None,
            "expired"
        );
        let (head, tag) = token.rsplit_once('.').expect("three parts");
        let mut forged = format!("{head}.{tag}");
        forged.replace_range(0..1, if forged.starts_with('A') { "B" } else { "A" });
        assert_eq!(tokens.verify(&forged, "account-a", now), None);
        let later = format!(
            "{}.{}.{tag}",
            device,
            (now + Duration::days(400)).timestamp()
        );
        assert_eq!(tokens.verify(&later, "account-a", now), None);
        let other_key = HmacDeviceTokens::derived_from(b"another secret of enough length!!");
        assert_eq!(other_key.verify(&token, "account-a", now), None);
        assert_eq!(tokens.verify("garbage", "account-a", now), None);
    }
}
