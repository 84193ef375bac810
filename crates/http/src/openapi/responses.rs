//! The problem responses an operation lists in its `#[utoipa::path]`, named by code, never by
//! prose: `Problems<(code::Forbidden, code::NotFound)>` documents a response per status with
//! each code's meaning and example (see `shared::problem_response`). The per-operation pass
//! then adds the codes every operation of its kind can answer with (a body's, credentials',
//! CSRF's, the rate limit's) and refers to a shared response where the set is a shared one.
//!
//! An operation lists one `Problems<...>` (two would replace each other's statuses); the code
//! sets several operations share are named here as tuples.

use std::{collections::BTreeMap, marker::PhantomData};

use utoipa::{
    IntoResponses,
    openapi::{RefOr, Response},
};

use super::shared::problem_response;
use crate::problem_code::{Codes, ProblemCode, code};

/// The problem responses for the codes `C` names: one response per status.
pub struct Problems<C>(PhantomData<C>);

impl<C: Codes> IntoResponses for Problems<C> {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut by_status: BTreeMap<u16, Vec<ProblemCode>> = BTreeMap::new();
        for code in C::codes() {
            let codes = by_status.entry(code.status().as_u16()).or_default();
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        by_status
            .into_iter()
            .map(|(status, codes)| (status.to_string(), RefOr::T(problem_response(&codes))))
            .collect()
    }
}

/// An edit or delete of a post or comment: permission, existence and the `If-Match` guard.
pub type GuardedWrite = (code::Forbidden, code::NotFound, code::PreconditionFailed);

/// Another account holds the username or the email.
pub type Taken = (code::UsernameTaken, code::EmailTaken);
