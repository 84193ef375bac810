//! Error tracking: with `SENTRY_DSN` set, 5xx answers and panics are reported to Sentry (or any
//! ingest speaking its protocol), tagged with the request id and route pattern (see
//! `agora_http`'s `error_tracking` middleware), the release and `APP_ENV`.
//!
//! Nothing personal or secret leaves: no request URL, header, cookie or body is attached, and
//! every event passes through [`scrub_event`] first, which removes email addresses, bearer
//! tokens, JWTs, bcrypt hashes and any value under a name like `password`, `token`, `cookie`,
//! `authorization` or `email`, wherever they appear (messages, error chains, fields, tags).

use std::{borrow::Cow, sync::Arc, sync::LazyLock};

use anyhow::Context as _;
use infrastructure::config::{AppEnv, Settings};
use regex::Regex;
use secrecy::ExposeSecret;
use sentry::{
    ClientOptions, MaxRequestBodySize,
    protocol::{Breadcrumb, Context, Event, Map, Value},
};

/// What a scrubbed value is replaced with.
pub const FILTERED: &str = "[Filtered]";

/// `agora@<version>`, plus `+<commit>` when the build knew it.
pub fn release() -> String {
    let version = env!("CARGO_PKG_VERSION");
    match option_env!("AGORA_GIT_COMMIT") {
        Some(commit) => format!("agora@{version}+{commit}"),
        None => format!("agora@{version}"),
    }
}

pub fn environment(app_env: AppEnv) -> &'static str {
    match app_env {
        AppEnv::Development => "development",
        AppEnv::Production => "production",
    }
}

/// Starts reporting when `SENTRY_DSN` is set. Keep the guard for the life of the process: it
/// sends what is queued when dropped.
pub fn init(settings: &Settings) -> anyhow::Result<Option<sentry::ClientInitGuard>> {
    let Some(dsn) = &settings.sentry_dsn else {
        return Ok(None);
    };
    // The parser's message never repeats the DSN (its key is not to be logged either).
    let dsn = dsn
        .expose_secret()
        .trim()
        .parse::<sentry::types::Dsn>()
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("SENTRY_DSN: expected a DSN like https://key@host/project")?;
    Ok(Some(sentry::init(options(
        dsn,
        environment(settings.app_env),
    ))))
}

/// The client's options: who we are, and nothing personal.
pub fn options(dsn: sentry::types::Dsn, environment: &'static str) -> ClientOptions {
    let mut options = ClientOptions::default();
    options.dsn = Some(dsn);
    options.release = Some(Cow::Owned(release()));
    options.environment = Some(Cow::Borrowed(environment));
    options.send_default_pii = false;
    options.max_request_body_size = MaxRequestBodySize::None;
    options.before_send = Some(Arc::new(|event| Some(scrub_event(event))));
    options.before_breadcrumb = Some(Arc::new(|crumb| Some(scrub_breadcrumb(crumb))));
    options
}

/// A name whose value is secret or personal, whatever it holds.
fn sensitive_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "cookie",
        "authorization",
        "csrf",
        "session",
        "email",
        "mail",
        "body",
        "api_key",
        "apikey",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// The names of labelled secrets in free text (`password=...`, `"token": "..."`).
const SECRET_LABEL: &str = r#"(?i)((?:password|passwd|secret|token|cookie|authorization|csrf|session|email|api[_-]?key)[a-z_]*["']?\s*[:=]\s*)"#;

