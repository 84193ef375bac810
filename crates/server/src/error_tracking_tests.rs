use std::sync::Mutex;

use sentry::{
    Envelope, Hub, Transport,
    protocol::{Exception, Request, User},
};

use super::*;

const EMAIL: &str = "victim.name+tag@example.com";
const PASSWORD: &str = "correct horse battery staple";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLWJ5dGVz";
const BCRYPT: &str = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";
const COOKIE: &str = "refresh-cookie-value-4f9a";

/// Every secret, in every place an event can carry text.
fn leaky_event() -> Event<'static> {
    let mut event = Event {
        message: Some(format!(
            "login failed for {EMAIL} with password={PASSWORD}, Authorization: Bearer {JWT}"
        )),
        transaction: Some("POST /api/auth/login".into()),
        user: Some(User {
            email: Some(EMAIL.into()),
            ..User::default()
        }),
        request: Some(Request {
            url: format!("https://api.agora.test/api/users?email={EMAIL}")
                .parse()
                .ok(),
            data: Some(format!(r#"{{"email":"{EMAIL}","password":"{PASSWORD}"}}"#)),
            query_string: Some(format!("email={EMAIL}")),
            cookies: Some(format!("refresh_token={COOKIE}")),
            headers: [
                ("Authorization".to_owned(), format!("Bearer {JWT}")),
                ("Cookie".to_owned(), format!("refresh_token={COOKIE}")),
            ]
            .into_iter()
            .collect(),
            ..Request::default()
        }),
        ..Event::default()
    };
    event.exception.values.push(Exception {
        ty: "DbErr".into(),
        value: Some(format!(
            "Failing row contains ({EMAIL}, {BCRYPT}); \"token\": \"{COOKIE}\""
        )),
        ..Exception::default()
    });
    event.tags.insert("request_id".into(), "req-1".into());
    event.tags.insert("route".into(), "/api/auth/login".into());
    event.tags.insert("csrf_token".into(), COOKIE.into());
    event.extra.insert("password".into(), PASSWORD.into());
    event
        .extra
        .insert("note".into(), format!("sent to {EMAIL}").into());
    event.contexts.insert(
        "Rust Tracing Fields".into(),
        Context::Other(
            [
                (
                    "error".to_owned(),
                    Value::from(format!("user {EMAIL} hash {BCRYPT}")),
                ),
                ("refresh_token".to_owned(), Value::from(COOKIE)),
                (
                    "nested".to_owned(),
                    serde_json::json!({"list": [format!("Bearer {JWT}")], "email": EMAIL}),
                ),
            ]
            .into_iter()
            .collect(),
        ),
    );
    event.breadcrumbs.values.push(Breadcrumb {
        message: Some(format!("cookie={COOKIE}")),
        data: [("body".to_owned(), Value::from(PASSWORD))]
            .into_iter()
            .collect(),
        ..Breadcrumb::default()
    });
    event
}

fn assert_no_secret(text: &str) {
    for secret in [EMAIL, PASSWORD, JWT, BCRYPT, COOKIE, "example.com"] {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
}

#[test]
fn no_email_password_token_cookie_or_body_survives_the_scrub() {
    let event = scrub_event(leaky_event());
    let text = serde_json::to_string(&event).expect("serialises");
    assert_no_secret(&text);
    // What the event is for stays.
    assert_eq!(event.tags["request_id"], "req-1");
    assert_eq!(event.tags["route"], "/api/auth/login");
    assert_eq!(event.transaction.as_deref(), Some("POST /api/auth/login"));
    assert_eq!(
        event.message.as_deref(),
        Some("login failed for [Filtered] with password=[Filtered], Authorization: [Filtered]")
    );
    let request = event.request.expect("kept without its data");
    assert!(request.data.is_none() && request.cookies.is_none());
    assert!(request.headers.is_empty());
}

#[test]
fn free_text_secrets_are_found_in_their_usual_spellings() {
    for (raw, kept) in [
        (
            "user Ada@Example.ORG not found",
            "user [Filtered] not found",
        ),
        ("jörg@bücher.de", "[Filtered]"),
        (
            "authorization: Basic YWRhOnNlY3JldA==",
            "authorization: [Filtered]",
        ),
        ("sent Bearer abc.def-ghi", "sent Bearer [Filtered]"),
        (
            r#"{"password": "hunter2 and more"}"#,
            r#"{"password": "[Filtered]"}"#,
        ),
        ("token='abc def' kept", "token='[Filtered]' kept"),
        (
            "route /api/posts/{id} answered 500",
            "route /api/posts/{id} answered 500",
        ),
    ] {
        assert_eq!(scrub_text(raw), kept, "{raw}");
    }
}

/// Collects what the client would send.
#[derive(Default)]
struct Captured(Mutex<Vec<Envelope>>);

impl Transport for Captured {
    fn send_envelope(&self, envelope: Envelope) {
        self.0.lock().expect("lock").push(envelope);
    }
}

#[test]
fn a_panic_is_reported_with_the_request_scope_release_and_environment_and_scrubbed() {
    let captured = Arc::new(Captured::default());
    let mut options = sentry::apply_defaults(options(
        "http://key@127.0.0.1:9/1".parse().expect("a DSN"),
        "production",
    ));
    options.transport = Some(Arc::new(captured.clone()));
    // Creating the client installs the panic hook (the `panic` integration).
    let client = Arc::new(sentry::Client::from(options));
    let hub = Arc::new(Hub::new(Some(client.clone()), Arc::default()));
    hub.configure_scope(|scope| {
        scope.set_tag("request_id", "req-panic");
        scope.set_tag("route", "/api/posts/{id}");
    });
    let outcome = Hub::run(hub, || {
        std::panic::catch_unwind(|| panic!("handler blew up on {EMAIL} with token={COOKIE}"))
    });
    assert!(outcome.is_err(), "it panicked");
    client.flush(Some(std::time::Duration::from_secs(2)));

    let envelopes = captured.0.lock().expect("lock");
    let event = envelopes
        .iter()
        .find_map(Envelope::event)
        .expect("the panic was reported");
    assert_eq!(event.tags["request_id"], "req-panic");
    assert_eq!(event.tags["route"], "/api/posts/{id}");
    assert_eq!(event.release.as_deref(), Some(release().as_str()));
    assert!(release().starts_with(concat!("agora@", env!("CARGO_PKG_VERSION"))));
    assert_eq!(event.environment.as_deref(), Some("production"));
    let text = serde_json::to_string(event).expect("serialises");
    assert!(text.contains("handler blew up on [Filtered]"), "{text}");
    assert_no_secret(&text);
}
