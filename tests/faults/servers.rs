//! Throw-away PostgreSQL and Redis servers a fault test can stop and start under a running app,
//! without disturbing the shared ones other tests use. Stopped on drop.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// Whether this machine can run the fault tests (`.ci/run` installs both servers).
pub fn available() -> bool {
    pg_bin().is_some()
        && Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// PostgreSQL refuses to run as root: as root, run its tools as the `postgres` user.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(program: &Path, args: &[&str]) {
    let output = as_postgres(program).args(args).output().expect("runs");
    assert!(
        output.status.success(),
        "{} {args:?}: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn wait_for_port(port: u16, up: bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() == up {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "port {port} did not become {}",
        if up { "open" } else { "closed" }
    );
}

pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Postgres {
    pub fn start() -> Self {
        let bin = pg_bin().expect("PostgreSQL binaries");
        let dir = tempfile::tempdir().expect("tempdir");
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success());
        }
        let data = dir.path().join("data");
        let data = data.to_str().expect("utf-8 path");
        run(
            &bin.join("initdb"),
            &["-D", data, "-A", "trust", "-U", "postgres"],
        );
        let server = Self {
            bin,
            port: free_port(),
            dir,
        };
        server.resume();
        server
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn resume(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        run(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
        wait_for_port(self.port, true);
    }

    /// `immediate` kills every backend at once, as a crash would.
    pub fn stop(&self, mode: &str) {
        run(
            &self.bin.join("pg_ctl"),
            &["-D", &self.data(), "-m", mode, "-w", "stop"],
        );
        wait_for_port(self.port, false);
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

pub struct Redis {
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Redis {
    pub fn start() -> Self {
        let server = Self {
            dir: tempfile::tempdir().expect("tempdir"),
            port: free_port(),
        };
        server.resume();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn resume(&self) {
        let status = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--daemonize", "yes", "--save", ""])
            .arg("--dir")
            .arg(self.dir.path())
            .status()
            .expect("redis-server runs");
        assert!(status.success());
        wait_for_port(self.port, true);
    }

    /// How many `PING` commands this server has answered since it started.
    pub fn pings(&self) -> u64 {
        self.calls("ping")
    }

    /// How many `command` (lower case) commands this server has answered since it started.
    pub fn calls(&self, command: &str) -> u64 {
        let output = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "INFO", "commandstats"])
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .find_map(|line| line.strip_prefix(&format!("cmdstat_{command}:calls=")))
            .and_then(|rest| rest.split(',').next())
            .map_or(0, |calls| calls.parse().expect("a count"))
    }

    /// Closes every client connection, as a Redis failover or a proxy restart would; the
    /// data stays.
    pub fn drop_connections(&self) {
        let output = Command::new("redis-cli")
            .args([
                "-p",
                &self.port.to_string(),
                "CLIENT",
                "KILL",
                "TYPE",
                "normal",
            ])
            .output()
            .expect("redis-cli runs");
        assert!(output.status.success(), "CLIENT KILL failed: {output:?}");
    }

    pub fn stop(&self) {
        let _ = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "shutdown", "nosave"])
            .output();
        wait_for_port(self.port, false);
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "shutdown", "nosave"])
            .output();
    }
}
