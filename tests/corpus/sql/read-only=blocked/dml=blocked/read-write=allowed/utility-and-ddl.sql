# Statement classes only a read-write connection allows (none destructive).
# Schema changes.
CREATE TABLE new_table (id int)
CREATE TEMP TABLE scratch (id int)
CREATE TEMPORARY TABLE scratch2 AS SELECT 1
CREATE UNLOGGED TABLE u (id int)
CREATE TABLE IF NOT EXISTS t (a int)
CREATE TABLE copy_of_users AS SELECT * FROM users
CREATE TABLE IF NOT EXISTS x AS TABLE t
CREATE INDEX users_name_idx ON users (name)
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status)
CREATE UNIQUE INDEX ON t (a)
CREATE VIEW v AS SELECT * FROM users
CREATE OR REPLACE VIEW v AS SELECT id FROM users
CREATE MATERIALIZED VIEW mv AS SELECT * FROM orders
CREATE SCHEMA reporting
CREATE SEQUENCE s2
CREATE TYPE color AS ENUM ('red', 'green')
CREATE DOMAIN posint AS int CHECK (VALUE > 0)
CREATE EXTENSION IF NOT EXISTS dblink
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'
CREATE FUNCTION g() RETURNS void LANGUAGE sql BEGIN ATOMIC DELETE FROM t; END
CREATE OR REPLACE FUNCTION h() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN DELETE FROM t; RETURN NEW; END$$
CREATE PROCEDURE p() LANGUAGE sql AS $$ UPDATE t SET a = 1 $$
CREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION h()
CREATE RULE r AS ON INSERT TO t DO ALSO NOTIFY t
CREATE RULE r2 AS ON UPDATE TO t DO INSTEAD DELETE FROM t2 WHERE a = 1
CREATE POLICY p ON users USING (id = 1)
CREATE DATABASE other
CREATE TABLESPACE ts LOCATION '/tmp/ts'
CREATE PUBLICATION pub FOR ALL TABLES
CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw
CREATE FOREIGN TABLE ft (id int) SERVER s
CREATE STATISTICS st ON a, b FROM t
CREATE EVENT TRIGGER et ON ddl_command_start EXECUTE FUNCTION h()
CREATE CAST (text AS int) WITH INOUT
CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq)
CREATE COLLATION c1 (locale = 'C')
CREATE CONVERSION cv FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8
CREATE AGGREGATE agg (int) (SFUNC = int4pl, STYPE = int)
CREATE TEXT SEARCH CONFIGURATION cfg (COPY = english)
CREATE ACCESS METHOD am TYPE TABLE HANDLER heap_tableam_handler
CREATE LANGUAGE plperl
CREATE TRANSFORM FOR int LANGUAGE sql (FROM SQL WITH FUNCTION f(internal), TO SQL WITH FUNCTION g(internal))
ALTER TABLE users ADD COLUMN last_seen timestamptz
ALTER TABLE users ALTER COLUMN name SET DEFAULT 'anon'
ALTER TABLE users ALTER COLUMN name TYPE varchar(200)
ALTER TABLE users RENAME COLUMN name TO full_name
ALTER TABLE users RENAME TO people
ALTER TABLE users ADD CONSTRAINT score_positive CHECK (score >= 0)
ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
ALTER TABLE users ALTER COLUMN email SET NOT NULL
ALTER TABLE users ENABLE ROW LEVEL SECURITY
ALTER TABLE users SET SCHEMA analytics
ALTER INDEX users_name_idx RENAME TO users_name_idx2
ALTER SEQUENCE s RESTART WITH 1
ALTER VIEW active_users RENAME TO au
ALTER TYPE mood ADD VALUE 'meh'
ALTER DOMAIN posint SET NOT NULL
ALTER DOMAIN posint SET DEFAULT 1
ALTER FUNCTION add_one(int) IMMUTABLE
ALTER DATABASE postgres SET work_mem = '64MB'
ALTER EXTENSION pg_trgm UPDATE
ALTER PUBLICATION pub ADD TABLE t
COMMENT ON TABLE users IS 'people'
COMMENT ON COLUMN users.name IS 'DROP TABLE users'
SECURITY LABEL ON TABLE users IS 'secret'
CREATE TABLE orders2 (id int REFERENCES orders (id) ON DELETE CASCADE)
CREATE TABLE part (id int, d date) PARTITION BY RANGE (d)
ALTER TABLE part ATTACH PARTITION part_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
IMPORT FOREIGN SCHEMA public FROM SERVER s INTO analytics
SELECT * INTO new_table FROM users
SELECT id INTO TEMP tmp_ids FROM users
select * into unlogged t3 from t
# Roles and privileges (granting, not taking away).
GRANT SELECT ON users TO PUBLIC
GRANT ALL ON ALL TABLES IN SCHEMA public TO app
GRANT app TO someone
CREATE ROLE agent LOGIN PASSWORD 'x'
CREATE USER bob
ALTER ROLE agent SUPERUSER
ALTER USER bob SET default_transaction_read_only = off
ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO app
# Transaction control: dev-postgres owns the transaction.
BEGIN
BEGIN READ WRITE
BEGIN ISOLATION LEVEL SERIALIZABLE
START TRANSACTION READ WRITE
COMMIT
END
ROLLBACK
ABORT
SAVEPOINT sp
RELEASE SAVEPOINT sp
ROLLBACK TO SAVEPOINT sp
PREPARE TRANSACTION 'tx'
COMMIT PREPARED 'tx'
ROLLBACK PREPARED 'tx'
SET TRANSACTION READ WRITE
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ
SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE
SELECT 1; COMMIT
SELECT 1; COMMIT; SELECT 2
BEGIN; SELECT 1; COMMIT
COMMIT; INSERT INTO t VALUES (1)
SET TRANSACTION READ WRITE; UPDATE t SET a = 1 WHERE b = 2
SET default_transaction_read_only = on; DELETE FROM t WHERE a = 1
# Session settings.
SET default_transaction_read_only = off
SET default_transaction_read_only TO off
set session default_transaction_read_only = false
SET LOCAL statement_timeout = 0
SET statement_timeout = 0
SET search_path = evil, public
SET search_path TO DEFAULT
SET ROLE postgres
SET ROLE NONE
RESET ROLE
SET SESSION AUTHORIZATION postgres
RESET SESSION AUTHORIZATION
RESET ALL
RESET statement_timeout
SET TIME ZONE 'UTC'
SET CONSTRAINTS ALL DEFERRED
DISCARD ALL
DISCARD PLANS
# COPY in every direction.
COPY users TO STDOUT
COPY users TO '/tmp/users.csv'
COPY (SELECT 1) TO PROGRAM 'id'
COPY (SELECT * FROM users) TO STDOUT WITH (FORMAT csv)
COPY t FROM STDIN
COPY t FROM '/etc/passwd'
COPY t FROM PROGRAM 'curl example.invalid'
copy t to stdout
# Procedural code, prepared statements, cursors, notifications, locks.
CALL p()
CALL public.p()
DO $$BEGIN PERFORM 1; END$$
DO $$BEGIN UPDATE t SET a = 1 WHERE b = 2; END$$
DO LANGUAGE plpgsql $$BEGIN INSERT INTO t VALUES (1); END$$
DO 'BEGIN RAISE NOTICE ''hi''; END'
<<<
DO $body$
DECLARE
  n int := 0;
