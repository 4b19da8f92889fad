#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! pg-validate as users and agents run it.
use devpg_policy::Mode;
use devpg_testing::cmd::Cmd;
use devpg_testing::corpus::sql_corpus;

fn validate() -> Cmd {
    Cmd::new(env!("CARGO_BIN_EXE_pg-validate"))
}

#[test]
fn a_read_is_allowed_in_every_mode() {
    for mode in ["read-only", "dml", "read-write"] {
        validate()
            .args(["--mode", mode, "SELECT 1"])
            .run()
            .status(0)
            .stdout_has("allowed");
    }
}

#[test]
fn exit_codes_follow_the_contract() {
    validate().arg("DELETE FROM t WHERE id = 1").run().status(1);
    validate()
        .args(["--mode", "dml", "DELETE FROM t WHERE id = 1"])
        .run()
        .status(0);
    validate()
        .args(["--mode", "dml", "DELETE FROM t"])
        .run()
        .status(2);
    validate()
        .args(["--mode", "read-write", "DROP TABLE t"])
        .run()
        .status(2);
    validate()
        .args(["--mode", "read-write", "--confirm", "DROP TABLE t"])
        .run()
        .status(0);
    validate()
        .args(["--mode", "read-only", "--confirm", "DROP TABLE t"])
        .run()
        .status(1);
    validate()
        .args(["--mode", "nope", "SELECT 1"])
        .run()
        .status(3)
        .stderr_has("unknown mode 'nope'");
    validate()
        .arg("--bogus")
        .run()
        .status(3)
        .stderr_has("--bogus");
    validate()
        .args(["-f", "/nonexistent/q.sql"])
        .run()
        .status(3)
        .stderr_has("/nonexistent/q.sql");
    validate()
        .args(["--query", "SELECT 1", "SELECT 2"])
        .run()
        .status(3)
        .stderr_has("one way only");
}

#[test]
fn usage_errors_are_one_line() {
    let out = validate().arg("--bogus").run().status(3);
    assert_eq!(out.stderr.lines().count(), 1, "{out:#?}");
    assert!(out.stdout.is_empty());
}

#[test]
fn help_and_version_exit_zero() {
    validate()
        .arg("--help")
        .run()
        .status(0)
        .stdout_has("--mode");
    validate()
        .arg("--version")
        .run()
        .status(0)
        .stdout_has("pg-validate");
}

