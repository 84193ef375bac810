//! `AGORA_BASE_URL`: run the tests that only create their own data against a server somewhere
//! else (staging), instead of one started here. Unset, they start their own as every test does.

use crate::{Backend, TestApp, spawn_app};

/// The deployed server named by `AGORA_BASE_URL` (e.g. `http://staging.internal:8080`), else a
/// fresh local one. A remote app has no settings to arrange state with: the tests that use it
/// go through the HTTP API only.
pub async fn app_under_test() -> TestApp {
    match std::env::var("AGORA_BASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        Some(base) => remote(base.trim().trim_end_matches('/')),
        None => spawn_app().await,
    }
}

fn remote(base: &str) -> TestApp {
    // The suite's reqwest has no TLS backend (see README "Delivery pipeline").
    assert!(
        base.starts_with("http://"),
        "AGORA_BASE_URL: expected an http:// URL (the test client speaks no TLS), got '{base}'"
    );
    TestApp {
        address: base.to_owned(),
        settings: agora::Settings::default(),
        port: 0,
        metrics_port: None,
        redirect_port: None,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("HTTP client"),
        backend: Backend::Remote,
        _data_dir: None,
    }
}
