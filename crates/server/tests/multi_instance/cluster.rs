//! Real `agora` processes on one PostgreSQL schema and one Redis key prefix, as replicas behind
//! a load balancer run: nothing shared but the two servers and the configuration.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use crate::listening::{self, Listening};
use reqwest::{Method, RequestBuilder, Response};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

/// Base64 of 32 bytes: every replica must hold the same keys to read each other's rows.
const DATA_KEY: &str = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=";
const BLIND_INDEX_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY=";
const JWT_SECRET: &str = "multi-instance-test-secret-of-32-bytes-or-more";

/// What every replica of one deployment shares.
pub struct Deployment {
    database_url: String,
    redis_url: String,
    pub schema: String,
    prefix: String,
    dir: tempfile::TempDir,
}

pub struct Instance {
    child: Child,
    pub base: String,
    pub client: reqwest::Client,
    /// What it logged before it listened (migrations included).
    pub startup_log: Vec<String>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn required(name: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| panic!("{name} must name the server every instance shares"))
}

impl Deployment {
    /// A new, empty schema on `DATABASE_URL` and a new key prefix on `REDIS_URL`.
    pub async fn new() -> Self {
        let database_url = required("DATABASE_URL");
        assert!(
            database_url.starts_with("postgres"),
            "DATABASE_URL must be PostgreSQL"
        );
        let schema = format!("multi_{}", uuid::Uuid::now_v7().simple());
        let db = Database::connect(&database_url).await.expect("connects");
        db.execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
            .await
            .expect("creates a schema");
        db.close().await.ok();
        Self {
            database_url,
            redis_url: required("REDIS_URL"),
            prefix: format!("multi-{}", uuid::Uuid::now_v7().simple()),
            schema,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_agora"));
        command.env_clear();
        listening::on_loopback(&mut command, self.dir.path())
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.database_url)
            .env("DATABASE_SCHEMA", &self.schema)
            .env("DATABASE_MAX_CONNECTIONS", "4")
            .env("REDIS_URL", &self.redis_url)
            .env("REDIS_KEY_PREFIX", &self.prefix)
            .env("JWT_SECRET", JWT_SECRET)
            .env("DATA_KEY", DATA_KEY)
            .env("BLIND_INDEX_KEY", BLIND_INDEX_KEY)
            .env("BCRYPT_COST", "4")
            .env("WORKERS", "1")
            .env("RATE_LIMIT_GENERAL_PER_MIN", "100000")
            .env("RATE_LIMIT_AUTH_PER_MIN", "100000");
        command
    }

    /// A fresh deployment with two replicas of the default settings; keep the deployment alive
    /// while they run.
    pub async fn pair() -> (Self, [Instance; 2]) {
        let deployment = Self::new().await;
        let pair = deployment.start_two(&[]);
        (deployment, pair)
    }

    /// Two replicas, started as `start` does.
    pub fn start_two(&self, extra: &[(&str, &str)]) -> [Instance; 2] {
        self.start(2, extra).try_into().ok().expect("two")
    }

    /// Starts `count` replicas at once (all spawned before any is waited for); each is
    /// returned once it logged `listening`. `extra` adds settings to every one.
    pub fn start(&self, count: usize, extra: &[(&str, &str)]) -> Vec<Instance> {
        let children: Vec<Child> = (0..count)
            .map(|_| {
                self.command()
                    .envs(extra.iter().copied())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("agora starts")
            })
            .collect();
        let waits: Vec<_> = children
            .into_iter()
            .map(|child| std::thread::spawn(move || wait_listening(child)))
            .collect();
        waits
            .into_iter()
            .map(|w| w.join().expect("joined"))
            .collect()
    }

    /// An administrator, made the way an operator makes one (`agora create-admin`).
    pub fn create_admin(&self, email: &str, username: &str, password: &str) {
        let output = self
            .command()
            .env("ADMIN_PASSWORD", password)
            .args(["create-admin", "--email", email, "--username", username])
            .output()
            .expect("create-admin runs");
        listening::assert_succeeded(&output);
    }
}

fn wait_listening(mut child: Child) -> Instance {
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || for _ in BufReader::new(stderr).lines() {});
    let Listening {
        port,
        before: startup_log,
    } = listening::wait_listening(&mut child);
    Instance {
        child,
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        startup_log,
    }
}

/// A logged-in account as a client holds it.
pub struct Session {
    pub id: String,
    pub access_token: String,
    pub refresh_token: String,
    pub password: String,
    pub email: String,
}

impl Instance {
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base))
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.request(method, path).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("sent")
    }

    pub async fn status(&self, path: &str, token: &str) -> u16 {
        self.send(Method::GET, path, token, None)
            .await
            .status()
            .as_u16()
    }

    pub async fn register(&self) -> (String, String) {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let tag = &id[20..32];
        let (email, password) = (
            format!("m_{tag}@example.com"),
            format!("pw-{tag}-long-enough"),
        );
        let answer = self
            .request(Method::POST, "/api/auth/register")
            .json(&json!({"username": format!("m_{tag}"), "email": email, "password": password}))
            .send()
            .await
            .expect("sent");
        assert_eq!(answer.status(), 201, "registration failed");
        (email, password)
    }

    pub async fn login(&self, email: &str, password: &str) -> Session {
        let answer = self
            .request(Method::POST, "/api/auth/login")
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("sent");
        assert_eq!(answer.status(), 200, "login failed");
        let refresh_token = answer
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok()?.strip_prefix("refresh_token="))
            .filter_map(|rest| rest.split(';').next())
            .next()
            .expect("refresh cookie")
            .to_owned();
        let body: Value = answer.json().await.expect("JSON");
        Session {
            id: body["user"]["id"].as_str().expect("id").to_owned(),
            access_token: body["access_token"].as_str().expect("token").to_owned(),
            refresh_token,
            password: password.to_owned(),
            email: email.to_owned(),
        }
    }

    /// Sends the process `signal` (`STOP`, `CONT`, `KILL`...) with kill(1).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} failed");
    }

    pub async fn member(&self) -> Session {
        let (email, password) = self.register().await;
        self.login(&email, &password).await
    }

    /// Refreshing with the refresh token, as a browser's cookie would.
    pub async fn refresh(&self, session: &Session) -> u16 {
        self.request(Method::POST, "/api/auth/refresh")
            .header("Cookie", format!("refresh_token={}", session.refresh_token))
            .send()
            .await
            .expect("sent")
            .status()
            .as_u16()
    }
}
