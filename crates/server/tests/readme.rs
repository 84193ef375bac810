//! The README stays true: it lists every problem code the server can send and no other, states
//! every numeric setting's range, and its `curl` walk-through works against the real binary.

use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use infrastructure::config::Settings;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source tree") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The string literal starting at `text[at..]` if it is a code (`"snake_case"`).
fn code_at(text: &str, at: usize) -> Option<String> {
    let rest = text.get(at..)?.strip_prefix('"')?;
    let end = rest.find('"')?;
    let code = &rest[..end];
    (!code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .then(|| code.to_owned())
}

/// Every problem code in the HTTP crate's source: the literal after a status
/// (`ApiError::new(StatusCode::CONFLICT, "email_taken", ..)`), the one a 400 helper takes
/// (`bad_request("malformed_json", ..)`), and the first of each generic status's tuple
/// (`404 => ("not_found", ..)`). Whitespace is ignored, so formatting cannot hide one.
fn codes_in_source() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root().join("crates/http/src"), &mut files);
    let mut codes = BTreeSet::new();
    for file in files {
        let text: String = std::fs::read_to_string(&file)
            .expect("utf-8 source")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        for (at, _) in text.match_indices("StatusCode::") {
            let after = at + "StatusCode::".len();
            let name_len = text[after..]
                .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(0);
            let comma = after + name_len;
            if name_len > 0 && text[comma..].starts_with(',') {
                codes.extend(code_at(&text, comma + 1));
            }
        }
        for marker in ["bad_request(", "=>("] {
            for (at, _) in text.match_indices(marker) {
                codes.extend(code_at(&text, at + marker.len()));
            }
        }
    }
    codes
}

/// The codes in the README's table under "## Errors": rows that start with a code.
fn codes_in_readme(readme: &str) -> BTreeSet<String> {
    let errors = readme
        .split("\n## ")
        .find(|section| section.starts_with("Errors"))
        .expect("an Errors section");
    errors
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_readme_lists_every_problem_code_the_server_sends_and_no_other() {
    let source = codes_in_source();
    for known in ["validation_failed", "not_found", "forbidden", "last_admin"] {
        assert!(source.contains(known), "the scan must find {known}");
    }
    let documented = codes_in_readme(&readme());
    let undocumented: Vec<_> = source.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&source).collect();
    assert!(
        undocumented.is_empty() && unknown.is_empty(),
        "README's error table is missing {undocumented:?} and lists codes the server never \
         sends: {unknown:?}"
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_agora"))
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("APP_ENV")
        .env("DATA_DIR", dir.path())
        .env("BCRYPT_COST", "4")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("BIND_ADDR", "127.0.0.1:0")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("agora starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let port = loop {
        let line = lines.next().expect("logs before exiting").expect("utf-8");
        if let Ok(event) = serde_json::from_str::<Value>(&line)
            && event["message"] == "listening"
        {
            break event["port"].as_u64().expect("port");
        }
    };
    std::thread::spawn(move || for _ in lines {});

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
