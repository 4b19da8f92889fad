#!/usr/bin/env bash
# Shows dev-postgres at work: pg-validate judging statements in each mode.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if [ ! -d /usr/lib/llvm-14/lib/clang ]; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq libclang1-14 libclang-common-14-dev >/dev/null
fi
cargo build --release --quiet -p pg-validate
validate=target/release/pg-validate

show() {
    local mode=$1 sql=$2
    printf '\n$ pg-validate --mode %s "%s"\n' "$mode" "$sql"
    set +e
    "$validate" --mode "$mode" "$sql"
    printf '(exit %s)\n' "$?"
    set -e
}

show read-only  "SELECT id, name FROM users WHERE name = 'DROP TABLE users'"
show read-only  "SET default_transaction_read_only = on; DELETE FROM users"
show read-only  "WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d"
show read-only  "SELECT pg_catalog.\"set_config\"('default_transaction_read_only', 'off', false)"
show read-only  "SELECT (amount).pg_sleep FROM accounts"
show read-only  "EXPLAIN DELETE FROM users WHERE id = 1"
show dml        "UPDATE users SET name = 'x' WHERE id = 1"
show dml        "DELETE FROM users"
show dml        "CREATE TABLE t (id int)"
show read-write "SELECT 1; COMMIT; DROP SCHEMA public CASCADE"
show read-write "DO \$\$BEGIN EXECUTE 'DROP TABLE t'; END\$\$"
show read-write "\\! rm -rf /"
