//! The embedded default's own SQL: a read-only pool beside the single writer (`Db` sends a
//! lone `SELECT` to the readers and everything else to the writer), and the FTS5 trigram index
//! behind `?q=` on posts, which must change nothing about what a search matches.

mod common;

use std::collections::BTreeSet;

use application::{
    pagination::PageRequest,
    ports::{AdminChange, AdminGuard, PostFilter, PostRepository, UserRepository},
    testing::contract,
};
use chrono::{Duration, Utc};
use domain::{
    AdminTally, AuditAction, AuditEvent, Post, PostBody, PostId, PostTitle, SearchText, User,
    UserId,
};
use infrastructure::{
    Db, SqlAudit, SqlComments, SqlPosts, SqlUsers, config::DatabaseSettings, connect_database,
    connect_readers, migrate,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use uuid::Uuid;

/// A migrated SQLite file, its writer, and a `Db` with the reader pool, as the server wires it.
struct Sqlite {
    writer: DatabaseConnection,
    /// The reader pool itself (`db` sends its lone `SELECT`s there).
    readers: DatabaseConnection,
    db: Db,
    _dir: tempfile::TempDir,
}

async fn sqlite() -> Sqlite {
    let (settings, dir) = common::sqlite_settings();
    let writer = connect_database(&settings).await.expect("connect");
    migrate(&writer).await.expect("migrate");
    let readers = connect_readers(&settings)
        .await
        .expect("readers")
        .expect("SQLite has readers");
    Sqlite {
        db: Db::from(writer.clone()).with_readers(readers.clone()),
        readers,
        writer,
        _dir: dir,
    }
}

fn users(db: &Db) -> SqlUsers {
    common::sql_users(db.clone())
}

/// An author, and the posts adapter on `store`'s `Db` (readers included).
async fn author_and_posts(store: &Sqlite) -> (User, SqlPosts) {
    let writer = author(&users(&store.db)).await;
    (writer, SqlPosts::new(store.db.clone()))
}

async fn author(users: &SqlUsers) -> User {
    let tag = format!("a{}", &Uuid::now_v7().simple().to_string()[22..]);
    common::register(users, &tag, Utc::now() - Duration::hours(1)).await
}

fn post(author: UserId, title: &str, minutes_ago: i64) -> Post {
    Post::create(
        PostId::from_uuid(Uuid::now_v7()),
        author,
        PostTitle::parse(title).expect("valid title"),
        PostBody::parse("body").expect("valid body"),
        Utc::now() - Duration::minutes(minutes_ago),
    )
}

async fn search(posts: &SqlPosts, q: &str) -> BTreeSet<String> {
    let filter = PostFilter {
        author: None,
        title_contains: Some(SearchText::parse(q).expect("valid search")),
    };
    let page = PageRequest {
        limit: 100,
        after: None,
    };
    let found = posts.list(&filter, &page).await.expect("search");
    found
        .items
        .iter()
        .map(|s| s.title.as_ref().to_owned())
        .collect()
}

/// Every row of the index against every post: one row a post, with its current title.
async fn assert_index_matches_posts(writer: &DatabaseConnection) {
    let rows = |sql: &'static str| async move {
        writer
            .query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await
            .expect("query")
            .iter()
            .map(|r| {
                (
                    r.try_get::<Uuid>("", "id").expect("id"),
                    r.try_get::<String>("", "title").expect("title"),
                )
            })
            .collect::<Vec<_>>()
    };
    let posts = rows("SELECT id, title FROM posts ORDER BY id").await;
    let index = rows("SELECT post_id AS id, title FROM posts_title_search ORDER BY post_id").await;
    assert_eq!(index, posts, "the search index and the posts differ");
}

/// The reader pool lends several connections per core at once: a request holds its connection
/// while rows cross between sqlx's thread and the worker, so one per core left the CPU idle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reader_pool_lends_several_connections_per_core_at_once() {
    let store = sqlite().await;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let wanted = cores * 8;
    // Each open transaction holds one connection; all of them at once, within the pool's
    // 5 s acquire timeout (with one per core the first beyond the cores waited it out).
    let started = std::time::Instant::now();
    let mut held = Vec::new();
    for _ in 0..wanted {
        let tx = store
            .readers
            .begin()
            .await
            .expect("a reader connection is lent");
        let one = tx
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, "SELECT 1 AS one"))
            .await
            .expect("reads")
            .expect("a row");
        assert_eq!(one.try_get::<i32>("", "one").expect("one"), 1);
        held.push(tx);
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "no connection waited for another: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_repository_contracts_hold_with_reads_on_the_reader_pool() {
    let store = sqlite().await;
    let users = users(&store.db);
    contract::user_repository(&users).await;
    // The suite above makes no administrator, so this one still counts from none.
    contract::user_repository_admins(&users).await;
    let posts = SqlPosts::new(store.db.clone());
    contract::post_repository(&users, &posts).await;
    let comments = SqlComments::new(store.db.clone());
    contract::comment_repository(&users, &posts, &comments).await;
    contract::authors_by_current_name(&users, &posts, &comments).await;
    contract::audit_log(&SqlAudit::new(store.db.clone())).await;
}

