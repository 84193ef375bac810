//! The `PostRepository` and `CommentRepository` contracts. Both need an author, so they take
//! the `UserRepository` of the same store too.

use chrono::{DateTime, Duration, Utc};
use domain::{
    AuditAction, AuditEvent, Comment, CommentBody, CommentId, Email, PasswordHash, Post, PostBody,
    PostId, PostTitle, SearchText, User, UserId, Username,
};
use uuid::Uuid;

use super::next_page;
use crate::{
    RepositoryError,
    pagination::PageRequest,
    ports::{CommentRepository, PostFilter, PostRepository, UserRepository},
    views::PostSummary,
};

async fn author(users: &impl UserRepository) -> User {
    let tag = format!("a{}", &Uuid::now_v7().simple().to_string()[22..]);
    let user = User::register(
        UserId::from_uuid(Uuid::now_v7()),
        Username::parse(&tag).expect("valid"),
        Email::parse(&format!("{tag}@example.com")).expect("valid"),
        PasswordHash::new("$2b$04$contract".into()),
        Utc::now() - Duration::hours(1),
    );
    let event = AuditEvent::new(AuditAction::AccountRegistered, Some(user.id()), Utc::now());
    users.insert(&user, &event).await.expect("author");
    user
}

fn post(author: UserId, title: &str, body: &str, minutes_ago: i64) -> Post {
    Post::create(
        PostId::from_uuid(Uuid::now_v7()),
        author,
        PostTitle::parse(title).expect("valid"),
        PostBody::parse(body).expect("valid"),
        Utc::now() - Duration::minutes(minutes_ago),
    )
}

/// The update guard every content repository promises, for an edit of a row read at
/// `read_at`: a stale version changes nothing, the version read changes the row, and after
/// that the version read is stale too. Returns the stale version it tried.
async fn assert_guarded_update(
    update: impl AsyncFn(Option<DateTime<Utc>>) -> bool,
    read_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let stale = Some(read_at - Duration::seconds(5));
    assert!(!update(stale).await, "stale");
    assert!(update(Some(read_at)).await);
    assert!(
        !update(Some(read_at)).await,
        "the version read before the change is stale now"
    );
    stale
}

/// The delete guard every content repository promises: a stale version deletes nothing, the
/// version read deletes the row, and a second delete finds nothing to delete.
async fn assert_guarded_delete(
    delete: impl AsyncFn(Option<DateTime<Utc>>) -> bool,
    exists: impl AsyncFn() -> bool,
    stale: Option<DateTime<Utc>>,
    current: DateTime<Utc>,
) {
    assert!(!delete(stale).await, "stale");
    assert!(delete(Some(current)).await);
    assert!(!exists().await);
    assert!(!delete(None).await, "gone");
}

/// What a `find` of a row that must be there found.
fn stored<V>(found: Result<Option<V>, RepositoryError>) -> V {
    found.expect("find").expect("stored")
}

fn summary_ids(items: &[PostSummary]) -> Vec<PostId> {
    items.iter().map(|s| s.id).collect()
}

