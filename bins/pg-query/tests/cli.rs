#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! pg-query's usage and configuration errors: no server needed.
use devpg_testing::cmd::Cmd;

const PG_QUERY: &str = env!("CARGO_BIN_EXE_pg-query");

struct Dir(std::path::PathBuf);

impl Dir {
    fn with_config(name: &str, config: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("pg-query-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if !config.is_empty() {
            let path = dir.join(".dev-postgres.json");
            std::fs::write(&path, config).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        Dir(dir)
    }
    fn query(&self) -> Cmd {
        Cmd::new(PG_QUERY)
            .current_dir(&self.0)
            .env("HOME", &self.0)
            .env("XDG_CONFIG_HOME", &self.0)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const CONFIG: &str = r#"{"connections": {"ro": {"host": "127.0.0.1", "port": 1, "database": "d", "user": "u", "password": "${NOT_SET_ANYWHERE}"}}}"#;

#[test]
fn usage_errors_exit_3_with_one_line() {
    let dir = Dir::with_config("usage", CONFIG);
    for args in [
        vec!["--bogus"],
        vec!["--format", "xml", "SELECT 1"],
        vec!["--max-rows", "many", "SELECT 1"],
        vec!["-q", "SELECT 1", "SELECT 2"],
    ] {
        let out = dir.query().args(&args).run().status(3);
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {out:#?}");
    }
}

#[test]
fn configuration_errors_exit_3_and_name_the_problem() {
    Dir::with_config("none", "")
        .query()
        .arg("SELECT 1")
        .run()
        .status(3)
        .stderr_has("no connections configured");
    let typo = Dir::with_config(
        "typo",
        r#"{"connections": {"ro": {"database": "d", "mdoe": "read-write"}}}"#,
    );
    typo.query()
        .arg("SELECT 1")
        .run()
        .status(3)
        .stderr_has("unknown key 'mdoe' (did you mean 'mode'?)");
    let dir = Dir::with_config("missing", CONFIG);
    dir.query()
        .args(["-c", "rw", "SELECT 1"])
        .run()
        .status(3)
        .stderr_has("no connection named 'rw'");
    dir.query()
        .arg("SELECT 1")
        .run()
        .status(3)
        .stderr_has("environment variable NOT_SET_ANYWHERE is not set");
    dir.query()
        .args(["--config", "/nonexistent/x.json", "SELECT 1"])
        .run()
        .status(3)
        .stderr_has("no such file");
}

#[test]
fn blocked_and_destructive_statements_never_reach_the_server() {
    // Port 1 refuses connections: reaching the server would be exit 4.
    let dir = Dir::with_config("blocked", CONFIG);
    dir.query()
        .arg("DELETE FROM t")
        .run()
        .status(1)
        .stderr_has("[write-statement]");
    let rw = Dir::with_config(
        "destructive",
        &CONFIG.replace(r#""user": "u""#, r#""user": "u", "mode": "read-write""#),
    );
    rw.query()
        .arg("DROP TABLE t")
        .run()
        .status(2)
        .stderr_has("--confirm");
    let log = std::fs::read_to_string(rw.0.join(".dev-postgres-query.log")).unwrap();
    assert!(log.contains("\"outcome\":\"needs-confirmation\""), "{log}");
}

#[test]
fn help_names_every_flag() {
    let out = Cmd::new(PG_QUERY).arg("--help").run().status(0);
    for flag in [
        "--connection",
        "--confirm",
        "--format",
        "--max-rows",
        "--timeout",
        "--config",
        "--verify-log",
        "--query",
        "--file",
    ] {
        assert!(out.stdout.contains(flag), "{flag}");
    }
}

#[test]
fn verify_log_reports_a_broken_chain() {
    let dir = Dir::with_config("verify", CONFIG);
    dir.query().arg("DELETE FROM a").run().status(1);
    dir.query().arg("DELETE FROM b").run().status(1);
    dir.query()
        .arg("--verify-log")
        .run()
        .status(0)
        .stdout_has("ok: 2 records");
    let path = dir.0.join(".dev-postgres-query.log");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("DELETE FROM a", "SELECT 1")).unwrap();
    dir.query()
        .arg("--verify-log")
        .run()
        .status(4)
        .stdout_has(":2: broken chain");
}

#[test]
fn a_config_readable_by_others_is_warned_about() {
    let dir = Dir::with_config("perm", CONFIG);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.0.join(".dev-postgres.json"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    dir.query()
        .arg("DELETE FROM t")
        .run()
        .status(1)
        .stderr_has("readable by other users (mode 644); run: chmod 600");
}
