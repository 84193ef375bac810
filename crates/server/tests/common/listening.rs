//! Waiting for a spawned `agora` to log that it listens (`LOG_FORMAT=json` on a piped stdout).
// Each test binary that includes this file uses only part of it.
#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader},
    process::Child,
};

use serde_json::Value;

/// What the server logged up to `listening`.
pub struct Listening {
    pub port: u16,
    /// The log lines before `listening`, as written.
    pub before: Vec<String>,
}

/// Reads the child's stdout until its `listening` event, then keeps draining it on a thread so
/// the server never blocks on a full pipe. Panics if the process exits first.
pub fn wait_listening(child: &mut Child) -> Listening {
    let mut lines = BufReader::new(child.stdout.take().expect("stdout piped")).lines();
    let mut before = Vec::new();
    let port = loop {
        let Some(line) = lines.next() else {
            let status = child.wait().expect("exited");
            panic!("agora exited ({status}) before listening: {before:#?}");
        };
        let line = line.expect("utf-8 log");
        if let Ok(event) = serde_json::from_str::<Value>(&line)
            && event["message"] == "listening"
        {
            let port = event["port"].as_u64().expect("port");
            break u16::try_from(port).expect("a port");
        }
        before.push(line);
    };
    std::thread::spawn(move || for _ in lines {});
    Listening { port, before }
}