/// Posts are inserted, found with their author and comment count, listed newest first by
/// keyset pages narrowed by author and title (excerpts, never whole bodies), updated only when
/// unchanged since read, and deleted (guarded the same way).
pub async fn post_repository(users: &impl UserRepository, posts: &impl PostRepository) {
    let writer = author(users).await;
    let word = format!("W{}", &Uuid::now_v7().simple().to_string()[24..]);
    let long_body = "é".repeat(PostSummary::EXCERPT_CHARS + 100);
    let mut written = Vec::new();
    for n in 0..4 {
        let body = if n == 3 { long_body.as_str() } else { "short" };
        let p = post(writer.id(), &format!("{n} about {word}"), body, 10 - n);
        posts.insert(&p).await.expect("insert");
        written.push(p);
    }
    written.reverse();
    let view = posts
        .find(written[0].id())
        .await
        .expect("find")
        .expect("stored");
    assert_eq!(view.post.title(), written[0].title());
    assert_eq!(view.post.body(), written[0].body());
    assert_eq!(view.author.id, writer.id());
    assert_eq!(view.author.username, writer.username().as_ref());
    assert_eq!(view.comment_count, 0);
    assert!(
        posts
            .find(PostId::from_uuid(Uuid::now_v7()))
            .await
            .expect("find")
            .is_none()
    );

    let by_writer = PostFilter {
        author: Some(writer.id()),
        title_contains: None,
    };
    let first = posts
        .list(&by_writer, &PageRequest::first(2))
        .await
        .expect("list");
    let expected: Vec<PostId> = written.iter().map(Post::id).collect();
    assert_eq!(summary_ids(&first.items), expected[..2], "newest first");
    let long = &first.items[0];
    assert_eq!(long.excerpt.chars().count(), PostSummary::EXCERPT_CHARS);
    assert_eq!(long.body_length, long_body.chars().count() as u64);
    assert_eq!(long.author.username, writer.username().as_ref());
    let rest = posts
        .list(&by_writer, &next_page(&first, 10))
        .await
        .expect("list");
    assert_eq!(summary_ids(&rest.items), expected[2..]);
    assert_eq!(rest.next_cursor, None);
    let titled = PostFilter {
        author: None,
        title_contains: Some(SearchText::parse(&format!("1 ABOUT {word}")).expect("valid")),
    };
    let found = posts
        .list(&titled, &PageRequest::first(10))
        .await
        .expect("list");
    assert_eq!(
        summary_ids(&found.items),
        [expected[2]],
        "title, case-insensitively"
    );

    // Versioned updates and deletes.
    let target = stored(posts.find(expected[1]).await).post;
    let read_at = target.updated_at();
    let mut edited = target.clone();
    edited.edit(
        PostTitle::parse("edited").expect("valid"),
        PostBody::parse("new body").expect("valid"),
        Utc::now(),
    );
    let update = async |version| posts.update(&edited, version).await.expect("update");
    let stale = assert_guarded_update(update, read_at).await;
    let saved = stored(posts.find(expected[1]).await);
    assert_eq!(saved.post.title().as_ref(), "edited");
    assert_eq!(saved.post.body().as_ref(), "new body");
    let listed = posts
        .list(&by_writer, &PageRequest::first(10))
        .await
        .expect("list");
    let summary = listed
        .items
        .iter()
        .find(|s| s.id == expected[1])
        .expect("listed");
    assert_eq!(
        (summary.excerpt.as_str(), summary.body_length),
        ("new body", 8),
        "a list shows the edited body's excerpt and length"
    );
    let ghost = post(writer.id(), "ghost", "ghost", 0);
    assert!(
        !posts.update(&ghost, None).await.expect("update"),
        "no such row"
    );
    assert_guarded_delete(
        async |version| posts.delete(expected[1], version).await.expect("delete"),
        async || posts.find(expected[1]).await.expect("find").is_some(),
        stale,
        saved.post.updated_at(),
    )
    .await;
}

fn comment(post: PostId, author: UserId, text: &str, minutes_ago: i64) -> Comment {
    Comment::create(
        CommentId::from_uuid(Uuid::now_v7()),
        post,
        author,
        CommentBody::parse(text).expect("valid"),
        Utc::now() - Duration::minutes(minutes_ago),
    )
}

