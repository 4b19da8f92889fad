#!/usr/bin/env bash
# Builds every dev-postgres binary once (one release build of the workspace)
# and installs them with `dev-postgres install`, which copies them outside
# every project (default: ~/.local/share/dev-postgres/bin) and registers the
# hook. Arguments go to `dev-postgres install` (e.g. --user, --bin-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
. scripts/lib.sh
if ! [ -d /usr/lib/llvm-14/lib/clang ]; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq libclang1-14 libclang-common-14-dev >/dev/null
fi
cargo build --release --quiet --bins
build_shipped_hook
cd "${OLDPWD:-$repo}"
exec "$repo/target/release/dev-postgres" install --from "$repo/target/release" "$@"
