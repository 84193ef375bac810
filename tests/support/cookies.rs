//! Reading `Set-Cookie` the way a browser would, without a cookie store that would refuse
//! `Secure` cookies over the plain-HTTP loopback the tests use.

use std::collections::HashMap;

use reqwest::{Response, header::SET_COOKIE};

#[derive(Debug, Clone)]
pub struct SetCookie {
    pub name: String,
    pub value: String,
    /// Attribute names lower-cased, values as sent (`path` -> `/api`, `httponly` -> ``).
    pub attributes: HashMap<String, String>,
}

impl SetCookie {
    pub fn parse(header: &str) -> Option<Self> {
        let mut parts = header.split(';');
        let (name, value) = parts.next()?.trim().split_once('=')?;
        let attributes = parts
            .map(|part| {
                let part = part.trim();
                match part.split_once('=') {
                    Some((k, v)) => (k.to_ascii_lowercase(), v.to_owned()),
                    None => (part.to_ascii_lowercase(), String::new()),
                }
            })
            .collect();
        Some(Self {
            name: name.to_owned(),
            value: value.to_owned(),
            attributes,
        })
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    pub fn has(&self, name: &str) -> bool {
        self.attributes.contains_key(name)
    }
}

/// The cookies a response set, by name.
#[derive(Debug, Clone, Default)]
pub struct CookieJar(pub HashMap<String, SetCookie>);

impl CookieJar {
    pub fn from_response(response: &Response) -> Self {
        Self(
            response
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .filter_map(SetCookie::parse)
                .map(|c| (c.name.clone(), c))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&SetCookie> {
        self.0.get(name)
    }

    pub fn value(&self, name: &str) -> String {
        self.get(name)
            .unwrap_or_else(|| panic!("cookie {name} was not set"))
            .value
            .clone()
    }
}
