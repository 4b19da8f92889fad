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
            devpg_testing::trust(&path);
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
        .stdout_has("ok: 4 records");
    let path = dir.0.join(".dev-postgres-query.log");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("DELETE FROM b", "SELECT 1")).unwrap();
    dir.query()
        .arg("--verify-log")
        .run()
        .status(4)
        .stdout_has(":4: broken chain");
}

#[test]
fn a_cut_or_emptied_or_deleted_log_is_reported_by_its_head() {
    let dir = Dir::with_config("head", CONFIG);
    for _ in 0..3 {
        dir.query().arg("DELETE FROM a").run().status(1);
    }
    let path = dir.0.join(".dev-postgres-query.log");
    let text = std::fs::read_to_string(&path).unwrap();
    let first_two: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, first_two).unwrap();
    dir.query()
        .arg("--verify-log")
        .run()
        .status(4)
        .stdout_has("cut off");
    // And nothing more runs until a human has looked.
    dir.query()
        .arg("DELETE FROM a")
        .run()
        .status(4)
        .stderr_has("no longer matches its head");
    std::fs::write(&path, "").unwrap();
    dir.query()
        .arg("--verify-log")
        .run()
        .status(4)
        .stdout_has("emptied");
    std::fs::remove_file(&path).unwrap();
    dir.query()
        .arg("--verify-log")
        .run()
        .status(4)
        .stdout_has("deleted");
}

#[test]
fn a_log_that_is_a_symbolic_link_is_refused() {
    let dir = Dir::with_config("loglink", CONFIG);
    let target = dir.0.join("bashrc");
    std::fs::write(&target, "# start-up file\n").unwrap();
    std::os::unix::fs::symlink(&target, dir.0.join(".dev-postgres-query.log")).unwrap();
    dir.query()
        .arg("SELECT 'rm -rf ~'")
        .run()
        .status(4)
        .stderr_has("Nothing was run");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "# start-up file\n"
    );
}

#[test]
fn an_untrusted_or_changed_configuration_is_refused_with_what_to_run() {
    let dir = Dir::with_config("untrusted", "");
    let path = dir.0.join(".dev-postgres.json");
    std::fs::write(&path, CONFIG).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    dir.query()
        .arg("SELECT 1")
        .run()
        .status(3)
        .stderr_has("not trusted")
        .stderr_has("dev-postgres trust");
    devpg_testing::trust(&path);
    std::fs::write(&path, CONFIG.replace("\"ro\"", "\"rw\"")).unwrap();
    dir.query()
        .arg("SELECT 1")
        .run()
        .status(3)
        .stderr_has("changed since a human trusted it");
    assert!(
        !dir.0.join(".dev-postgres-query.log").exists(),
        "nothing was attempted"
    );
}

#[test]
fn a_key_given_twice_is_an_error_naming_it() {
    let config = r#"{"connections": {"ro": {"mode": "read-only", "host": "127.0.0.1", "port": 1, "database": "d", "user": "u", "mode": "read-write"}}}"#;
    Dir::with_config("dupkey", config)
        .query()
        .arg("SELECT 1")
        .run()
        .status(3)
        .stderr_has("duplicate key \"mode\"");
}

#[test]
fn a_config_writable_by_others_is_refused() {
    let dir = Dir::with_config("writable", CONFIG);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.0.join(".dev-postgres.json"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    dir.query()
        .arg("SELECT 1")
        .run()
        .status(3)
        .stderr_has("writable by other users");
}

#[test]
fn the_environment_cannot_send_the_connection_elsewhere() {
    let config = r#"{"connections": {"ro": {"database": "d", "user": "u", "password": "${NOT_SET_ANYWHERE}"}}}"#;
    Dir::with_config("pghost", config)
        .query()
        .env("PGHOST", "elsewhere.example")
        .arg("SELECT 1")
        .run()
        .status(3)
        .stderr_has("PGHOST would choose this connection's host");
}

#[test]
fn a_secret_passed_back_is_never_printed_or_logged() {
    let secret = "hunter2-Secret-Value";
    let config = r#"{"connections": {"ro": {"host": "127.0.0.1", "port": 1, "database": "d", "user": "u", "password": "${DP_TEST_SECRET}"}}}"#;
    let dir = Dir::with_config("secret", config);
    // As the agent's shell would expand `pg-query "$DB_PASSWORD"`.
    for sql in [
        secret.to_string(),
        format!("SELECT '{secret}' FROM"),
        format!("DELETE FROM t WHERE pw = '{secret}'"),
    ] {
        let out = dir.query().env("DP_TEST_SECRET", secret).arg(&sql).run();
        assert!(
            !out.stderr.contains(secret) && !out.stdout.contains(secret),
            "{out:#?}"
        );
    }
    let log = std::fs::read_to_string(dir.0.join(".dev-postgres-query.log")).unwrap();
    assert!(!log.contains(secret) && log.contains("***"), "{log}");
}

#[test]
fn f_reads_only_files_inside_the_project() {
    let dir = Dir::with_config("file", CONFIG);
    let outside = std::env::temp_dir().join(format!("pg-query-outside-{}.sql", std::process::id()));
    std::fs::write(&outside, "SELECT 1").unwrap();
    dir.query()
        .arg("-f")
        .arg(&outside)
        .run()
        .status(3)
        .stderr_has("outside the project");
    std::os::unix::fs::symlink(&outside, dir.0.join("link.sql")).unwrap();
    dir.query()
        .args(["-f", "link.sql"])
        .run()
        .status(3)
        .stderr_has("outside the project");
    std::fs::write(dir.0.join("inside.sql"), "DELETE FROM t").unwrap();
    dir.query().args(["-f", "inside.sql"]).run().status(1);
    let _ = std::fs::remove_file(outside);
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

#[test]
fn transaction_control_is_refused_as_pg_validate_dash_c_says() {
    let config = r#"{"connections": {"rw": {"host": "127.0.0.1", "port": 1, "database": "d", "user": "u", "mode": "read-write"}}}"#;
    Dir::with_config("txn", config)
        .query()
        .args(["-c", "rw", "BEGIN; CREATE TABLE t (a int); COMMIT"])
        .run()
        .status(1)
        .stderr_has("[transaction-control]")
        .stderr_has("pg-query runs every call in one transaction");
}

#[test]
fn a_configuration_that_is_a_symbolic_link_or_another_projects_file_is_refused() {
    let other = Dir::with_config("other-project", CONFIG.replace("\"ro\"", "\"rw\"").as_str());
    let dir = Dir::with_config("linked", "");
    std::os::unix::fs::symlink(
        other.0.join(".dev-postgres.json"),
        dir.0.join(".dev-postgres.json"),
    )
    .unwrap();
    dir.query()
        .args(["-c", "rw", "SELECT 1"])
        .run()
        .status(3)
        .stderr_has("symbolic link");
    std::fs::remove_file(dir.0.join(".dev-postgres.json")).unwrap();
    dir.query()
        .arg("--config")
        .arg(other.0.join(".dev-postgres.json"))
        .args(["-c", "rw", "SELECT 1"])
        .run()
        .status(3)
        .stderr_has("inside this project");
}
