//! Commands print their result on standard output and nothing else; logs and warnings go to
//! standard error.

use super::agora;

#[test]
fn create_admin_prints_only_its_result_on_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No JWT_SECRET: the server would warn about it, the command signs nothing.
    let output = agora(dir.path())
        .env_remove("JWT_SECRET")
        .args([
            "create-admin",
            "--email",
            "out@example.com",
            "--username",
            "out",
        ])
        .env("ADMIN_PASSWORD", "admin password 1")
        .env("LOG_FORMAT", "pretty")
        .env_remove("RUST_LOG")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<_> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "only the result on stdout: {stdout}");
    assert!(
        lines[0].starts_with("created administrator out ("),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("JWT_SECRET"),
        "irrelevant warning: {stderr}"
    );
    assert!(
        !stderr.contains("INFO"),
        "info lines are not for commands: {stderr}"
    );
    // Relevant warnings still reach standard error: the development keys were generated.
    assert!(stderr.contains("DATA_KEY is not set"), "{stderr}");
}

#[test]
fn create_admin_explains_its_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = agora(dir.path())
        .args(["create-admin", "--help"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for line in [
        "--email <ADDRESS>  The administrator's email address",
        "--username <NAME>  The administrator's username",
    ] {
        assert!(help.contains(line), "missing '{line}' in: {help}");
    }
}

#[test]
fn a_failing_command_says_why_in_one_line_on_stderr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = super::create_admin(dir.path(), "not-an-email", "x1");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: --email: "), "{stderr}");
}
