//! The OpenAPI 3.1 contract, generated from the handlers and DTOs. `docs/api.yaml` is this,
//! committed; a test fails when the two differ.

#[cfg(test)]
mod contract_tests;
mod operation;
pub(crate) mod responses;
mod shared;

use utoipa::{
    Modify, OpenApi,
    openapi::{
        self, HttpMethod,
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
        server::ServerBuilder,
    },
};

use crate::{
    dto::{account, audit, auth, author, comment, health, post, role, session, user},
    error::{FieldError, Problem},
    routes,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Agora API",
        version = "0.1.0",
        description = "Accounts, authentication, roles, posts and comments. Every error is \
            `application/problem+json` with a stable `code`.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    paths(
        routes::auth::register,
        routes::auth::login,
        routes::auth::refresh,
        routes::auth::logout,
        routes::account::verify_email,
        routes::account::resend_verification,
        routes::account::request_password_reset,
        routes::account::confirm_password_reset,
        routes::account::confirm_email_change,
        routes::sessions::list_sessions,
        routes::sessions::end_session,
        routes::sessions::logout_all,
        routes::users::me,
        routes::users::list_users,
        routes::users::get_user,
        routes::users::update_user,
        routes::users::change_password,
        routes::users::delete_user,
        routes::users::set_roles,
        routes::users::end_user_sessions,
        routes::users::list_roles,
        routes::posts::list_posts,
        routes::posts::get_post,
        routes::posts::create_post,
        routes::posts::update_post,
        routes::posts::delete_post,
        routes::comments::list_comments,
        routes::comments::create_comment,
        routes::comments::get_comment,
        routes::comments::update_comment,
        routes::comments::delete_comment,
        routes::audit::list_audit_events,
        routes::health::live,
        routes::health::ready,
    ),
    components(schemas(
        Problem,
        FieldError,
        auth::RegisterRequest,
        auth::LoginRequest,
        auth::RefreshRequest,
        auth::TokenResponse,
        auth::TokenType,
        account::TokenRequest,
        account::PasswordResetRequest,
        account::PasswordResetConfirmRequest,
        account::ResetAccepted,
        user::UserResponse,
        user::RoleName,
        user::UserProfile,
        user::UserPage,
        user::UpdateUserRequest,
        user::ChangePasswordRequest,
        user::DeleteAccountRequest,
        user::SetRolesRequest,
        role::RoleResponse,
        role::RoleList,
        author::AuthorResponse,
        post::PostResponse,
        post::PostSummaryResponse,
        post::PostPage,
        post::PostRequest,
        comment::CommentResponse,
        comment::CommentPage,
        comment::CommentRequest,
        session::SessionResponse,
        session::SessionList,
        audit::AuditActionName,
        audit::AuditEventResponse,
        audit::AuditPage,
        health::Liveness,
        health::ReadinessResponse,
        health::ReadinessChecks,
    )),
    modifiers(&SecuritySchemes, &StandardErrors),
    tags(
        (name = "auth", description = "Registration, login, token refresh, logout, email verification, password reset, email change confirmation"),
        (name = "sessions", description = "The caller's sessions, one per device"),
        (name = "users", description = "Accounts and roles"),
        (name = "posts", description = "Posts"),
        (name = "comments", description = "Comments on posts"),
        (name = "audit", description = "The trail of security events (administrators)"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

pub fn openapi() -> openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn openapi_yaml() -> anyhow::Result<String> {
    openapi()
        .to_yaml()
        .map_err(|e| anyhow::anyhow!("serialising the OpenAPI document: {e}"))
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("The `access_token` from login or refresh."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "access_token",
                "Set by login and refresh. Unsafe methods also need the `X-CSRF-Token` header.",
            ))),
        );
        components.add_security_scheme(
            "refresh_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "refresh_token",
                "HttpOnly, sent only to /api/auth.",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The `csrf_token` from login or refresh (also its cookie): required beside the \
                 `cookie` scheme on unsafe methods, and beside `refresh_cookie` on logout.",
            ))),
        );
    }
}

