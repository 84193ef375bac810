//! Starting `agora` for a test and waiting for it to log that it listens (`LOG_FORMAT=json` on
//! a piped stdout).
// Each test binary that includes this file uses only part of it.
#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Output, Stdio},
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

/// The settings every spawned test server shares: `dir` as its data and working directory (no
/// stray `.env`), JSON logs at `info` (what `wait_listening` reads) and a free loopback port.
pub fn on_loopback<'c>(command: &'c mut Command, dir: &Path) -> &'c mut Command {
    command
        .env("DATA_DIR", dir)
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("BIND_ADDR", "127.0.0.1:0")
        .current_dir(dir)
}

/// Spawns the server with its stdout piped (stderr dropped) and waits until it listens.
pub fn spawn_listening(command: &mut Command) -> (Child, u16) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("agora starts");
    let port = wait_listening(&mut child).port;
    (child, port)
}

/// Fails the test with the command's stderr unless it exited successfully.
pub fn assert_succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
