//! Typed helpers for the flows most tests start with.

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{CookieJar, TestApp};

#[derive(Debug, Clone)]
pub struct TestUser {
    pub username: String,
    pub email: String,
    pub password: String,
}

impl TestUser {
    pub fn generate() -> Self {
        // The time prefix keeps creation order; the random tail keeps users made in the same
        // millisecond apart when tests share one server (`AGORA_BASE_URL`).
        let id = Uuid::now_v7().simple().to_string();
        let tag = format!("{}{}", &id[..12], &id[20..26]);
        Self {
            username: format!("user_{tag}"),
            email: format!("user_{tag}@example.com"),
            password: format!("pw-{tag}-long-enough"),
        }
    }
}

/// What a successful login handed out, both as body fields and as cookies.
#[derive(Debug, Clone)]
pub struct Login {
    pub access_token: String,
    pub csrf_token: String,
    pub refresh_cookie: String,
    pub access_cookie: String,
    pub body: Value,
}

impl Login {
    /// The `Cookie` header a browser would send to /api/auth paths.
    pub fn cookie_header(&self) -> String {
        format!(
            "access_token={}; refresh_token={}; csrf_token={}",
            self.access_cookie, self.refresh_cookie, self.csrf_token
        )
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn register(&self, user: &TestUser) -> Response {
        self.post_json(
            "/api/auth/register",
            &json!({"username": user.username, "email": user.email, "password": user.password}),
        )
        .await
    }

    pub async fn registered_user(&self) -> TestUser {
        let user = TestUser::generate();
        let response = self.register(&user).await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "registration failed"
        );
        user
    }

    pub async fn login_response(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn login(&self, user: &TestUser) -> Login {
        let response = self.login_response(&user.email, &user.password).await;
        assert_eq!(response.status(), StatusCode::OK, "login failed");
        login_from(response).await
    }

    /// A registered and logged-in user.
    pub async fn logged_in_user(&self) -> (TestUser, Login) {
        let user = self.registered_user().await;
        let login = self.login(&user).await;
        (user, login)
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path)
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn refresh_with_cookie(&self, refresh_token: &str) -> Response {
        self.request(Method::POST, "/api/auth/refresh")
            .header("Cookie", format!("refresh_token={refresh_token}"))
            .send()
            .await
            .expect("request sent")
    }
}

/// Reads a 200 login/refresh response into a `Login`.
pub async fn login_from(response: Response) -> Login {
    let jar = CookieJar::from_response(&response);
    let body: Value = response.json().await.expect("JSON body");
    Login {
        access_token: body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned(),
        csrf_token: body["csrf_token"].as_str().expect("csrf_token").to_owned(),
        refresh_cookie: jar.value("refresh_token"),
        access_cookie: jar.value("access_token"),
        body,
    }
}

/// Asserts the response is a problem+json with this status and code; returns the body.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "unexpected status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("JSON problem body");
    assert_eq!(body["code"], code, "unexpected problem: {body}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["type"], format!("urn:agora:problem:{code}"));
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

/// A logged-in account of a given kind, for permission tests.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: TestUser,
    pub login: Login,
    pub id: String,
}

impl Actor {
    pub fn token(&self) -> &str {
        &self.login.access_token
    }
}

impl TestApp {
    async fn actor_for(&self, user: TestUser) -> Actor {
        let login = self.login(&user).await;
        let id = login.body["user"]["id"]
            .as_str()
            .expect("user id")
            .to_owned();
        Actor { user, login, id }
    }

    /// A plain user (role `user`).
    pub async fn member(&self) -> Actor {
        let user = self.registered_user().await;
        self.actor_for(user).await
    }

    /// An administrator, made the way an operator makes one: `agora create-admin`'s use case.
    pub async fn admin(&self) -> Actor {
        let user = TestUser::generate();
        agora::admin::create_admin_with_password(
            &self.settings,
            &user.email,
            &user.username,
            &user.password,
        )
        .await
        .expect("create an administrator");
        self.actor_for(user).await
    }

    /// A moderator: a member an administrator granted the role to over the API.
    pub async fn moderator(&self, admin: &Actor) -> Actor {
        let user = self.registered_user().await;
        let login = self.login(&user).await;
        let id = login.body["user"]["id"]
            .as_str()
            .expect("user id")
            .to_owned();
        let response = self
            .send(
                Method::PUT,
                &format!("/api/users/{id}/roles"),
                admin.token(),
                Some(json!({"roles": ["moderator"]})),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "granting moderator failed"
        );
        Actor { user, login, id }
    }

    /// Any request with a bearer token and an optional JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.request(method, path).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent")
    }

    /// Creates a post as `author`; returns its JSON.
    pub async fn create_post(&self, author: &Actor, title: &str) -> Value {
        let response = self
            .send(
                Method::POST,
                "/api/posts",
                author.token(),
                Some(json!({"title": title, "body": "Some text."})),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "creating a post failed"
        );
        response.json().await.expect("post JSON")
    }

    /// Comments on `post_id` as `author`; returns the comment's JSON.
    pub async fn create_comment(&self, author: &Actor, post_id: &str, body: &str) -> Value {
        let response = self
            .send(
                Method::POST,
                &format!("/api/posts/{post_id}/comments"),
                author.token(),
                Some(json!({"body": body})),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "creating a comment failed"
        );
        response.json().await.expect("comment JSON")
    }
}
