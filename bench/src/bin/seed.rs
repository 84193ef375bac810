//! `agora-seed OUT.json [--scale N] [--users N --posts N --comments N]`: fills the configured
//! database (the server's own settings from the environment) through the repositories: users
//! one by one through `UserRepository::insert`, posts and comments through the SQL adapters'
//! bulk path. Writes what the load generator needs (ids, the page-1,000 cursor) to OUT.json.

use std::{sync::Arc, time::Instant};

use agora_bench::{BENCH_PASSWORD, Setup, post_body, user_email};
use anyhow::Context;
use application::{pagination::Cursor, ports::UserRepository};
use chrono::{Duration, Utc};
use domain::{
    AuditAction, AuditEvent, Comment, CommentBody, CommentId, Email, PasswordHash, Post, PostBody,
    PostId, PostTitle, User, UserId, Username,
};
use futures_util::{StreamExt, stream};
use infrastructure::{
    SqlComments, SqlPosts, SqlUsers, config::Settings, connect_database, crypto, migrate,
};
use uuid::Uuid;

struct Counts {
    users: usize,
    posts: usize,
    comments: usize,
}

fn parse_args() -> anyhow::Result<(String, Counts)> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .context("usage: agora-seed OUT.json [--scale N]")?;
    let mut scale = 1;
    let mut counts = Counts {
        users: 1_000,
        posts: 20_000,
        comments: 100_000,
    };
    let mut explicit = Vec::new();
    while let Some(flag) = args.next() {
        let value: usize = args
            .next()
            .with_context(|| format!("{flag} needs a number"))?
            .parse()?;
        match flag.as_str() {
            "--scale" => scale = value,
            "--users" | "--posts" | "--comments" => explicit.push((flag, value)),
            _ => anyhow::bail!("unknown flag {flag}"),
        }
    }
    counts.users *= scale;
    counts.posts *= scale;
    counts.comments *= scale;
    for (flag, value) in explicit {
        match flag.as_str() {
            "--users" => counts.users = value,
            "--posts" => counts.posts = value,
            _ => counts.comments = value,
        }
    }
    anyhow::ensure!(
        counts.users >= 1 && counts.posts >= 1,
        "need a user and a post"
    );
    Ok((out, counts))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (out, counts) = parse_args()?;
    let settings = Settings::from_env()?;
    let started = Instant::now();
    let db = connect_database(&settings.database).await?;
    migrate(&db).await?;
    let emails = Arc::new(crypto::email_protection(&settings)?);
    let users = Arc::new(SqlUsers::new(db.clone(), emails));
    let posts = SqlPosts::new(db.clone());
    let comments = SqlComments::new(db);

    // One hash for every account: the data set, not bcrypt, is what is being built here.
    let hash = PasswordHash::new(bcrypt::hash(BENCH_PASSWORD, settings.bcrypt_cost)?);
    let origin = Utc::now() - Duration::days(30);
    let user_ids: Vec<UserId> = (0..counts.users)
        .map(|_| UserId::from_uuid(Uuid::now_v7()))
        .collect();
    stream::iter(user_ids.iter().enumerate())
        .map(|(i, id)| {
            let users = users.clone();
            let hash = hash.clone();
            async move {
                let username = Username::parse(&format!("bench{i}"))
                    .map_err(|e| anyhow::anyhow!("username: {e}"))?;
                let email = Email::parse(&user_email(i)).map_err(|e| anyhow::anyhow!("{e}"))?;
                let at = origin + Duration::seconds(i64::try_from(i)?);
                let user = User::register(*id, username, email, hash, at);
                let event = AuditEvent::new(AuditAction::AccountRegistered, Some(*id), at);
                users.insert(&user, &event).await?;
                anyhow::Ok(())
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<()>>>()?;
    let admin = agora::admin::create_admin_with_password(
        &settings,
        agora_bench::ADMIN_EMAIL,
        "benchadmin",
        BENCH_PASSWORD,
    )
    .await?;
    println!(
        "seed: {} users and an administrator in {:.1}s",
        counts.users,
        started.elapsed().as_secs_f64()
    );

    let body = PostBody::parse(&post_body()).map_err(|e| anyhow::anyhow!("{e}"))?;
    // Oldest first: post i was written i minutes after the origin, so the newest is the last.
    let all_posts: Vec<Post> = (0..counts.posts)
        .map(|i| {
            let title = PostTitle::parse(&format!("Bench post {i} on topic {}", i % 97))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let at = origin + Duration::seconds(60 * i64::try_from(i)?);
            Ok(Post::create(
                PostId::from_uuid(Uuid::now_v7()),
                user_ids[i % user_ids.len()],
                title,
                body.clone(),
                at,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    posts.insert_batch(&all_posts).await?;
    println!(
        "seed: {} posts at {:.1}s",
        counts.posts,
        started.elapsed().as_secs_f64()
    );

    // The newest post (page 1, the item route) gets 40 comments of its own; the rest spread
    // evenly over every post.
    let target = &all_posts[all_posts.len() - 1];
    let comment_body = CommentBody::parse("A comment of a realistic length, a sentence or two.")
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..counts.comments + 40 {
        let post = if i < 40 {
            target
        } else {
            &all_posts[i % all_posts.len()]
        };
        let at = post.created_at() + Duration::seconds(i64::try_from(i)? % 3_600 + 1);
        batch.push(Comment::create(
            CommentId::from_uuid(Uuid::now_v7()),
            post.id(),
            user_ids[i % user_ids.len()],
            comment_body.clone(),
            at,
        ));
        if batch.len() == 10_000 {
            comments.insert_batch(&batch).await?;
            batch.clear();
        }
    }
    comments.insert_batch(&batch).await?;
    println!(
        "seed: {} comments at {:.1}s",
        counts.comments + 40,
        started.elapsed().as_secs_f64()
    );

    // Page N of 20 starts after the 20 * (N - 1)th newest post.
    let page = (counts.posts / 20).clamp(1, 1000);
    let deep_cursor = (page > 1).then(|| {
        let last_of_previous = &all_posts[all_posts.len() - 20 * (page - 1)];
        Cursor {
            created_at: last_of_previous.created_at(),
            id: last_of_previous.id().as_uuid(),
        }
        .encode()
    });
    let setup = Setup {
        users: counts.users,
        posts: counts.posts,
        comments: counts.comments + 40,
        post_id: target.id().as_uuid(),
        admin_id: admin.id().as_uuid(),
        deep_page: page,
        deep_cursor,
    };
    std::fs::write(&out, serde_json::to_vec_pretty(&setup)?)
        .with_context(|| format!("writing {out}"))?;
    Ok(())
}
