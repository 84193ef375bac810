//! The refresh token a client presents to `/api/auth/refresh` and `/api/auth/logout`: in a
//! JSON body (native clients) or in the `refresh_token` cookie (browsers). Where it came from
//! decides how the answer travels back: a body gets a body, a cookie gets cookies.

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::future::LocalBoxFuture;

use super::OptionalJsonBody;
use crate::{dto::auth::RefreshRequest, error::ApiError, routes::cookies};

/// Where a refresh token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `{"refresh_token": ...}`: the answer carries the new refresh token in its body.
    Body,
    /// The `refresh_token` cookie: the answer sets or clears cookies.
    Cookie,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshCredential {
    /// A body wins over the cookie; a cookie counts even when empty (and then fails as invalid).
    Presented {
        token: String,
        via: Via,
    },
    Absent,
}

impl RefreshCredential {
    fn of(req: &HttpRequest, body: Option<RefreshRequest>) -> Self {
        let (token, via) = match (body, req.cookie(cookies::REFRESH)) {
            (Some(body), _) => (body.refresh_token, Via::Body),
            (None, Some(cookie)) => (cookie.value().to_owned(), Via::Cookie),
            (None, None) => return Self::Absent,
        };
        Self::Presented { token, via }
    }
}

/// A malformed body fails like `OptionalJsonBody` (415, 413 or 422); a missing token is no
/// failure here, since the handlers answer its absence differently.
impl FromRequest for RefreshCredential {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = OptionalJsonBody::<RefreshRequest>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let OptionalJsonBody(body) = body.await?;
            Ok(Self::of(&req, body))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{cookie::Cookie, http::header, test::TestRequest};

    async fn extract(req: TestRequest) -> Result<RefreshCredential, ApiError> {
        let (req, mut payload) = req.to_http_parts();
        RefreshCredential::from_request(&req, &mut payload).await
    }

    fn presented(token: &str, via: Via) -> RefreshCredential {
        RefreshCredential::Presented {
            token: token.to_owned(),
            via,
        }
    }

    fn json(body: &'static str) -> TestRequest {
        TestRequest::post()
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(body)
    }

    #[actix_web::test]
    async fn a_body_wins_over_the_cookie() {
        let req = json(r#"{"refresh_token":"from-body"}"#)
            .cookie(Cookie::new(cookies::REFRESH, "from-cookie"));
        assert_eq!(
            extract(req).await.expect("extracts"),
            presented("from-body", Via::Body)
        );
    }

    #[actix_web::test]
    async fn without_a_body_the_cookie_counts_even_when_empty() {
        let req = TestRequest::post().cookie(Cookie::new(cookies::REFRESH, "from-cookie"));
        assert_eq!(
            extract(req).await.expect("extracts"),
            presented("from-cookie", Via::Cookie)
        );
        let empty = TestRequest::post().cookie(Cookie::new(cookies::REFRESH, ""));
        assert_eq!(
            extract(empty).await.expect("extracts"),
            presented("", Via::Cookie)
        );
        assert_eq!(
            extract(TestRequest::post()).await.expect("extracts"),
            RefreshCredential::Absent
        );
    }

    #[actix_web::test]
    async fn a_malformed_body_fails_even_beside_a_cookie() {
        let req = json(r#"{"refresh_token":"#).cookie(Cookie::new(cookies::REFRESH, "c"));
        let err = extract(req).await.expect_err("malformed");
        assert_eq!(err.code(), "malformed_json");
    }
}
