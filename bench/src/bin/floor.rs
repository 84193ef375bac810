//! `agora-floor`: the floor the benchmark divides by. A bare actix route, outside the
//! production router, that does the least any authenticated read must: verify the same HS256
//! access token with the server's own `JwtTokens`, then one sea-orm primary-key select of a
//! post through a pool opened by the server's own `connect_database` (same pool settings; on
//! SQLite, `connect_readers`' read-only pool, where the server's reads go).
//! It reads the server's settings from the environment and listens on FLOOR_ADDR.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::Context;
use application::ports::AccessTokens;
use infrastructure::{JwtTokens, config::Settings, connect_database, connect_readers};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use secrecy::ExposeSecret;
use uuid::Uuid;

struct Floor {
    db: DatabaseConnection,
    tokens: JwtTokens,
    sql: &'static str,
}

async fn floor_route(
    req: HttpRequest,
    id: web::Path<Uuid>,
    floor: web::Data<Floor>,
) -> HttpResponse {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(claims) = token.and_then(|t| floor.tokens.verify(t).ok()) else {
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
                "viewer": claims.user_id.as_uuid(),
                "title": title,
                "body": body,
            }))
        }
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
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
    let floor = web::Data::new(Floor {
        db,
        tokens: JwtTokens::new(secret.expose_secret().as_bytes()),
        sql,
    });
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(floor.clone())
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