/// Applied in this order: a labelled value first (quoted: the whole quote; unquoted: up to the
/// end of the clause, spaces included), then unlabelled credentials, hashes and addresses.
static PATTERNS: LazyLock<[(Regex, &'static str); 6]> = LazyLock::new(|| {
    let re = |pattern: &str| Regex::new(pattern).expect("a valid pattern");
    [
        (
            re(&format!(r#"{SECRET_LABEL}"[^"]*""#)),
            r#"${1}"[Filtered]""#,
        ),
        (re(&format!(r#"{SECRET_LABEL}'[^']*'"#)), "${1}'[Filtered]'"),
        (
            re(&format!(r#"{SECRET_LABEL}[^\s"',;&}}\[][^"',;&}}\[\r\n]*"#)),
            "${1}[Filtered]",
        ),
        (
            re(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
            "${1} [Filtered]",
        ),
        // JWTs (a base64url JSON header starts with `eyJ`) and bcrypt hashes.
        (
            re(
                r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}",
            ),
            FILTERED,
        ),
        // Email addresses, internationalised ones included.
        (
            re(r#"[^\s@"'<>(),;:\[\]]+@[^\s@"'<>(),;:\[\]]+\.[^\s@"'<>(),;:\[\]]+"#),
            FILTERED,
        ),
    ]
});

/// `text` with every email address, token, hash and labelled secret replaced.
pub fn scrub_text(text: &str) -> String {
    let mut text = Cow::Borrowed(text);
    for (pattern, replacement) in PATTERNS.iter() {
        if let Cow::Owned(replaced) = pattern.replace_all(&text, *replacement) {
            text = Cow::Owned(replaced);
        }
    }
    text.into_owned()
}

fn scrub_string(text: &mut String) {
    *text = scrub_text(text);
}

fn scrub_value(value: &mut Value) {
    match value {
        Value::String(text) => scrub_string(text),
        Value::Array(items) => items.iter_mut().for_each(scrub_value),
        Value::Object(fields) => {
            for (name, value) in fields.iter_mut() {
                if sensitive_name(name) {
                    *value = Value::String(FILTERED.to_owned());
                } else {
                    scrub_value(value);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn scrub_map(fields: &mut Map<String, Value>) {
    for (name, value) in fields.iter_mut() {
        if sensitive_name(name) {
            *value = Value::String(FILTERED.to_owned());
        } else {
            scrub_value(value);
        }
    }
}

fn scrub_breadcrumb(mut crumb: Breadcrumb) -> Breadcrumb {
    if let Some(message) = &mut crumb.message {
        scrub_string(message);
    }
    scrub_map(&mut crumb.data);
    crumb
}

/// The event as it may leave: no user, no request data, every text and field scrubbed.
pub fn scrub_event(mut event: Event<'static>) -> Event<'static> {
    event.user = None;
    if let Some(request) = &mut event.request {
        request.data = None;
        request.cookies = None;
        request.query_string = None;
        request.headers.clear();
        request.env.clear();
        if let Some(url) = &mut request.url {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
    }
    for text in [
        &mut event.message,
        &mut event.transaction,
        &mut event.culprit,
    ]
    .into_iter()
    .flatten()
    {
        scrub_string(text);
    }
    if let Some(entry) = &mut event.logentry {
        scrub_string(&mut entry.message);
        entry.params.iter_mut().for_each(scrub_value);
    }
    for exception in event.exception.values.iter_mut() {
        scrub_string(&mut exception.ty);
        if let Some(value) = &mut exception.value {
            scrub_string(value);
        }
        for trace in [&mut exception.stacktrace, &mut exception.raw_stacktrace]
            .into_iter()
            .flatten()
        {
            trace.frames.iter_mut().for_each(|f| scrub_map(&mut f.vars));
        }
    }
    for thread in event.threads.values.iter_mut() {
        for trace in [&mut thread.stacktrace, &mut thread.raw_stacktrace]
            .into_iter()
            .flatten()
        {
            trace.frames.iter_mut().for_each(|f| scrub_map(&mut f.vars));
        }
    }
    for (name, value) in event.tags.iter_mut() {
        if sensitive_name(name) {
            *value = FILTERED.to_owned();
        } else {
            scrub_string(value);
        }
    }
    scrub_map(&mut event.extra);
    for context in event.contexts.values_mut() {
        if let Context::Other(fields) = context {
            scrub_map(fields);
        }
    }
    let crumbs = std::mem::take(&mut event.breadcrumbs.values);
    event.breadcrumbs.values = crumbs.into_iter().map(scrub_breadcrumb).collect();
    event
}

#[cfg(test)]
#[path = "error_tracking_tests.rs"]
mod tests;
