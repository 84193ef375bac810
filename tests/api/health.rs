use agora_tests::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn liveness_and_readiness_answer_ok() {
    let app = spawn_app().await;

    let live = app
        .request(Method::GET, "/health/live")
        .send()
        .await
        .expect("sent");
    assert_eq!(live.status(), StatusCode::OK);

    let ready = app
        .request(Method::GET, "/health/ready")
        .send()
        .await
        .expect("sent");
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.expect("json");
    assert_eq!(
        body["checks"],
        json!({"database": true, "session_store": true})
    );
}
