//! Compression: big answers go out gzip or brotli when the client allows; the answers that carry
//! a secret next to attacker-influenced content never do (BREACH), whatever the client asks.

use std::io::Read;

use agora_tests::{spawn_app, spawn_app_with};
use reqwest::{Method, StatusCode};
use serde_json::Value;

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

#[tokio::test]
async fn a_list_of_twenty_posts_comes_back_compressed_and_decodes_to_the_same_json() {
    let app = spawn_app().await;
    let author = app.member().await;
    for i in 0..20 {
        app.create_post(&author, &format!("Post number {i} about compression"))
            .await;
    }
    let get = |encoding: Option<&str>| {
        let mut request = app.request(Method::GET, "/api/posts?limit=20");
        if let Some(encoding) = encoding {
            request = request.header("Accept-Encoding", encoding);
        }
        request.send()
    };
    let plain = get(None).await.expect("sent");
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.expect("body");
    let json: Value = serde_json::from_slice(&plain).expect("JSON");
    assert_eq!(json["items"].as_array().map(Vec::len), Some(20));
    assert!(
        plain.len() > 1024,
        "big enough to compress: {}",
        plain.len()
    );

    for (asked, expected, decode) in [
        ("gzip", "gzip", gunzip as fn(&[u8]) -> Vec<u8>),
        ("gzip, deflate, br", "br", unbrotli),
        ("br", "br", unbrotli),
    ] {
        let response = get(Some(asked)).await.expect("sent");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response
                .headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok()),
            Some(expected),
            "asked for {asked}"
        );
        assert!(response.headers().get_all("vary").iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
        }));
        let compressed = response.bytes().await.expect("body");
        assert!(
            compressed.len() < plain.len() / 2,
            "{asked}: {} of {}",
            compressed.len(),
            plain.len()
        );
        let decoded: Value = serde_json::from_slice(&decode(&compressed)).expect("JSON");
        assert_eq!(decoded, json, "{asked} decodes to the same JSON");
    }
}

#[tokio::test]
async fn small_answers_and_unacceptable_encodings_go_out_plain() {
    let app = spawn_app().await;
    let small = app
        .request(Method::GET, "/health/live")
        .header("Accept-Encoding", "gzip, br")
        .send()
        .await
        .expect("sent");
    assert_eq!(small.status(), StatusCode::OK);
    assert!(small.headers().get("content-encoding").is_none());
    let odd = app
        .request(Method::GET, "/api/posts")
        .header("Accept-Encoding", "zstd;q=1, gzip;q=0, br;q=0")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        odd.status(),
        StatusCode::OK,
        "never a 406 for Accept-Encoding"
    );
    assert!(odd.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn login_refresh_and_me_are_never_compressed_even_when_asked() {
    // Every other answer, however small, is compressed here: only the exclusion keeps these out.
    let app = spawn_app_with(|s| s.compress_min_bytes = 0).await;
    let (user, _) = app.logged_in_user().await;
    let control = app
        .request(Method::GET, "/api/posts")
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        control
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip"),
        "an ordinary answer is compressed at COMPRESS_MIN_BYTES=0"
    );
    for encoding in ["gzip", "br", "gzip, deflate, br"] {
        let login = app
            .request(Method::POST, "/api/auth/login")
            .header("Accept-Encoding", encoding)
            .json(&serde_json::json!({
                "email": user.email,
                "password": user.password,
                "include_refresh_token": true,
            }))
            .send()
            .await
            .expect("sent");
        assert_eq!(login.status(), StatusCode::OK);
        assert!(
            login.headers().get("content-encoding").is_none(),
            "login compressed for {encoding}"
        );
    }
    let login = app.login(&user).await;
    for (method, path) in [
        (Method::GET, "/api/users/me"),
        (Method::POST, "/api/auth/refresh"),
    ] {
        for encoding in ["gzip", "br", "gzip, deflate, br"] {
            let response = app
                .request(method.clone(), path)
                .bearer_auth(&login.access_token)
                .header("Cookie", format!("refresh_token={}", login.refresh_cookie))
                .header("X-CSRF-Token", &login.csrf_token)
                .header("Accept-Encoding", encoding)
                .send()
                .await
                .expect("sent");
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            assert!(
                response.headers().get("content-encoding").is_none(),
                "{path} compressed for {encoding}"
            );
        }
    }
}
