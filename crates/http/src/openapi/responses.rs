//! Response sets several operations declare alike, as `IntoResponses` types a `#[utoipa::path]`
//! lists beside its own responses: each is the problem responses, with the same descriptions,
//! that the operation would otherwise spell out.

use std::collections::BTreeMap;

use utoipa::{
    IntoResponses,
    openapi::{ContentBuilder, RefOr, Response, ResponseBuilder, schema::Ref},
};

use crate::error::PROBLEM_JSON;

/// Problem responses: (status, description naming the codes).
fn problems(list: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    list.iter()
        .map(|&(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build();
            let response = ResponseBuilder::new()
                .description(description)
                .content(PROBLEM_JSON, content)
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// `404 not_found`: the resource the path names does not exist (or the caller may not see it).
pub struct NotFound;

impl IntoResponses for NotFound {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[(404, "`not_found`")])
    }
}

/// `422 validation_failed` on a list without filters: a bad `limit` or `cursor`.
pub struct InvalidPage;

impl IntoResponses for InvalidPage {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[(422, "`validation_failed`: bad `limit` or `cursor`")])
    }
}

/// An edit or delete of a post or comment: permission, existence and the `If-Match` guard.
pub struct GuardedWrite;

impl IntoResponses for GuardedWrite {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[
            (403, "`forbidden`, or `csrf_failed`"),
            (404, "`not_found`"),
            (412, "`precondition_failed`: `If-Match` is stale"),
        ])
    }
}

/// Publishing a post or comment: a verified address may be required.
pub struct PublishForbidden;

impl IntoResponses for PublishForbidden {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[(
            403,
            "`email_not_verified` (with `REQUIRE_VERIFIED_EMAIL`) or `csrf_failed`",
        )])
    }
}

/// `412 precondition_failed`: the `If-Match` sent no longer matches.
pub struct StaleIfMatch;

impl IntoResponses for StaleIfMatch {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        problems(&[(412, "`precondition_failed`: `If-Match` is stale")])
    }
}
