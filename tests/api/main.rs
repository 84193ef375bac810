//! Black-box tests: the real server on a random loopback port, driven over HTTP. They run on
//! SQLite + memory by default, and on PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set.

mod account_mail;
mod audit;
mod comment_counts;
mod comments;
mod compression;
mod concurrent_writes;
mod connections;
mod contract;
mod cookies_and_csrf;
mod cors;
mod errors_and_headers;
mod etags;
mod health;
mod limits;
mod load_shedding;
mod lockout;
mod login;
mod logout;
mod metrics;
mod pagination;
mod path_spellings;
mod permissions;
mod pii;
mod posts;
mod query_plans;
mod rate_limits;
mod reauthentication;
mod refresh;
mod register;
mod sessions;
mod stored_values;
mod tls;
mod users;
