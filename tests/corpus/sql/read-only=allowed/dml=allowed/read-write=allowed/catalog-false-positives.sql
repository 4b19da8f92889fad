# Reads that look like writes to a classifier that reads names, not meaning.
# Every case runs on the fixture (tests/fixtures/schema.sql) inside BEGIN READ ONLY.
# EXPLAIN options: PostgreSQL takes the last value, so ANALYZE ends up off and
# nothing executes.
EXPLAIN (ANALYZE true, ANALYZE false) UPDATE t SET a = 1
EXPLAIN (ANALYZE, ANALYZE false) DELETE FROM users
EXPLAIN (ANALYZE on, ANALYZE off) DELETE FROM t
EXPLAIN (ANALYZE 1, ANALYZE 0) UPDATE users SET score = 0
EXPLAIN (ANALYSE true, ANALYZE false) DELETE FROM t
EXPLAIN (ANALYZE true, ANALYSE false) DELETE FROM t
EXPLAIN (ANALYZE TRUE, VERBOSE, ANALYZE FALSE) INSERT INTO t VALUES (1)
EXPLAIN (ANALYZE true, FORMAT JSON, ANALYZE false) DELETE FROM t
EXPLAIN (ANALYZE 'true', ANALYZE 'false') DELETE FROM t
EXPLAIN (ANALYZE "true", ANALYZE "false") DELETE FROM t
EXPLAIN (ANALYZE true, BUFFERS false, ANALYZE off) DELETE FROM t WHERE true OR a = 5
explain (analyze on, analyze off) update t set a = 1
EXPLAIN (ANALYZE, ANALYZE off) MERGE INTO t USING t2 ON true WHEN MATCHED THEN DELETE
EXPLAIN (ANALYZE true, ANALYZE false) WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d
EXPLAIN (ANALYZE true, ANALYZE false) SELECT pg_sleep(10)
EXPLAIN (ANALYZE true, ANALYZE false) UPDATE pg_settings SET setting = '1' WHERE name = 'statement_timeout'
EXPLAIN UPDATE pg_settings SET setting = '1' WHERE name = 'statement_timeout'
EXPLAIN DELETE FROM t WHERE EXISTS (SELECT 1 FROM t2)
EXPLAIN UPDATE t SET a = 1 WHERE 1 = 1 OR a = 5
# Columns named like side-effect functions: a column, not a call.
SELECT j.pg_notify FROM (SELECT 'x' AS pg_notify) j
SELECT (j).pg_notify FROM (SELECT 'x' AS pg_notify) j
SELECT pg_notify FROM (SELECT 'x' AS pg_notify) j
SELECT "pg_notify".pg_notify FROM (SELECT 'x' AS pg_notify) "pg_notify"
SELECT j.set_config FROM (SELECT 1 AS set_config) j
SELECT s.pg_sleep FROM (SELECT 10 AS pg_sleep) s
SELECT v.dblink_exec FROM (VALUES ('x')) AS v(dblink_exec)
WITH c(pg_terminate_backend) AS (SELECT 1) SELECT c.pg_terminate_backend FROM c
SELECT lo_unlink FROM (SELECT 1 AS lo_unlink) s WHERE lo_unlink > 0
SELECT x.pg_read_file FROM (SELECT 'a' AS pg_read_file) x ORDER BY x.pg_read_file
SELECT r.crosstab, r.heap_force_kill, r.pg_prewarm FROM (SELECT 1 AS crosstab, 2 AS heap_force_kill, 3 AS pg_prewarm) r
SELECT count(*) FROM (SELECT 1 AS pg_advisory_lock) a GROUP BY a.pg_advisory_lock
SELECT q.pg_cancel_backend FROM (SELECT 1) AS q(pg_cancel_backend)
SELECT w.query_to_xml FROM (SELECT 'SELECT 1' AS query_to_xml) w
SELECT (SELECT z.pg_notify FROM (SELECT 'y' AS pg_notify) z) AS n
SELECT id FROM users u JOIN (SELECT 1 AS pg_sleep) p ON p.pg_sleep = u.id
# Catalog functions that only read, though their names share a prefix with
# side-effect functions.
SELECT * FROM pg_get_replication_slots()
SELECT slot_name, active FROM pg_catalog.pg_get_replication_slots()
SELECT count(*) FROM pg_get_replication_slots() WHERE NOT active
SELECT * FROM pg_replication_slots
SELECT * FROM pg_stat_get_replication_slot('no_such_slot')
SELECT * FROM pg_stat_replication_slots
SELECT ts_rewrite('a & b'::tsquery, 'a'::tsquery, 'c'::tsquery)
SELECT ts_rewrite(to_tsquery('simple', 'a'), to_tsquery('simple', 'a'), to_tsquery('simple', 'b'))
# Volatile functions without effects: their result varies, nothing changes.
SELECT random()
SELECT random() < 2 FROM users
SELECT id FROM users ORDER BY random() LIMIT 3
SELECT gen_random_uuid()
SELECT clock_timestamp(), timeofday()
SELECT * FROM users TABLESAMPLE BERNOULLI (50) REPEATABLE (1)
SELECT pg_is_in_recovery()
SELECT pg_database_size(current_database()) > 0
SELECT pg_table_size('users'), pg_indexes_size('users')
SELECT pg_stat_get_xact_numscans('users'::regclass)
SELECT count(*) >= 0 FROM pg_lock_status()
SELECT pg_blocking_pids(pg_backend_pid())
SELECT pg_notification_queue_usage()
SELECT pg_jit_available()
SELECT * FROM pg_partition_tree('users')
SELECT * FROM pg_partition_ancestors('users')
SELECT pg_xact_status(pg_current_xact_id_if_assigned())
SELECT pg_sequence_last_value('s')
SELECT pg_current_wal_insert_lsn(), pg_current_wal_flush_lsn()
SELECT pg_collation_actual_version(oid) FROM pg_collation WHERE collname = 'C'
