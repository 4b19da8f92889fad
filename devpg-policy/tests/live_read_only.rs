#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The allow-list never disagrees with the server: every statement the corpus
//! allows on a read-only connection runs inside BEGIN READ ONLY on a real
//! PostgreSQL, sent one statement at a time over the extended protocol.
use devpg_policy::sql::classify;
use devpg_policy::Mode;
use devpg_testing::corpus::sql_corpus;
use devpg_testing::server::TestServer;

#[test]
#[ignore = "needs the PostgreSQL server that scripts/test.sh starts"]
fn every_allowed_read_runs_inside_a_read_only_transaction() {
    let server = TestServer::from_env();
    let database = server.fixture_database("allowed_reads");
    let mut client = server.connect(&database);
    let before = fingerprint(&mut client);
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in sql_corpus() {
        if case.expected_for(Mode::ReadOnly) != "allowed" {
            continue;
        }
        let analysis = classify(&case.sql, Mode::ReadOnly);
        let mut transaction = client
            .build_transaction()
            .read_only(true)
            .start()
            .unwrap_or_else(|e| panic!("BEGIN READ ONLY failed: {e}"));
        for statement in &analysis.statements {
            let text = statement.text(&case.sql);
            if let Err(error) = transaction.query(text, &[]) {
                failures.push(format!(
                    "{}:{}: {text}\n    {error:?}",
                    case.file.display(),
                    case.line
                ));
                break;
            }
        }
        ran += 1;
        transaction
            .rollback()
            .unwrap_or_else(|e| panic!("ROLLBACK failed: {e}"));
    }
    assert!(ran >= 150, "only {ran} allowed reads ran");
    assert!(
        failures.is_empty(),
        "{} allowed reads failed on the server:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        before,
        fingerprint(&mut client),
        "an allowed read changed the database"
    );
}

/// Row counts, sequence state and settings that an allowed read must not change.
fn fingerprint(client: &mut postgres::Client) -> String {
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM users)::text || '/' || (SELECT count(*) FROM orders)::text
                 || '/' || (SELECT count(*) FROM t)::text || '/' || (SELECT last_value FROM s)::text
                 || '/' || (SELECT count(*) FROM pg_class)::text",
            &[],
        )
        .unwrap_or_else(|e| panic!("fingerprint failed: {e}"));
    row.get(0)
}
