//! `Application`: binds its own listener (port 0 works), so tests start the real thing.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_http::{HttpService, Request};
use actix_server::Server;
use actix_service::{ServiceFactoryExt, fn_service, map_config};
use actix_web::{
    dev::{AppConfig, Extensions},
    rt::net::TcpStream,
};
use agora_http::{HeadDeadlines, HttpSettings};
use anyhow::Context;
use infrastructure::config::Settings;

use crate::{
    connections::{ClientSlots, Guarded},
    wiring::wire,
};

pub struct Application {
    port: u16,
    server: Server,
    /// The metrics listener's port and server, when `METRICS_ADDR` is set.
    metrics: Option<(u16, Server)>,
    audit_prune: tokio::task::JoinHandle<()>,
    mail_delivery: tokio::task::JoinHandle<()>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let wired = wire(&settings).await?;
        let listener = TcpListener::bind(settings.bind_addr)
            .with_context(|| format!("BIND_ADDR: cannot listen on {}", settings.bind_addr))?;
        let local = listener.local_addr()?;
        let metrics = settings
            .metrics_addr
            .map(|addr| crate::metrics::serve(addr, wired.pool.clone()))
            .transpose()?;
        let audit_prune = wired.start_audit_prune();
        let mail_delivery = wired.start_mail_delivery();
        let state = wired.state;
        let limits = &settings.limits;
        let http = HttpSettings {
            json_body_limit: settings.json_body_limit,
            post_body_limit: limits.post_body_limit,
            body_timeout: limits.request_timeout,
            trusted_proxies: limits.trusted_proxies.clone(),
            ipv6_prefix: limits.ipv6_prefix,
            cors_origins: limits.cors_origins.clone(),
            compress_min_bytes: settings.compress_min_bytes,
        };
        let deadlines = HeadDeadlines {
            head: limits.header_timeout,
            keep_alive: limits.keep_alive,
        };
        // A client that reads nothing of an answer for this long is gone or hostile.
        let write_stall = limits.request_timeout;
        let slots = ClientSlots::new(
            limits.max_connections_per_client,
            limits.ipv6_prefix,
            limits.trusted_proxies.clone(),
        );
        let builder = Server::build();
        // On SIGTERM, keep-alive connections take no new request (as `HttpServer` does).
        let shutdown = builder.graceful_shutdown_signal();
        let mut server = builder
            .shutdown_timeout(settings.shutdown_timeout.as_secs())
            .max_concurrent_connections(limits.max_connections);
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let server = server
            .listen("agora", listener, move || {
                // What `actix_web::HttpServer` builds, on the guarded stream.
                let app = agora_http::app(state.clone(), http.clone());
                let app = map_config(
                    actix_service::IntoServiceFactory::<_, Request>::into_factory(app)
                        .map_err(|err: actix_web::Error| err.error_response()),
                    |_| AppConfig::default(),
                );
                let shutdown = shutdown.clone();
                let h1 = HttpService::<Guarded, _, _>::build()
                    .graceful_shutdown_signal(move || {
                        let shutdown = shutdown.clone();
                        async move { shutdown.notified().await }
                    })
                    .keep_alive(deadlines.keep_alive)
                    .client_request_timeout(deadlines.head)
                    .client_disconnect_timeout(Duration::from_secs(1))
                    .local_addr(local)
                    .on_connect_ext(|io: &Guarded, data: &mut Extensions| {
                        data.insert(io.activity());
                    })
                    .h1(app)
                    .map_err(|_| ());
                let slots = Arc::clone(&slots);
                fn_service(move |io: TcpStream| {
                    let peer = io.peer_addr().ok();
                    let admitted = peer.and_then(|peer| slots.acquire(peer.ip()));
                    let _ = io.set_nodelay(true);
                    std::future::ready(match admitted {
                        Some(slot) => Ok((Guarded::new(io, slot, deadlines, write_stall), peer)),
                        // Over this client's share: closed at once, nothing read.
                        None => Err(()),
                    })
                })
                .and_then(h1)
            })?
            .run();
        let port = local.port();
        tracing::info!(address = %settings.bind_addr.ip(), port, "listening");
        Ok(Self {
            port,
            server,
            metrics,
            audit_prune,
            mail_delivery,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The metrics listener's port, when `METRICS_ADDR` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(|(_, server)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let result = self.server.await;
        self.audit_prune.abort();
        self.mail_delivery.abort();
        if let Some(metrics) = metrics {
            metrics.stop(false).await;
        }
        result
    }
}
