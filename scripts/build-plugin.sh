#!/usr/bin/env bash
# Builds the binaries into the plugin's bin/ (put on the agent's PATH by
# Claude Code while the plugin is enabled; hooks/hooks.json runs bin/pg-hook).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
cargo build --release --quiet -p pg-hook -p pg-query -p pg-schema -p pg-validate
build_shipped_hook
mkdir -p bin
for binary in pg-hook pg-query pg-schema pg-validate; do
    install -m 755 "target/release/$binary" "bin/$binary"
done
echo "plugin binaries in $(pwd)/bin: claude --plugin-dir $(pwd)"
