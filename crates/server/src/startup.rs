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
        let limits = &settings.limits;
        let http = HttpSettings {
            json_body_limit: settings.json_body_limit,
            post_body_limit: limits.post_body_limit,
            body_timeout: limits.request_timeout,
            trusted_proxies: limits.trusted_proxies.clone(),
            ipv6_prefix: limits.ipv6_prefix,
            cors_origins: limits.cors_origins.clone(),
        };
        let mut server = HttpServer::new(move || agora_http::app(state.clone(), http.clone()))
            .shutdown_timeout(settings.shutdown_timeout.as_secs())
            .client_request_timeout(limits.header_timeout)
            .client_disconnect_timeout(std::time::Duration::from_secs(1))
            .max_connections(limits.max_connections);
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
