//! Passwords: bcrypt hashes and zxcvbn strength checks, both CPU-bound and run on a bounded
//! set of slots with threads of their own (`HashSlots`) so a login flood cannot starve other
//! requests.

mod bcrypt_hasher;
mod hash_slots;
mod zxcvbn_strength;

pub use bcrypt_hasher::BcryptHasher;
pub use hash_slots::{HASH_THREAD_PREFIX, HashSlots};
pub use zxcvbn_strength::ZxcvbnStrength;
