//! `agora healthcheck`, the container image's HEALTHCHECK: 0 while the local server is live,
//! 1 when nothing listens or the answer is not 200.

#[path = "common/listening.rs"]
mod listening;

use std::{
    io::{Read, Write},
    net::TcpListener,
    process::{Child, Command, Output},
};

use listening::{on_loopback, spawn_listening};

fn healthcheck(bind_addr: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agora"))
        .env_clear()
        .env("BIND_ADDR", bind_addr)
        .arg("healthcheck")
        .output()
        .expect("agora runs")
}

fn serve(dir: &std::path::Path) -> (Child, u16) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agora"));
    command.env_clear();
    on_loopback(&mut command, dir).env("JWT_SECRET", "healthcheck-test-secret-of-32-bytes-or-more");
    spawn_listening(&mut command)
}

#[test]
fn healthcheck_passes_while_the_server_lives_and_fails_once_it_is_gone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut server, port) = serve(dir.path());
    // The image binds every address; the check asks loopback on the same port.
    let live = healthcheck(&format!("0.0.0.0:{port}"));
    listening::assert_succeeded(&live);

    server.kill().expect("killed");
    server.wait().expect("reaped");
    let gone = healthcheck(&format!("0.0.0.0:{port}"));
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stderr).starts_with("error: connecting to 127.0.0.1"));
}

#[test]
fn healthcheck_fails_on_any_answer_but_200() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = listener.local_addr().expect("addr").port();
    let answering = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accepts");
        let mut request = Vec::new();
        let mut chunk = [0_u8; 512];
        while !request.ends_with(b"\r\n\r\n") {
            let n = stream.read(&mut chunk).expect("reads");
            assert!(n > 0, "the request ended early");
            request.extend_from_slice(&chunk[..n]);
        }
        stream
            .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n")
            .expect("writes");
        String::from_utf8_lossy(&request).into_owned()
    });
    let sick = healthcheck(&format!("127.0.0.1:{port}"));
    let request = answering.join().expect("joined");
    assert!(
        request.starts_with("GET /health/live HTTP/1.1\r\n"),
        "{request}"
    );
    assert_eq!(sick.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&sick.stderr).contains("answered 503"));
}
