#!/usr/bin/env bash
# pg-schema overview against pg_dump --schema-only, in the same run, on a
# database of 1,000 tables with ~10 columns each (keys and foreign keys too).
# Target: overview <= 0.5x pg_dump's wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. scripts/lib.sh
runs=${BENCH_RUNS:-5}

cluster=$(mktemp -d /tmp/dev-postgres-bench.XXXXXX)
project=$(mktemp -d /tmp/dev-postgres-bench-project.XXXXXX)
trap 'cd "$root"; rm -rf "$project"; "$root/scripts/pg-cluster.sh" stop "$cluster"' EXIT
eval "$("$root/scripts/pg-cluster.sh" start "$cluster" 2>/dev/null)"
cargo build --release --quiet -p pg-schema -p dev-postgres
export PGPASSWORD=$DEV_POSTGRES_TEST_PASSWORD
conninfo="host=127.0.0.1 port=$DEV_POSTGRES_TEST_PORT user=postgres sslmode=disable"
psql=$DEV_POSTGRES_TEST_BIN/psql
"$psql" -X -q -d "$conninfo dbname=postgres" -c "CREATE DATABASE wide"
"$psql" -X -q -d "$conninfo dbname=wide" <<'SQL'
DO $$
BEGIN
  FOR i IN 1..1000 LOOP
    EXECUTE format('CREATE TABLE t%s (id serial PRIMARY KEY, parent_id int %s, name text NOT NULL,
      email varchar(200), created_at timestamptz DEFAULT now(), amount numeric(12,2), flag boolean,
      data jsonb, tags text[], note text)',
      i, CASE WHEN i > 1 THEN format('REFERENCES t%s(id)', i - 1) ELSE '' END);
  END LOOP;
END $$;
SQL
cat > "$project/.dev-postgres.json" <<JSON
{"connections": {"wide": {"host": "127.0.0.1", "port": $DEV_POSTGRES_TEST_PORT, "database": "wide",
  "user": "postgres", "password": "\${DEV_POSTGRES_TEST_PASSWORD}", "sslmode": "disable"}}}
JSON
chmod 600 "$project/.dev-postgres.json"
human_trusts "$root/target/release/dev-postgres" "$project/.dev-postgres.json"
cd "$project"

"$DEV_POSTGRES_TEST_BIN/pg_dump" --schema-only -d "$conninfo dbname=wide" >/dev/null
"$root/target/release/pg-schema" overview --budget 100000000 >/dev/null
dump=$(echo "$(time_loop "$runs" "$DEV_POSTGRES_TEST_BIN/pg_dump" --schema-only -d "$conninfo dbname=wide") / $runs" | bc -l)
overview=$(echo "$(time_loop "$runs" "$root/target/release/pg-schema" overview --budget 100000000) / $runs" | bc -l)
printf 'overview of 1000 tables: pg_dump --schema-only %.3f s, pg-schema overview %.3f s, ratio %.2f (target <= 0.50)\n' \
    "$dump" "$overview" "$(echo "$overview / $dump" | bc -l)"
