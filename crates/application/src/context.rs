//! Who is calling: passed first to every use case, which decides authorization from it.

use domain::{Role, SessionId, UserId};

/// An authenticated caller, as proven by a live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub roles: Vec<Role>,
}

/// What the transport knows of the client, recorded on the sessions it opens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
