//! The black-box tests that only create their own data, so they can run against a deployed
//! server: `AGORA_BASE_URL=http://staging.internal:8080 cargo test -p agora-tests --test remote`
//! (the pipeline's `staging-tests` job). Without `AGORA_BASE_URL` each starts its own server.
//! Together they spend about a dozen authentication requests, within one client's default
//! budget (`RATE_LIMIT_AUTH_PER_MIN`, 20).

mod account;
mod posts;
