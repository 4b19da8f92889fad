# Counterparts of always-true-conditions.sql: constants next to a condition
# that really refers to the row, so the statement changes only some rows.
# Each case was run on the fixture (tests/fixtures/schema.sql, with rows in t2)
# inside BEGIN ... ROLLBACK and left some rows of its target unchanged.
UPDATE users SET score = -1 WHERE id = 5
UPDATE users SET score = -1 WHERE 1 = 1 AND id = 5
UPDATE users SET score = -1 WHERE id = 5 AND 1 = 1
DELETE FROM t WHERE true AND a = 5
DELETE FROM t WHERE a = 5 AND true
DELETE FROM t WHERE false OR a = 5
DELETE FROM t WHERE a = 5 OR false
DELETE FROM t WHERE a = 5 OR NULL
DELETE FROM t WHERE a = 5 AND NOT false
DELETE FROM t WHERE NOT (a = 5)
DELETE FROM t WHERE NOT (a <> 5 OR false)
DELETE FROM t WHERE a = 1 OR true AND b = 4
DELETE FROM t WHERE (a = 1 OR true) AND b = 4
DELETE FROM t WHERE 'a' = 'a' AND a = 3
DELETE FROM t WHERE a = 3 AND 'a' = 'a'
UPDATE t SET a = -1 WHERE (1 = 1) AND (a > 8)
# CASE and COALESCE that still depend on the row.
DELETE FROM t WHERE CASE WHEN a = 5 THEN true ELSE false END
DELETE FROM t WHERE CASE WHEN true THEN a = 5 END
DELETE FROM t WHERE CASE WHEN false THEN true ELSE a = 5 END
DELETE FROM t WHERE COALESCE(NULL, a = 5)
DELETE FROM t WHERE COALESCE(a, 0) = 5
DELETE FROM t WHERE COALESCE(NULL::boolean, a > 8)
# Subqueries that refer to the target row.
DELETE FROM t WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a = t.a)
DELETE FROM t WHERE EXISTS (SELECT 1 FROM t2 x WHERE x.a = t.a)
DELETE FROM t AS tt WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a = tt.a)
DELETE FROM t WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.a = t.a)
DELETE FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.status = 'open' AND o.total > 50)
UPDATE users SET score = -1 WHERE EXISTS (SELECT 1 FROM orders WHERE orders.user_id = users.id AND orders.total > 50)
DELETE FROM t WHERE (SELECT t.a = 5)
DELETE FROM t WHERE (SELECT true) AND a = 5
DELETE FROM t WHERE EXISTS (SELECT 1 FROM t2) AND a = 5
DELETE FROM t WHERE a IN (SELECT a FROM t2)
DELETE FROM t WHERE a = (SELECT max(a) FROM t2)
DELETE FROM t WHERE a > (SELECT count(*) FROM orders) - 35
# Joins whose condition refers to the target.
DELETE FROM t USING t2 WHERE t2.a = t.a
UPDATE t SET b = -1 FROM t2 WHERE t2.a = t.a AND true
# MERGE that matches on the target's columns, or whose action has its own filter.
MERGE INTO t USING t2 ON t.a = t2.a WHEN MATCHED THEN DELETE
MERGE INTO t USING t2 s ON t.a = s.a WHEN MATCHED THEN UPDATE SET b = -1
MERGE INTO t USING (SELECT 1 AS x) s ON t.a = s.x WHEN MATCHED THEN DELETE
MERGE INTO t USING (SELECT 1 AS x) s ON true AND t.a = s.x WHEN MATCHED THEN DELETE
MERGE INTO t USING (SELECT 1 AS x) s ON true WHEN MATCHED AND t.a = 5 THEN DELETE
MERGE INTO accounts a USING (SELECT 1 AS x) s ON true WHEN MATCHED AND a.balance > 300 THEN UPDATE SET balance = -1
MERGE INTO t USING (SELECT 1 AS x) s ON true WHEN MATCHED THEN DO NOTHING
MERGE INTO t USING (SELECT 100 AS x) s ON t.a = s.x WHEN NOT MATCHED THEN INSERT VALUES (s.x)
# Where it will execute inside another statement.
WITH d AS (DELETE FROM t WHERE 1 = 1 AND a = 5 RETURNING *) SELECT count(*) FROM d
WITH u AS (UPDATE t SET a = -1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a = t.a) RETURNING a) SELECT count(*) FROM u
EXPLAIN ANALYZE DELETE FROM t WHERE 1 = 1 AND a = 5
EXPLAIN (ANALYZE false, ANALYZE true) UPDATE t SET b = -1 WHERE a = 2
EXPLAIN (ANALYZE off, VERBOSE, ANALYZE on) DELETE FROM t WHERE a = 3
