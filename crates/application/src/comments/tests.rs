//! Use-case tests of comments against the fakes of the ports (`testing::fakes::FakeContent`).

use std::sync::Arc;

use chrono::{Duration, Utc};
use domain::{PostBody, PostTitle, Role, SessionId, UserId};
use uuid::Uuid;

use super::*;
use crate::{
    ClientInfo,
    posts::{PostInput, PostService},
    testing::fakes::{FakeClock, FakeContent, FakeUsers},
};

struct Fixture {
    posts: PostService,
    comments: CommentService,
    clock: Arc<FakeClock>,
}

fn fixture() -> Fixture {
    let clock = Arc::new(FakeClock::new(Utc::now()));
    let content = Arc::new(FakeContent::new(Arc::new(FakeUsers::default())));
    Fixture {
        posts: PostService::new(content.clone(), clock.clone()),
        comments: CommentService::new(content.clone(), content, clock.clone()),
        clock,
    }
}

fn actor() -> Actor {
    Actor {
        user_id: UserId::from_uuid(Uuid::now_v7()),
        session_id: SessionId::from_uuid(Uuid::now_v7()),
        roles: vec![Role::User],
        client: ClientInfo::default(),
    }
}

fn body(text: &str) -> CommentBody {
    CommentBody::parse(text).expect("valid")
}

async fn a_post(f: &Fixture, author: &Actor) -> PostId {
    let input = PostInput {
        title: PostTitle::parse("post").expect("valid"),
        body: PostBody::parse("body").expect("valid"),
    };
    f.posts.create(author, input).await.expect("post").post.id()
}

async fn a_comment(f: &Fixture, author: &Actor, post: PostId, text: &str) -> CommentView {
    let created = f.comments.create(author, post, body(text)).await;
    created.expect("comment")
}

#[tokio::test]
async fn a_comment_on_a_missing_post_is_refused() {
    let f = fixture();
    let missing = PostId::from_uuid(Uuid::now_v7());
    assert!(matches!(
        f.comments.create(&actor(), missing, body("hi")).await,
        Err(CommentError::PostNotFound)
    ));
}

#[tokio::test]
async fn only_the_author_edits_and_a_stale_tag_is_refused() {
    let f = fixture();
    let author = actor();
    let post = a_post(&f, &author).await;
    let created = a_comment(&f, &author, post, "first").await;
    let id = created.comment.id();
    assert!(matches!(
        f.comments.update(&actor(), id, body("theirs"), None).await,
        Err(CommentError::Forbidden(_))
    ));
    let old_tag = IfMatch::Tags(vec![created.version_tag()]);
    f.clock.advance(Duration::seconds(1));
    f.comments
        .update(&author, id, body("second"), Some(&old_tag))
        .await
        .expect("update");
    assert!(matches!(
        f.comments
            .update(&author, id, body("third"), Some(&old_tag))
            .await,
        Err(CommentError::PreconditionFailed)
    ));
    assert_eq!(
        f.comments
            .get(id)
            .await
            .expect("get")
            .comment
            .body()
            .as_ref(),
        "second"
    );
    f.posts
        .delete(&author, post, None)
        .await
        .expect("delete post");
    assert!(matches!(
        f.comments.get(id).await,
        Err(CommentError::NotFound)
    ));
}

/// Anonymous comment reads go to the public-reads (replica) repositories; signed-in reads and
/// writes to the primary's. The "replica" here never receives a row.
#[tokio::test]
async fn anonymous_comment_reads_go_to_the_replica_signed_in_reads_to_the_primary() {
    let clock = Arc::new(FakeClock::new(Utc::now()));
    let (primary, replica) = FakeContent::primary_and_replica();
    let f = Fixture {
        posts: PostService::new(primary.clone(), clock.clone()),
        comments: CommentService::new(primary.clone(), primary, clock.clone())
            .with_public_reads(replica.clone(), replica),
        clock,
    };
    let author = actor();
    let post = a_post(&f, &author).await;
    let comment = a_comment(&f, &author, post, "hi").await;
    let id = comment.comment.id();
    let page = PageRequest::first(20);

    let mine = f.comments.list_for(Some(&author), post, &page).await;
    assert_eq!(mine.expect("list").items.len(), 1);
    assert!(f.comments.get_for(Some(&actor()), id).await.is_ok());
    assert!(matches!(
        f.comments.list_for(None, post, &page).await,
        Err(CommentError::PostNotFound)
    ));
    assert!(matches!(
        f.comments.get_for(None, id).await,
        Err(CommentError::NotFound)
    ));
    assert_eq!(
        f.comments
            .list(post, &page)
            .await
            .expect("list")
            .items
            .len(),
        1
    );
    assert!(f.comments.get(id).await.is_ok());
}
