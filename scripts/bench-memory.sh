#!/usr/bin/env bash
# pg-query's peak memory against its result budget (security.max_result_bytes),
# on a throwaway server, for the floods of issue 14. Each case prints the peak
# RSS (/usr/bin/time -v), the budget, pg-query's RSS for SELECT 1 (its base)
# and whether peak <= budget + base + 8 MB. Exit 1 if a case is over.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. scripts/lib.sh

if [ ! -x /usr/bin/time ]; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq time >/dev/null
fi

cluster=$(mktemp -d /tmp/dev-postgres-bench.XXXXXX)
trap 'scripts/pg-cluster.sh stop "$cluster"' EXIT
eval "$(scripts/pg-cluster.sh start "$cluster")"
cargo build --release --quiet -p pg-query -p dev-postgres
query=$PWD/target/release/pg-query

# Two throwaway projects (budgets 64 MiB and 1 MiB), trusted as the person
# running this script (pg-query runs only a configuration a human trusted).
projects=$(mktemp -d /tmp/dev-postgres-bench-project.XXXXXX)
trap 'cd /; rm -rf "$projects"; "$root/scripts/pg-cluster.sh" stop "$cluster"' EXIT
mib=$((1024 * 1024))
for budget in $((64 * mib)) $mib; do
    mkdir -p "$projects/$budget"
    cat > "$projects/$budget/.dev-postgres.json" <<JSON
{"security": {"max_result_bytes": $budget},
 "connections": {"bench": {"host": "127.0.0.1", "port": $DEV_POSTGRES_TEST_PORT, "database": "postgres",
  "user": "postgres", "password": "\${DEV_POSTGRES_TEST_PASSWORD}", "sslmode": "disable", "mode": "read-only"}}}
JSON
    chmod 600 "$projects/$budget/.dev-postgres.json"
    human_trusts "$root/target/release/dev-postgres" "$projects/$budget/.dev-postgres.json"
done

peak_kb() { # peak_kb ARGS…: pg-query's maximum resident set size in kB
    /usr/bin/time -v "$query" --timeout 0 "$@" 2>&1 >/dev/null |
        sed -n 's/.*Maximum resident set size (kbytes): //p'
}

cd "$projects/$((64 * mib))"
base=$(peak_kb 'SELECT 1')
printf '%-58s %-8s %10s %10s  %s\n' case format "peak MB" "budget MB" verdict
over=0
run() { # run BUDGET FORMAT LABEL SQL [ARGS…]
    local budget=$1 format=$2 label=$3 sql=$4; shift 4
    cd "$projects/$budget"
    local peak
    peak=$(peak_kb --format "$format" "$@" "$sql")
    local limit=$((budget / 1024 + base + 8 * 1024)) verdict=ok
    if [ "$peak" -gt "$limit" ]; then verdict=OVER; over=1; fi
    printf '%-58s %-8s %10.1f %10.1f  %s\n' "$label" "$format" \
        "$(echo "$peak / 1024" | bc -l)" "$(echo "$budget / $mib" | bc -l)" "$verdict"
}
nulls=$(seq -s, -f 'NULL::int AS c%g' 1 1600)
run $((64 * mib)) aligned "repeat('x', 500000000)" "SELECT repeat('x', 500000000)"
run $((64 * mib)) json "repeat(repeat(repeat('x',1000),1000),1000)" "SELECT repeat(repeat(repeat('x',1000),1000),1000)"
run $mib csv "10 MB value, 1 MiB budget" "SELECT repeat('x', 10000000)"
run $mib aligned "10 MB value, 1 MiB budget" "SELECT repeat('x', 10000000)"
run $((64 * mib)) aligned "1,600 NULL columns x 1,000 rows (default max_rows)" "SELECT $nulls FROM generate_series(1, 1000)"
run $((64 * mib)) aligned "1,600 NULL columns x 5,000 rows" "SELECT $nulls FROM generate_series(1, 5000)" --max-rows 0
run $((64 * mib)) csv "1,600 NULL columns x 5,000 rows" "SELECT $nulls FROM generate_series(1, 5000)" --max-rows 0
printf 'base (SELECT 1): %.1f MB; a case is ok when peak <= budget + base + 8 MB\n' "$(echo "$base / 1024" | bc -l)"
exit "$over"
