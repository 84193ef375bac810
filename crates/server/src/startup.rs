//! `Application`: binds its own listener (port 0 works), so tests start the real thing.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_http::{HttpService, Request};
use actix_server::Server;
use actix_service::{Service, ServiceFactoryExt, apply_fn_factory, fn_service, map_config};
use actix_web::{
    dev::{AppConfig, Extensions, ServiceResponse},
    http::ConnectionType,
    rt::net::TcpStream,
};
use agora_http::{HeadDeadlines, HttpSettings};
use anyhow::Context;
use application::health::Readiness;
use infrastructure::{Pools, config::Settings};

use crate::{
    connections::{ClientSlots, Guarded},
    shutdown,
    tls::{CertStore, Conn},
    wiring::wire,
};

pub struct Application {
    port: u16,
    server: Server,
    /// The metrics listener's port and server, when `METRICS_ADDR` is set.
    metrics: Option<(u16, Server)>,
    /// The plain-HTTP redirect listener's port and server, when `HTTP_REDIRECT_ADDR` is set.
    redirect: Option<(u16, Server)>,
    /// The certificate being served, when TLS is on.
    tls: Option<Arc<CertStore>>,
    readiness: Readiness,
    drain: Duration,
    pools: Pools,
    signals: shutdown::Signals,
    connections: shutdown::Connections,
    audit_prune: tokio::task::JoinHandle<()>,
    mail_delivery: tokio::task::JoinHandle<()>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        // The certificate first: a bad file stops the start before anything is opened.
        let tls = settings.tls.as_ref().map(CertStore::load).transpose()?;
        let acceptor = tls.as_ref().map(CertStore::acceptor).transpose()?;
        let wired = wire(&settings).await?;
        let listener = TcpListener::bind(settings.bind_addr)
            .with_context(|| format!("BIND_ADDR: cannot listen on {}", settings.bind_addr))?;
        let local = listener.local_addr()?;
        let metrics = settings
            .metrics_addr
            .map(|addr| crate::metrics::serve(addr, wired.pool.clone(), wired.redis_pool.clone()))
            .transpose()?;
        let redirect = settings
            .http_redirect_addr
            .map(|addr| crate::redirect::serve(addr, local.port(), settings.limits.header_timeout))
            .transpose()?;
        let audit_prune = wired.start_audit_prune();
        let mail_delivery = wired.start_mail_delivery();
        let pools = wired.pools;
        let state = wired.state;
        let readiness = state.readiness.clone();
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
        // Signals are ours (see `shutdown`): SIGTERM drains before the listener closes.
        let builder = Server::build().disable_signals();
        // When the drain ends, keep-alive connections take no new request (as `HttpServer`
        // does on SIGTERM).
        let shutdown = builder.graceful_shutdown_signal();
        let mut server = builder
            .shutdown_timeout(settings.shutdown_timeout.as_secs())
            .max_concurrent_connections(limits.max_connections);
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let connections = shutdown::Connections::default();
        let counted = connections.clone();
        let server = server
            .listen("agora", listener, move || {
                // What `actix_web::HttpServer` builds, on the guarded stream.
                let app = agora_http::app(state.clone(), http.clone());
                let draining = state.readiness.clone();
                let app = map_config(
                    actix_service::IntoServiceFactory::<_, Request>::into_factory(app)
                        .map(move |mut res: ServiceResponse<_>| {
                            // Draining: each connection ends with its answer, so clients
                            // (load balancers) reconnect, to an instance that is staying.
                            if draining.is_draining() {
                                res.response_mut()
                                    .head_mut()
                                    .set_connection_type(ConnectionType::Close);
                            }
                            res
                        })
                        .map_err(|err: actix_web::Error| err.error_response()),
                    |_| AppConfig::default(),
                );
                let shutdown = shutdown.clone();
                let h1 = HttpService::<Conn, _, _>::build()
                    .graceful_shutdown_signal(move || {
                        let shutdown = shutdown.clone();
                        async move { shutdown.notified().await }
                    })
                    .keep_alive(deadlines.keep_alive)
                    .client_request_timeout(deadlines.head)
                    .client_disconnect_timeout(Duration::from_secs(1))
                    .local_addr(local)
                    .on_connect_ext(|io: &Conn, data: &mut Extensions| {
                        data.insert(io.activity());
                    })
                    .h1(app)
                    .map_err(|_| ());
                let slots = Arc::clone(&slots);
                let acceptor = acceptor.clone();
                let edge = fn_service(move |io: TcpStream| {
                    let peer = io.peer_addr().ok();
                    let admitted = peer.and_then(|peer| slots.acquire(peer.ip()));
                    let _ = io.set_nodelay(true);
                    std::future::ready(match admitted {
                        Some(slot) => Ok((Guarded::new(io, slot, deadlines, write_stall), peer)),
                        // Over this client's share: closed at once, nothing read.
                        None => Err(()),
                    })
                })
                .and_then(fn_service(move |(io, peer): (Guarded, _)| {
                    let acceptor = acceptor.clone();
                    async move {
                        let Some(acceptor) = acceptor else {
                            return Ok((Conn::Plain(io), peer));
                        };
                        // The guarded stream times the handshake as part of the first head.
                        match acceptor.accept(io).await {
                            Ok(tls) => Ok((Conn::Tls(Box::new(tls)), peer)),
                            Err(err) => {
                                tracing::debug!(error = %err, "TLS handshake failed");
                                Err(())
                            }
                        }
                    }
                }))
                .and_then(h1);
                // Once the server stops, no worker (and its runtime) ends before the others.
                let counted = counted.clone();
                apply_fn_factory(edge, move |io: TcpStream, service| {
                    let open = counted.open();
                    let served = service.call(io);
                    let counted = counted.clone();
                    async move {
                        let result = served.await;
                        drop(open);
                        counted.outlast_the_others().await;
                        result
                    }
                })
            })?
            .run();
        let signals = shutdown::Signals::listen()?;
        let port = local.port();
        let scheme = if tls.is_some() { "https" } else { "http" };
        tracing::info!(address = %settings.bind_addr.ip(), port, scheme, "listening");
        Ok(Self {
            port,
            server,
            metrics,
            redirect,
            tls,
            readiness,
            drain: settings.shutdown_drain,
            pools,
            signals,
            connections,
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

    /// The plain-HTTP redirect listener's port, when `HTTP_REDIRECT_ADDR` is set.
    pub fn redirect_port(&self) -> Option<u16> {
        self.redirect.as_ref().map(|(port, _)| *port)
    }

    /// Serves until SIGTERM or SIGINT, then drains and lets in-flight requests finish (see
    /// `shutdown`); re-reads the certificate on SIGHUP. Ends once the pools are closed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let side: Vec<_> = [self.metrics, self.redirect]
            .into_iter()
            .flatten()
            .map(|(_, server)| {
                let handle = server.handle();
                tokio::spawn(server);
                handle
            })
            .collect();
        let (stop_signals, hangups) = self.signals.split();
        let stopper = tokio::spawn(shutdown::stop_on_signal(
            stop_signals,
            self.server.handle(),
            self.connections,
            self.readiness,
            self.drain,
        ));
        let reload = tokio::spawn(shutdown::reload_on_hangup(hangups, self.tls));
        let result = self.server.await;
        stopper.abort();
        reload.abort();
        self.audit_prune.abort();
        self.mail_delivery.abort();
        for server in side {
            server.stop(false).await;
        }
        self.pools.close().await;
        tracing::info!("stopped");
        result
    }
}