#[test]
fn sql_comes_from_argument_flag_file_or_stdin() {
    validate()
        .args(["--query", "UPDATE t SET a = 1 WHERE b = 2"])
        .run()
        .status(1);
    validate().args(["-q", "SELECT 1"]).run().status(0);
    validate()
        .stdin("DELETE FROM t WHERE a = 1")
        .run()
        .status(1);
    validate().arg("-").stdin("SELECT 1").run().status(0);
    let dir = std::env::temp_dir().join(format!("pg-validate-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("q.sql");
    std::fs::write(&file, "SELECT 1;\nTRUNCATE t;\n").unwrap();
    validate()
        .args(["--mode", "read-write"])
        .arg("-f")
        .arg(&file)
        .run()
        .status(2)
        .stdout_has("2:1: destructive [truncate]");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_predecessors_flags_still_work() {
    validate()
        .args([
            "--query",
            "DROP TABLE t",
            "--mode",
            "read-write",
            "--require-confirmation",
        ])
        .run()
        .status(2);
    validate()
        .args(["--query", "SELECT 1", "--mode", "read-only"])
        .run()
        .status(0);
}

#[test]
fn human_output_is_one_line_per_statement_not_allowed() {
    validate()
        .arg("SELECT 1;\nDELETE FROM t;\n  SELECT set_config('a', 'b', false)")
        .run()
        .status(1)
        .stdout_is(
            "2:1: blocked [write-statement] DELETE changes data: not allowed on a read-only connection\n\
             3:10: blocked [side-effect-function] set_config() has side effects (settings) that a read-only connection must not run\n",
        );
}

#[test]
fn parse_errors_give_the_parsers_message_and_position() {
    validate()
        .arg("SELECT 1;\nSELECT * FROM WHERE x")
        .run()
        .status(1)
        .stdout_is("2:15: blocked [parse-error] the SQL does not parse: syntax error at or near \"WHERE\"\n");
    for mode in ["dml", "read-write"] {
        validate()
            .args(["--mode", mode, "SELEC 1"])
            .run()
            .status(1)
            .stdout_has("[parse-error]");
    }
    validate()
        .arg("\\! rm -rf /")
        .run()
        .status(1)
        .stdout_has("[psql-meta-command]");
    validate()
        .arg("   ")
        .run()
        .status(1)
        .stdout_has("[empty-input]");
}

#[test]
fn json_is_a_stable_document() {
    let out = validate()
        .args(["--json", "--mode", "read-write", "SELECT 1; DELETE FROM t"])
        .run()
        .status(2);
    let json = out.json();
    assert_eq!(json["mode"], "read-write");
    assert_eq!(json["verdict"], "destructive");
    assert_eq!(json["exit_code"], 2);
    assert_eq!(json["confirmed"], false);
    assert_eq!(json["rule"], "delete-without-where");
    let statements = json["statements"].as_array().unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[0]["kind"], "select");
    assert_eq!(statements[0]["verdict"], "allowed");
    assert_eq!(statements[0]["rule"], serde_json::Value::Null);
    assert_eq!(statements[1]["kind"], "delete");
    assert_eq!(statements[1]["verdict"], "destructive");
    assert_eq!(statements[1]["text"], "DELETE FROM t");
    assert_eq!(
        statements[1]["position"],
        serde_json::json!({"offset": 10, "line": 1, "column": 11})
    );
    let confirmed = validate()
        .args([
            "--json",
            "--confirm",
            "--mode",
            "read-write",
            "DELETE FROM t",
        ])
        .run()
        .status(0)
        .json();
    assert_eq!(confirmed["exit_code"], 0);
    assert_eq!(confirmed["verdict"], "destructive");
}

#[test]
fn pg_validate_agrees_with_every_corpus_case_in_every_mode() {
    let mut failures = Vec::new();
    for case in sql_corpus() {
        for mode in Mode::ALL {
            let want = match case.expected_for(mode) {
                "allowed" => 0,
                "blocked" => 1,
                _ => 2,
            };
            let out = validate()
                .args(["--mode", mode.as_str(), "-"])
                .stdin(case.sql.clone())
                .run();
            if out.code != Some(want) {
                failures.push(format!(
                    "{mode}: want {want}, got {:?}: {}",
                    out.code, case.sql
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A project folder with a trusted configuration holding one read-write connection.
fn project_with_rw_connection(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pg-validate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join(".dev-postgres.json");
    std::fs::write(
        &config,
        r#"{"connections": {"rw": {"host": "127.0.0.1", "database": "d", "user": "u", "mode": "read-write"}}}"#,
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    devpg_testing::trust(&config);
    dir
}

#[test]
fn with_a_connection_it_judges_as_pg_query_will_run_it() {
    let dir = project_with_rw_connection("runner");
    let migration = "BEGIN; CREATE TABLE t (a int); COMMIT";
    // A migration file on its own may hold transaction control…
    validate()
        .current_dir(&dir)
        .args(["--mode", "read-write", migration])
        .run()
        .status(0);
    // …but pg-query owns the transaction on that connection, and says so.
    validate()
        .current_dir(&dir)
        .args(["-c", "rw", migration])
        .run()
        .status(1)
        .stdout_has("transaction-control")
        .stdout_has("as pg-query will run it on this connection");
    let json = validate()
        .current_dir(&dir)
        .args(["-c", "rw", "--json", migration])
        .run()
        .status(1);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["runner"], "pg-query");
    assert_eq!(doc["rule"], "transaction-control");
    assert_eq!(doc["exit_code"], 1);
    validate()
        .current_dir(&dir)
        .args(["-c", "rw", "CREATE TABLE t (a int)"])
        .run()
        .status(0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_connection_from_an_untrusted_configuration_is_refused() {
    let dir = project_with_rw_connection("untrusted");
    let config = dir.join(".dev-postgres.json");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("read-write", "read-only")).unwrap();
    validate()
        .current_dir(&dir)
        .args(["-c", "rw", "SELECT 1"])
        .run()
        .status(3)
        .stderr_has("dev-postgres trust");
    std::fs::remove_dir_all(&dir).unwrap();
}
