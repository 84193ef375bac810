//! No N+1: a page of posts with authors and comment counts, a page of users with their roles,
//! and a page of comments with their authors each cost a fixed number of SQL statements,
//! whatever the page size. Counted with sea-orm's statement callback on a real SQLite file.

mod common;

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};

use application::{
    comments::{CommentError, CommentService},
    pagination::PageRequest,
    ports::{
        AdminGuard, CommentRepository, PostFilter, PostRepository, UserFilter, UserRepository,
    },
};
use chrono::Utc;
use domain::{
    AuditAction, AuditEvent, Comment, CommentBody, CommentId, Post, PostBody, PostId, PostTitle,
    Role, User, UserId,
};
use infrastructure::{SqlComments, SqlPosts, SqlUsers, SystemClock, connect_database, migrate};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

struct Fixture {
    db: DatabaseConnection,
    users: SqlUsers,
    posts: SqlPosts,
    comments: SqlComments,
    statements: Arc<AtomicUsize>,
    /// The SQL of every statement sent, in order.
    sent: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let (settings, dir) = common::sqlite_settings();
    let mut db = connect_database(&settings).await.expect("connect");
    migrate(&db).await.expect("migrate");
    let statements = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let (counter, log) = (statements.clone(), sent.clone());
    db.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::SeqCst);
        log.lock().expect("log").push(info.statement.sql.clone());
    });
    Fixture {
        users: common::sql_users(db.clone()),
        posts: SqlPosts::new(db.clone()),
        comments: SqlComments::new(db.clone()),
        db,
        statements,
        sent,
        _dir: dir,
    }
}

impl Fixture {
    /// Runs `work` and returns how many statements it sent.
    async fn count<T>(&self, work: impl Future<Output = T>) -> (T, usize) {
        let before = self.statements.load(Ordering::SeqCst);
        let out = work.await;
        (out, self.statements.load(Ordering::SeqCst) - before)
    }

    /// Lists a page of one and a page of `large` through `list`: each result with the
    /// statements it sent.
    async fn one_and<T>(
        &self,
        large: u64,
        list: impl AsyncFn(&PageRequest) -> T,
    ) -> [(T, usize); 2] {
        [
            self.count(list(&PageRequest::first(1))).await,
            self.count(list(&PageRequest::first(large))).await,
        ]
    }

    async fn seed(&self, authors: usize, posts_each: usize) -> Vec<PostId> {
        let mut ids = Vec::new();
        for a in 0..authors {
            let user = common::register(&self.users, &format!("author{a}"), Utc::now()).await;
            for p in 0..posts_each {
                let post = Post::create(
                    PostId::from_uuid(Uuid::now_v7()),
                    user.id(),
                    PostTitle::parse(&format!("post {p}")).expect("valid"),
                    PostBody::parse("body").expect("valid"),
                    Utc::now(),
                );
                self.posts.insert(&post).await.expect("post");
                let comment = Comment::create(
                    CommentId::from_uuid(Uuid::now_v7()),
                    post.id(),
                    user.id(),
                    CommentBody::parse("hi").expect("valid"),
                    Utc::now(),
                );
                self.comments.insert(&comment).await.expect("comment");
                ids.push(post.id());
            }
        }
        ids
    }
}

#[tokio::test]
async fn listing_posts_costs_the_same_statements_for_one_or_a_hundred() {
    let f = fixture().await;
    let posts = f.seed(10, 10).await;

    let [(small, small_cost), (large, large_cost)] = f
        .one_and(100, async |page| {
            f.posts.list(&PostFilter::default(), page).await
        })
        .await;

    assert_eq!(small.expect("lists").items.len(), 1);
    let large = large.expect("lists");
    assert_eq!(large.items.len(), 100);
    assert!(
        large
            .items
            .iter()
            .all(|v| v.comment_count == 1 && v.author.username.starts_with("author"))
    );
    assert_eq!(
        small_cost, 1,
        "posts with their authors and comment counts in one statement"
    );
    assert_eq!(large_cost, small_cost);

    let (item, item_cost) = f.count(f.posts.find(posts[0])).await;
    assert_eq!(item.expect("finds").expect("exists").comment_count, 1);
    assert_eq!(
        item_cost, 1,
        "a post, its author and its comment count in one statement"
    );

    let (_, comments_cost) = f
        .count(f.comments.list_for_post(posts[0], &PageRequest::first(100)))
        .await;
    assert_eq!(
        comments_cost, 1,
        "comments with their authors in one statement"
    );
}

