//! What the transport knows of the client: its address, user agent and the request's id.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header};
use application::ClientInfo;

use crate::{
    error::ApiError,
    middleware::{ClientIp, RequestId},
};

pub struct Client(pub ClientInfo);

/// Reads the client's details from the request; never fails.
pub fn client_info(req: &HttpRequest) -> ClientInfo {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ip = req
        .extensions()
        .get::<ClientIp>()
        .map(|ClientIp(ip)| ip.to_string());
    let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
    ClientInfo {
        ip,
        user_agent,
        request_id,
    }
}

impl FromRequest for Client {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Client(client_info(req))))
    }
}
