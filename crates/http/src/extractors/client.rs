//! What the transport knows of the client: its address and user agent.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header};
use application::ClientInfo;

use crate::{error::ApiError, middleware::ClientIp};

pub struct Client(pub ClientInfo);

impl FromRequest for Client {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let ip = req
            .extensions()
            .get::<ClientIp>()
            .map(|ClientIp(ip)| ip.to_string());
        ready(Ok(Client(ClientInfo { ip, user_agent })))
    }
}