BEGIN
  SELECT count(*) INTO n FROM t;
  IF n > 5 THEN
    DELETE FROM t WHERE a > 5;
  END IF;
END
$body$
>>>
PREPARE q AS SELECT * FROM users WHERE id = $1
PREPARE ins (int) AS INSERT INTO t VALUES ($1)
PREPARE d AS DELETE FROM t WHERE a = $1
EXECUTE q(1)
DEALLOCATE q
DEALLOCATE ALL
DECLARE c CURSOR FOR SELECT * FROM users
FETCH NEXT FROM c
MOVE c
CLOSE c
CLOSE ALL
LISTEN channel
UNLISTEN *
NOTIFY channel, 'payload'
NOTIFY channel
LOCK TABLE users
LOCK TABLE users IN ACCESS EXCLUSIVE MODE
LOCK users IN SHARE MODE NOWAIT
# Maintenance and server administration.
VACUUM
VACUUM FULL users
VACUUM (VERBOSE, ANALYZE) orders
ANALYZE
ANALYZE users
ANALYSE users (name)
CLUSTER users USING users_pkey
REINDEX TABLE users
REINDEX DATABASE postgres
CHECKPOINT
REFRESH MATERIALIZED VIEW order_totals
REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals
ALTER SYSTEM SET fsync = off
ALTER SYSTEM RESET ALL
LOAD 'auto_explain'
LOAD '/tmp/evil.so'
# EXPLAIN of a statement whose arguments run, and EXPLAIN ANALYZE of what only read-write allows.
EXPLAIN EXECUTE q(1)
EXPLAIN (ANALYZE false) EXECUTE q(nextval('s'))
EXPLAIN ANALYZE EXECUTE q(1)
EXPLAIN ANALYZE CREATE TABLE x AS SELECT 1
EXPLAIN ANALYZE SELECT * INTO new_t FROM users
EXPLAIN ANALYZE DECLARE c CURSOR FOR SELECT 1
EXPLAIN ANALYZE CREATE MATERIALIZED VIEW mv2 AS SELECT 1
# SHOW of everything, or of settings that reveal the server's files and commands.
SHOW ALL
show all
SHOW data_directory
SHOW config_file
SHOW hba_file
SHOW ident_file
SHOW ssl_key_file
SHOW ssl_cert_file
SHOW ssl_ca_file
SHOW archive_command
SHOW restore_command
SHOW primary_conninfo
SHOW "data_directory"
SHOW "Data_Directory"
SHOW DATA_DIRECTORY
SHOW shared_preload_libraries
SHOW log_directory
SHOW ssl_passphrase_command
SHOW dynamic_library_path
SELECT 1; SHOW ALL
PREPARE cur_upd AS UPDATE t SET a = 1 WHERE CURRENT OF c
# ALTER … OPTIONS that adds or sets an option removes nothing.
ALTER SERVER remote OPTIONS (ADD host 'db')
ALTER SERVER remote OPTIONS (SET port '5433')
ALTER USER MAPPING FOR CURRENT_USER SERVER remote OPTIONS (ADD user 'app')
ALTER FOREIGN TABLE ft OPTIONS (ADD table_name 't')
# UPDATE pg_settings is SET by another name: where SET is blocked, so is it.
UPDATE pg_settings SET setting = '1GB' WHERE name = 'work_mem'
UPDATE pg_catalog.pg_settings SET setting = 'on' WHERE name = 'enable_seqscan'
UPDATE pg_settings AS s SET setting = 'x' WHERE s.name = 'search_path'
UPDATE PG_CATALOG."pg_settings" p SET setting = '0' WHERE p.name = 'statement_timeout'
WITH u AS (UPDATE pg_settings SET setting = '0' WHERE name = 'lock_timeout' RETURNING name) SELECT * FROM u
