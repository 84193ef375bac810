//! On SQLite a page of posts, comments or accounts is read as one JSON text the database folds
//! its rows into (`sql::folded`), while one record is read as a row. Every value a page shows
//! must read as the row read of the same record does: text JSON escapes or that changes under
//! normalisation, timestamps with and without fractions of a second, ids, flags and roles. On
//! PostgreSQL both reads are rows; the same test holds there too.

mod common;

use application::{
    pagination::PageRequest,
    ports::{
        AdminGuard, CommentRepository, PostFilter, PostRepository, UserFilter, UserRepository,
    },
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{TestDb, postgres, sql_users, sqlite};
use domain::{
    AdminTally, AuditAction, AuditEvent, Comment, CommentBody, CommentId, Email, PasswordHash,
    Post, PostBody, PostId, PostTitle, Role, User, UserId, Username,
};
use infrastructure::{SqlComments, SqlPosts};
use uuid::Uuid;

/// Text that JSON must escape, or that changes length or form when normalised.
const TEXTS: &[&str] = &[
    r#"a "quoted" title with a \ backslash"#,
    "caf\u{e9} and cafe\u{301}",
    "emoji \u{1f389} and \u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}",
    "line\u{2028}separator and \u{2029}",
    "</script><!-- & ' -->",
    "right-to-left \u{5e9}\u{5dc}\u{5d5}\u{5dd} and \u{fb01} ligature",
];

/// Instants stored with no fraction, milliseconds, microseconds and nanoseconds (sqlx writes
/// as many digits as the value needs), two of them equal, so a page also orders by id.
fn instants() -> Vec<DateTime<Utc>> {
    let base = Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0).unwrap();
    vec![
        base,
        base,
        base + Duration::milliseconds(5),
        base + Duration::microseconds(1),
        base + Duration::nanoseconds(123_456_789),
        base - Duration::days(400),
    ]
}

fn page(limit: u64) -> PageRequest {
    PageRequest { limit, after: None }
}

