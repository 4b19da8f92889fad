#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The catalog decides where pg-query has a connection (issue 13), against
//! the real PostgreSQL that scripts/test.sh starts, with every contrib
//! extension Debian ships that loads without shared_preload_libraries, as
//! the tables' owner (a superuser: the worst case).
use devpg_policy::sql::{effect_free_volatile, side_effect};
use devpg_testing::server::{Project, TestServer};
use serde_json::json;

const PG_QUERY: &str = env!("CARGO_BIN_EXE_pg-query");

/// A fixture database with every available extension created, and user
/// objects that only the catalog can judge.
fn database(server: &TestServer, purpose: &str) -> String {
    let database = server.database_with_every_extension(purpose);
    let mut client = server.connect(&database);
    client
        .batch_execute(
            "CREATE FUNCTION notify_me() RETURNS void LANGUAGE sql AS $$SELECT pg_notify('c', 'x')$$;
             CREATE FUNCTION peek() RETURNS int STABLE LANGUAGE sql AS 'SELECT 1';
             CREATE FUNCTION touch(t) RETURNS int LANGUAGE sql AS 'SELECT 1';
             CREATE FUNCTION public.random(seed int) RETURNS double precision LANGUAGE sql AS 'SELECT 4.0::float8';
             CREATE FUNCTION evil_eq(int, int) RETURNS bool LANGUAGE sql
                 AS 'SELECT pg_try_advisory_lock(42) IS NOT NULL AND $1 = $2';
             CREATE OPERATOR === (leftarg = int, rightarg = int, function = evil_eq);
             CREATE TYPE feeling AS ENUM ('calm');
             CREATE FUNCTION to_feeling(int) RETURNS feeling LANGUAGE sql AS $$SELECT 'calm'::feeling$$;
             CREATE CAST (int AS feeling) WITH FUNCTION to_feeling(int);
             CREATE TABLE xml_docs (id int, doc text);
             INSERT INTO t VALUES (1, 1, 'one'), (2, 2, 'two');",
        )
        .unwrap();
    database
}

fn project(server: &TestServer, database: &str) -> Project {
    Project::new(
        server,
        json!({
            "ro": {"database": database, "mode": "read-only"},
            "dml": {"database": database, "mode": "dml"},
            "ro_allow": {"database": database, "mode": "read-only", "allow_functions": ["notify_me", "public.evil_eq"]},
        }),
    )
}

/// What an escape could change: rows, sequences, catalog, settings, locks,
/// large objects, and files in the data directory.
fn state(server: &TestServer, database: &str) -> String {
    let mut client = server.connect(database);
    let sql = "SELECT concat_ws('/',
        (SELECT count(*) FROM users), (SELECT count(*) FROM t), (SELECT sum(a) FROM t),
        (SELECT string_agg(ctid::text || xmin::text, ',' ORDER BY ctid) FROM t),
        (SELECT last_value FROM s), (SELECT is_called FROM s),
        (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_proc),
        (SELECT count(*) FROM pg_largeobject_metadata),
        (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'),
        (SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings
          WHERE source NOT IN ('default', 'session', 'client', 'override')))";
    let rows: String = client.query_one(sql, &[]).unwrap().get(0);
    format!(
        "{rows} files: {}",
        devpg_testing::server::data_directory_files()
    )
}

