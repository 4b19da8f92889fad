#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The guard cannot be switched off by the agent it guards: against the real
//! server of scripts/test.sh, what an agent would try on the files and the
//! environment pg-query reads, and what the server then holds.
use devpg_testing::server::{Project, TestServer};
use serde_json::json;
use std::os::unix::net::UnixDatagram;
use std::process::Command;
use std::time::Duration;

const PG_QUERY: &str = env!("CARGO_BIN_EXE_pg-query");

fn server() -> TestServer {
    TestServer::from_env()
}

fn project(database: &str) -> Project {
    Project::new(
        &server(),
        json!({
            "ro": {"database": database, "mode": "read-only"},
            "rw": {"database": database, "mode": "read-write"},
        }),
    )
}

fn rows_with(server: &TestServer, database: &str, value: i32) -> i64 {
    server
        .connect(database)
        .query_one("SELECT count(*) FROM t WHERE a = $1", &[&value])
        .unwrap()
        .get(0)
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn an_edited_configuration_writes_nothing_until_a_human_trusts_it() {
    let server = server();
    let database = server.fixture_database("edited");
    let project = project(&database);
    let config = project.dir.join(".dev-postgres.json");
    let text = std::fs::read_to_string(&config).unwrap();
    // `sed -i 's/read-only/read-write/'`, as the agent would.
    std::fs::write(&config, text.replace("read-only", "read-write")).unwrap();
    project
        .cmd(PG_QUERY)
        .args(["-c", "ro", "INSERT INTO t VALUES (9101)"])
        .run()
        .status(3)
        .stderr_has("changed since a human trusted it")
        .stderr_has("dev-postgres trust");
    assert_eq!(rows_with(&server, &database, 9101), 0);
    // The same key twice, the last one writable: refused, even once trusted.
    let duplicated = text.replacen(
        "\"mode\": \"read-only\"",
        "\"mode\": \"read-only\", \"mode\": \"read-write\"",
        1,
    );
    std::fs::write(&config, &duplicated).unwrap();
    devpg_testing::trust(&config);
    project
        .cmd(PG_QUERY)
        .args(["-c", "ro", "INSERT INTO t VALUES (9102)"])
        .run()
        .status(3)
        .stderr_has("duplicate key \"mode\"");
    assert_eq!(rows_with(&server, &database, 9102), 0);
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn the_environment_cannot_redirect_a_trusted_connection() {
    let server = server();
    let database = server.fixture_database("redirect");
    let project = Project::new(
        &server,
        json!({"rw": {"database": database, "mode": "read-write", "host": null}}),
    );
    // The connection leaves its host out: PGHOST may not choose it.
    let config = project.dir.join(".dev-postgres.json");
    let text = std::fs::read_to_string(&config).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["connections"]["rw"]
        .as_object_mut()
        .unwrap()
        .remove("host");
    project.write_config(&value);
    project
        .cmd(PG_QUERY)
        .env("PGHOST", &server.host)
        .args(["-c", "rw", "INSERT INTO t VALUES (9201)"])
        .run()
        .status(3)
        .stderr_has("PGHOST would choose this connection's host");
    assert_eq!(rows_with(&server, &database, 9201), 0);
    // The attempt is in the log, refused before connecting.
    let runs = project.runs();
    assert_eq!(runs.last().unwrap()["outcome"], "not-run");
    // Once the trusted file says so, the environment may choose.
    value["connections"]["rw"]["from_environment"] = json!(true);
    project.write_config(&value);
    project
        .cmd(PG_QUERY)
        .env("PGHOST", &server.host)
        .args(["-c", "rw", "INSERT INTO t VALUES (9202)"])
        .run()
        .status(0);
    assert_eq!(rows_with(&server, &database, 9202), 1);
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn a_run_that_cannot_be_logged_sends_nothing() {
    let server = server();
    let database = server.fixture_database("fulldisk");
    let project = project(&database);
    project
        .cmd(PG_QUERY)
        .args(["-c", "rw", "INSERT INTO t VALUES (9301)"])
        .run()
        .status(0);
    let size = std::fs::metadata(project.log_path()).unwrap().len();
    // A full disk, as the kernel reports a file-size limit: EFBIG on the next write.
    let out = Command::new("prlimit")
        .arg(format!("--fsize={size}"))
        .arg(PG_QUERY)
        .args(["-c", "rw", "INSERT INTO t VALUES (9302)"])
        .current_dir(&project.dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Nothing was run"),
        "{out:?}"
    );
    assert_eq!(
        rows_with(&server, &database, 9302),
        0,
        "a run that was not logged wrote"
    );
    assert_eq!(rows_with(&server, &database, 9301), 1);
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn every_record_goes_to_syslog_and_the_session_names_its_record() {
    let server = server();
    let database = server.fixture_database("syslog");
    let project = project(&database);
    let socket = project.dir.join("syslog.sock");
    let receiver = UnixDatagram::bind(&socket).unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let config = project.dir.join(".dev-postgres.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    value["security"] = json!({"audit_syslog": socket});
    project.write_config(&value);
    let out = project
        .cmd(PG_QUERY)
        .args([
            "-c",
            "ro",
            "--format",
            "csv",
            "SELECT current_setting('application_name') AS app",
        ])
        .run()
        .status(0);
    let mut messages = Vec::new();
    let mut buffer = vec![0u8; 65536];
    for _ in 0..2 {
        let n = receiver.recv(&mut buffer).unwrap();
        messages.push(String::from_utf8_lossy(&buffer[..n]).to_string());
    }
    assert!(messages[0].contains("\"kind\":\"attempt\""), "{messages:?}");
    assert!(messages[0].contains("current_setting"), "{messages:?}");
    assert!(messages[1].contains("\"kind\":\"outcome\""), "{messages:?}");
    // The server saw the record's number in application_name (%a in its log).
    let seq = project.runs().last().unwrap()["seq"].as_u64().unwrap();
    assert!(
        out.stdout.contains(&format!("#{seq}")),
        "application_name should carry #{seq}: {}",
        out.stdout
    );
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn a_password_is_not_sent_in_clear_text_to_an_unverified_server() {
    let server = server();
    let project = Project::new(
        &server,
        json!({"ro": {"database": "postgres", "user": "dp_cleartext", "password": "cleartext-pw"}}),
    );
    project
        .cmd(PG_QUERY)
        .args(["-c", "ro", "SELECT 1"])
        .run()
        .status(4)
        .stderr_has("clear text");
}
