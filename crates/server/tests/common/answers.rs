//! Reading the server's answers in process-level tests.
// Each test binary that includes this file uses only part of it.
#![allow(dead_code)]

use serde_json::Value;

/// Sends `request` and reads its answer as JSON.
pub async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON")
}
