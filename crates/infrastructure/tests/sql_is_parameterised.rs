//! Every SQL statement the server runs goes through sea-orm's query builder, which binds every
//! value as a parameter. This test fails when raw SQL appears anywhere in the server's or the
//! migrations' source, except the few reviewed statements below that carry no input at all.

use std::{fs, path::Path};

/// Ways to hand a database a string of SQL.
const RAW_SQL: &[&str] = &[
    "execute_unprepared(",
    "Statement::from_string(",
    "from_sql_and_values(",
    "Expr::cust(",
    "Expr::cust_with_values(",
    "sqlx::query(",
    "query_one_raw(",
    "query_all_raw(",
    "execute_raw(",
    // Text added to a statement the builder made.
    "write!(statement.sql",
    ".sql.push_str(",
    ".sql +=",
];

/// (file, the exact line) reviewed: fixed text with no value from outside, or values bound as
/// parameters (`$1`).
const REVIEWED: &[(&str, &str)] = &[
    (
        "crates/infrastructure/src/sql/database.rs",
        r#"db.execute_unprepared("PRAGMA journal_mode = WAL")"#,
    ),
    (
        "crates/infrastructure/src/sql/database.rs",
        "txn.execute_raw(Statement::from_sql_and_values(",
    ),
    // The circuit breaker's handle passes on statements built elsewhere, unchanged.
    (
        "crates/infrastructure/src/sql/db.rs",
        "async fn execute_raw(&self, stmt: Statement)",
    ),
    (
        "crates/infrastructure/src/sql/db.rs",
        "self.guard(self.conn.execute_raw(stmt)).await",
    ),
    (
        "crates/infrastructure/src/sql/db.rs",
        "async fn execute_unprepared(&self, sql: &str)",
    ),
    (
        "crates/infrastructure/src/sql/db.rs",
        "self.guard(self.conn.execute_unprepared(sql)).await",
    ),
    (
        "crates/infrastructure/src/sql/db.rs",
        "async fn query_one_raw(&self, stmt: Statement)",
    ),
    (
        "crates/infrastructure/src/sql/db.rs",
        "async fn query_all_raw(&self, stmt: Statement)",
    ),
    // `Db::routed`: a lone `SELECT` to SQLite's readers, any other statement to the writer; a
    // replica's unreachable answer asks the primary the same statement.
    (
        "crates/infrastructure/src/sql/db.rs",
        "self.routed(stmt, |conn, stmt| conn.query_one_raw(stmt))",
    ),
    (
        "crates/infrastructure/src/sql/db.rs",
        "self.routed(stmt, |conn, stmt| conn.query_all_raw(stmt))",
    ),
    (
        "migrations/src/m20261125_000001_create_users.rs",
        ".execute_unprepared(",
    ),
    (
        "migrations/src/m20261125_000006_protect_user_emails.rs",
        r#".execute_unprepared("ALTER TABLE users ALTER COLUMN email TYPE text")"#,
    ),
    (
        "migrations/src/m20261125_000006_protect_user_emails.rs",
        r#".execute_unprepared("ALTER TABLE users ALTER COLUMN email TYPE varchar(255)")"#,
    ),
    (
        "migrations/src/m20261126_180100_posts_title_trigram_index.rs",
        ".execute_unprepared(CREATE_TRIGRAM_INDEX)",
    ),
    (
        "migrations/src/m20261126_180100_posts_title_trigram_index.rs",
        r#".execute_unprepared("DROP INDEX IF EXISTS posts_title_trgm_idx")"#,
    ),
    // Fixed DDL (the FTS5 table and its triggers), no value from outside.
    (
        "migrations/src/m20261127_000011_posts_title_search_index.rs",
        ".execute_unprepared(&statement)",
    ),
    (
        "migrations/src/m20261127_000011_posts_title_search_index.rs",
        ".execute_unprepared(statement)",
    ),
    // `LIMIT n` after a built query: `n` is a `u64` the adapter computes from the page size
    // (SQLite re-prepares a statement whose `LIMIT ?` is bound), never request text.
    (
        "crates/infrastructure/src/sql/limit.rs",
        r#"let _ = write!(statement.sql, " LIMIT {limit}");"#,
    ),
    // A statement's SQL the builder made once (`Prepared`), its values bound as parameters
    // again on each run; an account found by such a statement.
    (
        "crates/infrastructure/src/sql/prepared.rs",
        "Statement::from_sql_and_values(self.backend, self.sql.clone(), values)",
    ),
    // SQLite's folded page: the builder's statement inside fixed text made of the row type's
    // field names (`json_group_array(json_array(..))`), its values bound as they were.
    (
        "crates/infrastructure/src/sql/folded.rs",
        ".query_one_raw(Statement { sql, ..statement })",
    ),
    // Fixed DDL (the comment count's backfill and triggers), no value from outside.
    (
        "migrations/src/m20261127_000012_posts_comment_count.rs",
        "db.execute_unprepared(&statement).await?;",
    ),
    (
        "migrations/src/m20261127_000012_posts_comment_count.rs",
        "db.execute_unprepared(statement).await?;",
    ),
    // Fixed DDL (the authors' usernames: backfill, triggers and their drops), no value from
    // outside.
    (
        "migrations/src/m20261128_000015_authors_username_on_posts_and_comments.rs",
        "db.execute_unprepared(&statement).await?;",
    ),
    // Fixed DDL (the accounts' role names: backfill, triggers and their drops), no value from
    // outside.
    (
        "migrations/src/m20261128_000016_users_role_names.rs",
        "db.execute_unprepared(&statement).await?;",
    ),
    (
        "migrations/src/m20261128_000016_users_role_names.rs",
        "db.execute_unprepared(statement).await?;",
    ),
    // Fixed DDL (the trigram index without its pending list), no value from outside.
    (
        "migrations/src/m20261127_000013_posts_title_trigram_index_without_pending_list.rs",
        r#"db.execute_unprepared("ALTER INDEX posts_title_trgm_idx SET (fastupdate = off)")"#,
    ),
    (
        "migrations/src/m20261127_000013_posts_title_trigram_index_without_pending_list.rs",
        r#"db.execute_unprepared("SELECT gin_clean_pending_list('posts_title_trgm_idx'::regclass)")"#,
    ),
    (
        "migrations/src/m20261127_000013_posts_title_trigram_index_without_pending_list.rs",
        r#".execute_unprepared("ALTER INDEX posts_title_trgm_idx RESET (fastupdate)")"#,
    ),
];

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable source tree") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_sql_is_built_from_strings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in [
        "crates/domain/src",
        "crates/application/src",
        "crates/infrastructure/src",
        "crates/http/src",
        "crates/server/src",
        "migrations/src",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "the scan must see the source tree");
    let mut offences = Vec::new();
    let mut seen = vec![false; REVIEWED.len()];
    for file in &files {
        let relative = file
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        let text = fs::read_to_string(file).expect("utf-8 source");
        for (number, line) in text.lines().enumerate() {
            let code = line.trim();
            if code.starts_with("//") || !RAW_SQL.iter().any(|api| code.contains(api)) {
                continue;
            }
            let reviewed = REVIEWED
                .iter()
                .position(|(f, l)| *f == relative && code.starts_with(l));
            match reviewed {
                Some(entry) => seen[entry] = true,
                None => offences.push(format!("{relative}:{}: {code}", number + 1)),
            }
        }
    }
    // A reviewed line that is gone would let the next raw statement written there through.
    for ((file, line), seen) in REVIEWED.iter().zip(seen) {
        if !seen {
            offences.push(format!("{file}: reviewed but no longer there: {line}"));
        }
    }
    assert!(
        offences.is_empty(),
        "raw SQL outside the query builder:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_scan_recognises_raw_sql() {
    let sample = r#"db.execute_unprepared(&format!("DELETE FROM users WHERE name = '{name}'"))"#;
    assert!(RAW_SQL.iter().any(|api| sample.contains(api)));
}
