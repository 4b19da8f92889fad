#!/usr/bin/env bash
# pg-query against psql, measured in the same run on a throwaway server:
#   SELECT 1 end to end        target: <= 1.0x psql -c
#   1,000,000 rows to CSV      target: <= 1.1x psql's wall time, <= 11 MB peak memory
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. scripts/lib.sh
runs=${BENCH_RUNS:-100}

cluster=$(mktemp -d /tmp/dev-postgres-bench.XXXXXX)
trap 'scripts/pg-cluster.sh stop "$cluster"' EXIT
eval "$(scripts/pg-cluster.sh start "$cluster")"
cargo build --release --quiet -p pg-query -p dev-postgres
query=$PWD/target/release/pg-query
psql=$DEV_POSTGRES_TEST_BIN/psql

project=$(mktemp -d /tmp/dev-postgres-bench-project.XXXXXX)
trap 'rm -rf "$project"; "$root/scripts/pg-cluster.sh" stop "$cluster"' EXIT
cat > "$project/.dev-postgres.json" <<JSON
{"connections": {"bench": {"host": "127.0.0.1", "port": $DEV_POSTGRES_TEST_PORT, "database": "postgres",
  "user": "postgres", "password": "\${DEV_POSTGRES_TEST_PASSWORD}", "sslmode": "disable", "mode": "read-only"}}}
JSON
chmod 600 "$project/.dev-postgres.json"
human_trusts "$root/target/release/dev-postgres" "$project/.dev-postgres.json"
export PGPASSWORD=$DEV_POSTGRES_TEST_PASSWORD
conninfo="host=127.0.0.1 port=$DEV_POSTGRES_TEST_PORT user=postgres dbname=postgres sslmode=disable"
cd "$project"


"$psql" -X -d "$conninfo" -c 'SELECT 1' >/dev/null
"$query" 'SELECT 1' >/dev/null
psql_one=$(time_loop "$runs" "$psql" -X -d "$conninfo" -c 'SELECT 1')
query_one=$(time_loop "$runs" "$query" 'SELECT 1')
printf 'SELECT 1 x%s: psql %.3f s, pg-query %.3f s, ratio %.2f (target <= 1.00)\n' \
    "$runs" "$psql_one" "$query_one" "$(echo "$query_one / $psql_one" | bc -l)"

big="SELECT g, md5(g::text) AS h, now() AS t FROM generate_series(1, 1000000) g"
measure() { # prints "wall_seconds max_rss_kb"
    /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -n 1
}
read -r psql_wall psql_rss < <(measure "$psql" -X --csv -d "$conninfo" -c "$big")
read -r query_wall query_rss < <(measure "$query" --format csv --max-rows 0 --timeout 0 "$big")
printf '1M rows to CSV: psql %.2f s (%d MB), pg-query %.2f s (%d MB), ratio %.2f (target <= 1.10), peak %.1f MB (target <= 11)\n' \
    "$psql_wall" $((psql_rss / 1024)) "$query_wall" $((query_rss / 1024)) \
    "$(echo "$query_wall / $psql_wall" | bc -l)" "$(echo "$query_rss / 1024" | bc -l)"
