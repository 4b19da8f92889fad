#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]
//! pg-query under frozen networks, floods and hostile data (issue 14), against
//! the PostgreSQL that scripts/test.sh starts. The frozen network is a proxy
//! written here: it relays, then stops relaying (sockets stay open).
use devpg_testing::server::{Project, TestServer};
use serde_json::json;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PG_QUERY: &str = env!("CARGO_BIN_EXE_pg-query");

/// A TCP proxy to the test server that can freeze (stop relaying, keep the
/// sockets open) or cut (close every connection) on demand.
struct Proxy {
    port: u16,
    frozen: Arc<AtomicBool>,
    cut: Arc<AtomicBool>,
}

impl Proxy {
    fn start(server: &TestServer) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let frozen = Arc::new(AtomicBool::new(false));
        let cut = Arc::new(AtomicBool::new(false));
        let upstream = format!("{}:{}", server.host, server.port);
        let (f, c) = (Arc::clone(&frozen), Arc::clone(&cut));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                for (from, to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let (f, c) = (Arc::clone(&f), Arc::clone(&c));
                    std::thread::spawn(move || relay(from, to, &f, &c));
                }
            }
        });
        Proxy { port, frozen, cut }
    }

    fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }
}

fn relay(mut from: TcpStream, mut to: TcpStream, frozen: &AtomicBool, cut: &AtomicBool) {
    from.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut buf = [0u8; 16384];
    loop {
        if cut.load(Ordering::SeqCst) {
            let _ = from.shutdown(std::net::Shutdown::Both);
            let _ = to.shutdown(std::net::Shutdown::Both);
            return;
        }
        if frozen.load(Ordering::SeqCst) {
            // Holds both sockets open and moves nothing, for ever.
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        match from.read(&mut buf) {
            Ok(0) => {
                let _ = to.shutdown(std::net::Shutdown::Write);
                return;
            }
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}

fn project_on(server: &TestServer, database: &str, port: u16, extra: serde_json::Value) -> Project {
    let mut connections = json!({
        "ro": {"database": database, "mode": "read-only", "port": port},
        "dml": {"database": database, "mode": "dml", "port": port},
    });
    if let (Some(map), Some(more)) = (connections.as_object_mut(), extra.as_object()) {
        for (k, v) in more {
            map.insert(k.clone(), v.clone());
        }
    }
    Project::new(server, connections)
}

fn spawn(project: &Project, args: &[&str]) -> Child {
    Command::new(PG_QUERY)
        .args(args)
        .current_dir(&project.dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn stderr_of(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn outcomes(project: &Project) -> Vec<String> {
    project
        .log()
        .iter()
        // Written ahead: each run's attempt record comes first, without an outcome.
        .filter_map(|r| {
            r["outcome"]
                .as_str()
                .filter(|o| !o.is_empty())
                .map(String::from)
        })
        .collect()
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn a_frozen_network_times_out_at_the_deadline_and_is_recorded() {
    let server = TestServer::from_env();
    let database = server.fixture_database("frozen");
    let proxy = Proxy::start(&server);
    let project = project_on(&server, &database, proxy.port, json!({}));
    let started = Instant::now();
    let child = spawn(
        &project,
        &[
            "-c",
            "ro",
            "--timeout",
            "3",
            "SELECT count(*) FROM generate_series(1, 10000000000)",
        ],
    );
    std::thread::sleep(Duration::from_millis(1500));
    proxy.freeze();
    let (code, stderr) = stderr_of(child);
    let elapsed = started.elapsed();
    assert_eq!(code, Some(4), "{stderr}");
    // The watchdog fires at timeout + 2 s; the client gives the cancel 0.5 s.
    assert!(elapsed < Duration::from_secs(7), "{elapsed:?}");
    assert!(stderr.contains("timed out"), "{stderr}");
    assert!(stderr.contains("connection 'ro'"), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{}", proxy.port)),
        "{stderr}"
    );
    assert_eq!(outcomes(&project), ["timed-out"]);
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn signals_end_a_frozen_run_within_a_second() {
    let server = TestServer::from_env();
    let database = server.fixture_database("frozen_signals");
    let proxy = Proxy::start(&server);
    let project = project_on(&server, &database, proxy.port, json!({}));
    let children: Vec<(&str, Child)> = ["INT", "TERM", "HUP"]
        .into_iter()
        .map(|signal| {
            (
                signal,
                spawn(
                    &project,
                    &[
                        "-c",
                        "ro",
                        "--timeout",
                        "60",
                        "SELECT count(*) FROM generate_series(1, 10000000000)",
                    ],
                ),
            )
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1000));
    proxy.freeze();
    std::thread::sleep(Duration::from_millis(300));
    for (signal, child) in children {
        let sent = Instant::now();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let (code, stderr) = stderr_of(child);
        assert!(
            sent.elapsed() < Duration::from_millis(1000),
            "SIG{signal}: {:?}",
            sent.elapsed()
        );
        assert_eq!(code, Some(4), "SIG{signal}: {stderr}");
        assert!(stderr.contains("cancelled"), "SIG{signal}: {stderr}");
        assert!(stderr.contains("connection 'ro'"), "SIG{signal}: {stderr}");
    }
    assert_eq!(outcomes(&project), ["cancelled", "cancelled", "cancelled"]);
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn a_server_that_never_speaks_is_waited_on_once_even_with_prefer() {
    let server = TestServer::from_env();
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in silent.incoming() {
            held.push(stream);
        }
    });
    let project = project_on(
        &server,
        "postgres",
        port,
        json!({"silent": {"database": "postgres", "port": port, "sslmode": "prefer", "connect_timeout": 2}}),
    );
    let started = Instant::now();
    project
        .cmd(PG_QUERY)
        .args(["-c", "silent", "SELECT 1"])
        .run()
        .status(4)
        .stderr_has("connect_timeout")
        .stderr_has("connection 'silent'");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(3200), "{elapsed:?}");
    assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
    assert_eq!(outcomes(&project), ["timed-out"]);
    // A signal while connecting ends the run at once, recorded.
    let child = spawn(&project, &["-c", "silent", "SELECT 1"]);
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let (code, stderr) = stderr_of(child);
    assert!(sent.elapsed() < Duration::from_millis(1000));
    assert_eq!(code, Some(4), "{stderr}");
    assert_eq!(outcomes(&project), ["timed-out", "cancelled"]);
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn a_server_gone_mid_write_is_named_and_nothing_is_committed() {
    let server = TestServer::from_env();
    let database = server.fixture_database("cut");
    let proxy = Proxy::start(&server);
    let project = project_on(&server, &database, proxy.port, json!({}));
    let child = Command::new(PG_QUERY)
        .args([
            "-c",
            "dml",
            "INSERT INTO t (a) VALUES (914001); INSERT INTO t (a) VALUES (914002); SELECT count(*) FROM generate_series(1, 10000000000)",
        ])
        .current_dir(&project.dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    proxy.cut();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("INSERT 0 1"));
    assert!(stderr.contains("connection 'dml'"), "{stderr}");
    assert!(stderr.contains("closed the connection"), "{stderr}");
    assert!(stderr.contains("Nothing was committed"), "{stderr}");
    let rows: i64 = server
        .connect(&database)
        .query_one("SELECT count(*) FROM t WHERE a IN (914001, 914002)", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 0);
    assert_eq!(outcomes(&project), ["error"]);
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn a_killed_write_run_is_cancelled_on_the_server_within_seconds() {
    let server = TestServer::from_env();
    let database = server.fixture_database("killed");
    let project = project_on(&server, &database, server.port, json!({}));
    let mut child = Command::new(PG_QUERY)
        .args([
            "-c",
            "dml",
            "--timeout",
            "0",
            "INSERT INTO t (a) SELECT count(*) FROM generate_series(1, 10000000000) AS orphan_marker_14",
        ])
        .current_dir(&project.dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    let mut admin = server.connect("postgres");
    let mut running = || -> i64 {
        admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%orphan_marker_14%' AND state = 'active' AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get(0)
    };
    assert_eq!(running(), 1, "the statement should be running");
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = Instant::now();
    while running() > 0 {
        assert!(
            killed.elapsed() < Duration::from_secs(5),
            "the server still runs a killed client's statement"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Peak resident memory (VmHWM, kB) of a child, sampled until it exits,
/// while its stdout is drained; and its stdout and stderr.
fn peak_memory(project: &Project, args: &[&str]) -> (u64, String, String) {
    let mut child = Command::new(PG_QUERY)
        .args(args)
        .current_dir(&project.dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        stdout.read_to_end(&mut text).unwrap();
        text
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = reader.join().unwrap();
    (
        peak,
        String::from_utf8_lossy(&out).into_owned(),
        err_reader.join().unwrap(),
    )
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn memory_stays_within_the_budget() {
    let server = TestServer::from_env();
    let database = server.fixture_database("memory");
    let project = project_on(&server, &database, server.port, json!({}));
    const MIB: u64 = 1024 * 1024;
    let budget = MIB;
    project.write_config(&json!({
        "security": {"max_result_bytes": budget},
        "connections": {"ro": {
            "host": server.host, "port": server.port, "user": server.user,
            "password": "${DEV_POSTGRES_TEST_PASSWORD}", "sslmode": "disable",
            "database": database, "mode": "read-only"
        }}
    }));
    // What pg-query takes without any result (code, TLS tables, buffers).
    let (base, _, _) = peak_memory(&project, &["-c", "ro", "SELECT 1"]);
    let slack = 8 * 1024; // kB: allocator rounding, the 64 KiB read buffer, stdout buffer
    for (sql, format) in [
        ("SELECT repeat('x', 100000000) AS bomb", "aligned"),
        (
            "SELECT repeat(repeat(repeat('x', 1000), 1000), 100) AS bomb",
            "json",
        ),
        ("SELECT repeat('x', 10000000) AS ten_mb", "csv"),
    ] {
        let (peak, stdout, stderr) = peak_memory(&project, &["-c", "ro", "--format", format, sql]);
        assert!(
            peak <= base + budget / 1024 + slack,
            "{sql} ({format}): peak {peak} kB, base {base} kB, budget {} kB",
            budget / 1024
        );
        // Aligned pads the header and the rule to the value's width, as psql does.
        assert!(
            stdout.len() as u64 <= 3 * budget + 4096,
            "{sql}: {} bytes out",
            stdout.len()
        );
        let said = if format == "aligned" {
            &stdout
        } else {
            &stderr
        };
        assert!(said.contains("was cut after"), "{sql} ({format}): {said}");
    }
    // 1,600 NULL columns: each costs, so the budget stops the rows.
    let columns: Vec<String> = (1..=1600).map(|i| format!("NULL::int AS c{i}")).collect();
    let wide = format!(
        "SELECT {} FROM generate_series(1, 5000)",
        columns.join(", ")
    );
    let (peak, stdout, _) = peak_memory(&project, &["-c", "ro", "--max-rows", "0", &wide]);
    assert!(
        peak <= base + budget / 1024 + slack,
        "wide NULL rows: peak {peak} kB, base {base} kB"
    );
    assert!(
        stdout.contains("truncated at the result budget"),
        "{}",
        &stdout[stdout.len().saturating_sub(300)..]
    );

    // The default budget (64 MiB) against a 200 MB value, with the password
    // masker in the output path: still the budget plus a constant.
    let big = 64 * MIB;
    project.write_config(&json!({
        "security": {"max_result_bytes": big},
        "connections": {"ro": {
            "host": server.host, "port": server.port, "user": server.user,
            "password": "${DEV_POSTGRES_TEST_PASSWORD}", "sslmode": "disable",
            "database": database, "mode": "read-only"
        }}
    }));
    let (peak, _, _) = peak_memory(
        &project,
        &["-c", "ro", "SELECT repeat('x', 200000000) AS bomb"],
    );
    assert!(
        peak <= base + big / 1024 + slack,
        "200 MB value, 64 MiB budget: peak {peak} kB, base {base} kB"
    );
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn control_characters_show_as_psql_shows_them() {
    let server = TestServer::from_env();
    let database = server.fixture_database("controls");
    server
        .connect(&database)
        .batch_execute(
            "CREATE TABLE hostile AS SELECT
                E'clear\\x1b[2J\\x1b[H' AS U&\"esc\\001B[31mname\",
                E'title\\x1b]0;owned\\x07' AS osc,
                E'over\\rwrite' AS cr,
                E'back\\x08\\x08space\\x7f' AS bs_del,
                E'tab\\there' AS tab,
                E'multi\\nline\\x1bx' AS nl,
                U&'c1\\0085x' AS c1",
        )
        .unwrap();
    let project = project_on(&server, &database, server.port, json!({}));
    let psql = format!("{}/psql", std::env::var("DEV_POSTGRES_TEST_BIN").unwrap());
    let url = format!(
        "host={} port={} user={} dbname={}",
        server.host, server.port, server.user, database
    );
    let query = "SELECT * FROM hostile";
    let expected = Command::new(&psql)
        .args(["-X", "-d", &url, "-c", query])
        .env("PGPASSWORD", &server.password)
        .output()
        .unwrap();
    assert!(expected.status.success(), "{expected:?}");
    let got = project
        .cmd(PG_QUERY)
        .args(["-c", "ro", query])
        .run()
        .status(0);
    assert_eq!(got.stdout, String::from_utf8_lossy(&expected.stdout));
    for format in ["markdown", "json", "jsonl", "aligned"] {
        let out = project
            .cmd(PG_QUERY)
            .args(["-c", "ro", "--format", format, query])
            .run()
            .status(0);
        assert!(
            !out.stdout
                .contains(['\u{1b}', '\u{7}', '\u{8}', '\u{7f}', '\r', '\u{85}']),
            "{format}: {:?}",
            out.stdout
        );
    }
    let json = project
        .cmd(PG_QUERY)
        .args(["-c", "ro", "--format", "json", query])
        .run()
        .status(0)
        .json();
    assert_eq!(json[0]["esc\u{1b}[31mname"], "clear\u{1b}[2J\u{1b}[H");
    // Bidi overrides: psql prints them raw; pg-query shows them.
    let bidi = project
        .cmd(PG_QUERY)
        .args(["-c", "ro", "SELECT U&'abc\\202Edef\\2066x\\2069' AS b"])
        .run()
        .status(0);
    assert!(
        bidi.stdout.contains("abc\\u202Edef\\u2066x\\u2069"),
        "{}",
        bidi.stdout
    );
}

/// A name that a pasted command line would run (`dev; touch /tmp/x`) never
/// gets that far: the configuration refuses it (and the suggested line is
/// shell-quoted anyway, by text::shell_quote).
#[test]
fn a_connection_name_that_would_need_shell_quoting_is_refused() {
    let dir = std::env::temp_dir().join(format!("dev-postgres-quote-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join(".dev-postgres.json");
    std::fs::write(
        &config,
        json!({"connections": {"dev; touch /tmp/x": {"host": "127.0.0.1", "port": 1, "database": "d", "user": "u", "mode": "read-write"}}})
            .to_string(),
    )
    .unwrap();
    devpg_testing::trust(&config);
    devpg_testing::cmd::Cmd::new(PG_QUERY)
        .current_dir(&dir)
        .args(["-c", "dev; touch /tmp/x", "DROP TABLE users"])
        .run()
        .status(3)
        .stderr_has("a connection name is letters");
    let _ = std::fs::remove_dir_all(&dir);
}
