#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! pg-query against the real PostgreSQL that scripts/test.sh starts,
//! connected as the tables' owner (a superuser: the worst case, where only
//! pg-query stands between the agent and the data).
use devpg_testing::corpus::sql_corpus;
use devpg_testing::server::{Project, TestServer};
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PG_QUERY: &str = env!("CARGO_BIN_EXE_pg-query");

fn server() -> TestServer {
    TestServer::from_env()
}

fn project(database: &str) -> Project {
    Project::new(
        &server(),
        json!({
            "ro": {"database": database, "mode": "read-only"},
            "dml": {"database": database, "mode": "dml"},
            "rw": {"database": database, "mode": "read-write"},
        }),
    )
}

/// What an escape could change: rows, sequences, settings, roles, objects.
fn fingerprint(server: &TestServer, database: &str) -> String {
    let mut client = server.connect(database);
    let sql = "SELECT concat_ws('/',
        (SELECT count(*) FROM users), (SELECT count(*) FROM orders), (SELECT count(*) FROM t),
        (SELECT sum(a) FROM t), (SELECT last_value FROM s), (SELECT is_called FROM s),
        (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_roles),
        (SELECT count(*) FROM pg_db_role_setting), (SELECT count(*) FROM pg_largeobject_metadata),
        (SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings
          WHERE source NOT IN ('default', 'session', 'client', 'override')))";
    client.query_one(sql, &[]).unwrap().get(0)
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn every_blocked_case_is_refused_before_the_server_and_logged() {
    let server = server();
    let database = server.fixture_database("bypass");
    let project = project(&database);
    let before = fingerprint(&server, &database);
    let mut refused = 0;
    for case in sql_corpus() {
        if case.expected_for(devpg_policy::Mode::ReadOnly) == "allowed" {
            continue;
        }
        let out = project
            .cmd(PG_QUERY)
            .args(["-c", "ro", "-"])
            .stdin(case.sql.clone())
            .run();
        assert_eq!(out.code, Some(1), "{}\n{out:#?}", case.sql);
        refused += 1;
    }
    assert_eq!(
        before,
        fingerprint(&server, &database),
        "a refused statement changed the database"
    );
    let runs = project.runs();
    assert_eq!(runs.len(), refused);
    assert!(runs
        .iter()
        .all(|r| r["outcome"] == "blocked" && r["verdict"] == "blocked"));
    // Each refusal is an attempt and its outcome.
    project
        .cmd(PG_QUERY)
        .arg("--verify-log")
        .run()
        .status(0)
        .stdout_has(&format!("ok: {} records", refused * 2));
}

