//! The README stays true: it lists every problem code the server can send and no other, states
//! every numeric setting's range, and its `curl` walk-through works against the real binary.

#[path = "common/listening.rs"]
mod listening;

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    process::Command,
};

use infrastructure::config::Settings;
use listening::{on_loopback, spawn_listening};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// Every problem code the server can send, with its status: the one enum every `ApiError` is
/// built from (a code outside it cannot be written).
fn codes_in_source() -> BTreeSet<(String, String)> {
    agora_http::ProblemCode::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), c.status().as_u16().to_string()))
        .collect()
}

/// The codes in the README's table under "## Errors", with their status: rows that start with
/// a code.
fn codes_in_readme(readme: &str) -> BTreeSet<(String, String)> {
    let errors = readme
        .split("\n## ")
        .find(|section| section.starts_with("Errors"))
        .expect("an Errors section");
    errors
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| {
            let mut cells = rest.split('|');
            let code = cells.next()?.split('`').next()?.to_owned();
            let status = cells.next()?.trim().to_owned();
            Some((code, status))
        })
        .collect()
}

#[test]
fn the_readme_lists_every_problem_code_the_server_sends_and_no_other() {
    let source = codes_in_source();
    let documented = codes_in_readme(&readme());
    let undocumented: Vec<_> = source.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&source).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "README's error table is missing {undocumented:?} and lists (code, status) pairs the \
         server never sends: {unknown:?}"
    );
}

#[test]
fn the_readme_and_env_example_state_every_numeric_settings_range() {
    let readme = readme();
    let example = std::fs::read_to_string(root().join(".env.example")).expect(".env.example");
    for setting in Settings::numeric_settings() {
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` |", setting.name)))
            .unwrap_or_else(|| panic!("no README configuration row for {}", setting.name));
        let range = format!("`{}`", setting.range());
        assert!(
            row.contains(&range),
            "{}: README must say {range}",
            setting.name
        );
        let lines: Vec<_> = example.lines().collect();
        let at = lines
            .iter()
            .position(|l| {
                l.trim_start_matches("# ")
                    .starts_with(&format!("{}=", setting.name))
            })
            .unwrap_or_else(|| panic!(".env.example must show {}", setting.name));
        assert!(
            at > 0 && lines[at - 1].contains(&setting.range()),
            ".env.example: the comment above {} must say {}",
            setting.name,
            setting.range()
        );
    }
}

/// The walk-through under "## Try it", with its base address replaced.
fn try_it_block(readme: &str, base: &str) -> String {
    let section = readme
        .split("\n## Try it")
        .nth(1)
        .expect("a Try it section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a sh block");
    assert!(block.contains("API=http://127.0.0.1:8080"));
    block.replace("http://127.0.0.1:8080", base)
}

#[test]
#[ignore = "needs curl and jq: .ci/run runs it"]
fn the_readme_curl_walk_through_works_against_the_quick_start_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_agora"));
    on_loopback(&mut command, dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("APP_ENV")
        .env("BCRYPT_COST", "4");
    let (mut child, port) = spawn_listening(&mut command);

    let script = try_it_block(&readme(), &format!("http://127.0.0.1:{port}"));
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .output()
        .expect("bash runs");
    let _ = child.kill();
    let _ = child.wait();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the walk-through failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    // curl prints each answer as it came, with no newline between them.
    let answers: Vec<Value> = serde_json::Deserializer::from_str(&stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("JSON answers expected ({e}): {stdout}"));
    // register, comment, update, stale update, list
    assert_eq!(answers.len(), 5, "{stdout}");
    assert_eq!(answers[0]["username"], "ada");
    assert_eq!(answers[1]["body"], "And a first comment.");
    assert_eq!(answers[2]["title"], "Hello again");
    assert_eq!(answers[3]["code"], "precondition_failed");
    assert_eq!(answers[4]["items"][0]["title"], "Hello again");
}
