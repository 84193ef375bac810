//! Agora's domain: entities, value objects and the rules that bind them. No I/O, no framework.

mod admins;
mod audit;
mod email;
mod ids;
mod named;
mod password;
mod post;
mod role;
mod session;
mod stamps;
mod text;
mod user;
mod username;

pub use admins::AdminTally;
pub use audit::{AuditAction, AuditEvent, MAX_USER_AGENT_CHARS, UnknownAuditAction};
pub use email::{Email, EmailError};
pub use ids::{CommentId, PostId, SessionId, UserId};
pub use password::{Password, PasswordError, PasswordHash};
pub use post::{Comment, Post};
pub use role::{Role, UnknownRole};
pub use session::{MAX_EARLIER_TOKENS, RefreshCheck, Rotation, Session, SessionParts, TokenDigest};
pub use text::{CommentBody, PostBody, PostTitle, SearchText, TextError};
pub use user::User;
pub use username::{Username, UsernameError};
