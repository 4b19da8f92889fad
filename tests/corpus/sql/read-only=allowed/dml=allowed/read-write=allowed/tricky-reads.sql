# Reads that regex classifiers get wrong. Every case must run on the fixture
# (tests/fixtures/schema.sql) inside BEGIN READ ONLY.
# Write keywords inside string literals.
SELECT 'DELETE FROM users' AS s
SELECT 'drop table users; --' AS s
SELECT 'INSERT INTO t VALUES (1)' AS q, 'UPDATE t SET a = 1' AS r
SELECT 'TRUNCATE users CASCADE'
SELECT name FROM users WHERE name = 'DROP DATABASE prod'
SELECT name FROM users WHERE email LIKE '%delete%'
SELECT count(*) FROM users WHERE status <> 'deleted'
SELECT 'GRANT ALL ON users TO public' AS note
SELECT 'alter system set fsync = off' AS note
SELECT 'COPY users TO PROGRAM ''rm -rf /''' AS note
SELECT 'set_config(''a'', ''b'', false)' AS not_a_call
SELECT 'pg_sleep(100)' AS text_only
SELECT 'nextval(''s'')' AS text_only
SELECT 'it''s a DELETE' AS s
SELECT ';DELETE FROM t;' AS s
SELECT 'COMMIT; DROP SCHEMA public CASCADE' AS s
SELECT '/* UPDATE */' AS s
SELECT '-- DELETE' AS s
SELECT 'BEGIN READ WRITE' AS s
SELECT 'lo_import' AS fn, 'dblink_exec' AS fn2
# E'' literals with escapes.
SELECT E'DELETE\nFROM users' AS s
SELECT E'it\'s an UPDATE' AS s
SELECT E'\\''; DROP TABLE t; --' AS s
SELECT E'\x44ELETE' AS s
SELECT E'tab\there; INSERT' AS s
SELECT e'lower e DROP' AS s
SELECT U&'d\0061t\+000061 DELETE' AS s
<<<
SELECT 'multi'
  'line UPDATE continuation' AS s
>>>
# Dollar-quoted literals.
SELECT $$DELETE FROM users$$ AS s
SELECT $$'$$ AS quote_in_dollar
SELECT $$'$$ || 'DROP TABLE users -- ' AS desync
SELECT $tag$ UPDATE t SET a = 1; $tag$ AS s
SELECT $a$ $b$ DROP $b$ $a$ AS nested_tags
SELECT $$;$$ AS semicolon
SELECT $_$ TRUNCATE $_$ AS s
SELECT $x1$ COMMIT $x1$ AS s
<<<
SELECT length($$
DELETE FROM users;
DROP TABLE users;
$$) AS n
>>>
# Quoted identifiers named like keywords or write functions.
SELECT "delete" FROM users
SELECT "drop", "delete" FROM users WHERE "delete" IS NULL
SELECT u."delete" AS "update" FROM users u
SELECT "Select", "from" FROM "Mixed Case"
SELECT "drop table" FROM "Mixed Case"
SELECT id AS "insert" FROM users
SELECT id AS "set_config" FROM users
SELECT id AS "pg_sleep", name AS "nextval" FROM users
SELECT 1 AS "TRUNCATE"
SELECT "Select" AS "DO" FROM users
SELECT * FROM (SELECT 1 AS "commit") AS "rollback"
# Columns and tables whose names contain keywords.
SELECT updated_at FROM users
SELECT id, created_at, updated_at, deleted_at FROM users WHERE updated_at IS NULL
SELECT updated_by, insert_count, delete_flag, drop_reason FROM update_log
SELECT * FROM update_log
SELECT count(*) FROM users WHERE deleted_at IS NOT NULL
SELECT id FROM orders WHERE updated_at > created_at
SELECT max(updated_at) AS last_update FROM orders
SELECT * FROM active_users WHERE updated_at IS NULL
SELECT status AS update_status FROM orders
# Comments in every place.
/* DELETE FROM users */ SELECT 1
<<<
-- DROP TABLE users
SELECT 1
>>>
SELECT 1 -- ; DELETE FROM users
SELECT /* ; UPDATE t SET a = 1; */ 1
SELECT 1 /* nested /* DROP */ still comment */
<<<
/*
 * a block comment that mentions TRUNCATE users
 */
SELECT id FROM users
>>>
<<<
-- first line: INSERT INTO t
-- second line: DELETE FROM t
SELECT count(*) FROM t
>>>
SELECT id /* , pg_sleep(10) */ FROM users
<<<
SELECT id --, set_config('a','b',false)
  FROM users
