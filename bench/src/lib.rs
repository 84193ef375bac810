//! What the seed hands the load generator, and the names both use.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub mod cpu;
pub mod fixed_rate;
pub mod report;
pub mod wrk;

/// Every seeded account's password (zxcvbn-strong, so the administrator can have it too).
pub const BENCH_PASSWORD: &str = "bench-Horse-Battery-Staple-2026";
pub const ADMIN_EMAIL: &str = "admin@bench.example";

/// Every post's body, seeded or written under load (about 680 characters), so page 1 (the
/// posts the benchmark wrote, once `POST /api/posts` has run) and page 1,000 (seeded ones)
/// hold rows of the same size.
pub fn post_body() -> String {
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(12)
}

pub fn user_email(i: usize) -> String {
    format!("bench{i}@bench.example")
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Setup {
    pub users: usize,
    pub posts: usize,
    pub comments: usize,
    /// The newest post: page 1's first item, with 40 comments.
    pub post_id: Uuid,
    pub admin_id: Uuid,
    /// The deep page measured (1,000 unless the data set has fewer pages of 20).
    pub deep_page: usize,
    pub deep_cursor: Option<String>,
}
