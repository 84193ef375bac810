//! `agora-floor`: the floor the benchmark divides by. A bare actix route, outside the
//! production router, that does the least any authenticated read must: verify the same HS256
//! access token with the server's own `JwtTokens`, then one sea-orm primary-key select of a
//! post through a pool opened by the server's own `connect_database` (same pool settings; on
//! SQLite, `connect_readers`' read-only pool, where the server's reads go).
//!
//! `/floor/posts` is the same for a list: the token checked, then the very statement the
//! server's `GET /api/posts?limit=20` builds (`SqlPosts::list_statement`), each row read by
//! name with sea-orm (as the server reads it on PostgreSQL) and the twenty written as JSON; no middleware, session, cursor or envelope. It
//! shows what actix and sea-orm themselves pay for a page of twenty (issue 10's target 2).
//!
//! `/floor/posts-json` is the same page read as one row: the same statement, its rows folded
//! by the database into one JSON text (`json_group_array` on SQLite, `json_agg` on
//! PostgreSQL), so one row crosses the driver instead of twenty-one, then parsed with serde
//! and written as the same JSON. On SQLite the server reads its pages that way too
//! (`infrastructure`'s `sql/folded.rs`, which takes the columns from its row types); this route
//! keeps a fixed spelling of its own so it measures `json_agg` on PostgreSQL as well, where the
//! server reads row by row (`json_agg` costs the database more than it saves).
//! It reads the server's settings from the environment and listens on FLOOR_ADDR.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use application::{
    pagination::PageRequest,
    ports::{AccessTokens, PostFilter},
};
use chrono::{DateTime, Utc};
use infrastructure::{JwtTokens, SqlPosts, config::Settings, connect_database, connect_readers};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement};
use secrecy::ExposeSecret;
use serde::Serialize;
use uuid::Uuid;

struct Floor {
    db: DatabaseConnection,
    tokens: JwtTokens,
    sql: &'static str,
    /// The server's first page of twenty posts, as `SqlPosts` builds it.
    list: Statement,
    /// The same page, folded into one JSON text by the database.
    json_list: Statement,
}

/// The viewer's id, when the request carries a valid access token.
fn viewer(req: &HttpRequest, floor: &Floor) -> Option<Uuid> {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))?;
    floor.tokens.verify(token).ok().map(|c| c.user_id.as_uuid())
}