>>>
SELECT/**/1
<<<
SELECT--
1
>>>
# JSON, array and other operators.
SELECT data->>'name' FROM users
SELECT data->'tags'->0 FROM users
SELECT data #> '{tags,0}' FROM users
SELECT data #>> '{tags,1}' FROM users
SELECT id FROM users WHERE data @> '{"active": true}'
SELECT id FROM users WHERE data ? 'active'
SELECT id FROM users WHERE data ?| array['active', 'x']
SELECT id FROM users WHERE data ?& array['active']
SELECT data - 'name' FROM users
SELECT data || '{"delete": true}'::jsonb FROM users
SELECT jsonb_path_query(data, '$.tags[*]') FROM users
SELECT id FROM users WHERE data @? '$.active ? (@ == true)'
SELECT tags[1] FROM users
SELECT tags[1:2] FROM users
SELECT id FROM users WHERE tags && ARRAY['x']
SELECT id FROM users WHERE tags @> ARRAY['x', 'y']
SELECT id FROM users WHERE 'x' = ANY (tags)
SELECT array_length(tags, 1) FROM users
SELECT unnest(tags) FROM users
SELECT ARRAY[1, 2] || 3
SELECT '{"a": {"b": "DELETE"}}'::jsonb -> 'a' ->> 'b'
SELECT jsonb_set(data, '{drop}', '"yes"') FROM users
SELECT jsonb_agg(t) FROM t
SELECT row_to_json(u) FROM users u
SELECT to_jsonb(o) - 'notes' FROM orders o
SELECT body FROM documents WHERE tsv @@ to_tsquery('english', 'body')
SELECT 5 # 3 AS xor, 2 ^ 3 AS pow, |/ 16 AS root, @ -5 AS abs
SELECT 'abc' ~ 'b', 'abc' ~* 'B', 'abc' !~ 'z'
SELECT 'delete' ILIKE 'DEL%'
SELECT 1::text, '2'::int, CAST('3' AS numeric)
SELECT '2024-01-01'::date + interval '1 day'
SELECT id::text || ':' || name FROM users
SELECT name FROM users WHERE name SIMILAR TO 'user(1|2)%'
SELECT similarity(name, 'user1') FROM users
SELECT name % 'user1' FROM users
# Window functions.
SELECT id, rank() OVER (PARTITION BY team ORDER BY score DESC) FROM users
SELECT id, row_number() OVER w FROM users WINDOW w AS (ORDER BY id)
SELECT id, sum(total) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM orders
SELECT id, lag(total) OVER (ORDER BY created_at), lead(total) OVER (ORDER BY created_at) FROM orders
SELECT DISTINCT team, first_value(name) OVER (PARTITION BY team ORDER BY score) FROM users
SELECT id, ntile(4) OVER (ORDER BY score) FROM users
SELECT id, percent_rank() OVER (ORDER BY score), cume_dist() OVER (ORDER BY score) FROM users
SELECT id, count(*) FILTER (WHERE status = 'open') OVER () FROM orders
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) FROM orders
SELECT string_agg(name, ', ' ORDER BY name) FROM users
# Recursive and plain CTEs.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT sum(i) FROM n
WITH RECURSIVE chain AS (SELECT id, manager_id FROM users WHERE id = 1 UNION ALL SELECT u.id, u.manager_id FROM users u JOIN chain c ON u.manager_id = c.id) SELECT * FROM chain
WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a) SELECT * FROM b
WITH "delete" AS (SELECT 1 AS x) SELECT * FROM "delete"
WITH updated AS (SELECT id FROM orders WHERE updated_at IS NOT NULL) SELECT count(*) FROM updated
WITH inserted AS MATERIALIZED (SELECT * FROM t) SELECT * FROM inserted
WITH d AS NOT MATERIALIZED (SELECT * FROM users) SELECT id FROM d
WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 5) SEARCH DEPTH FIRST BY n SET ord SELECT * FROM t
WITH x AS (WITH y AS (SELECT 2 AS v) SELECT v FROM y) SELECT v FROM x
# LATERAL, joins and subqueries.
SELECT u.id, o.total FROM users u CROSS JOIN LATERAL (SELECT total FROM orders WHERE user_id = u.id ORDER BY total DESC LIMIT 1) o
SELECT * FROM generate_series(1, 3) g, LATERAL (SELECT g * 2 AS twice) t
SELECT u.name, x.n FROM users u LEFT JOIN LATERAL (SELECT count(*) AS n FROM orders WHERE user_id = u.id) x ON true
SELECT * FROM users u JOIN orders o USING (id)
SELECT * FROM users NATURAL JOIN active_users
SELECT * FROM users u FULL OUTER JOIN orders o ON o.user_id = u.id
SELECT id FROM users WHERE id IN (SELECT user_id FROM orders WHERE status = 'open')
SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id)
SELECT (SELECT count(*) FROM orders) AS n
SELECT * FROM (SELECT * FROM (SELECT id FROM users) a) b
SELECT id FROM users WHERE score > ALL (SELECT score FROM users WHERE team = 'team0')
SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(1, 3)) AS r(a, b)
SELECT * FROM unnest(ARRAY[1, 2], ARRAY['a', 'b']) WITH ORDINALITY AS u(n, s, i)
# Set operations, grouping, ordering.
SELECT id FROM users UNION SELECT user_id FROM orders
SELECT id FROM users INTERSECT SELECT user_id FROM orders
SELECT id FROM users EXCEPT ALL SELECT user_id FROM orders
SELECT team, count(*) FROM users GROUP BY ROLLUP (team)
SELECT team, status, count(*) FROM users GROUP BY GROUPING SETS ((team), (status), ())
SELECT team, status FROM users GROUP BY CUBE (team, status)
SELECT team, count(*) FROM users GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 DESC NULLS LAST
SELECT DISTINCT ON (team) team, name FROM users ORDER BY team, score DESC
SELECT id FROM users ORDER BY id OFFSET 5 ROWS FETCH FIRST 3 ROWS ONLY
SELECT id FROM users ORDER BY score FETCH FIRST 2 ROWS WITH TIES
SELECT id FROM users LIMIT ALL
SELECT * FROM users TABLESAMPLE SYSTEM (50) REPEATABLE (1)
# VALUES and TABLE.
VALUES (1, 'delete'), (2, 'update')
VALUES (1) ORDER BY 1
TABLE users
TABLE t
TABLE analytics.daily
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, s)
# Expressions that look like calls or writes.
SELECT CASE WHEN score > 50 THEN 'update' ELSE 'delete' END FROM users
SELECT coalesce(email, 'none'), nullif(team, ''), greatest(1, 2), least(3, 4) FROM users
SELECT add_one(41)
SELECT public.add_one(1)
SELECT "add_one"(2)
SELECT lower('DELETE'), upper('drop')
SELECT format('DELETE FROM %I', 'users') AS generated_but_not_run
SELECT quote_ident('drop'), quote_literal('x')
SELECT current_setting('statement_timeout')
SELECT current_setting('search_path'), current_user, session_user, current_database()
SELECT now(), clock_timestamp(), statement_timestamp(), current_date
SELECT pg_size_pretty(pg_total_relation_size('users'))
SELECT pg_relation_size('orders'::regclass)
SELECT pg_current_wal_lsn()
SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')
SELECT txid_current_if_assigned()
SELECT pg_backend_pid() > 0
SELECT version()
SELECT has_table_privilege('users', 'SELECT')
SELECT pg_get_viewdef('active_users'::regclass)
SELECT pg_get_functiondef('add_one(int)'::regprocedure)
SELECT 'nextval'::text AS name_of_a_function
SELECT 'pg_sleep'::regproc
SELECT 'set_config(text,text,boolean)'::regprocedure
SELECT nspname FROM pg_namespace WHERE nspname = 'public'
SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'update%'
SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'
SELECT * FROM pg_stat_activity WHERE pid = pg_backend_pid()
SELECT setting FROM pg_settings WHERE name = 'work_mem'
SELECT m FROM moods WHERE m > 'sad'
SELECT enum_range(NULL::mood)
SELECT ROW(1, 'a') = ROW(1, 'a')
SELECT (u).name FROM (SELECT u FROM users u) s
SELECT (u).* FROM (SELECT u FROM users u) s
SELECT u.name FROM users u
SELECT users.name, users.email FROM users
SELECT analytics.daily.visits FROM analytics.daily
SELECT xmlelement(name delete, 'x')
SELECT to_char(now(), 'YYYY-MM-DD')
SELECT regexp_replace('DELETE FROM t', 'DELETE', 'SELECT')
SELECT generate_series(1, 3) AS insert
# Trailing semicolons and several reads.
SELECT 1;
SELECT 1;;
SELECT 1 ; ; ;
SELECT 1; SELECT 2
SELECT id FROM users; SELECT id FROM orders;
  SELECT 1  ;
