//! `Application`: binds its own listener (port 0 works), so tests start the real thing.

use std::net::TcpListener;

use actix_web::{HttpServer, dev::Server};
use agora_http::HttpSettings;
use anyhow::Context;
use infrastructure::config::Settings;

use crate::wiring::wire;

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let wired = wire(&settings).await?;
        let listener = TcpListener::bind(settings.bind_addr)
            .with_context(|| format!("BIND_ADDR: cannot listen on {}", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        let state = wired.state;
        let http = HttpSettings {
            json_body_limit: settings.json_body_limit,
        };
        let mut server = HttpServer::new(move || agora_http::app(state.clone(), http.clone()))
            .shutdown_timeout(settings.shutdown_timeout.as_secs());
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let server = server.listen(listener)?.run();
        tracing::info!(address = %settings.bind_addr.ip(), port, "listening");
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
