//! Use-case tests of posts against the fakes of the ports (`testing::fakes::FakeContent`).

use std::sync::Arc;

use chrono::{Duration, Utc};
use domain::{Role, SessionId, UserId};
use uuid::Uuid;

use super::*;
use crate::{
    ClientInfo,
    testing::fakes::{FakeClock, FakeContent, FakeUsers},
};

fn service() -> (PostService, Arc<FakeClock>) {
    let clock = Arc::new(FakeClock::new(Utc::now()));
    let content = Arc::new(FakeContent::new(Arc::new(FakeUsers::default())));
    (PostService::new(content, clock.clone()), clock)
}

fn actor(roles: &[Role]) -> Actor {
    Actor {
        user_id: UserId::from_uuid(Uuid::now_v7()),
        session_id: SessionId::from_uuid(Uuid::now_v7()),
        roles: roles.to_vec(),
        client: ClientInfo::default(),
    }
}

fn input(title: &str) -> PostInput {
    PostInput {
        title: PostTitle::parse(title).expect("valid"),
        body: PostBody::parse("body").expect("valid"),
    }
}

#[tokio::test]
async fn an_author_edits_their_post_and_a_stale_tag_is_refused() {
    let (posts, clock) = service();
    let author = actor(&[Role::User]);
    let created = posts.create(&author, input("first")).await.expect("create");
    let old_tag = IfMatch::Tags(vec![created.version_tag()]);
    clock.advance(Duration::seconds(1));
    let edited = posts
        .update(&author, created.post.id(), input("second"), Some(&old_tag))
        .await
        .expect("update");
    assert_eq!(edited.post.title().as_ref(), "second");
    assert!(matches!(
        posts
            .update(&author, created.post.id(), input("third"), Some(&old_tag))
            .await,
        Err(PostError::PreconditionFailed)
    ));
    assert_eq!(
        posts
            .get(created.post.id())
            .await
            .expect("get")
            .post
            .title()
            .as_ref(),
        "second"
    );
}

#[tokio::test]
async fn another_user_may_not_edit_or_delete_but_a_moderator_deletes() {
    let (posts, _) = service();
    let author = actor(&[Role::User]);
    let created = posts.create(&author, input("mine")).await.expect("create");
    let id = created.post.id();
    let stranger = actor(&[Role::User]);
    assert!(matches!(
        posts.update(&stranger, id, input("theirs"), None).await,
        Err(PostError::Forbidden(_))
    ));
    assert!(matches!(
        posts.delete(&stranger, id, None).await,
        Err(PostError::Forbidden(_))
    ));
    posts
        .delete(&actor(&[Role::User, Role::Moderator]), id, None)
        .await
        .expect("a moderator deletes any post");
    assert!(matches!(posts.get(id).await, Err(PostError::NotFound)));
    assert!(matches!(
        posts.delete(&author, id, None).await,
        Err(PostError::NotFound)
    ));
}

/// The routing decision: anonymous reads go to the public-reads (replica) repository; every
/// signed-in read, the author's included, and every write to the primary's. Here the
/// "replica" never receives a row, so a read that finds the post came from the primary.
#[tokio::test]
async fn anonymous_reads_go_to_the_replica_signed_in_reads_and_writes_to_the_primary() {
    let clock = Arc::new(FakeClock::new(Utc::now()));
    let (primary, replica) = FakeContent::primary_and_replica();
    let posts = PostService::new(primary, clock).with_public_reads(replica);
    let author = actor(&[Role::User]);
    let created = posts.create(&author, input("new")).await.expect("create");
    let id = created.post.id();
    let tag = IfMatch::Tags(vec![created.version_tag()]);
    posts
        .update(&author, id, input("edited"), Some(&tag))
        .await
        .expect("update");

    // The author (and any signed-in reader) reads the primary: their own write.
    let reader = actor(&[Role::User]);
    for who in [&author, &reader] {
        let fresh = posts.get_for(Some(who), id).await.expect("get");
        assert_eq!(fresh.post.title().as_ref(), "edited");
    }
    // An anonymous reader reads the replica, which has not seen it.
    assert!(matches!(
        posts.get_for(None, id).await,
        Err(PostError::NotFound)
    ));
    let filter = PostFilter::default();
    let page = PageRequest::first(20);
    let fresh = posts.list_for(Some(&author), &filter, &page).await;
    assert_eq!(fresh.expect("list").items.len(), 1);
    let stale = posts.list_for(None, &filter, &page).await;
    assert!(stale.expect("list").items.is_empty());
    // The plain reads (used by writes' own checks) are on the primary.
    assert!(posts.get(id).await.is_ok());
    assert_eq!(
        posts.list(&filter, &page).await.expect("list").items.len(),
        1
    );
}
