//! Protection of personal data at rest: AES-256-GCM under a rotating keyring, keyed blind
//! indexes for look-ups, and where the keys come from; and the MACs of device tokens.

mod blind_index;
mod data_keyring;
mod device_tokens;
mod email_protection;
mod key_material;
mod key_setup;

pub use blind_index::BlindIndex;
pub use data_keyring::{DataKeyring, key_id};
pub use device_tokens::HmacDeviceTokens;
pub use email_protection::EmailProtection;
pub use key_material::{decode_key, generate_key};
pub use key_setup::{BLIND_INDEX_KEY_FILE, DATA_KEY_FILE, email_protection};
