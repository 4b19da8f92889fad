#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1, run as the `postgres` OS user.
#   scripts/pg-cluster.sh start DIR   -> prints `export DEV_POSTGRES_TEST_*=…` lines
#   scripts/pg-cluster.sh stop DIR
# Installs Debian's postgresql package when initdb is missing.
set -euo pipefail

action=${1:?usage: pg-cluster.sh start|stop DIR}
dir=${2:?usage: pg-cluster.sh start|stop DIR}

. "$(dirname "$0")/lib.sh"

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
    need=()
    pg_bin >/dev/null || need+=(postgresql)
    command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
    command -v openssl >/dev/null || need+=(openssl)
    if [ ${#need[@]} -gt 0 ]; then
        echo "pg-cluster: installing ${need[*]} (Debian packages)" >&2
        as_root apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >&2
    fi
    bin=$(pg_bin)
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
    # certuser authenticates with its TLS client certificate only.
    as_postgres sed -i '1i hostssl all certuser 127.0.0.1/32 cert' "$dir/data/pg_hba.conf"
    # dp_cleartext is asked for its password in clear text (pg-query must refuse to send it).
    as_postgres sed -i '1i host all dp_cleartext 127.0.0.1/32 password' "$dir/data/pg_hba.conf"
    # TLS: a throwaway CA, and a server certificate for the name "localhost"
    # only (so verify-full to 127.0.0.1 must fail while verify-ca passes).
    tls="$dir/tls"
    mkdir -p "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=dev-postgres test CA" \
        -keyout "$tls/ca.key" -out "$tls/ca.crt" >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$tls/server.key" -out "$tls/server.csr" >/dev/null 2>&1
    printf 'subjectAltName=DNS:localhost\n' > "$tls/san.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
        -days 2 -extfile "$tls/san.ext" -out "$tls/server.crt" >/dev/null 2>&1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=some other CA" \
        -keyout "$tls/other.key" -out "$tls/other-ca.crt" >/dev/null 2>&1
    # A client certificate for the role certuser, which must log in with it.
    openssl req -newkey rsa:2048 -nodes -subj "/CN=certuser" \
        -keyout "$tls/client.key" -out "$tls/client.csr" >/dev/null 2>&1
    printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' > "$tls/client.ext"
    openssl x509 -req -in "$tls/client.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
        -days 2 -extfile "$tls/client.ext" -out "$tls/client.crt" >/dev/null 2>&1
    chmod 600 "$tls"/*.key
    as_root chown -R postgres "$tls"
    # The test process reads the client key (as root or the invoking user).
    as_root cp "$tls/client.key" "$dir/client.key"
    as_root chown "$(id -u)" "$dir/client.key"
    chmod 755 "$tls"
    chmod 644 "$tls"/*.crt

    free_port() {
        local port=$1
        while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
        echo "$port"
    }
    port=$(free_port 54329)
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200 -c max_prepared_transactions=10 -c log_connections=on -c ssl=on -c ssl_cert_file=$tls/server.crt -c ssl_key_file=$tls/server.key" >&2 \
        || { cat "$dir/server.log" >&2; exit 1; }
    as_postgres "$bin/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE certuser LOGIN" -c "CREATE ROLE dp_cleartext LOGIN PASSWORD 'cleartext-pw'" -c "ALTER SYSTEM SET ssl_ca_file = '$tls/ca.crt'" -c "SELECT pg_reload_conf()" >/dev/null

    # PgBouncer in transaction mode in front of the server.
    bouncer_port=$(free_port $((port + 100)))
    printf '"postgres" "%s"\n' "$password" > "$dir/userlist.txt"
    cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
ignore_startup_parameters = extra_float_digits
INI
    as_root chown postgres "$dir/userlist.txt" "$dir/pgbouncer.ini"
    chmod 600 "$dir/userlist.txt"
    bouncer=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
    as_postgres "$bouncer" -d "$dir/pgbouncer.ini" >&2 || { cat "$dir/pgbouncer.log" >&2 || true; exit 1; }
    echo "export DEV_POSTGRES_TEST_HOST=127.0.0.1"
    echo "export DEV_POSTGRES_TEST_PORT=$port"
    echo "export DEV_POSTGRES_TEST_USER=postgres"
    echo "export DEV_POSTGRES_TEST_PASSWORD=$password"
    echo "export DEV_POSTGRES_TEST_BIN=$bin"
    echo "export DEV_POSTGRES_TEST_DIR=$dir"
    echo "export DEV_POSTGRES_TEST_TLS=$tls"
    echo "export DEV_POSTGRES_TEST_CLIENT_KEY=$dir/client.key"
    echo "export DEV_POSTGRES_TEST_PGBOUNCER_PORT=$bouncer_port"
    ;;
stop)
    if [ -f "$dir/pgbouncer.pid" ]; then
        as_root kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
    fi
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
