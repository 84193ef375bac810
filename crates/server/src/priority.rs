//! Scheduling priority: the password-hashing threads keep the process's priority and every
//! other thread runs `WORKER_NICE` lower. During a login flood the hashers then get the
//! `PASSWORD_HASH_CONCURRENCY` cores reserved for them, instead of an equal share of a run queue
//! the request workers, the SQLite threads and the rest also wait in; reads share what is left.
//! When nobody logs in, the hashers sleep and the priority changes nothing.
//!
//! A thread takes its priority from the thread that starts it, and lowering one's own priority
//! needs no privilege (raising it back does). So this runs once the hashers have started, from
//! the thread that started them (their priority is that thread's), lowers it first, then every
//! other thread of the process; whatever starts later inherits the lower priority.
//! Linux only (threads are found in `/proc/self/task`); elsewhere it does nothing.

use infrastructure::HASH_THREAD_PREFIX;

/// Lowers every thread of the process but the hashing ones by `increment` (a nice value,
/// capped at 19); returns how many threads it lowered.
#[cfg(target_os = "linux")]
pub fn lower_all_but_hashing(increment: i32) -> anyhow::Result<usize> {
    use anyhow::Context;
    use rustix::process::{Pid, getpriority_process, setpriority_process};

    if increment == 0 {
        return Ok(0);
    }
    let base = getpriority_process(None).context("WORKER_NICE: getpriority")?;
    let lowered = (base + increment).min(19);
    // This thread first: the threads it starts from now on are lowered from the start.
    setpriority_process(None, lowered).context("WORKER_NICE: setpriority")?;
    let mut count = 1;
    // A thread started while the list was read took the priority of its starter, which may not
    // have been lowered yet: read again until a pass finds nothing left.
    loop {
        let mut this_pass = 0;
        for task in std::fs::read_dir("/proc/self/task").context("WORKER_NICE: /proc/self/task")? {
            let task = task.context("WORKER_NICE: /proc/self/task")?;
            let Some(pid) = task
                .file_name()
                .to_str()
                .and_then(|tid| tid.parse().ok())
                .and_then(Pid::from_raw)
            else {
                continue;
            };
            // A thread that has ended since the list was read has no name and no priority.
            let Ok(name) = std::fs::read_to_string(task.path().join("comm")) else {
                continue;
            };
            if name.starts_with(HASH_THREAD_PREFIX) {
                continue;
            }
            if getpriority_process(Some(pid)).is_ok_and(|nice| nice < lowered)
                && setpriority_process(Some(pid), lowered).is_ok()
            {
                this_pass += 1;
            }
        }
        if this_pass == 0 {
            return Ok(count);
        }
        count += this_pass;
    }
}

#[cfg(not(target_os = "linux"))]
pub fn lower_all_but_hashing(_increment: i32) -> anyhow::Result<usize> {
    Ok(0)
}
