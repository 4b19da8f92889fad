#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1, run as the `postgres` OS user.
#   scripts/pg-cluster.sh start DIR   -> prints `export DEV_POSTGRES_TEST_*=…` lines
#   scripts/pg-cluster.sh stop DIR
# Installs Debian's postgresql package when initdb is missing.
set -euo pipefail

action=${1:?usage: pg-cluster.sh start|stop DIR}
dir=${2:?usage: pg-cluster.sh start|stop DIR}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() {
    local candidate
    for candidate in /usr/lib/postgresql/*/bin; do
        [ -x "$candidate/initdb" ] && { echo "$candidate"; return 0; }
    done
    return 1
}

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@";
    elif [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@";
    else sudo -u postgres "$@"; fi
}

case "$action" in
start)
    if ! bin=$(pg_bin); then
        echo "pg-cluster: installing postgresql (Debian package)" >&2
        as_root apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
        bin=$(pg_bin)
    fi
    id postgres >/dev/null 2>&1 || { echo "pg-cluster: no postgres OS user" >&2; exit 1; }
    mkdir -p "$dir"
    as_root chown postgres "$dir"
    chmod 700 "$dir"
    password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
    printf '%s\n' "$password" > "$dir/pwfile"
    as_root chown postgres "$dir/pwfile"
    as_postgres "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
        --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    # A free port: the first one from 54329 that nothing answers on.
    port=54329
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200 -c max_prepared_transactions=10" >&2 \
        || { cat "$dir/server.log" >&2; exit 1; }
    echo "export DEV_POSTGRES_TEST_HOST=127.0.0.1"
    echo "export DEV_POSTGRES_TEST_PORT=$port"
    echo "export DEV_POSTGRES_TEST_USER=postgres"
    echo "export DEV_POSTGRES_TEST_PASSWORD=$password"
    echo "export DEV_POSTGRES_TEST_BIN=$bin"
    echo "export DEV_POSTGRES_TEST_DIR=$dir"
    ;;
stop)
    bin=$(pg_bin) || exit 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    as_root rm -rf "$dir"
    ;;
*)
    echo "usage: pg-cluster.sh start|stop DIR" >&2
    exit 3
    ;;
esac
