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
