//! What every resource's handlers use: the response and state types, the error types, the
//! extractors, the shared OpenAPI responses and the created/updated answers. Each routes file
//! imports this and then only its own DTOs and domain types.

pub(super) use actix_web::{
    HttpResponse,
    web::{self, Data},
};

pub(super) use super::{created, updated};
pub(super) use crate::{
    dto::page::{self, PageParams},
    error::ApiError,
    extractors::{
        AuthUser, Guarded, Id, JsonBody, MaybeAuthUser, OptionalJsonBody, Preconditions,
        QueryParams, with_etag,
    },
    openapi::responses::{GuardedWrite, Problems, Taken},
    problem_code::code,
    state::AppState,
};