async fn folded_pages(db: TestDb) {
    let users = sql_users(db.conn.clone());
    let posts = SqlPosts::new(db.conn.clone());
    let comments = SqlComments::new(db.conn.clone());
    let tag = format!("f{}", &Uuid::now_v7().simple().to_string()[22..]);

    let mut accounts = Vec::new();
    for (n, at) in instants().into_iter().enumerate() {
        let email = Email::parse(&format!("{tag}{n}@example.com")).expect("valid");
        let mut user = User::with_roles(
            UserId::from_uuid(Uuid::now_v7()),
            Username::parse(&format!("{tag}{n}")).expect("valid"),
            email.clone(),
            PasswordHash::new(format!("$2b$04$hash-{n}")),
            if n % 2 == 0 {
                vec![]
            } else {
                vec![Role::Admin, Role::Moderator]
            },
            at,
        );
        if n % 3 == 0 {
            assert!(user.verify_email(&email, at));
        }
        let event = AuditEvent::new(AuditAction::AccountRegistered, Some(user.id()), at);
        users.insert(&user, &event).await.expect("insert");
        accounts.push(user);
    }
    let author = &accounts[0];
    let parent = PostId::from_uuid(Uuid::now_v7());
    for (n, at) in instants().into_iter().enumerate() {
        let text = TEXTS[n % TEXTS.len()];
        let id = if n == 0 {
            parent
        } else {
            PostId::from_uuid(Uuid::now_v7())
        };
        let post = Post::create(
            id,
            accounts[n].id(),
            PostTitle::parse(text).expect("valid title"),
            PostBody::parse(&text.repeat(40)).expect("valid body"),
            at,
        );
        posts.insert(&post).await.expect("insert post");
        let comment = Comment::create(
            CommentId::from_uuid(Uuid::now_v7()),
            parent,
            author.id(),
            CommentBody::parse(text).expect("valid comment"),
            at,
        );
        comments.insert(&comment).await.expect("insert comment");
    }

    let listed = posts
        .list(&PostFilter::default(), &page(100))
        .await
        .expect("list posts")
        .items;
    let ours: Vec<_> = listed
        .iter()
        .filter(|s| accounts.iter().any(|a| a.id() == s.author.id))
        .collect();
    assert_eq!(ours.len(), instants().len(), "every post is on the page");
    assert!(
        listed
            .windows(2)
            .all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id)),
        "posts newest first, then by id"
    );
    for summary in ours {
        let view = posts.find(summary.id).await.expect("find").expect("stored");
        let post = &view.post;
        assert_eq!(summary.title, *post.title());
        assert!(post.body().as_ref().starts_with(&summary.excerpt));
        assert_eq!(
            summary.body_length,
            post.body().as_ref().chars().count() as u64
        );
        assert_eq!(summary.author, view.author);
        assert_eq!(summary.comment_count, view.comment_count);
        assert_eq!(
            (summary.created_at, summary.updated_at),
            (post.created_at(), post.updated_at())
        );
    }

    let thread = comments
        .list_for_post(parent, &page(100))
        .await
        .expect("list comments")
        .items;
    assert_eq!(thread.len(), instants().len());
    assert!(
        thread.windows(2).all(|w| {
            (w[0].comment.created_at(), w[0].comment.id())
                < (w[1].comment.created_at(), w[1].comment.id())
        }),
        "comments oldest first, then by id"
    );
    for listed in &thread {
        let found = comments
            .find(listed.comment.id())
            .await
            .expect("find")
            .expect("stored");
        assert_eq!(*listed, found);
    }

    for account in &accounts {
        let (listed, found) = listed_and_found(&users, account.id()).await;
        for user in [&listed, &found] {
            assert_eq!(user.username(), account.username());
            assert_eq!(user.email(), account.email());
            assert_eq!(user.email_verified(), account.email_verified());
            assert_eq!(user.password_hash(), account.password_hash());
            assert_eq!(sorted(user.roles()), sorted(account.roles()));
        }
        // As stored: PostgreSQL keeps microseconds, SQLite the nanoseconds written.
        assert_eq!(
            (listed.created_at(), listed.updated_at()),
            (found.created_at(), found.updated_at())
        );
        assert!((listed.created_at() - account.created_at()).abs() < Duration::microseconds(1));
    }
    // An account whose roles are all taken away: its row names none (`NULL`).
    let mut bare = accounts[1].clone();
    bare.set_roles(vec![], accounts[1].updated_at() + Duration::seconds(1));
    let keep = |_: AdminTally| true;
    let changed = AuditEvent::new(AuditAction::RolesChanged, None, Utc::now());
    users
        .set_roles(&bare, AdminGuard::new(None, &changed, &keep))
        .await
        .expect("roles set");
    let (listed, found) = listed_and_found(&users, bare.id()).await;
    assert_eq!(sorted(listed.roles()), sorted(found.roles()));
    assert_eq!(listed.updated_at(), found.updated_at());
}

/// The account `id` as a page of accounts shows it, and as a read of its row does.
async fn listed_and_found(users: &impl UserRepository, id: UserId) -> (User, User) {
    let all = users
        .list(&UserFilter::default(), &page(100))
        .await
        .expect("list users")
        .items;
    let listed = all.into_iter().find(|u| u.id() == id).expect("listed");
    let found = users.find_by_id(id).await.expect("find").expect("stored");
    (listed, found)
}

fn sorted(roles: &[Role]) -> Vec<String> {
    let mut names: Vec<_> = roles.iter().map(|r| format!("{r:?}")).collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_folded_page_on_sqlite_reads_every_value_as_a_row_does() {
    folded_pages(sqlite().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/run runs it"]
async fn pages_on_postgres_read_every_value_as_a_row_does() {
    folded_pages(postgres(4).await).await;
}
