# Plain reads, SHOW of ordinary settings, and EXPLAIN (nothing executes
# without ANALYZE: agents plan DML and migrations this way).
SELECT 1
SELECT id, name FROM users WHERE id = 1
SELECT count(*) FROM orders
SELECT * FROM users LIMIT 5
SELECT lo_get(0) IS NULL WHERE false
SELECT 1 WHERE false AND lo_get(0, 0, 1) IS NULL
SHOW statement_timeout
SHOW search_path
SHOW TIME ZONE
SHOW transaction_read_only
SHOW server_version
SHOW work_mem
show DateStyle
SHOW "work_mem"
SHOW TRANSACTION ISOLATION LEVEL
EXPLAIN SELECT * FROM users
EXPLAIN (FORMAT JSON) SELECT * FROM orders WHERE status = 'open'
EXPLAIN (COSTS OFF, VERBOSE) SELECT id FROM users
EXPLAIN ANALYZE SELECT * FROM users
EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM orders
EXPLAIN (ANALYZE true, FORMAT YAML) SELECT 1
explain analyze verbose select id from users where id = 3
EXPLAIN (ANALYZE false) DELETE FROM users
EXPLAIN (ANALYZE off) UPDATE users SET name = 'x'
EXPLAIN (ANALYZE 0) INSERT INTO t VALUES (1, 2, 'c')
EXPLAIN DELETE FROM users
EXPLAIN DELETE FROM users WHERE id = 1
EXPLAIN UPDATE users SET score = 0
EXPLAIN INSERT INTO t SELECT * FROM t2
EXPLAIN INSERT INTO t VALUES (1, 2, 'x') RETURNING *
EXPLAIN MERGE INTO t USING t2 ON t.a = t2.a WHEN MATCHED THEN UPDATE SET b = t2.b WHEN NOT MATCHED THEN INSERT VALUES (t2.a, t2.b, t2.c)
EXPLAIN WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d
EXPLAIN SELECT * INTO new_table FROM users
EXPLAIN CREATE TABLE copy_of_users AS SELECT * FROM users
EXPLAIN SELECT * FROM users FOR UPDATE
EXPLAIN SELECT nextval('s')
EXPLAIN SELECT pg_sleep(1)
EXPLAIN (VERBOSE) SELECT set_config('a.b', 'c', false)
