//! CPU time per request, by process, while one route is loaded: what the application (the
//! server, or the floor for its own routes), PostgreSQL's processes and Redis spent on it, read
//! from `/proc` (clock ticks) before and after each wrk run. On a machine whose cores the load
//! generator and the database share, rps moves with whatever else runs; the CPU a request
//! costs each process moves far less, and it says where a route's cost goes.

use std::{fs, process::Command};

use serde::Serialize;

/// Microseconds of CPU per request.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct CpuPerRequest {
    /// The process that answered: the server, or the floor.
    pub app_us: f64,
    /// PostgreSQL's processes (0 on the embedded default: SQLite runs in the server).
    pub database_us: f64,
    pub redis_us: f64,
}

impl CpuPerRequest {
    pub fn total_us(&self) -> f64 {
        self.app_us + self.database_us + self.redis_us
    }
}

/// Clock ticks spent so far by each group of processes.
#[derive(Clone, Copy, Debug)]
pub struct Snapshot {
    app: u64,
    database: u64,
    redis: u64,
}

/// Ticks per second of `/proc`'s CPU times (`getconf CLK_TCK`; 100 on Linux unless told).
pub fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// User + system ticks of one process, and its command name.
fn process(pid: &str) -> Option<(String, u64)> {
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command's closing parenthesis: state is the first, utime the 12th.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((comm.trim().to_owned(), ticks))
}

/// The ticks of every process named `app` (the server is `agora`, the floor `agora-floor`),
/// of PostgreSQL's processes and of Redis.
pub fn snapshot(app: &str) -> Snapshot {
    let mut s = Snapshot {
        app: 0,
        database: 0,
        redis: 0,
    };
    let Ok(entries) = fs::read_dir("/proc") else {
        return s;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let Some((comm, ticks)) = process(pid) else {
            continue;
        };
        if comm == app {
            s.app += ticks;
        } else if comm.starts_with("postgres") || comm == "postmaster" {
            s.database += ticks;
        } else if comm == "redis-server" {
            s.redis += ticks;
        }
    }
    s
}

impl Snapshot {
    /// What each group spent per request between `self` and `later`.
    pub fn per_request(&self, later: &Snapshot, requests: u64, hz: f64) -> CpuPerRequest {
        let per = |before: u64, after: u64| {
            after.saturating_sub(before) as f64 / hz / requests.max(1) as f64 * 1e6
        };
        CpuPerRequest {
            app_us: per(self.app, later.app),
            database_us: per(self.database, later.database),
            redis_us: per(self.redis, later.redis),
        }
    }
}
