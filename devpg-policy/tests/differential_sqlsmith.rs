#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The differential keeps running (issue 13): SQLsmith (Debian's `sqlsmith`)
//! generates statements against the test database; every one the classifier
//! allows on a read-only connection runs as the tables' owner (a superuser)
//! in `BEGIN READ ONLY … ROLLBACK` and must change nothing: catalog, data,
//! sequences, large objects, server settings, files in the data directory.
//!
//! Bounded for CI (300 statements, under a minute); more on demand:
//! `DEV_POSTGRES_SQLSMITH_QUERIES=5000 DEV_POSTGRES_SQLSMITH_SECONDS=600
//! DEV_POSTGRES_SQLSMITH_SEED=7 cargo test -p devpg-policy --test
//! differential_sqlsmith -- --include-ignored`.
use devpg_policy::sql::classify;
use devpg_policy::Mode;
use devpg_testing::server::TestServer;
use std::time::{Duration, Instant};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts and Debian's sqlsmith"]
fn what_the_classifier_allows_of_sqlsmith_changes_nothing() {
    let queries = setting("DEV_POSTGRES_SQLSMITH_QUERIES", 300);
    let budget = Duration::from_secs(setting("DEV_POSTGRES_SQLSMITH_SECONDS", 40));
    let seed = setting(
        "DEV_POSTGRES_SQLSMITH_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs() % 100_000),
    );
    let server = TestServer::from_env();
    // Contrib extensions widen what SQLsmith calls (dblink, adminpack, …).
    let database = server.database_with_every_extension("sqlsmith");
    let mut client = server.connect(&database);
    client
        .batch_execute("INSERT INTO t SELECT g, g, 'row ' || g FROM generate_series(1, 20) g")
        .unwrap();

    let output = std::process::Command::new("sqlsmith")
        .arg(format!(
            "--target=host={} port={} user={} dbname={database}",
            server.host, server.port, server.user
        ))
        .arg("--dry-run")
        .arg(format!("--max-queries={queries}"))
        .arg(format!("--seed={seed}"))
        .env("PGPASSWORD", &server.password)
        .output()
        .unwrap_or_else(|e| panic!("cannot run sqlsmith (apt-get install sqlsmith): {e}"));
    assert!(
        output.status.success(),
        "sqlsmith failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let generated = String::from_utf8_lossy(&output.stdout).into_owned();
    // One statement per `;` at a line's end: one that does not parse is
    // blocked on its own and does not hide the others.
    let statements: Vec<&str> = generated
        .split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    assert!(
        statements.len() as u64 >= queries / 2,
        "seed {seed}: only {} statements in sqlsmith's output",
        statements.len()
    );

    let started = Instant::now();
    let before = state(&mut client);
    let (mut allowed, mut ran, mut failed) = (0, 0, 0);
    for text in &statements {
        if classify(text, Mode::ReadOnly).verdict() != devpg_policy::sql::Verdict::Allowed {
            continue;
        }
        allowed += 1;
        if started.elapsed() > budget {
            continue;
        }
        client
            .batch_execute("BEGIN READ ONLY; SET LOCAL statement_timeout = '500ms'")
            .unwrap();
        if client.batch_execute(text).is_err() {
            failed += 1;
        }
        client.batch_execute("ROLLBACK").unwrap();
        ran += 1;
        let after = state(&mut client);
        assert_eq!(
            before, after,
            "seed {seed}: an allowed statement changed the server:\n{text}"
        );
    }
    eprintln!(
        "sqlsmith seed {seed}: {} generated, {allowed} allowed, {ran} ran ({failed} failed on the server) in {:.1}s",
        statements.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(ran >= 20, "seed {seed}: only {ran} allowed statements ran");
}

/// What an allowed read must not change.
fn state(client: &mut postgres::Client) -> String {
    let sql = "SELECT concat_ws(' | ',
        (SELECT md5(string_agg(oid::text || relname || relkind::text || relfilenode::text, ',' ORDER BY oid)) FROM pg_class),
        (SELECT md5(string_agg(oid::text || proname, ',' ORDER BY oid)) FROM pg_proc),
        (SELECT md5(string_agg(oid::text || typname, ',' ORDER BY oid)) FROM pg_type),
        (SELECT md5(string_agg(oid::text || nspname, ',' ORDER BY oid)) FROM pg_namespace),
        (SELECT md5(string_agg(oid::text || rolname, ',' ORDER BY oid)) FROM pg_authid),
        (SELECT count(*) FROM pg_db_role_setting), (SELECT count(*) FROM pg_largeobject_metadata),
        (SELECT count(*) FROM pg_extension), (SELECT count(*) FROM pg_replication_slots),
        (SELECT count(*) FROM pg_prepared_xacts),
        (SELECT string_agg(schemaname || '.' || sequencename || '=' || coalesce(last_value::text, '-'), ',' ORDER BY 1) FROM pg_sequences),
        (SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM users r),
        (SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM orders r),
        (SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM t r),
        (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'),
        (SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings
          WHERE source NOT IN ('default', 'session', 'client', 'override')))";
    let rows: String = client.query_one(sql, &[]).unwrap().get(0);
    format!(
        "{rows} | files: {}",
        devpg_testing::server::data_directory_files()
    )
}
