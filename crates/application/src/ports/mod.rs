//! The ports: what the use cases need from the outside world. Each is object-safe and held as
//! `Arc<dyn Port>`, so the composition root picks adapters from configuration. One file per
//! port family; everything is re-exported here, so callers name `ports::X`.

mod audit;
mod credentials;
mod mail;
mod repositories;
mod runtime;
mod sessions;
mod throttle;
mod tokens;

pub use audit::{AuditFilter, AuditLog};
pub use credentials::{
    AccessClaims, AccessTokens, DeviceTokens, InvalidToken, PasswordHasher, PasswordStrength,
    WeakPassword,
};
pub use mail::{Mail, MailError, MailOutbox, Mailer, QueuedMail};
pub use repositories::{
    AdminChange, AdminGuard, AdminRule, CommentRepository, PostFilter, PostRepository, UserFilter,
    UserRepository,
};
pub use runtime::{BackgroundTask, Clock, TaskSpawner};
pub use sessions::SessionStore;
pub use throttle::{LoginAttempts, RateLimiter, Reservation};
pub use tokens::{AccountToken, AccountTokens, TokenPurpose};
