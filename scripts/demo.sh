#!/usr/bin/env bash
# Shows dev-postgres at work against a throwaway PostgreSQL it starts itself:
# pg-validate judging statements per mode, then pg-query reading, refusing a
# write on a read-only connection, holding a destructive statement for
# --confirm, and the audit log verifying.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if [ ! -d /usr/lib/llvm-14/lib/clang ]; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq libclang1-14 libclang-common-14-dev >/dev/null
fi
echo "building…"
cargo build --release --quiet -p pg-validate -p pg-query
export PATH="$root/target/release:$PATH"

cluster=$(mktemp -d /tmp/dev-postgres-demo.XXXXXX)
project=$(mktemp -d /tmp/dev-postgres-demo-project.XXXXXX)
trap 'cd "$root"; rm -rf "$project"; "$root/scripts/pg-cluster.sh" stop "$cluster"' EXIT
eval "$("$root/scripts/pg-cluster.sh" start "$cluster" 2>/dev/null)"
export DEMO_PASSWORD=$DEV_POSTGRES_TEST_PASSWORD
PGPASSWORD=$DEMO_PASSWORD "$DEV_POSTGRES_TEST_BIN/psql" -X -q -h 127.0.0.1 -p "$DEV_POSTGRES_TEST_PORT" -U postgres postgres \
    -c "CREATE DATABASE shop" >/dev/null
PGPASSWORD=$DEMO_PASSWORD "$DEV_POSTGRES_TEST_BIN/psql" -X -q -h 127.0.0.1 -p "$DEV_POSTGRES_TEST_PORT" -U postgres shop \
    -f "$root/tests/fixtures/schema.sql" >/dev/null

cat > "$project/.dev-postgres.json" <<JSON
{
  "connections": {
    "prod": {"host": "127.0.0.1", "port": $DEV_POSTGRES_TEST_PORT, "database": "shop", "user": "postgres",
             "password": "\${DEMO_PASSWORD}", "mode": "read-only", "description": "Production (read-only)"},
    "dev":  {"host": "127.0.0.1", "port": $DEV_POSTGRES_TEST_PORT, "database": "shop", "user": "postgres",
             "password": "\${DEMO_PASSWORD}", "mode": "read-write", "description": "Local development"}
  },
  "default_connection": "prod"
}
JSON
chmod 600 "$project/.dev-postgres.json"
cd "$project"

run() {
    printf '\n\033[1m$ %s\033[0m\n' "$*"
    set +e
    "$@"
    printf '(exit %s)\n' "$?"
    set -e
}

echo; echo "== pg-validate: the SQL safety engine, on the real PostgreSQL grammar"
run pg-validate --mode read-only "SELECT id, name FROM users WHERE name = 'DROP TABLE users'"
run pg-validate --mode read-only "SET default_transaction_read_only = on; DELETE FROM users"
run pg-validate --mode read-only "WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d"
run pg-validate --mode read-only "SELECT pg_catalog.\"set_config\"('default_transaction_read_only', 'off', false)"
run pg-validate --mode dml "DELETE FROM sessions"
run pg-validate --mode read-write "DO \$\$BEGIN EXECUTE 'DROP TABLE t'; END\$\$"

echo; echo "== pg-query: guarded runs on named connections"
run pg-query -c prod "SELECT id, name, score, data->>'active' AS active FROM users ORDER BY score DESC LIMIT 3"
run pg-query -c prod --format json "SELECT team, count(*) AS members FROM users GROUP BY team ORDER BY team"
run pg-query -c prod "UPDATE users SET score = 0 WHERE id = 1"
run pg-query -c dev "DELETE FROM sessions"
run pg-query -c dev "INSERT INTO t VALUES (100, 200, 'demo') RETURNING *"

echo; echo "== the audit log: every attempt, hash-chained"
tail -n 2 .dev-postgres-query.log
run pg-query --verify-log
