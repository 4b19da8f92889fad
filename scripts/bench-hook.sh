#!/usr/bin/env bash
# pg-hook's cost per call, as shipped: builds pg-hook as scripts/install.sh
# does (glibc static-pie: no dynamic symbol lookups at every start) and runs
# the startup benchmark on it. Prints ratios against empty Rust programs
# measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
build_shipped_hook
cp target/release/pg-hook target/pg-hook-shipped
PG_HOOK_BINARY=$PWD/target/pg-hook-shipped cargo bench --quiet -p pg-hook --bench startup
