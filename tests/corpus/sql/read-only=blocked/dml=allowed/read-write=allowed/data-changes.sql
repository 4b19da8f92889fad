# Statements that change rows, each with a WHERE where it needs one: a dml
# connection allows them, a read-only one does not.
INSERT INTO t VALUES (1, 2, 'x')
INSERT INTO t (a, b) SELECT a, b FROM t2
INSERT INTO t VALUES (1, 2, 'x') RETURNING *
INSERT INTO accounts VALUES (9, 0, 0) ON CONFLICT (id) DO UPDATE SET balance = excluded.balance
INSERT INTO accounts VALUES (9, 0, 0) ON CONFLICT DO NOTHING
insert into t default values
/* leading comment */ INSERT INTO t VALUES (3)
<<<
-- leading line comment
UPDATE users SET name = 'x' WHERE id = 1
>>>
UPDATE users SET score = score + 1 WHERE team = 'team1'
UPDATE orders o SET total = 0 FROM users u WHERE u.id = o.user_id AND u.status = 'gone'
UPDATE t SET a = 1 WHERE b IN (SELECT b FROM t2)
Update Users Set Name = 'y' Where Id = 2
UPDATE/**/users/**/SET/**/name='z'/**/WHERE/**/id=3
DELETE FROM users WHERE id = 1
DELETE FROM orders WHERE status = 'done' RETURNING id
DELETE FROM t USING t2 WHERE t.a = t2.a
delete from "users" where "id" = 4
DELETE FROM sessions WHERE expires_at < now()
MERGE INTO t USING t2 ON t.a = t2.a WHEN MATCHED THEN UPDATE SET b = t2.b WHEN NOT MATCHED THEN INSERT VALUES (t2.a, t2.b, t2.c)
MERGE INTO accounts a USING (VALUES (1, 5)) v(id, amt) ON a.id = v.id WHEN MATCHED THEN DELETE
# Data-modifying CTEs (with WHERE), one and two levels down.
WITH d AS (DELETE FROM t WHERE a = 1 RETURNING *) SELECT * FROM d
WITH u AS (UPDATE t SET b = 0 WHERE a = 2 RETURNING a) SELECT count(*) FROM u
WITH i AS (INSERT INTO t VALUES (5) RETURNING a) SELECT * FROM i
with x as (insert into t2 select * from t returning 1) select count(*) from x
WITH outer_cte AS (WITH inner_cte AS (DELETE FROM t WHERE a = 3 RETURNING *) SELECT * FROM inner_cte) SELECT * FROM outer_cte
SELECT * FROM (WITH d AS (DELETE FROM t WHERE a = 4 RETURNING a) SELECT a FROM d) s
WITH m AS (MERGE INTO t USING t2 ON t.a = t2.a WHEN MATCHED THEN DO NOTHING RETURNING t.a) SELECT * FROM m
INSERT INTO t2 SELECT * FROM t WHERE a > 5
# Locking clauses, also one and two levels down.
SELECT * FROM users WHERE id = 1 FOR UPDATE
SELECT * FROM users FOR SHARE
SELECT * FROM users FOR NO KEY UPDATE SKIP LOCKED
SELECT * FROM users FOR KEY SHARE NOWAIT
SELECT * FROM orders o JOIN users u ON u.id = o.user_id FOR UPDATE OF o
SELECT * FROM (SELECT * FROM users FOR UPDATE) s
SELECT * FROM (SELECT * FROM (SELECT * FROM users FOR SHARE) a) b
SELECT id FROM users WHERE id IN (SELECT user_id FROM orders FOR UPDATE)
WITH locked AS (SELECT * FROM t FOR UPDATE) SELECT * FROM locked
select * from users for update
# Functions that only change data (sequences, transaction ids).
SELECT nextval('s')
SELECT setval('s', 42)
SELECT pg_catalog.nextval('s')
SELECT "nextval"('s')
SELECT NEXTVAL('s')
SELECT U&"n\0065xtval"('s')
SELECT * FROM nextval('s')
SELECT id FROM users WHERE id = nextval('s')
WITH n AS (SELECT nextval('s') AS v) SELECT v FROM n
SELECT (SELECT (SELECT setval('s', 1)))
SELECT txid_current()
SELECT pg_current_xact_id()
INSERT INTO t VALUES (nextval('s'))
SELECT ('s'::regclass).nextval
# EXPLAIN ANALYZE runs its statement: allowed where the statement is.
EXPLAIN ANALYZE DELETE FROM t WHERE a = 1
EXPLAIN (ANALYZE) UPDATE t SET b = 1 WHERE a = 2
EXPLAIN (ANALYZE, BUFFERS) INSERT INTO t VALUES (1)
EXPLAIN ANALYZE SELECT * FROM users FOR UPDATE
EXPLAIN ANALYZE SELECT nextval('s')
# A WHERE that refers to the target's row (a column, a parameter, a cursor, a
# correlated subquery) filters.
DELETE FROM t WHERE a IS NOT NULL
UPDATE t SET a = 1 WHERE a = a
DELETE FROM t WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.id = t.id)
UPDATE t SET a = 2 WHERE b IN (SELECT b FROM t2 WHERE false)
UPDATE t SET a = 1 WHERE 1 = 1 AND id = 5
DELETE FROM t WHERE id = 5 AND true
DELETE FROM t WHERE false OR id = 5
DELETE FROM t AS x WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.id = x.id)
UPDATE t SET a = 1 WHERE CASE WHEN id = 5 THEN true ELSE false END
DELETE FROM t WHERE COALESCE(id = 5, false)
DELETE FROM t WHERE NOT (id = 5)
UPDATE t SET a = 1 WHERE t.id IN (SELECT id FROM t2)
MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE
MERGE INTO t USING s ON true WHEN MATCHED AND t.a > 1 THEN DELETE
MERGE INTO t USING s ON true WHEN NOT MATCHED THEN INSERT VALUES (1)
MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1
# A column named like a side-effect function is a column.
UPDATE t SET pg_notify = 1 WHERE id = 1
# UPDATE of a table that is not pg_settings.
UPDATE app.pg_settings_copy SET setting = 'x' WHERE name = 'a'
# EXPLAIN takes the last ANALYZE given.
EXPLAIN (ANALYZE false, ANALYZE true) UPDATE t SET a = 1 WHERE id = 1