/// Adds what operations share (see `shared`): errors by reference, headers, preconditions,
/// CSRF, optional bodies and examples; and where the API is served.
struct StandardErrors;

impl Modify for StandardErrors {
    fn modify(&self, doc: &mut openapi::OpenApi) {
        shared::components(doc);
        doc.servers = Some(vec![
            ServerBuilder::new()
                .url("/")
                .description(Some("The server that serves this document"))
                .build(),
        ]);
        for (path, item) in doc.paths.paths.iter_mut() {
            for (method, operation) in [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
                (HttpMethod::Put, item.put.as_mut()),
                (HttpMethod::Patch, item.patch.as_mut()),
                (HttpMethod::Delete, item.delete.as_mut()),
            ] {
                if let Some(operation) = operation {
                    operation::complete(path, method, operation);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The bounds the contract states for request fields must be what the domain enforces, or
    //! the fuzzer (and every client generated from the contract) is told something false.

    use domain::{CommentBody, Password, PostBody, PostTitle, Username};
    use serde_json::Value;

    fn property(schema: &str, field: &str) -> Value {
        let doc = serde_json::to_value(super::openapi()).expect("serialises");
        doc["components"]["schemas"][schema]["properties"][field].clone()
    }

    fn bound(schema: &str, field: &str, keyword: &str) -> usize {
        property(schema, field)[keyword]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_else(|| panic!("{schema}.{field} documents {keyword}"))
    }

    fn assert_length_bounds(schema: &str, field: &str, accepts: impl Fn(&str) -> bool) {
        let property = property(schema, field);
        if property.get("minLength").is_some() {
            let min = bound(schema, field, "minLength");
            assert!(accepts(&"a".repeat(min)), "{schema}.{field}: minLength");
            assert!(
                min == 0 || !accepts(&"a".repeat(min - 1)),
                "{schema}.{field}: minLength"
            );
        }
        let max = bound(schema, field, "maxLength");
        assert!(accepts(&"a".repeat(max)), "{schema}.{field}: maxLength");
        assert!(
            !accepts(&"a".repeat(max + 1)),
            "{schema}.{field}: maxLength"
        );
    }

    #[test]
    fn documented_lengths_are_the_domain_s() {
        let username = |s: &str| Username::parse(s).is_ok();
        assert_length_bounds("RegisterRequest", "username", username);
        assert_length_bounds("UpdateUserRequest", "username", username);
        let password = |s: &str| Password::parse(s).is_ok();
        assert_length_bounds("RegisterRequest", "password", password);
        assert_length_bounds("ChangePasswordRequest", "new_password", password);
        assert_length_bounds("PostRequest", "title", |s| PostTitle::parse(s).is_ok());
        assert_length_bounds("PostRequest", "body", |s| PostBody::parse(s).is_ok());
        assert_length_bounds("CommentRequest", "body", |s| CommentBody::parse(s).is_ok());
    }

    #[test]
    fn documented_text_pattern_refuses_the_control_characters_the_domain_refuses() {
        let pattern = property("PostRequest", "title")["pattern"]
            .as_str()
            .expect("a pattern")
            .to_owned();
        assert_eq!(
            pattern,
            property("PostRequest", "body")["pattern"]
                .as_str()
                .expect("a pattern")
        );
        // The pattern is `^[^<ranges>]*$`: every char the domain refuses as a control
        // character lies in a documented range, and newline and tab lie in none.
        let ranges: Vec<(u32, u32)> = pattern
            .trim_start_matches("^[^")
            .trim_end_matches("]*$")
            .split("\\u")
            .filter(|s| !s.is_empty())
            .map(|s| u32::from_str_radix(s.trim_end_matches('-'), 16).expect("hex"))
            .collect::<Vec<_>>()
            .chunks(2)
            .map(|pair| (pair[0], pair[1]))
            .collect();
        let documented = |c: char| {
            ranges
                .iter()
                .any(|&(lo, hi)| (lo..=hi).contains(&(c as u32)))
        };
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let refused = PostTitle::parse(&format!("a{c}")).is_err();
            assert_eq!(refused, documented(c), "U+{:04X}", c as u32);
        }
    }
}
