//! The permission table, cell by cell: (role, action, own or someone else's resource) ->
//! status. One row per cell, so a failure names the cell; the README shows the same table.

use agora_tests::{Actor, TestApp, assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    User,
    Moderator,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whose {
    Own,
    Other,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    ReadPost,
    CreatePost,
    UpdatePost(Whose),
    DeletePost(Whose),
    ReadComments,
    CreateComment,
    UpdateComment(Whose),
    DeleteComment(Whose),
    ListUsers,
    /// `?email=`: who owns an address.
    FindUserByEmail,
    /// `?role=`: who holds a role (e.g. every admin).
    ListUsersByRole,
    ViewProfile(Whose),
    UpdateAccount(Whose),
    DeleteAccount(Whose),
    ListRoles,
    AssignRoles,
    EndSessionsOf,
    ReadAudit,
}

struct World {
    app: TestApp,
    admin: Actor,
    moderator: Actor,
    user: Actor,
}

impl World {
    fn actor(&self, role: Role) -> Option<&Actor> {
        match role {
            Role::Anonymous => None,
            Role::User => Some(&self.user),
            Role::Moderator => Some(&self.moderator),
            Role::Admin => Some(&self.admin),
        }
    }

    /// Whose resource the row acts on: the actor's own, or a fresh member's.
    async fn owner(&self, role: Role, whose: Whose) -> Actor {
        match (self.actor(role), whose) {
            (Some(actor), Whose::Own) => Actor {
                user: actor.user.clone(),
                login: actor.login.clone(),
                id: actor.id.clone(),
            },
            _ => self.app.member().await,
        }
    }

    async fn call(
        &self,
        role: Role,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> StatusCode {
        let mut request = self.app.request(method, path);
        if let Some(actor) = self.actor(role) {
            request = request.bearer_auth(actor.token());
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request sent").status()
    }

    async fn post_of(&self, owner: &Actor) -> String {
        let post = self.app.create_post(owner, "A post").await;
        post["id"].as_str().expect("id").to_owned()
    }

    async fn comment_of(&self, owner: &Actor) -> String {
        let host = self.app.member().await;
        let post = self.post_of(&host).await;
        let comment = self.app.create_comment(owner, &post, "A comment").await;
        comment["id"].as_str().expect("id").to_owned()
    }

    async fn perform(&self, role: Role, action: Action) -> StatusCode {
        use Action::*;
        let fresh_name = || format!("renamed_{}", &Uuid::now_v7().simple().to_string()[..12]);
        match action {
            ReadPost => {
                let post = self.post_of(&self.app.member().await).await;
                self.call(role, Method::GET, &format!("/api/posts/{post}"), None)
                    .await
            }
            CreatePost => {
                let body = json!({"title": "New", "body": "Text."});
                self.call(role, Method::POST, "/api/posts", Some(body))
                    .await
            }
            UpdatePost(whose) => {
                let post = self.post_of(&self.owner(role, whose).await).await;
                let body = json!({"title": "Edited", "body": "Edited."});
                self.call(role, Method::PUT, &format!("/api/posts/{post}"), Some(body))
                    .await
            }
            DeletePost(whose) => {
                let post = self.post_of(&self.owner(role, whose).await).await;
                self.call(role, Method::DELETE, &format!("/api/posts/{post}"), None)
                    .await
            }
            ReadComments => {
                let post = self.post_of(&self.app.member().await).await;
                let path = format!("/api/posts/{post}/comments");
                self.call(role, Method::GET, &path, None).await
            }
            CreateComment => {
                let post = self.post_of(&self.app.member().await).await;
                let path = format!("/api/posts/{post}/comments");
                self.call(role, Method::POST, &path, Some(json!({"body": "Hi"})))
                    .await
            }
            UpdateComment(whose) => {
                let comment = self.comment_of(&self.owner(role, whose).await).await;
                let path = format!("/api/comments/{comment}");
                self.call(role, Method::PUT, &path, Some(json!({"body": "Edited"})))
                    .await
            }
            DeleteComment(whose) => {
                let comment = self.comment_of(&self.owner(role, whose).await).await;
                self.call(
                    role,
                    Method::DELETE,
                    &format!("/api/comments/{comment}"),
                    None,
                )
                .await
            }
            ListUsers => self.call(role, Method::GET, "/api/users", None).await,
            FindUserByEmail => {
                let path = format!("/api/users?email={}", self.user.user.email);
                self.call(role, Method::GET, &path, None).await
            }
            ListUsersByRole => {
                self.call(role, Method::GET, "/api/users?role=admin", None)
                    .await
            }
            ViewProfile(whose) => {
                let owner = self.owner(role, whose).await;
                self.call(role, Method::GET, &format!("/api/users/{}", owner.id), None)
                    .await
            }
            UpdateAccount(whose) => {
                let owner = self.owner(role, whose).await;
                let body = json!({"username": fresh_name()});
                self.call(
                    role,
                    Method::PUT,
                    &format!("/api/users/{}", owner.id),
                    Some(body),
                )
                .await
            }
            DeleteAccount(whose) => {
                // Deleting one's own account ends the actor: act on a fresh twin instead.
                let owner = match (role, whose) {
                    (Role::Anonymous, _) | (_, Whose::Other) => self.app.member().await,
                    (_, Whose::Own) => return self.delete_own_account(role).await,
                };
                self.call(
                    role,
                    Method::DELETE,
                    &format!("/api/users/{}", owner.id),
                    None,
                )
                .await
            }
            ListRoles => self.call(role, Method::GET, "/api/roles", None).await,
            AssignRoles => {
                let target = self.app.member().await;
                let path = format!("/api/users/{}/roles", target.id);
                let body = json!({"roles": ["moderator"]});
                self.call(role, Method::PUT, &path, Some(body)).await
            }
            EndSessionsOf => {
                let target = self.app.member().await;
                let path = format!("/api/users/{}/sessions", target.id);
                self.call(role, Method::DELETE, &path, None).await
            }
            ReadAudit => self.call(role, Method::GET, "/api/audit", None).await,
        }
    }

    /// An account of the same role deletes itself.
    async fn delete_own_account(&self, role: Role) -> StatusCode {
        let twin = match role {
            Role::User => self.app.member().await,
            Role::Moderator => self.app.moderator(&self.admin).await,
            // Another administrator, so the last-admin rule does not decide this cell.
            _ => self.app.admin().await,
        };
        self.app
            .send(
                Method::DELETE,
                &format!("/api/users/{}", twin.id),
                twin.token(),
                Some(serde_json::json!({"password": twin.user.password})),
            )
            .await
            .status()
    }
}

#[tokio::test]
async fn every_cell_of_the_permission_table() {
    use Action::*;
    use Role::*;
    use Whose::*;
    let app = spawn_app().await;
    let admin = app.admin().await;
    let moderator = app.moderator(&admin).await;
    let user = app.member().await;
    let world = World {
        app,
        admin,
        moderator,
        user,
    };

    const OK: u16 = 200;
    const CREATED: u16 = 201;
    const GONE: u16 = 204;
    let table: &[(Action, [u16; 4])] = &[
        //                       anonymous user  moderator admin
        (ReadPost, [OK, OK, OK, OK]),
        (ReadComments, [OK, OK, OK, OK]),
        (CreatePost, [401, CREATED, CREATED, CREATED]),
        (UpdatePost(Own), [401, OK, OK, OK]),
        (UpdatePost(Other), [401, 403, 403, OK]),
        (DeletePost(Own), [401, GONE, GONE, GONE]),
        (DeletePost(Other), [401, 403, GONE, GONE]),
        (CreateComment, [401, CREATED, CREATED, CREATED]),
        (UpdateComment(Own), [401, OK, OK, OK]),
        (UpdateComment(Other), [401, 403, 403, OK]),
        (DeleteComment(Own), [401, GONE, GONE, GONE]),
        (DeleteComment(Other), [401, 403, GONE, GONE]),
        (ListUsers, [401, 403, OK, OK]),
        (FindUserByEmail, [401, 403, 403, OK]),
        (ListUsersByRole, [401, 403, 403, OK]),
        (ViewProfile(Own), [401, OK, OK, OK]),
        (ViewProfile(Other), [401, OK, OK, OK]),
        (UpdateAccount(Own), [401, OK, OK, OK]),
        (UpdateAccount(Other), [401, 403, 403, OK]),
        (DeleteAccount(Own), [401, GONE, GONE, GONE]),
        (DeleteAccount(Other), [401, 403, 403, GONE]),
        (ListRoles, [401, 403, 403, OK]),
        (AssignRoles, [401, 403, 403, OK]),
        (EndSessionsOf, [401, 403, 403, GONE]),
        (ReadAudit, [401, 403, 403, OK]),
    ];
    let mut wrong = Vec::new();
    for (action, expected) in table {
        for (role, status) in [Anonymous, User, Moderator, Admin]
            .into_iter()
            .zip(expected)
        {
            let got = world.perform(role, *action).await;
            if got.as_u16() != *status {
                wrong.push(format!("{role:?} {action:?}: expected {status}, got {got}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "cells that disagree:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test]
async fn a_profile_shows_private_fields_only_to_its_owner_and_admins() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let moderator = app.moderator(&admin).await;
    let member = app.member().await;
    let other = app.member().await;
    let path = format!("/api/users/{}", other.id);
    for (viewer, sees_email) in [
        (&member, false),
        (&moderator, false),
        (&admin, true),
        (&other, true),
    ] {
        let profile: Value = app
            .get_bearer(&path, viewer.token())
            .await
            .json()
            .await
            .expect("JSON");
        assert_eq!(profile["id"], other.id.as_str());
        assert_eq!(profile.get("email").is_some(), sees_email, "{profile}");
    }
}

#[tokio::test]
async fn moderators_cannot_look_up_who_owns_an_email_or_who_is_an_admin() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let moderator = app.moderator(&admin).await;
    let member = app.member().await;
    let by_email = format!("/api/users?email={}", member.user.email);

    for path in [
        by_email.as_str(),
        "/api/users?role=admin",
        "/api/users?role=user",
    ] {
        let refused = app.get_bearer(path, moderator.token()).await;
        assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
        let allowed = app.get_bearer(path, admin.token()).await;
        assert_eq!(allowed.status(), StatusCode::OK, "{path}");
    }
    let plain = app
        .get_bearer("/api/users?q=user_", moderator.token())
        .await;
    assert_eq!(
        plain.status(),
        StatusCode::OK,
        "moderators still list and search names"
    );
}
