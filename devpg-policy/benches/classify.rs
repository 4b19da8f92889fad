//! Classification throughput: a ≥100 KB file of mixed statements, parse
//! included, on one thread. Target: ≥ 20,000 statements/s.
//! Run: `cargo bench -p devpg-policy --bench classify`.
use devpg_policy::sql::classify;
use devpg_policy::Mode;
use std::time::Instant;

const MIX: &[&str] = &[
    "SELECT id, name, email FROM users WHERE created_at > now() - interval '7 days' ORDER BY id LIMIT 50",
    "SELECT u.id, count(o.id) AS orders FROM users u LEFT JOIN orders o ON o.user_id = u.id GROUP BY u.id HAVING count(o.id) > 3",
    "WITH recent AS (SELECT * FROM events WHERE ts > now() - interval '1 hour') SELECT kind, count(*) FROM recent GROUP BY kind",
    "UPDATE accounts SET balance = balance - 10 WHERE id = 42",
    "INSERT INTO audit (actor, action, payload) VALUES ('agent', 'read', '{\"a\": [1, 2, 3]}'::jsonb)",
    "DELETE FROM sessions WHERE expires_at < now()",
    "SELECT data->>'name' AS name, data #> '{tags,0}' FROM documents WHERE data @> '{\"active\": true}'",
    "SELECT id, rank() OVER (PARTITION BY team ORDER BY score DESC) FROM players",
    "EXPLAIN SELECT * FROM orders o JOIN items i ON i.order_id = o.id WHERE o.status = 'open'",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status)",
    "ALTER TABLE users ADD COLUMN last_seen timestamptz",
    "SELECT set_config('search_path', 'public', false)",
    "SHOW statement_timeout",
    "SELECT * FROM generate_series(1, 10) g, LATERAL (SELECT g * 2 AS twice) t",
    "DO $$BEGIN UPDATE t SET a = 1 WHERE b = 2; END$$",
    "SELECT 'DELETE FROM users; DROP TABLE x' AS harmless, E'\\'quoted\\'', $tag$ UPDATE $tag$",
    "DELETE FROM t WHERE (1 = 1 OR id = 5) AND EXISTS (SELECT 1 FROM t2 WHERE t2.id = t.id)",
    "SELECT j.pg_notify, x.id FROM (SELECT 'x' AS pg_notify) j, users x WHERE x.id::text = '1'",
];

fn main() {
    let mut file = String::new();
    let mut count = 0usize;
    while file.len() < 128 * 1024 {
        for sql in MIX {
            file.push_str(sql);
            file.push_str(";\n");
            count += 1;
        }
    }
    let mut best = f64::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let analysis = classify(&file, Mode::ReadOnly);
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(analysis.statements.len(), count);
        best = best.min(seconds);
    }
    let rate = count as f64 / best;
    let ratio = rate / 20_000.0;
    println!(
        "classify: {} statements in {} KB: {:.1} ms, {:.0} statements/s = {ratio:.2}x the target of 20000/s ({})",
        count,
        file.len() / 1024,
        best * 1000.0,
        rate,
        if ratio >= 1.0 { "met" } else { "MISSED" }
    );
}