async fn floor_route(
    req: HttpRequest,
    id: web::Path<Uuid>,
    floor: web::Data<Floor>,
) -> HttpResponse {
    let Some(viewer) = viewer(&req, &floor) else {
        return HttpResponse::Unauthorized().finish();
    };
    let statement = Statement::from_sql_and_values(
        floor.db.get_database_backend(),
        floor.sql,
        [id.into_inner().into()],
    );
    match floor.db.query_one_raw(statement).await {
        Ok(Some(row)) => {
            let title: String = row.try_get("", "title").unwrap_or_default();
            let body: String = row.try_get("", "body").unwrap_or_default();
            HttpResponse::Ok().json(serde_json::json!({
                "viewer": viewer,
                "title": title,
                "body": body,
            }))
        }
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

#[derive(Serialize)]
struct Author {
    id: Uuid,
    username: String,
}

/// A list item with the fields and names of the server's `PostSummaryResponse`.
#[derive(Serialize)]
struct Item {
    id: Uuid,
    title: String,
    excerpt: String,
    body_length: i32,
    author: Author,
    comment_count: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn item(row: &QueryResult) -> Result<Item, DbErr> {
    Ok(Item {
        id: row.try_get("", "id")?,
        title: row.try_get("", "title")?,
        excerpt: row.try_get("", "excerpt")?,
        body_length: row.try_get("", "body_length")?,
        author: Author {
            id: row.try_get("", "author_id")?,
            username: row.try_get("", "author_username")?,
        },
        comment_count: row.try_get("", "comment_count")?,
        created_at: row.try_get("", "created_at")?,
        updated_at: row.try_get("", "updated_at")?,
    })
}

async fn list_route(req: HttpRequest, floor: web::Data<Floor>) -> HttpResponse {
    if viewer(&req, &floor).is_none() {
        return HttpResponse::Unauthorized().finish();
    }
    let items = floor
        .db
        .query_all_raw(floor.list.clone())
        .await
        .and_then(|rows| {
            rows.iter()
                .take(20)
                .map(item)
                .collect::<Result<Vec<_>, _>>()
        });
    match items {
        Ok(items) => HttpResponse::Ok().json(items),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

/// `list` with its rows folded by the database into one JSON array of arrays, in the column
/// `page`; ids as text (hex on SQLite, which stores them as blobs). An aggregate's order is not
/// promised, and an `ORDER BY` inside it cost SQLite a sort as dear as the rows it saved, so
/// the reader puts the rows back in the list's order.
fn folded(list: &Statement) -> Statement {
    let sql = match list.db_backend {
        DbBackend::Postgres => format!(
            "SELECT json_agg(json_build_array(id, author_id, title, excerpt, body_length, \
             author_username, comment_count, created_at, updated_at))::text AS page \
             FROM ({}) AS rows",
            list.sql
        ),
        _ => format!(
            "SELECT json_group_array(json_array(hex(id), hex(author_id), title, excerpt, \
             body_length, author_username, comment_count, created_at, updated_at)) AS page \
             FROM ({}) AS rows",
            list.sql
        ),
    };
    Statement {
        sql,
        ..list.clone()
    }
}

/// A row of `folded`'s page, in its column order.
type FoldedRow = (
    String,
    String,
    String,
    String,
    i32,
    String,
    i64,
    DateTime<Utc>,
    DateTime<Utc>,
);

fn folded_item(row: FoldedRow) -> Option<Item> {
    let (id, author, title, excerpt, body_length, username, comment_count, created, updated) = row;
    Some(Item {
        id: Uuid::parse_str(&id).ok()?,
        title,
        excerpt,
        body_length,
        author: Author {
            id: Uuid::parse_str(&author).ok()?,
            username,
        },
        comment_count,
        created_at: created,
        updated_at: updated,
    })
}

async fn json_list_route(req: HttpRequest, floor: web::Data<Floor>) -> HttpResponse {
    if viewer(&req, &floor).is_none() {
        return HttpResponse::Unauthorized().finish();
    }
    let page = match floor.db.query_one_raw(floor.json_list.clone()).await {
        Ok(Some(row)) => row.try_get::<String>("", "page"),
        _ => return HttpResponse::ServiceUnavailable().finish(),
    };
    let rows = page
        .ok()
        .and_then(|page| serde_json::from_str::<Vec<FoldedRow>>(&page).ok());
    let items = rows.and_then(|rows| {
        let mut items = rows
            .into_iter()
            .map(folded_item)
            .collect::<Option<Vec<_>>>()?;
        items.sort_unstable_by_key(|item| std::cmp::Reverse((item.created_at, item.id)));
        items.truncate(20);
        Some(items)
    });
    match items {
        Some(items) => HttpResponse::Ok().json(items),
        None => HttpResponse::ServiceUnavailable().finish(),
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let secret = settings
        .jwt_secret
        .clone()
        .context("JWT_SECRET: the floor must verify the server's tokens")?;
    let addr = std::env::var("FLOOR_ADDR").unwrap_or_else(|_| "127.0.0.1:8081".into());
    let db = connect_database(&settings.database).await?;
    let db = connect_readers(&settings.database).await?.unwrap_or(db);
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT id, author_id, title, body, created_at, updated_at FROM posts WHERE id = $1"
        }
        _ => "SELECT id, author_id, title, body, created_at, updated_at FROM posts WHERE id = ?",
    };
    let list =
        SqlPosts::new(db.clone()).list_statement(&PostFilter::default(), &PageRequest::first(20));
    let floor = web::Data::new(Floor {
        json_list: folded(&list),
        list,
        db,
        tokens: JwtTokens::new(secret.expose_secret().as_bytes()),
        sql,
    });
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(floor.clone())
            .route("/floor/posts", web::get().to(list_route))
            .route("/floor/posts-json", web::get().to(json_list_route))
            .route("/floor/{id}", web::get().to(floor_route))
    })
    .bind(&addr)
    .with_context(|| format!("FLOOR_ADDR: cannot listen on {addr}"))?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    println!("floor listening on {addr}");
    server.run().await?;
    Ok(())
}