fn run(project: &Project, connection: &str, sql: &str) -> devpg_testing::cmd::Output {
    project
        .cmd(PG_QUERY)
        .args(["-c", connection, "-"])
        .stdin(sql.to_string())
        .run()
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn the_catalog_refuses_volatile_functions_the_tables_do_not_know() {
    let server = TestServer::from_env();
    let database = database(&server, "catalog");
    let project = project(&server, &database);
    let before = state(&server, &database);
    for (sql, what) in [
        ("SELECT notify_me()", "notify_me"),
        (
            "SELECT * FROM t WHERE a = (SELECT 1 FROM notify_me())",
            "notify_me",
        ),
        ("SELECT a FROM t ORDER BY notify_me()", "notify_me"),
        ("SELECT a FROM t GROUP BY a, notify_me()", "notify_me"),
        (
            "SELECT row_number() OVER (ORDER BY notify_me()) FROM t",
            "notify_me",
        ),
        (
            "WITH x AS (SELECT notify_me()) SELECT * FROM x",
            "notify_me",
        ),
        ("SELECT public.random(1)", "public.random"),
        ("SELECT random(1)", "public.random"),
        ("SELECT 1 === 1", "evil_eq"),
        ("SELECT x.touch FROM t x", "touch"),
        ("SELECT (x).touch FROM t x", "touch"),
        ("SELECT a FROM t WHERE a === 1", "evil_eq"),
        ("SELECT 1::feeling", "to_feeling"),
        ("SELECT CAST(a AS feeling) FROM t", "to_feeling"),
    ] {
        for connection in ["ro", "dml"] {
            let out = run(&project, connection, sql);
            assert_eq!(out.code, Some(1), "{connection}: {sql}\n{out:#?}");
            assert!(
                out.stderr.contains("[volatile-function]") && out.stderr.contains(what),
                "{connection}: {sql}\n{out:#?}"
            );
        }
    }
    assert_eq!(
        before,
        state(&server, &database),
        "a refused call changed the server"
    );
    let outcomes: Vec<serde_json::Value> = project
        .log()
        .into_iter()
        .filter(|r| r["kind"] == "outcome")
        .collect();
    assert!(!outcomes.is_empty());
    assert!(
        outcomes.iter().all(|r| r["outcome"] == "blocked"
            && r["error"]
                .as_str()
                .is_some_and(|e| e.contains("[volatile-function]"))),
        "{outcomes:#?}"
    );
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn reads_stable_functions_and_effect_free_volatile_ones_run() {
    let server = TestServer::from_env();
    let database = database(&server, "catalog_ok");
    let project = project(&server, &database);
    for sql in [
        "SELECT 1",
        "SELECT peek(), lower('A'), now()",
        "SELECT random(), clock_timestamp(), timeofday(), gen_random_uuid(), uuid_generate_v4()",
        "SELECT pg_database_size(current_database()), pg_relation_size('t')",
        "SELECT count(*) FROM pg_lock_status()",
        "SELECT a::text, 'calm'::feeling, '1'::int FROM t WHERE a = 1",
        "SELECT t.a FROM t",
        "SELECT j.pg_notify FROM (SELECT 'x' AS pg_notify) j",
        "SELECT * FROM pg_get_replication_slots()",
        "EXPLAIN (ANALYZE true, ANALYZE false) UPDATE t SET a = 1",
        "EXPLAIN SELECT notify_me()",
    ] {
        let out = run(&project, "ro", sql);
        assert_eq!(out.code, Some(0), "{sql}\n{out:#?}");
    }
    for sql in ["SELECT nextval('s')", "SELECT setval('s', 5)"] {
        let out = run(&project, "dml", sql);
        assert_eq!(out.code, Some(0), "changes only data: {sql}\n{out:#?}");
    }
    for sql in ["SELECT notify_me()", "SELECT 1 === 1"] {
        let out = run(&project, "ro_allow", sql);
        assert_eq!(out.code, Some(0), "allow_functions: {sql}\n{out:#?}");
    }
    let out = run(&project, "ro_allow", "SELECT public.random(1)");
    assert_eq!(out.code, Some(1), "not on allow_functions\n{out:#?}");
}

/// The cases of issue 13, through pg-query on read-only and dml connections:
/// refused, and nothing on the server changes.
#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn the_issue_13_escapes_are_refused_and_change_nothing() {
    let server = TestServer::from_env();
    let database = database(&server, "issue13");
    let project = project(&server, &database);
    let before = state(&server, &database);
    for sql in [
        "SELECT * FROM crosstab('SELECT c, c, c FROM t, LATERAL (SELECT pg_cancel_backend(0)::text AS c) x') AS ct(a text, b text)",
        "SELECT * FROM crosstab2('SELECT ''a'', ''b'', pg_sleep(1)::text')",
        "SELECT * FROM connectby('t; SELECT pg_sleep(1)', 'a', 'b', '1', 0) AS x(a int, b int, level int)",
        "SELECT * FROM xpath_table('id', 'doc', 'xml_docs, pg_sleep(1)', '/a', 'true') AS x(id int, a text)",
        "SELECT heap_force_kill('t'::regclass, ARRAY['(0,1)']::tid[])",
        "SELECT heap_force_freeze('t'::regclass, ARRAY['(0,2)']::tid[])",
        "SELECT autoprewarm_dump_now()",
        "SELECT autoprewarm_start_worker()",
        "SELECT pg_prewarm('t')",
        "SELECT pg_read_file_old('postgresql.conf', 0, 100)",
        "SELECT pg_rotate_logfile_old()",
        "SHOW promote_trigger_file",
        "UPDATE pg_settings SET setting = '1MB' WHERE name = 'work_mem'",
    ] {
        for connection in ["ro", "dml"] {
            let out = run(&project, connection, sql);
            assert_eq!(out.code, Some(1), "{connection}: {sql}\n{out:#?}");
        }
    }
    for sql in [
        "UPDATE t SET a = 0 WHERE 1 = 1 OR a = 5",
        "DELETE FROM t WHERE true OR a = 1",
        "DELETE FROM t WHERE EXISTS (SELECT 1 FROM users)",
        "DELETE FROM t WHERE (SELECT true)",
        "MERGE INTO t USING (SELECT 1 AS a) s ON true WHEN MATCHED THEN DELETE",
    ] {
        let out = run(&project, "dml", sql);
        assert_eq!(out.code, Some(2), "needs --confirm: {sql}\n{out:#?}");
    }
    assert_eq!(
        before,
        state(&server, &database),
        "a refused statement changed the server"
    );
}

/// A new PostgreSQL or extension version with an unclassified volatile
/// function fails here (the corpus test checks the list generated from 15).
#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn every_volatile_function_of_the_running_server_is_classified() {
    let server = TestServer::from_env();
    let database = database(&server, "volatile");
    let mut client = server.connect(&database);
    let names: Vec<String> = client
        .query(
            "SELECT DISTINCT p.proname::text FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.provolatile = 'v'
               AND (n.nspname = 'pg_catalog' OR EXISTS (
                   SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                     AND d.objid = p.oid AND d.refclassid = 'pg_extension'::regclass
                     AND d.deptype = 'e'))
             ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        names.len() > 300,
        "only {} volatile functions: extensions missing?",
        names.len()
    );
    let unclassified: Vec<&String> = names
        .iter()
        .filter(|n| side_effect(n, None).is_none() && !effect_free_volatile(n))
        .collect();
    assert!(
        unclassified.is_empty(),
        "unclassified volatile functions: {unclassified:?}"
    );
}

/// A VOLATILE implicit or assignment cast runs with no cast in the text (to
/// an INSERT's column, to a function's argument): any call or write on a
/// database that has one is refused.
#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn a_volatile_assignment_cast_is_refused_without_a_cast_in_the_text() {
    let server = TestServer::from_env();
    let database = server.fixture_database("implicit_cast");
    let mut client = server.connect(&database);
    client
        .batch_execute(
            "CREATE TYPE level AS ENUM ('low');
             CREATE FUNCTION to_level(int) RETURNS level LANGUAGE sql
                 AS $$SELECT 'low'::level FROM pg_notify('c', 'x')$$;
             CREATE CAST (int AS level) WITH FUNCTION to_level(int) AS ASSIGNMENT;
             CREATE TABLE levels (l level);",
        )
        .unwrap();
    let project = project(&server, &database);
    let before = state(&server, &database);
    let out = run(&project, "dml", "INSERT INTO levels VALUES (1)");
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stderr.contains("to_level"), "{out:#?}");
    assert_eq!(before, state(&server, &database));
    let out = run(&project, "ro", "SELECT 1");
    assert_eq!(out.code, Some(0), "no call, no write: {out:#?}");
}
