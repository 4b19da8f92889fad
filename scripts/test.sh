#!/usr/bin/env bash
# Runs every test of dev-postgres on a fresh Debian machine: installs what is
# missing, starts a throwaway PostgreSQL as the postgres OS user on 127.0.0.1,
# runs the lints and all tests (live ones included), and stops the server
# even when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib.sh

# Debian packages: the SQL parser's build needs libclang; the live tests a server.
missing=()
[ -e /usr/lib/llvm-14/lib/libclang.so.1 ] || [ -e /usr/lib/x86_64-linux-gnu/libclang-14.so.1 ] || missing+=(libclang1-14)
[ -d /usr/lib/llvm-14/lib/clang ] || missing+=(libclang-common-14-dev)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# Claude Code's Bash sandbox on Linux (the walled-mode test), and prlimit.
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v socat >/dev/null || missing+=(socat)
command -v prlimit >/dev/null || missing+=(util-linux)
# SQLsmith: random valid SQL from the live catalog for the read-only differential.
command -v sqlsmith >/dev/null || missing+=(sqlsmith)
if [ ${#missing[@]} -gt 0 ]; then
    echo "test.sh: installing ${missing[*]}" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "test.sh: cargo is needed (https://rustup.rs)" >&2; exit 3; }
# The real Claude Code client at the pinned version, for the offline end-to-end tests.
pinned=$(python3 -c 'import json; print(json.load(open("tests/claude/package.json"))["dependencies"]["@anthropic-ai/claude-code"])')
installed=$(python3 -c 'import json; print(json.load(open("tests/claude/node_modules/@anthropic-ai/claude-code/package.json"))["version"])' 2>/dev/null || true)
if [ ! -x tests/claude/node_modules/.bin/claude ] || [ "$installed" != "$pinned" ]; then
    if ! command -v npm >/dev/null; then
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq nodejs npm >/dev/null
    fi
    npm install --prefix tests/claude --no-audit --no-fund --loglevel=error >/dev/null
fi
# The real Gemini, Codex and Copilot CLIs at the pinned versions, for the offline tests of pg-hook --agent.
agents_pinned=$(python3 -c 'import json; print(json.load(open("tests/agents/package.json"))["dependencies"])')
agents_installed=$(cat tests/agents/node_modules/.installed 2>/dev/null || true)
if [ ! -x tests/agents/node_modules/.bin/gemini ] || [ ! -x tests/agents/node_modules/.bin/codex ] || [ ! -x tests/agents/node_modules/.bin/copilot ] || [ "$agents_installed" != "$agents_pinned" ]; then
    npm install --prefix tests/agents --no-audit --no-fund --loglevel=error >/dev/null
    printf '%s' "$agents_pinned" > tests/agents/node_modules/.installed
fi

cluster=$(mktemp -d /tmp/dev-postgres-test.XXXXXX)
trap 'scripts/pg-cluster.sh stop "$cluster"' EXIT
eval "$(scripts/pg-cluster.sh start "$cluster")"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# Generated files match their generators.
cargo run --quiet -p xtask -- gen --check
# The hook builds alone, and links neither the database side nor clap.
cargo build --quiet -p pg-hook
if cargo tree -p pg-hook -e normal --prefix none | grep -E '^(clap|rustls|postgres-protocol|chrono|devpg-db|devpg-cli) '; then
    echo "test.sh: pg-hook links what only the database side needs" >&2
    exit 1
fi
DEV_POSTGRES_FUZZ_SECONDS=${DEV_POSTGRES_FUZZ_SECONDS:-30} \
    cargo test --workspace --release -- --include-ignored
# The hook as shipped (static-pie, scripts/install.sh) gives the corpus's verdicts too.
build_shipped_hook
cp target/release/pg-hook target/pg-hook-shipped
PG_HOOK_BINARY=$PWD/target/pg-hook-shipped cargo test --release --quiet -p pg-hook --test corpus