/// Statements the validator refuses, sent straight to the guarded session:
/// the server's READ ONLY transaction must stop every write among them.
#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn the_read_only_session_holds_even_without_the_validator() {
    use devpg_db::pg::{Discard, FetchLimits};
    use devpg_db::session::Session;
    use devpg_policy::config::{ConnectParams, SslMode};
    let server = server();
    let database = server.fixture_database("escapes");
    let params = ConnectParams {
        name: "ro".into(),
        mode: devpg_policy::Mode::ReadOnly,
        host: server.host.clone(),
        port: server.port,
        database: database.clone(),
        user: server.user.clone(),
        password: Some(devpg_policy::config::Secret::new(server.password.clone())),
        sslmode: SslMode::Disable,
        sslrootcert: None,
        sslcert: None,
        sslkey: None,
        connect_timeout: 10,
        application_name: "escape-test".into(),
        schemas: vec![],
    };
    let before = fingerprint(&server, &database);
    let escapes: &[&[&str]] = &[
        &["SET TRANSACTION READ WRITE", "DELETE FROM t"],
        &[
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
            "DELETE FROM t",
        ],
        &["SET default_transaction_read_only = off", "DELETE FROM t"],
        &[
            "SELECT set_config('default_transaction_read_only', 'off', false)",
            "DELETE FROM t",
        ],
        &[
            "SELECT set_config('transaction_read_only', 'off', true)",
            "DELETE FROM t",
        ],
        &["BEGIN READ WRITE", "DELETE FROM t"],
        &["COMMIT", "DELETE FROM t"],
        &["ROLLBACK", "DELETE FROM t"],
        &["END", "DROP TABLE t"],
        &["RESET ALL", "DELETE FROM t"],
        &["WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"],
        &["SELECT * INTO t3 FROM t"],
        &["EXPLAIN ANALYZE DELETE FROM t"],
        &["SELECT nextval('s')"],
        &["SELECT setval('s', 99)"],
        &["DO $$BEGIN DELETE FROM t; END$$"],
        &["PREPARE p AS DELETE FROM t", "EXECUTE p"],
        &["CREATE TEMP TABLE x (a int)"],
        &["CREATE TABLE x (a int)"],
        &["DROP TABLE t"],
        &["TRUNCATE t"],
        // Not here: LOCK TABLE and lo_import/lo_create, which a READ ONLY
        // transaction allows (only the validator stops them; docs/bypasses.md).
        &["SELECT * FROM users FOR UPDATE"],
        &["ALTER ROLE postgres SET work_mem = '1GB'"],
        &["CREATE ROLE intruder"],
        &["COPY t FROM '/etc/hostname'"],
        &["UPDATE t SET a = a + 1"],
        &["INSERT INTO t VALUES (1)"],
    ];
    for escape in escapes {
        let mut session = Session::open(&params, None, 10).unwrap();
        let limits = FetchLimits {
            max_rows: 100,
            max_bytes: 1 << 20,
        };
        let mut failed = false;
        for sql in *escape {
            if session.run(sql, limits, &mut Discard).is_err() {
                failed = true;
                break;
            }
        }
        assert!(
            failed,
            "{escape:?} ran to the end inside the read-only session"
        );
        session.finish(false).unwrap_or(());
    }
    assert_eq!(
        before,
        fingerprint(&server, &database),
        "an escape changed the database"
    );
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn reads_writes_and_destructive_statements_take_their_paths() {
    let server = server();
    let database = server.fixture_database("paths");
    let project = project(&database);
    let q = || project.cmd(PG_QUERY);
    q().args(["-c", "ro", "SELECT count(*) AS n FROM users"])
        .run()
        .status(0)
        .stdout_is(" n  \n----\n 20\n(1 row)\n\n");
    q().args(["-c", "ro", "--query", "DELETE FROM t WHERE a = 1"])
        .run()
        .status(1)
        .stderr_has("[write-statement]");
    q().args(["-c", "dml", "DELETE FROM t WHERE a = 1"])
        .run()
        .status(0)
        .stdout_is("DELETE 1\n");
    q().args(["-c", "dml", "DELETE FROM t"])
        .run()
        .status(2)
        .stderr_has("--confirm");
    q().args(["-c", "rw", "DROP TABLE t2"]).run().status(2);
    q().args(["-c", "rw", "--confirm", "DROP TABLE t2"])
        .run()
        .status(0)
        .stdout_is("DROP TABLE\n");
    q().args(["-c", "rw", "BEGIN; SELECT 1; COMMIT"])
        .run()
        .status(1)
        .stderr_has("transaction");
    // All or nothing: the second statement fails, so the first is rolled back.
    q().args([
        "-c",
        "rw",
        "INSERT INTO t VALUES (500); INSERT INTO missing VALUES (1)",
    ])
    .run()
    .status(4)
    .stderr_has("42P01");
    q().args([
        "-c",
        "ro",
        "--format",
        "csv",
        "SELECT count(*) FROM t WHERE a = 500",
    ])
    .run()
    .status(0)
    .stdout_is("count\r\n0\r\n");
    q().args([
        "-c",
        "rw",
        "INSERT INTO t VALUES (501); INSERT INTO t VALUES (502)",
    ])
    .run()
    .status(0);
    q().args([
        "-c",
        "ro",
        "--format",
        "csv",
        "SELECT count(*) FROM t WHERE a > 500",
    ])
    .run()
    .status(0)
    .stdout_is("count\r\n2\r\n");
    let log = project.runs();
    let outcomes: Vec<&str> = log.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(
        outcomes,
        [
            "ok",
            "blocked",
            "ok",
            "needs-confirmation",
            "needs-confirmation",
            "ok",
            "blocked",
            "error",
            "ok",
            "ok",
            "ok"
        ]
    );
    assert_eq!(log[7]["sqlstate"], "42P01");
    assert_eq!(log[0]["rows"], 1);
    assert_eq!(log[0]["database"], database.as_str());
    assert_eq!(log[5]["confirmed"], true);
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn row_limits_stop_fetching_and_say_so_in_every_format() {
    let server = server();
    let database = server.fixture_database("limits");
    let project = project(&database);
    let q = || project.cmd(PG_QUERY);
    let sql = "SELECT g FROM generate_series(1, 100000) g";
    let aligned = q()
        .args(["-c", "ro", "--max-rows", "3", sql])
        .run()
        .status(0);
    assert_eq!(
        aligned.stdout,
        " g \n---\n 1\n 2\n 3\n(3 rows; truncated at 3 rows: more rows exist (raise --max-rows or narrow the query))\n\n"
    );
    let csv = q()
        .args(["-c", "ro", "--max-rows", "2", "--format", "csv", sql])
        .run()
        .status(0);
    assert_eq!(csv.stdout, "g\r\n1\r\n2\r\n");
    assert!(csv.stderr.contains("truncated at 2 rows"), "{csv:?}");
    let json = q()
        .args(["-c", "ro", "--max-rows", "2", "--format", "json", sql])
        .run()
        .status(0)
        .json();
    assert_eq!(json, json!([{"g": 1}, {"g": 2}]));
    let jsonl = q()
        .args(["-c", "ro", "--max-rows", "2", "--format", "jsonl", sql])
        .run()
        .status(0);
    assert_eq!(jsonl.stdout, "{\"g\":1}\n{\"g\":2}\n");
    let md = q()
        .args(["-c", "ro", "--max-rows", "1", "--format", "markdown", sql])
        .run()
        .status(0);
    assert!(md.stdout.starts_with("| g |\n|---:|\n| 1 |\n"), "{md:?}");
    q().args([
        "-c",
        "ro",
        "--max-rows",
        "0",
        "--format",
        "csv",
        "SELECT g FROM generate_series(1, 5000) g",
    ])
    .run()
    .status(0);
    let log = project.runs();
    assert_eq!(log[0]["truncated"], true);
    assert_eq!(log[0]["rows"], 3);
    assert_eq!(log.last().unwrap()["rows"], 5000);
    assert_eq!(log.last().unwrap()["truncated"], false);
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn values_print_as_psql_prints_them() {
    let server = server();
    let database = server.fixture_database("types");
    let mut client = server.connect(&database);
    client
        .batch_execute(
            "CREATE TABLE alltypes AS SELECT
                1::smallint AS i2, 2::int AS i4, 3::bigint AS i8, 1.5::real AS f4, 2.25::float8 AS f8,
                12345.6789::numeric(12,4) AS num, 'NaN'::numeric AS nan, 9.99::money AS mon, true AS b,
                'text'::text AS txt, 'vc'::varchar(5) AS vc, 'c'::char(3) AS ch, ''::text AS empty,
                E'two\\nlines'::text AS multi, 'é ü 中'::text AS unicode,
                '2024-02-29'::date AS d, '13:45:01.5'::time AS tm, '13:45:01+02'::timetz AS ttz,
                '2024-02-29 13:45:01.123456'::timestamp AS ts, '2024-02-29 13:45:01+00'::timestamptz AS tstz,
                '1 year 2 mons 3 days 04:05:06.7'::interval AS iv, '\\xdeadbeef'::bytea AS by,
                '{\"a\": [1, 2.5, null]}'::json AS js, '{\"b\": true}'::jsonb AS jb,
                'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, '192.168.0.1/24'::inet AS ip,
                '10.0.0.0/8'::cidr AS net, '08:00:2b:01:02:03'::macaddr AS mac,
                ARRAY[1, 2, NULL] AS arr, ARRAY['a b', 'c\"d'] AS tarr, '{{1,2},{3,4}}'::int[] AS arr2,
                int4range(1, 10) AS r4, tstzrange('2024-01-01', '2024-02-01') AS rts, numrange(1.5, 2.5, '[]') AS rn,
                'happy'::mood AS enum_value, ROW(1, 'x')::text AS rec, point(1, 2) AS pt, B'1011' AS bits,
                'a & b'::tsquery AS tq, 'fat cats'::tsvector AS tv, '<a>x</a>'::xml AS x, 42::oid AS o,
                NULL::text AS nul, NULL::int AS nul_int
             UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL",
        )
        .unwrap();
    let project = project(&database);
    let psql = format!("{}/psql", std::env::var("DEV_POSTGRES_TEST_BIN").unwrap());
    let url = format!(
        "host={} port={} user={} dbname={}",
        server.host, server.port, server.user, database
    );
    for query in [
        "SELECT * FROM alltypes",
        "SELECT i4, multi, nul, txt FROM alltypes",
        "SELECT * FROM alltypes WHERE false",
    ] {
        let expected = Command::new(&psql)
            .args(["-X", "-d", &url, "-c", query])
            .env("PGPASSWORD", &server.password)
            .output()
            .unwrap();
        assert!(expected.status.success(), "{expected:?}");
        let got = project
            .cmd(PG_QUERY)
            .args(["-c", "ro", "--max-rows", "10", query])
            .run()
            .status(0);
        assert_eq!(
            got.stdout,
            String::from_utf8_lossy(&expected.stdout),
            "{query}"
        );
    }
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn timeouts_and_signals_cancel_on_the_server() {
    let server = server();
    let database = server.fixture_database("cancel");
    let project = project(&database);
    let long = "SELECT count(*) FROM generate_series(1, 10000000000) AS long_running_marker";
    let started = Instant::now();
    project
        .cmd(PG_QUERY)
        .args(["-c", "ro", "--timeout", "1", long])
        .run()
        .status(4)
        .stderr_has("timed out");
    assert!(started.elapsed() < Duration::from_secs(8));
    for signal in ["INT", "TERM"] {
        let child = Command::new(PG_QUERY)
            .args(["-c", "ro", "--timeout", "60", long])
            .current_dir(&project.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(700));
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("cancelled"),
            "{out:?}"
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut client = server.connect("postgres");
    let running: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%long_running_marker%' AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(running, 0, "the server is still running a cancelled query");
    let outcomes: Vec<String> = project
        .runs()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes, ["timed-out", "cancelled", "cancelled"]);
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn no_password_leaks_anywhere() {
    let server = server();
    let marker = "Leak-Marker-7f3a9c";
    let tls = std::env::var("DEV_POSTGRES_TEST_TLS").unwrap();
    let base = |extra: serde_json::Value| {
        let mut connection = json!({"database": "postgres", "host": server.host, "port": server.port,
                                    "user": server.user, "password": "${LEAKY_PASSWORD}", "sslmode": "disable"});
        for (k, v) in extra.as_object().unwrap() {
            connection[k] = v.clone();
        }
        json!({"connections": {"c": connection}})
    };
    let cases: Vec<(&str, serde_json::Value, Option<&str>, i32)> = vec![
        ("wrong password", base(json!({})), Some(marker), 4),
        (
            "unknown host",
            base(json!({"host": "no-such-host.invalid"})),
            Some(marker),
            4,
        ),
        ("refused port", base(json!({"port": 1})), Some(marker), 4),
        (
            "TLS failure",
            base(json!({"sslmode": "verify-full", "sslrootcert": "/nonexistent/root.crt"})),
            Some(marker),
            4,
        ),
        (
            "TLS name mismatch",
            base(json!({"sslmode": "verify-full", "sslrootcert": format!("{tls}/ca.crt")})),
            Some(marker),
            4,
        ),
        ("missing env var", base(json!({})), None, 3),
        (
            "bad config",
            json!({"connections": {"c": {"database": "postgres", "password": marker, "pasword": marker}}}),
            Some(marker),
            3,
        ),
    ];
    for (name, config, password, code) in cases {
        let project = Project::new(&server, json!({}));
        project.write_config(&config);
        let mut cmd = project
            .cmd(PG_QUERY)
            .env_remove("LEAKY_PASSWORD")
            .env_remove("PGPASSWORD");
        if let Some(password) = password {
            cmd = cmd.env("LEAKY_PASSWORD", password);
        }
        let out = cmd.args(["-c", "c", "SELECT 1"]).run();
        assert_eq!(out.code, Some(code), "{name}: {out:#?}");
        let log = std::fs::read_to_string(project.log_path()).unwrap_or_default();
        for (place, text) in [
            ("stdout", &out.stdout),
            ("stderr", &out.stderr),
            ("audit log", &log),
        ] {
            assert!(
                !text.contains(marker),
                "{name}: the password shows in {place}: {text}"
            );
        }
        assert!(!out.stderr.is_empty(), "{name}: no explanation");
    }
    // A running pg-query holds the password in neither its arguments nor its environment.
    let project = Project::new(&server, json!({}));
    project.write_config(&base(json!({"password": server.password})));
    let child = Command::new(PG_QUERY)
        .args([
            "-c",
            "c",
            "--timeout",
            "30",
            "SELECT count(*) FROM generate_series(1, 3000000000)",
        ])
        .current_dir(&project.dir)
        .env_remove("PGPASSWORD")
        .env_remove("DEV_POSTGRES_TEST_PASSWORD")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id())).unwrap();
    let environ = std::fs::read(format!("/proc/{}/environ", child.id())).unwrap();
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait_with_output();
    for (place, bytes) in [("argv", cmdline), ("environment", environ)] {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&server.password),
            "the password is in {place}"
        );
    }
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn concurrent_runs_keep_one_valid_chain() {
    let project = project("postgres");
    let workers: Vec<_> = (0..16)
        .map(|w| {
            let dir = project.dir.clone();
            std::thread::spawn(move || {
                for i in 0..100 {
                    let sql = if i % 10 == 9 {
                        "DELETE FROM nothing".to_string()
                    } else {
                        format!("SELECT {w} AS worker, {i} AS i")
                    };
                    let out = Command::new(PG_QUERY)
                        .args(["-c", "ro", "--format", "csv", &sql])
                        .current_dir(&dir)
                        .output()
                        .unwrap();
                    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{out:?}");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(project.runs().len(), 1600);
    project
        .cmd(PG_QUERY)
        .arg("--verify-log")
        .run()
        .status(0)
        .stdout_has("ok: 3200 records");
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn a_killed_run_leaves_its_attempt_recorded_and_the_chain_intact() {
    let project = project("postgres");
    for i in 0..5 {
        project
            .cmd(PG_QUERY)
            .args(["-c", "ro", &format!("SELECT {i}")])
            .run()
            .status(0);
    }
    let child = Command::new(PG_QUERY)
        .args([
            "-c",
            "ro",
            "SELECT count(*) FROM generate_series(1, 3000000000)",
        ])
        .current_dir(&project.dir)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.wait_with_output();
    // Written ahead: the killed run's attempt is there, with no outcome.
    let runs = project.runs();
    assert_eq!(runs.len(), 6);
    assert_eq!(
        runs[5]["sql"],
        "SELECT count(*) FROM generate_series(1, 3000000000)"
    );
    assert!(runs[5].get("outcome").is_none(), "{}", runs[5]);
    project
        .cmd(PG_QUERY)
        .arg("--verify-log")
        .run()
        .status(0)
        .stdout_has("ok: 11 records");
    project
        .cmd(PG_QUERY)
        .args(["-c", "ro", "SELECT 6"])
        .run()
        .status(0);
    project
        .cmd(PG_QUERY)
        .arg("--verify-log")
        .run()
        .status(0)
        .stdout_has("ok: 13 records");
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn an_unwritable_log_stops_the_run() {
    let server = server();
    let database = server.fixture_database("nolog");
    let project = project(&database);
    std::fs::create_dir_all(project.log_path()).unwrap(); // a folder where the log file should be
    project
        .cmd(PG_QUERY)
        .args(["-c", "rw", "INSERT INTO t VALUES (777)"])
        .run()
        .status(4)
        .stderr_has("Nothing was run");
    let mut client = server.connect(&database);
    let n: i64 = client
        .query_one("SELECT count(*) FROM t WHERE a = 777", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

#[test]
#[ignore = "needs the PostgreSQL server and PgBouncer that scripts/test.sh starts"]
fn works_behind_pgbouncer_in_transaction_mode() {
    let server = server();
    let database = server.fixture_database("bouncer");
    let port: u16 = std::env::var("DEV_POSTGRES_TEST_PGBOUNCER_PORT")
        .unwrap()
        .parse()
        .unwrap();
    let project = Project::new(
        &server,
        json!({"ro": {"database": database, "mode": "read-only", "port": port},
               "rw": {"database": database, "mode": "read-write", "port": port}}),
    );
    for _ in 0..3 {
        project
            .cmd(PG_QUERY)
            .args([
                "-c",
                "ro",
                "--format",
                "csv",
                "SELECT count(*) FROM users; SELECT current_setting('transaction_read_only') AS ro",
            ])
            .run()
            .status(0)
            .stdout_is("count\r\n20\r\n\r\nro\r\non\r\n");
    }
    project
        .cmd(PG_QUERY)
        .args([
            "-c",
            "rw",
            "INSERT INTO t VALUES (901); UPDATE t SET b = 1 WHERE a = 901",
        ])
        .run()
        .status(0);
    project
        .cmd(PG_QUERY)
        .args([
            "-c",
            "ro",
            "--format",
            "csv",
            "SELECT count(*) FROM t WHERE a = 901",
        ])
        .run()
        .status(0)
        .stdout_is("count\r\n1\r\n");
    project
        .cmd(PG_QUERY)
        .args(["-c", "ro", "SELECT 1; DELETE FROM t"])
        .run()
        .status(1);
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let dir = project.dir.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let out = Command::new(PG_QUERY)
                        .args(["-c", "ro", "SELECT count(*) FROM orders"])
                        .current_dir(&dir)
                        .output()
                        .unwrap();
                    assert_eq!(out.status.code(), Some(0), "{out:?}");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn tls_modes_mean_what_libpq_means() {
    let server = server();
    let tls = std::env::var("DEV_POSTGRES_TEST_TLS").unwrap();
    let ssl_used = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    let cases: Vec<(&str, serde_json::Value, i32, &str)> = vec![
        ("disable", json!({"sslmode": "disable"}), 0, "f"),
        ("allow", json!({"sslmode": "allow"}), 0, "f"),
        ("prefer", json!({"sslmode": "prefer"}), 0, "t"),
        ("require", json!({"sslmode": "require"}), 0, "t"),
        (
            "require with a root verifies",
            json!({"sslmode": "require", "sslrootcert": format!("{tls}/other-ca.crt")}),
            4,
            "",
        ),
        (
            "verify-ca",
            json!({"sslmode": "verify-ca", "sslrootcert": format!("{tls}/ca.crt")}),
            0,
            "t",
        ),
        (
            "verify-ca, wrong root",
            json!({"sslmode": "verify-ca", "sslrootcert": format!("{tls}/other-ca.crt")}),
            4,
            "",
        ),
        (
            "verify-full, right name",
            json!({"sslmode": "verify-full", "host": "localhost", "sslrootcert": format!("{tls}/ca.crt")}),
            0,
            "t",
        ),
        (
            "verify-full, wrong name",
            json!({"sslmode": "verify-full", "sslrootcert": format!("{tls}/ca.crt")}),
            4,
            "",
        ),
        (
            "verify-full, no root",
            json!({"sslmode": "verify-full", "sslrootcert": "/nonexistent.crt"}),
            4,
            "",
        ),
    ];
    for (name, fields, code, ssl) in cases {
        let mut connection = json!({"database": "postgres", "mode": "read-only"});
        for (k, v) in fields.as_object().unwrap() {
            connection[k] = v.clone();
        }
        let project = Project::new(&server, json!({ "c": connection }));
        let out = project
            .cmd(PG_QUERY)
            .args(["-c", "c", "--format", "csv", ssl_used])
            .run();
        assert_eq!(out.code, Some(code), "{name}: {out:#?}");
        if code == 0 {
            assert_eq!(out.stdout, format!("ssl\r\n{ssl}\r\n"), "{name}");
        }
    }
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn explain_plans_and_explain_analyze_runs_only_reads() {
    let server = server();
    let database = server.fixture_database("explain");
    let project = project(&database);
    let q = || project.cmd(PG_QUERY);
    // A plan of a write is fine on a read-only connection: nothing runs.
    q().args(["-c", "ro", "--explain", "DELETE FROM t WHERE a = 1"])
        .run()
        .status(0)
        .stdout_has("Delete on t");
    let json = q()
        .args([
            "-c",
            "ro",
            "--explain",
            "--explain-format",
            "json",
            "--format",
            "csv",
            "SELECT * FROM users",
        ])
        .run()
        .status(0);
    assert!(json.stdout.contains("\"Node Type\""), "{json:?}");
    q().args([
        "-c",
        "ro",
        "--explain-analyze",
        "SELECT count(*) FROM orders",
    ])
    .run()
    .status(0)
    .stdout_has("actual time");
    // EXPLAIN ANALYZE runs the statement: only reads, even on a read-write connection.
    q().args(["-c", "rw", "--explain-analyze", "DELETE FROM t WHERE a = 1"])
        .run()
        .status(1)
        .stderr_has("explain-analyze-not-select");
    q().args(["-c", "rw", "--explain", "CREATE TABLE x (a int)"])
        .run()
        .status(3)
        .stderr_has("cannot be explained");
    let mut client = server.connect(&database);
    let n: i64 = client
        .query_one("SELECT count(*) FROM t WHERE a = 1", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "nothing was deleted");
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn client_certificates_authenticate() {
    let server = server();
    let tls = std::env::var("DEV_POSTGRES_TEST_TLS").unwrap();
    let key = std::env::var("DEV_POSTGRES_TEST_CLIENT_KEY").unwrap();
    let connection = |with_cert: bool| {
        let mut c = json!({"database": "postgres", "user": "certuser", "host": "localhost", "port": server.port,
                           "sslmode": "verify-full", "sslrootcert": format!("{tls}/ca.crt")});
        if with_cert {
            c["sslcert"] = json!(format!("{tls}/client.crt"));
            c["sslkey"] = json!(key);
        }
        c
    };
    let project = Project::new(&server, json!({}));
    project.write_config(
        &json!({"connections": {"cert": connection(true), "nocert": connection(false)}}),
    );
    project
        .cmd(PG_QUERY)
        .env_remove("PGPASSWORD")
        .args([
            "-c",
            "cert",
            "--format",
            "csv",
            "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ])
        .run()
        .status(0)
        .stdout_is("current_user,ssl\r\ncertuser,t\r\n");
    project
        .cmd(PG_QUERY)
        .env_remove("PGPASSWORD")
        .args(["-c", "nocert", "SELECT 1"])
        .run()
        .status(4);
    let mut half = connection(true);
    half.as_object_mut().unwrap().remove("sslkey");
    project.write_config(&json!({"connections": {"half": half}}));
    project
        .cmd(PG_QUERY)
        .args(["-c", "half", "SELECT 1"])
        .run()
        .status(4)
        .stderr_has("sslcert and sslkey go together");
}