/// The use case, not only the repository: a comment exists only with its post, so a page
/// holding comments needs no read of the post; an empty page asks whether the post exists.
#[tokio::test]
async fn a_page_of_comments_is_one_statement_an_empty_page_two() {
    let f = fixture().await;
    let posts = f.seed(1, 1).await;
    let service = CommentService::new(
        Arc::new(SqlComments::new(f.db.clone())),
        Arc::new(SqlPosts::new(f.db.clone())),
        Arc::new(SystemClock),
    );
    let first = PageRequest::first(20);

    let (page, cost) = f.count(service.list(posts[0], &first)).await;
    assert_eq!(page.expect("lists").items.len(), 1);
    assert_eq!(cost, 1, "the comments alone: they prove their post");

    let quiet = common::register(&f.users, "quiet", Utc::now()).await;
    let uncommented = Post::create(
        PostId::from_uuid(Uuid::now_v7()),
        quiet.id(),
        PostTitle::parse("no comments").expect("valid"),
        PostBody::parse("body").expect("valid"),
        Utc::now(),
    );
    f.posts.insert(&uncommented).await.expect("post");
    let (page, cost) = f.count(service.list(uncommented.id(), &first)).await;
    assert!(page.expect("an empty page, not a 404").items.is_empty());
    assert_eq!(cost, 2, "no comments: the post is looked up");

    let missing = PostId::from_uuid(Uuid::now_v7());
    let (page, cost) = f.count(service.list(missing, &first)).await;
    assert!(matches!(page, Err(CommentError::PostNotFound)), "{page:?}");
    assert_eq!(cost, 2);
}

#[tokio::test]
async fn listing_users_costs_the_same_statements_for_one_or_many() {
    let f = fixture().await;
    f.seed(30, 0).await;

    let [(_, one), (page, many)] = f
        .one_and(30, async |page| {
            f.users.list(&UserFilter::default(), page).await
        })
        .await;

    assert_eq!(page.expect("lists").items.len(), 30);
    assert_eq!(one, 1, "users with the roles of each in one statement");
    assert_eq!(many, one);
}

#[tokio::test]
async fn an_account_and_its_roles_are_one_statement() {
    let f = fixture().await;
    f.seed(1, 0).await;
    let page = f
        .users
        .list(&UserFilter::default(), &PageRequest::first(1))
        .await
        .expect("lists");
    let mut user = page.items[0].clone();
    // Two roles: the join gives two rows, which must fold into one account.
    let before = user.updated_at();
    user.set_roles(vec![Role::Admin], Utc::now());
    let event = AuditEvent::new(AuditAction::RolesChanged, Some(user.id()), Utc::now());
    assert_eq!(
        f.users
            .set_roles(
                &user,
                AdminGuard::new(
                    Some(before),
                    &event,
                    &domain::AdminTally::keeps_an_administrator
                )
            )
            .await
            .expect("sets"),
        application::ports::AdminChange::Applied
    );
    let email = user.email().expect("readable").clone();
    let nobody = UserId::from_uuid(Uuid::now_v7());

    let (roles, roles_cost) = f.count(f.users.roles_of(user.id())).await;
    let mut roles = roles.expect("reads").expect("exists");
    roles.sort_by_key(|r| r.as_str());
    assert_eq!(roles, vec![Role::Admin, Role::User]);
    assert_eq!(roles_cost, 1, "roles_of: the account and its roles at once");
    let (none, none_cost) = f.count(f.users.roles_of(nobody)).await;
    assert_eq!(none.expect("reads"), None, "no account: no roles");
    assert_eq!(none_cost, 1);

    let same = |found: Option<User>| {
        let found = found.expect("exists");
        assert_eq!(found.id(), user.id());
        assert_eq!(found.username(), user.username());
        assert!(found.has_role(Role::Admin) && found.has_role(Role::User));
        assert_eq!(found.roles().len(), 2);
    };
    let (found, by_id) = f.count(f.users.find_by_id(user.id())).await;
    same(found.expect("reads"));
    assert_eq!(by_id, 1, "find_by_id: the account and its roles at once");
    let (found, by_email) = f.count(f.users.find_by_email(&email)).await;
    same(found.expect("reads"));
    assert_eq!(
        by_email, 1,
        "find_by_email: the account and its roles at once"
    );
    let (none, none_cost) = f.count(f.users.find_by_id(nobody)).await;
    assert!(none.expect("reads").is_none());
    assert_eq!(none_cost, 1);
    let sent = f.sent.lock().expect("log").clone();
    for sql in &sent[sent.len() - 5..] {
        assert!(
            !sql.contains("user_roles") && !sql.contains("JOIN"),
            "an account's row carries its roles: {sql}"
        );
    }
}

#[tokio::test]
async fn an_account_whose_roles_are_known_is_its_row_alone() {
    let f = fixture().await;
    f.seed(1, 0).await;
    let user = f
        .users
        .list(&UserFilter::default(), &PageRequest::first(1))
        .await
        .expect("lists")
        .items
        .remove(0);
    let known = [Role::User, Role::Moderator];

    let sent_before = f.sent.lock().expect("log").len();
    let (found, cost) = f.count(f.users.find_by_id_holding(user.id(), &known)).await;
    let found = found.expect("reads").expect("exists");
    assert_eq!(found.roles(), known, "the roles given, not read again");
    assert_eq!(found.username(), user.username());
    assert_eq!(found.email(), user.email());
    assert_eq!(cost, 1);
    let sql = f.sent.lock().expect("log")[sent_before].clone();
    assert!(
        !sql.contains("user_roles") && !sql.contains("JOIN"),
        "the account's row alone: {sql}"
    );
    let nobody = UserId::from_uuid(Uuid::now_v7());
    let (none, _) = f.count(f.users.find_by_id_holding(nobody, &known)).await;
    assert!(none.expect("reads").is_none());
}
