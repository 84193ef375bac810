//! The migrations that protect emails and create the audit trail are reversible: down and up
//! again on a real SQLite file (and on PostgreSQL when `DATABASE_URL` is set, in a schema of
//! its own).

mod common;

use infrastructure::{config::DatabaseSettings, connect_database, migrate};
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

async fn settings() -> (DatabaseSettings, Option<tempfile::TempDir>) {
    settings_with(2).await
}

/// The database `settings` picks, with a pool of `connections` on PostgreSQL.
async fn settings_with(connections: u32) -> (DatabaseSettings, Option<tempfile::TempDir>) {
    match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => (common::postgres_settings(url, connections).await, None),
        None => {
            let (settings, dir) = common::sqlite_settings();
            (settings, Some(dir))
        }
    }
}

/// The first posts of `author`, as a list shows them.
async fn posts_of(
    db: &sea_orm::DatabaseConnection,
    author: domain::UserId,
) -> application::pagination::Page<application::views::PostSummary> {
    use application::{
        pagination::PageRequest,
        ports::{PostFilter, PostRepository},
    };
    let filter = PostFilter {
        author: Some(author),
        title_contains: None,
    };
    infrastructure::SqlPosts::new(db.clone())
        .list(&filter, &PageRequest::first(5))
        .await
        .expect("lists")
}

/// Undoes `name` and every migration after it.
async fn down_to_before(db: &sea_orm::DatabaseConnection, name: &str) {
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let at = names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    let steps = u32::try_from(names.len() - at).expect("few migrations");
    Migrator::down(db, Some(steps)).await.expect("down");
}

#[tokio::test]
async fn the_latest_migrations_go_down_and_up_again() {
    let (settings, _dir) = settings().await;
    let db = connect_database(&settings).await.expect("connect");
    migrate(&db).await.expect("up");
    Migrator::down(&db, Some(2)).await.expect("down");
    Migrator::up(&db, None).await.expect("up again");
    db.execute_unprepared("SELECT email_blind_index FROM users")
        .await
        .expect("the blind index column is back");
    db.execute_unprepared("SELECT action FROM audit_events")
        .await
        .expect("the audit table is back");
}

#[tokio::test]
async fn posts_written_before_the_stored_excerpt_get_it_from_their_bodies() {
    use application::views::PostSummary;
    use sea_orm::sea_query::{Alias, Query};

    assert_eq!(
        usize::try_from(migration::POSTS_EXCERPT_CHARS).expect("positive"),
        PostSummary::EXCERPT_CHARS,
        "the migration fills excerpts of the length lists show"
    );
    let (settings, _dir) = settings().await;
    let db = connect_database(&settings).await.expect("connect");
    migrate(&db).await.expect("up");
    down_to_before(&db, "m20261128_000014_posts_excerpt_and_body_length").await;
    let users = common::sql_users(db.clone());
    let author = common::register(
        &users,
        &format!("old{}", &uuid::Uuid::now_v7().simple().to_string()[24..]),
        chrono::Utc::now(),
    )
    .await;
    // A body longer than the excerpt, of two-byte characters: lengths count characters.
    let body = format!("{}{}", "é".repeat(PostSummary::EXCERPT_CHARS), "tail");
    let id = uuid::Uuid::now_v7();
    let now = chrono::Utc::now();
    let insert = Query::insert()
        .into_table(Alias::new("posts"))
        .columns(
            [
                "id",
                "author_id",
                "title",
                "body",
                "created_at",
                "updated_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            id.into(),
            author.id().as_uuid().into(),
            "written before".into(),
            body.clone().into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    db.execute(&insert).await.expect("a post in the old schema");
    Migrator::up(&db, None).await.expect("up again");

    let page = posts_of(&db, author.id()).await;
    assert_eq!(page.items.len(), 1);
    let summary = &page.items[0];
    assert_eq!(summary.excerpt, "é".repeat(PostSummary::EXCERPT_CHARS));
    assert_eq!(summary.body_length, body.chars().count() as u64);
}

#[tokio::test]
async fn posts_and_comments_written_before_the_author_column_get_their_authors_name() {
    use application::{pagination::PageRequest, ports::CommentRepository};
    use domain::PostId;
    use sea_orm::sea_query::{Alias, Query, SimpleExpr};

    let (settings, _dir) = settings().await;
    let db = connect_database(&settings).await.expect("connect");
    migrate(&db).await.expect("up");
    down_to_before(
        &db,
        "m20261128_000015_authors_username_on_posts_and_comments",
    )
    .await;
    let users = common::sql_users(db.clone());
    let name = format!("old{}", &uuid::Uuid::now_v7().simple().to_string()[24..]);
    let author = common::register(&users, &name, chrono::Utc::now()).await;
    let (post, comment) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let now = chrono::Utc::now();
    let row = |table: &str, columns: &[&str], values: Vec<SimpleExpr>| {
        Query::insert()
            .into_table(Alias::new(table))
            .columns(columns.iter().map(|c| Alias::new(*c)))
            .values_panic(values)
            .to_owned()
    };
    let common_values = |id: uuid::Uuid| -> Vec<SimpleExpr> {
        vec![
            id.into(),
            author.id().as_uuid().into(),
            "written before".into(),
            now.into(),
            now.into(),
        ]
    };
    let columns = ["id", "author_id", "body", "created_at", "updated_at"];
    let mut post_values = common_values(post);
    post_values.push("a title".into());
    let mut post_columns = columns.to_vec();
    post_columns.push("title");
    db.execute(&row("posts", &post_columns, post_values))
        .await
        .expect("a post in the old schema");
    let mut comment_values = common_values(comment);
    comment_values.push(post.into());
    let mut comment_columns = columns.to_vec();
    comment_columns.push("post_id");
    db.execute(&row("comments", &comment_columns, comment_values))
        .await
        .expect("a comment in the old schema");
    Migrator::up(&db, None).await.expect("up again");

    let page = posts_of(&db, author.id()).await;
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].author.username, name);
    let comments = infrastructure::SqlComments::new(db.clone());
    let page = comments
        .list_for_post(PostId::from_uuid(post), &PageRequest::first(5))
        .await
        .expect("lists");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].author.username, name);
}

