#!/usr/bin/env bash
# Shows dev-postgres end to end against a throwaway PostgreSQL it starts
# itself (dev-postgres sandbox): installs it into a scratch project, then the
# hook blocking psql, pg-schema, pg-query reading, a blocked write, a
# destructive statement waiting for --confirm, and the audit log verifying.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

. scripts/lib.sh
need=()
[ -d /usr/lib/llvm-14/lib/clang ] || need+=(libclang1-14 libclang-common-14-dev)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >/dev/null
fi
echo "building…"
cargo build --release --quiet -p pg-hook -p pg-query -p pg-schema -p pg-validate -p dev-postgres
bin=$root/target/release

project=$(mktemp -d /tmp/dev-postgres-demo.XXXXXX)
sandbox=$project.sandbox
guard_bin=$project.bin   # outside the project: the agent cannot replace the hook
cleanup() {
    cd "$root"
    "$bin/dev-postgres" sandbox stop --dir "$sandbox" >/dev/null 2>&1 || true
    rm -rf "$project" "$guard_bin"
}
trap cleanup EXIT
cd "$project"
export PATH="$guard_bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
    printf '\033[1m$ %s\033[0m\n' "$*"
    set +e
    "$@"
    printf '(exit %s)\n' "$?"
    set -e
}

step "install into a project, and start a throwaway PostgreSQL with a sample schema"
run "$bin/dev-postgres" install --from "$bin" --bin-dir "$guard_bin"
rm .dev-postgres.json   # the example's connections; the sandbox writes its own
run dev-postgres sandbox start --dir "$sandbox"

step "the hook, as Claude Code runs it, blocks psql however it is spelled"
hook_command=$(python3 -c 'import json; print(json.load(open(".claude/settings.json"))["hooks"]["PreToolUse"][0]["hooks"][0]["command"])')
for command in "psql -c 'select 1'" "p''sql -h db" "X=ps; \${X}ql" "grep -r psql docs/"; do
    event=$(python3 -c 'import json,sys; print(json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": sys.argv[1]}, "cwd": sys.argv[2]}))' "$command" "$project")
    printf '\033[1m[agent runs] %s\033[0m\n' "$command"
    set +e
    echo "$event" | CLAUDE_PROJECT_DIR=$project sh -c "$hook_command"
    code=$?
    set -e
    [ $code -eq 0 ] && echo "allowed (exit 0)" || echo "(exit $code)"
done

step "pg-schema: the structure, without writing SQL"
run pg-schema connections
run pg-schema -c sandbox-ro overview --budget 1200
run pg-schema -c sandbox-ro describe orders

step "pg-query: guarded runs on named connections"
run pg-query -c sandbox-ro "SELECT team, count(*) AS members, sum(score) AS score FROM users GROUP BY team ORDER BY team"
run pg-query -c sandbox-ro --format json "SELECT id, name FROM users ORDER BY score DESC LIMIT 2"
run pg-query -c sandbox-ro "SET default_transaction_read_only = on; UPDATE users SET score = 0 WHERE id = 1"
run pg-query -c sandbox-rw "DELETE FROM sessions"
run pg-query -c sandbox-rw "INSERT INTO t VALUES (100, 200, 'demo') RETURNING *"

step "the configuration is trusted as a human approved it: an edit switches nothing on"
sed -i 's/"read-only"/"read-write"/' .dev-postgres.json
run pg-query -c sandbox-ro "INSERT INTO t VALUES (1, 1, 'sneaky')"
printf '\033[1m(the human reviews the file and restores it)\033[0m\n'
sed -i '0,/"read-write"/s//"read-only"/' .dev-postgres.json
run dev-postgres trust </dev/null   # the agent (no terminal) cannot approve it…
printf '\033[1m(…the human runs `dev-postgres trust` in their terminal and types the hash it shows)\033[0m\n'
human_trusts "$bin/dev-postgres" .dev-postgres.json
run pg-query -c sandbox-ro "SELECT count(*) AS users FROM users"

step "the audit log: every attempt written ahead, hash-chained, anchored outside the project — and the doctor"
tail -n 1 .dev-postgres-query.log
run pg-query --verify-log
run dev-postgres doctor
