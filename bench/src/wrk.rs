//! Runs `wrk` (closed loop: each connection sends its next request when the last one answers)
//! and reads its summary.

use std::{path::Path, process::Command};

use anyhow::Context;
use serde::Serialize;

use crate::cpu::CpuPerRequest;

/// One request shape, written as a wrk Lua script.
#[derive(Clone, Debug)]
pub struct Target {
    pub name: String,
    pub method: &'static str,
    pub path: String,
    pub bearer: Option<String>,
    pub body: Option<String>,
    /// A login for a random one of this many seeded users per request (`body` unused).
    pub random_login: Option<usize>,
    /// Each request as a random one of these access tokens (`bearer` is then only the
    /// first request's, the check before the load).
    pub random_bearers: Vec<String>,
}

impl Target {
    pub fn get(name: &str, path: impl Into<String>, bearer: Option<&str>) -> Self {
        Self {
            name: name.into(),
            method: "GET",
            path: path.into(),
            bearer: bearer.map(str::to_owned),
            body: None,
            random_login: None,
            random_bearers: Vec::new(),
        }
    }

    pub fn post(name: &str, path: &str, bearer: Option<&str>, body: String) -> Self {
        Self {
            name: name.into(),
            method: "POST",
            path: path.into(),
            bearer: bearer.map(str::to_owned),
            body: Some(body),
            random_login: None,
            random_bearers: Vec::new(),
        }
    }

    pub fn lua(&self, password: &str) -> String {
        let mut lua = format!(
            "wrk.method = \"{}\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
            self.method
        );
        if let Some(token) = &self.bearer {
            lua += &format!("wrk.headers[\"Authorization\"] = \"Bearer {token}\"\n");
        }
        if let Some(body) = &self.body {
            lua += &format!("wrk.body = [==[{body}]==]\n");
        }
        if !self.random_bearers.is_empty() {
            let tokens: Vec<String> = self
                .random_bearers
                .iter()
                .map(|t| format!("\"Bearer {t}\""))
                .collect();
            lua += &format!(
                "local tokens = {{{}}}\nrequest = function()\n  local headers = {{}}\n  for k, v in pairs(wrk.headers) do headers[k] = v end\n  headers[\"Authorization\"] = tokens[math.random(#tokens)]\n  return wrk.format(nil, nil, headers, nil)\nend\n",
                tokens.join(", ")
            );
        }
        if let Some(users) = self.random_login {
            lua += &format!(
                "request = function()\n  local i = math.random(0, {max})\n  return wrk.format(nil, nil, nil, '{{\"email\":\"bench' .. i .. '@bench.example\",\"password\":\"{password}\"}}')\nend\n",
                max = users.saturating_sub(1)
            );
        }
        lua
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Outcome {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    /// Non-2xx/3xx answers plus socket errors.
    pub errors: u64,
    /// CPU per request by process (`cpu`), when the driver measured it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<CpuPerRequest>,
}

pub struct Load {
    pub threads: u32,
    pub connections: u32,
    pub seconds: u32,
}

pub fn run(
    base: &str,
    target: &Target,
    load: &Load,
    dir: &Path,
    password: &str,
) -> anyhow::Result<Outcome> {
    let script = dir.join(format!(
        "{}.lua",
        target.name.replace(['/', ' ', '?', '{', '}', '='], "_")
    ));
    std::fs::write(&script, target.lua(password))?;
    let output = Command::new("wrk")
        .arg(format!("-t{}", load.threads))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.seconds))
        .arg("--latency")
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(&script)
        .arg(format!("{base}{}", target.path))
        .output()
        .context("running wrk (apt-get install wrk)")?;
    anyhow::ensure!(
        output.status.success(),
        "wrk failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    parse(&String::from_utf8_lossy(&output.stdout))
}

fn millis(raw: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = raw.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = raw.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = raw.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (raw, 1.0)
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

pub fn parse(text: &str) -> anyhow::Result<Outcome> {
    let mut out = Outcome::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", n] => out.rps = n.parse()?,
            ["50%", v] => out.p50_ms = millis(v).unwrap_or(f64::NAN),
            ["99%", v] => out.p99_ms = millis(v).unwrap_or(f64::NAN),
            [n, "requests", "in", ..] => out.requests = n.parse()?,
            ["Non-2xx", "or", "3xx", "responses:", n] => out.errors += n.parse::<u64>()?,
            ["Socket", "errors:", rest @ ..] => {
                out.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>()
            }
            _ => {}
        }
    }
    anyhow::ensure!(
        out.requests > 0 || out.rps == 0.0,
        "could not read wrk output:\n{text}"
    );
    Ok(out)
}
