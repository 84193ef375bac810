//! `HTTP_REDIRECT_ADDR`: a plain-HTTP listener that answers every request with 308 to the same
//! host, path and query over HTTPS, and serves nothing else. One request per connection, so
//! the first head's deadline is the only one a client ever gets.

use std::time::Duration;

use actix_server::Server;
use actix_web::{
    App, HttpRequest, HttpResponse, HttpServer,
    http::{KeepAlive, Uri, header, uri::Authority},
    web,
};
use agora_http::{ApiError, ProblemCode};

/// Binds `addr` and answers there with redirects to HTTPS on `https_port`. Returns the bound
/// port and the server (not yet polled).
pub fn serve(
    addr: std::net::SocketAddr,
    https_port: u16,
    head_timeout: Duration,
) -> anyhow::Result<(u16, Server)> {
    let what = "redirecting plain HTTP to HTTPS";
    crate::side_listener::serve("HTTP_REDIRECT_ADDR", addr, what, |listener| {
        Ok(HttpServer::new(move || {
            App::new().default_service(web::to(move |req: HttpRequest| async move {
                redirect(&req, https_port)
            }))
        })
        .workers(1)
        .keep_alive(KeepAlive::Disabled)
        .client_request_timeout(head_timeout)
        .disable_signals()
        .listen(listener)?
        .run())
    })
}

fn redirect(req: &HttpRequest, https_port: u16) -> Result<HttpResponse, ApiError> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .or_else(|| req.uri().authority().map(Authority::as_str))
        .and_then(|host| host.parse::<Authority>().ok())
        // `user@host` is no host of ours to send anyone to.
        .filter(|authority| !authority.as_str().contains('@'))
        .ok_or_else(|| {
            ApiError::new(
                ProblemCode::BadRequest,
                "A Host header is needed to redirect to HTTPS.",
            )
        })?;
    let location = https_url(host.host(), https_port, req.uri());
    Ok(HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, location))
        .finish())
}

/// `https://host[:port]/path?query`, the port left out when it is HTTPS's own.
fn https_url(host: &str, port: u16, uri: &Uri) -> String {
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let path = if path.starts_with('/') { path } else { "/" };
    let port = if port == 443 {
        String::new()
    } else {
        format!(":{port}")
    };
    format!("https://{host}{port}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_https_url_keeps_host_path_and_query_and_names_the_port_unless_443() {
        let uri: Uri = "/api/posts?limit=5&q=a%20b".parse().expect("uri");
        assert_eq!(
            https_url("example.com", 8443, &uri),
            "https://example.com:8443/api/posts?limit=5&q=a%20b"
        );
        assert_eq!(
            https_url("example.com", 443, &uri),
            "https://example.com/api/posts?limit=5&q=a%20b"
        );
        let ipv6: Authority = "[::1]:80".parse().expect("authority");
        assert_eq!(
            https_url(ipv6.host(), 443, &"/".parse().expect("uri")),
            "https://[::1]/"
        );
        assert_eq!(
            https_url("a.example", 443, &"*".parse().expect("uri")),
            "https://a.example/"
        );
    }
}
