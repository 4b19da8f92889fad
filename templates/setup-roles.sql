-- Least-privilege roles for dev-postgres. Run as a superuser or the database
-- owner, after replacing the placeholders:
--   app        the database          public, analytics   the schemas to expose
--   agent_ro / agent_dml              the role names
--   CHANGE_ME                         passwords (or use certificate/IAM auth)
--
-- The read-only role is the final guarantee: pg-query opens a READ ONLY
-- transaction and refuses writes, but a role that cannot write makes every
-- other path (another tool, a leaked password) read-only too.
-- `dev-postgres doctor` checks that a read-only connection's role cannot write.

-- ─── Read-only role ──────────────────────────────────────────────────────────
CREATE ROLE agent_ro LOGIN PASSWORD 'CHANGE_ME'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    CONNECTION LIMIT 5;

-- Refused on the server even if a client forgets to ask for it.
ALTER ROLE agent_ro SET default_transaction_read_only = on;
ALTER ROLE agent_ro SET statement_timeout = '30s';
ALTER ROLE agent_ro SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE agent_ro SET lock_timeout = '5s';

GRANT CONNECT ON DATABASE app TO agent_ro;
GRANT USAGE ON SCHEMA public, analytics TO agent_ro;
GRANT SELECT ON ALL TABLES IN SCHEMA public, analytics TO agent_ro;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public, analytics TO agent_ro;
-- Tables created later by the owner (run as that owner, or add FOR ROLE owner):
ALTER DEFAULT PRIVILEGES IN SCHEMA public, analytics GRANT SELECT ON TABLES TO agent_ro;
ALTER DEFAULT PRIVILEGES IN SCHEMA public, analytics GRANT SELECT ON SEQUENCES TO agent_ro;

-- No CREATE anywhere: before PostgreSQL 15 every role may create in public.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE TEMPORARY ON DATABASE app FROM PUBLIC;
GRANT CONNECT ON DATABASE app TO PUBLIC;

-- PostgreSQL 14 and later: one grant covers every table, view and sequence in
-- every schema, now and later (instead of the GRANT SELECT lines above):
--   GRANT pg_read_all_data TO agent_ro;
-- It also reads schemas you may not mean to expose, and bypasses nothing
-- else: it does not allow writes.

-- Functions with side effects stay the owner's: revoke what the role must not
-- run (PostgreSQL grants EXECUTE on new functions to PUBLIC by default).
-- REVOKE EXECUTE ON FUNCTION pg_catalog.pg_read_file(text) FROM PUBLIC;  -- superuser-only by default
-- ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- ─── DML role: reads and row changes, no schema changes ────────────────────────
CREATE ROLE agent_dml LOGIN PASSWORD 'CHANGE_ME'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    CONNECTION LIMIT 5;
ALTER ROLE agent_dml SET statement_timeout = '30s';
ALTER ROLE agent_dml SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE agent_dml SET lock_timeout = '5s';
GRANT CONNECT ON DATABASE app TO agent_dml;
GRANT USAGE ON SCHEMA public, analytics TO agent_dml;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, analytics TO agent_dml;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public, analytics TO agent_dml;
ALTER DEFAULT PRIVILEGES IN SCHEMA public, analytics GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO agent_dml;
ALTER DEFAULT PRIVILEGES IN SCHEMA public, analytics GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO agent_dml;
-- No TRUNCATE, no REFERENCES, no TRIGGER, no CREATE: those are DDL-like.
-- PostgreSQL 14 and later: GRANT pg_read_all_data, pg_write_all_data TO agent_dml;

-- ─── The matching .dev-postgres.json entries ─────────────────────────────────
--   "prod": {"host": "…", "database": "app", "user": "agent_ro",
--            "password": "${PROD_AGENT_RO_PASSWORD}", "mode": "read-only", "sslmode": "verify-full",
--            "sslrootcert": "~/.postgresql/root.crt", "description": "Production (read-only)"}
--   "staging": {"host": "…", "database": "app", "user": "agent_dml",
--            "password": "${STAGING_AGENT_DML_PASSWORD}", "mode": "dml"}