#[tokio::test]
async fn a_select_reads_from_the_readers_and_every_other_statement_writes_on_the_writer() {
    // Readers on another file, so where a statement ran shows in what it returns.
    let dir = tempfile::tempdir().expect("tempdir");
    let open = |name: &str| DatabaseSettings::Sqlite {
        path: dir.path().join(name),
    };
    let writer = connect_database(&open("writer.db")).await.expect("writer");
    let other = connect_database(&open("readers.db")).await.expect("other");
    for (db, value) in [(&writer, 1), (&other, 2)] {
        db.execute_unprepared(&format!(
            "CREATE TABLE t (x); INSERT INTO t VALUES ({value})"
        ))
        .await
        .expect("table");
    }
    let readers = connect_readers(&open("readers.db"))
        .await
        .expect("readers")
        .expect("SQLite has readers");
    let db = Db::from(writer.clone()).with_readers(readers.clone());
    let one = |sql: &str| Statement::from_string(DbBackend::Sqlite, sql.to_owned());
    let x = |row: Option<sea_orm::QueryResult>| row.expect("a row").try_get::<i32>("", "x");

    assert_eq!(
        x(db.query_one_raw(one("SELECT x FROM t"))
            .await
            .expect("read")),
        Ok(2)
    );
    // Writes that come through the query methods go to the writer: the readers refuse writes.
    let written = db
        .query_one_raw(one("INSERT INTO t VALUES (3) RETURNING x"))
        .await
        .expect("INSERT … RETURNING on the writer");
    assert_eq!(x(written), Ok(3));
    db.query_all_raw(one("WITH v(y) AS (SELECT 4) INSERT INTO t SELECT y FROM v"))
        .await
        .expect("WITH … INSERT on the writer");
    let count = writer
        .query_one_raw(one("SELECT count(*) AS x FROM t"))
        .await
        .expect("count");
    assert_eq!(x(count), Ok(3), "both writes reached the writer's file");
    assert!(
        readers
            .execute_unprepared("INSERT INTO t VALUES (5)")
            .await
            .is_err(),
        "the readers' connections are read-only"
    );
}

#[tokio::test]
async fn a_write_is_seen_by_the_next_read_on_the_reader_pool() {
    let store = sqlite().await;
    let (writer, posts) = author_and_posts(&store).await;
    // Many rounds, each write followed at once by reads that may land on any reader.
    for n in 0..40 {
        let p = post(writer.id(), &format!("fresh {n:03} post"), 0);
        posts.insert(&p).await.expect("insert");
        assert!(
            posts.find(p.id()).await.expect("find").is_some(),
            "round {n}"
        );
        let found = search(&posts, &format!("{n:03} post")).await;
        assert!(found.contains(&format!("fresh {n:03} post")), "round {n}");
    }
}

#[tokio::test]
async fn the_search_index_changes_nothing_about_what_a_search_matches() {
    let store = sqlite().await;
    let (writer, posts) = author_and_posts(&store).await;
    let titles = [
        "Rust 100% safe_ly",
        "More rust",
        "ÉCOLE normale",
        "école libre",
        "İstanbul notes",
        "STRASSE und Straße",
        "ΣΊΣΥΦΟΣ",
        "σίσυφος",
        "Quote \"here\" now",
        "a\"b",
        "NEAR(x y) AND z*",
        "col: ^title -minus OR",
        "ab",
        "x",
        "Emoji 🦀 crab",
        "tab\tinside",
        "Ǆemal",
    ];
    for (n, title) in titles.iter().enumerate() {
        posts
            .insert(&post(writer.id(), title, i64::try_from(n).expect("small")))
            .await
            .expect("insert");
    }
    let queries = [
        "rust",
        "RUST",
        "100%",
        "_ly",
        "%",
        "_",
        "\\",
        "école",
        "ÉCOLE",
        "cole",
        "COLE",
        "İst",
        "i̇st",
        "istanbul",
        "straße",
        "STRASSE",
        "strasse",
        "σίσ",
        "ΣΊΣ",
        "ΦΟΣ",
        "\"here\"",
        "\"",
        "a\"b",
        "\"\"",
        "near(x",
        "and z*",
        "*",
        "z*",
        "col:",
        "^title",
        "-minus",
        "or",
        "ab",
        "AB",
        "x",
        "🦀 c",
        "🦀",
        "b\tinside",
        "tab\t",
        "ǆem",
        "ǅEM",
        "e n",
        "nothing at all",
        " x",
    ];
    for q in queries {
        // What `lower(title) LIKE '%q%'` matched on SQLite before the index: `lower()` and
        // `LIKE` fold ASCII only, the query is lowered in Rust.
        let needle = q.to_lowercase();
        let expected: BTreeSet<String> = titles
            .iter()
            .filter(|t| t.to_ascii_lowercase().contains(&needle))
            .map(|t| (*t).to_owned())
            .collect();
        assert_eq!(search(&posts, q).await, expected, "q={q:?}");
    }
}