SELECT 1; -- trailing comment with DROP
# Case and whitespace.
select id from users
SeLeCt Id FrOm UsErS
SELECT	id	FROM	users
<<<
SELECT
  id,
  name
FROM
  users
WHERE
  score > 10
>>>
SELECT * FROM t FOR READ ONLY
SELECT 'BEGIN' AS begin_word, 'END' AS "end"
# EXPLAIN takes the last ANALYZE given: nothing runs.
EXPLAIN (ANALYZE true, ANALYZE false) UPDATE t SET a = 1
EXPLAIN (ANALYZE, ANALYZE off) DELETE FROM t
# A name that is a column of the statement is not a function call.
SELECT j.pg_notify FROM (SELECT 'x' AS pg_notify) j
SELECT (j).pg_sleep FROM (SELECT 1 AS pg_sleep) j
SELECT x.lo_import FROM (VALUES (1)) AS x(lo_import)
WITH c(setval) AS (SELECT 1) SELECT c.setval FROM c
# Catalog functions that only read are not blocked for their prefix.
SELECT * FROM pg_get_replication_slots()
SELECT pg_replication_origin_oid('x')
SELECT * FROM pg_stat_get_replication_slot('s')
# Volatile functions without effects.
SELECT random(), clock_timestamp(), timeofday(), gen_random_uuid()
SELECT pg_database_size(current_database()), pg_relation_size('t')
SELECT * FROM pg_lock_status()
