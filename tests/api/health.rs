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

#[tokio::test]
async fn hammering_readiness_still_answers_correctly_from_the_one_second_cache() {
    let app = spawn_app().await;
    let started = std::time::Instant::now();
    let answers = futures_util::future::join_all((0..200).map(|_| async {
        let ready = app
            .request(Method::GET, "/health/ready")
            .send()
            .await
            .expect("sent");
        let status = ready.status();
        let body: Value = ready.json().await.expect("json");
        (status, body)
    }))
    .await;
    for (status, body) in answers {
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body["checks"],
            json!({"database": true, "session_store": true})
        );
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "200 probes took {:?}",
        started.elapsed()
    );
}
