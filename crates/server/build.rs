//! Names the commit the binary is built from, for error reports (`release`): `GIT_COMMIT` when
//! the build sets it (container builds have no `.git`), else `git rev-parse`, else nothing.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=GIT_COMMIT");
    let commit = std::env::var("GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            let git = |args: &[&str]| {
                Command::new("git")
                    .args(args)
                    .output()
                    .ok()
                    .filter(|o| o.status.success())
                    .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            };
            // Rebuild when HEAD moves (a commit, a checkout).
            // (Only files that exist: a missing one would rerun this on every build.)
            let watch = |path: Option<String>| {
                if let Some(path) = path.filter(|p| std::path::Path::new(p).exists()) {
                    println!("cargo:rerun-if-changed={path}");
                }
            };
            watch(git(&[
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                "HEAD",
            ]));
            if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
                watch(git(&[
                    "rev-parse",
                    "--path-format=absolute",
                    "--git-path",
                    &reference,
                ]));
            }
            git(&["rev-parse", "--short=12", "HEAD"])
        });
    if let Some(commit) = commit {
        let commit: String = commit
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(40)
            .collect();
        println!("cargo:rustc-env=AGORA_GIT_COMMIT={commit}");
    }
}