/// Comments are refused on a missing post, found with their author, listed oldest first by
/// keyset pages, counted on their post, updated and deleted only when unchanged since read, and
/// deleted with their post.
pub async fn comment_repository(
    users: &impl UserRepository,
    posts: &impl PostRepository,
    comments: &impl CommentRepository,
) {
    let writer = author(users).await;
    let parent = post(writer.id(), "parent", "body", 30);
    posts.insert(&parent).await.expect("post");
    let orphan = comment(PostId::from_uuid(Uuid::now_v7()), writer.id(), "lost", 0);
    assert!(matches!(
        comments.insert(&orphan).await,
        Err(RepositoryError::MissingParent)
    ));
    let mut written = Vec::new();
    for n in 0..3 {
        let c = comment(parent.id(), writer.id(), &format!("comment {n}"), 10 - n);
        comments.insert(&c).await.expect("insert");
        written.push(c.id());
    }
    let view = stored(comments.find(written[0]).await);
    assert_eq!(view.comment.body().as_ref(), "comment 0");
    assert_eq!(view.comment.post_id(), parent.id());
    assert_eq!(view.author.id, writer.id());
    assert_eq!(view.author.username, writer.username().as_ref());
    assert_eq!(
        posts
            .find(parent.id())
            .await
            .expect("find")
            .expect("post")
            .comment_count,
        3
    );

    let first = comments
        .list_for_post(parent.id(), &PageRequest::first(2))
        .await
        .expect("list");
    let ids = |page: &[crate::views::CommentView]| -> Vec<CommentId> {
        page.iter().map(|v| v.comment.id()).collect()
    };
    assert_eq!(ids(&first.items), written[..2], "oldest first");
    let rest = comments
        .list_for_post(parent.id(), &next_page(&first, 2))
        .await
        .expect("list");
    assert_eq!(ids(&rest.items), written[2..]);
    assert_eq!(rest.next_cursor, None);

    let target = stored(comments.find(written[1]).await).comment;
    let read_at = target.updated_at();
    let mut edited = target.clone();
    edited.edit(CommentBody::parse("edited").expect("valid"), Utc::now());
    let update = async |version| comments.update(&edited, version).await.expect("update");
    let stale = assert_guarded_update(update, read_at).await;
    let saved = stored(comments.find(written[1]).await);
    assert_eq!(saved.comment.body().as_ref(), "edited");
    assert_guarded_delete(
        async |version| comments.delete(written[1], version).await.expect("delete"),
        async || comments.find(written[1]).await.expect("find").is_some(),
        stale,
        saved.comment.updated_at(),
    )
    .await;

    assert!(posts.delete(parent.id(), None).await.expect("delete post"));
    assert!(
        comments.find(written[0]).await.expect("find").is_none(),
        "deleted with their post"
    );
}

/// Posts and comments show their author under the author's current username: in a post, a
/// page of posts, a comment and a page of comments, for what was written before a rename and
/// after it.
pub async fn authors_by_current_name(
    users: &impl UserRepository,
    posts: &impl PostRepository,
    comments: &impl CommentRepository,
) {
    let writer = author(users).await;
    let before = post(writer.id(), "before the rename", "body", 20);
    posts.insert(&before).await.expect("post");
    let said = comment(before.id(), writer.id(), "before", 10);
    comments.insert(&said).await.expect("comment");

    let mut renamed = writer.clone();
    let new_name = format!("{}x", writer.username().as_ref());
    renamed.update_profile(
        Username::parse(&new_name).expect("valid"),
        writer.email().cloned(),
        Utc::now(),
    );
    assert!(users.update(&renamed, None, None).await.expect("rename"));
    let after = post(writer.id(), "after the rename", "body", 5);
    posts.insert(&after).await.expect("post");
    let said_after = comment(before.id(), writer.id(), "after", 1);
    comments.insert(&said_after).await.expect("comment");

    for id in [before.id(), after.id()] {
        assert_eq!(stored(posts.find(id).await).author.username, new_name);
    }
    let filter = PostFilter {
        author: Some(writer.id()),
        title_contains: None,
    };
    let page = posts
        .list(&filter, &PageRequest::first(5))
        .await
        .expect("list");
    assert_eq!(page.items.len(), 2);
    assert!(page.items.iter().all(|s| s.author.username == new_name));
    for id in [said.id(), said_after.id()] {
        assert_eq!(stored(comments.find(id).await).author.username, new_name);
    }
    let page = comments
        .list_for_post(before.id(), &PageRequest::first(5))
        .await
        .expect("list");
    assert_eq!(page.items.len(), 2);
    assert!(page.items.iter().all(|v| v.author.username == new_name));
}
