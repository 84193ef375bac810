//! Protection of personal data at rest: AES-256-GCM under a rotating keyring, keyed blind
//! indexes for look-ups, and where the keys come from; the MACs of device tokens; and the
//! signed access tokens (HS256 JWTs).

mod blind_index;
mod data_keyring;
mod device_tokens;
mod email_protection;
mod jwt_tokens;
mod key_material;
mod key_setup;

pub use blind_index::BlindIndex;
pub use data_keyring::{DataKeyring, key_id};
pub use device_tokens::HmacDeviceTokens;
pub use email_protection::EmailProtection;
pub use jwt_tokens::JwtTokens;
pub use key_material::{decode_key, generate_key};
pub use key_setup::{BLIND_INDEX_KEY_FILE, DATA_KEY_FILE, email_protection};
