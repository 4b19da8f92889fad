# Blocked in every mode: input that does not parse, psql meta-commands,
# and input with no statement at all.
SELECT 1 FROM WHERE
SELEC 1
DELETE users
SELECT 'unterminated
SELECT "unterminated
SELECT $$ unterminated
SELECT * FROM users WHERE
DROP TABLE
INSERT INTO
SELECT 1; SELEC 2
SELECT 1; DROP TABLE users; garbage here
/* unterminated comment SELECT 1
SELECT 1)
SELECT (1
SELECT ""
UPDATE t SET WHERE a = 1
\! rm -rf /
\copy users to '/tmp/u.csv'
\gexec
SELECT 'DROP TABLE t' \gexec
\set x 1
\c otherdb
\i /tmp/script.sql
\o /tmp/out
\connect postgres
\lo_import '/etc/passwd'
SELECT 1 \g
SELECT 1 \watch 1
  \! id
SELECT 1; \! id
\dt
;
;;;
-- only a comment
/* only a block comment */