#[tokio::test]
async fn the_search_index_follows_inserts_edits_and_deletes() {
    let store = sqlite().await;
    let users = users(&store.db);
    let posts = SqlPosts::new(store.db.clone());
    let alice = author(&users).await;
    let bob = author(&users).await;
    let mut kept = post(alice.id(), "Original \"quoted\" title", 5);
    let short = post(alice.id(), "ab", 4);
    let dropped = post(alice.id(), "Dropped soon", 3);
    let bobs = post(bob.id(), "Bob writes here", 2);
    let bobs_short = post(bob.id(), "b", 1);
    for p in [&kept, &short, &dropped, &bobs, &bobs_short] {
        posts.insert(p).await.expect("insert");
    }
    assert_index_matches_posts(&store.writer).await;

    let before = kept.updated_at();
    kept.edit(
        PostTitle::parse("Renamed entirely").expect("valid"),
        PostBody::parse("body").expect("valid"),
        Utc::now(),
    );
    assert!(posts.update(&kept, Some(before)).await.expect("update"));
    assert_index_matches_posts(&store.writer).await;
    assert!(search(&posts, "quoted").await.is_empty());
    assert_eq!(
        search(&posts, "renamed").await,
        BTreeSet::from(["Renamed entirely".to_owned()])
    );

    for p in [&dropped, &short] {
        assert!(posts.delete(p.id(), None).await.expect("delete"));
    }
    assert_index_matches_posts(&store.writer).await;
    assert!(search(&posts, "dropped").await.is_empty());

    // Deleting an account deletes its posts by cascade; the index follows.
    let event = AuditEvent::new(AuditAction::AccountDeleted, Some(bob.id()), Utc::now());
    let deleted = users
        .delete(
            bob.id(),
            AdminGuard::new(None, &event, &AdminTally::keeps_an_administrator),
        )
        .await
        .expect("delete");
    assert_eq!(deleted, AdminChange::Applied);
    assert_index_matches_posts(&store.writer).await;
    assert!(search(&posts, "bob").await.is_empty());
}

#[tokio::test]
async fn a_search_reads_the_index_not_every_title() {
    let store = sqlite().await;
    let posts = SqlPosts::new(store.db.clone());
    let filter = PostFilter {
        author: None,
        title_contains: Some(SearchText::parse("matches nothing").expect("valid")),
    };
    let page = PageRequest {
        limit: 20,
        after: None,
    };
    let statement = posts.list_statement(&filter, &page);
    let explain = Statement::from_sql_and_values(
        DbBackend::Sqlite,
        format!("EXPLAIN QUERY PLAN {}", statement.sql),
        statement.values.map(|v| v.0).unwrap_or_default(),
    );
    let plan: Vec<String> = store
        .writer
        .query_all_raw(explain)
        .await
        .expect("EXPLAIN QUERY PLAN")
        .iter()
        .map(|r| r.try_get::<String>("", "detail").expect("detail"))
        .collect();
    let plan = plan.join("\n");
    assert!(
        plan.contains("VIRTUAL TABLE INDEX") && plan.contains("posts_title_search"),
        "the trigram index is not used:\n{plan}"
    );
    assert!(
        plan.lines()
            .any(|l| l.trim_start().starts_with("SEARCH posts USING INDEX")),
        "the candidates are not looked up by id:\n{plan}"
    );
    assert!(
        !plan
            .lines()
            .any(|l| l.trim() == "SCAN posts" || l.trim_start().starts_with("SCAN posts ")),
        "every post is read:\n{plan}"
    );
}
