//! Authorization: named permissions granted to roles (in one place), and one policy function
//! per resource that decides (actor, action, resource).

mod permission;
mod policy;

pub use permission::{Permission, permissions_of};
pub use policy::{
    ContentAction, ContentKind, Forbidden, UserAction, authorize_audit, authorize_content,
    authorize_user,
};