/// A post and a comment written while their author's rename is in flight (updated, not yet
/// committed) end with the new name. On PostgreSQL the insert trigger's `FOR SHARE` read of
/// the author waits for the rename to commit (without it the insert read the old name and the
/// rename's own update of the author's rows never saw the new ones); SQLite serialises writes.
#[tokio::test]
async fn what_is_written_while_its_author_is_renamed_takes_the_new_name() {
    use application::ports::{CommentRepository, PostRepository};
    use domain::{Comment, CommentBody, CommentId, Post, PostBody, PostId, PostTitle};
    use sea_orm::{
        TransactionTrait,
        sea_query::{Alias, Expr, ExprTrait, Query},
    };

    let (settings, _dir) = settings_with(4).await;
    let db = connect_database(&settings).await.expect("connect");
    migrate(&db).await.expect("up");
    let users = common::sql_users(db.clone());
    let tag = uuid::Uuid::now_v7().simple().to_string()[20..].to_owned();
    let author = common::register(&users, &format!("r{tag}"), chrono::Utc::now()).await;
    let posts = infrastructure::SqlPosts::new(db.clone());
    let comments = infrastructure::SqlComments::new(db.clone());
    let post = |title: &str| {
        Post::create(
            PostId::from_uuid(uuid::Uuid::now_v7()),
            author.id(),
            PostTitle::parse(title).expect("valid"),
            PostBody::parse("body").expect("valid"),
            chrono::Utc::now(),
        )
    };
    let parent = post("parent");
    posts.insert(&parent).await.expect("post");

    let new_name = format!("n{tag}");
    let rename = db.begin().await.expect("begin");
    rename
        .execute(
            Query::update()
                .table(Alias::new("users"))
                .value(Alias::new("username"), new_name.clone())
                .and_where(Expr::col(Alias::new("id")).eq(author.id().as_uuid())),
        )
        .await
        .expect("rename, not yet committed");
    let raced = post("raced");
    let said = Comment::create(
        CommentId::from_uuid(uuid::Uuid::now_v7()),
        parent.id(),
        author.id(),
        CommentBody::parse("raced").expect("valid"),
        chrono::Utc::now(),
    );
    let writes = async {
        posts.insert(&raced).await.expect("post");
        comments.insert(&said).await.expect("comment");
    };
    let commit = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        rename.commit().await.expect("commit the rename");
    };
    tokio::join!(writes, commit);

    let post_view = posts.find(raced.id()).await.expect("find").expect("stored");
    assert_eq!(post_view.author.username, new_name, "the post");
    let comment_view = comments
        .find(said.id())
        .await
        .expect("find")
        .expect("stored");
    assert_eq!(comment_view.author.username, new_name, "the comment");
}

/// An account that held roles before `users.role_names` is listed with them after the
/// migration, and a role taken away by a bare delete on `user_roles` leaves the list at once.
#[tokio::test]
async fn accounts_with_roles_before_the_names_column_are_listed_with_them() {
    use application::{
        pagination::PageRequest,
        ports::{UserFilter, UserRepository},
    };
    use domain::Role;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};

    let (settings, _dir) = settings().await;
    let db = connect_database(&settings).await.expect("connect");
    migrate(&db).await.expect("up");
    down_to_before(&db, "m20261128_000016_users_role_names").await;
    let users = common::sql_users(db.clone());
    let name = format!("old{}", &uuid::Uuid::now_v7().simple().to_string()[24..]);
    let account = common::register(&users, &name, chrono::Utc::now()).await;
    Migrator::up(&db, None).await.expect("up again");

    let listed = async || {
        let filter = UserFilter {
            email: account.email().cloned(),
            ..UserFilter::default()
        };
        let page = users
            .list(&filter, &PageRequest::first(2))
            .await
            .expect("list");
        assert_eq!(page.items.len(), 1);
        page.items[0].roles().to_vec()
    };
    assert_eq!(listed().await, [Role::User]);
    db.execute(
        Query::delete()
            .from_table(Alias::new("user_roles"))
            .and_where(Expr::col(Alias::new("user_id")).eq(account.id().as_uuid())),
    )
    .await
    .expect("take the roles away");
    assert_eq!(listed().await, Vec::<Role>::new());
}
