#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and CI: initdb into a folder, listen on a loopback
# port (trust authentication, nothing else reachable), stop and delete it afterwards.
#   cluster.sh start DIR   prints the SQLAlchemy URL (postgresql+psycopg://...) on stdout
#   cluster.sh stop DIR    stops the server and removes DIR
# PostgreSQL refuses to run as root: as root the cluster belongs to the user `postgres` (created
# when missing). Server binaries: $PG_BIN, else /usr/lib/postgresql/*/bin, else the Debian package
# `postgresql` is installed first (root only).
set -euo pipefail

cmd=${1:?usage: cluster.sh start|stop DIR}
dir=${2:?usage: cluster.sh start|stop DIR}

find_bin() {
    if [[ -n "${PG_BIN:-}" && -x "$PG_BIN/initdb" ]]; then echo "$PG_BIN"; return; fi
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        [[ -x "$d/initdb" ]] && { echo "$d"; return; }
    done
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
    return 1
}

as_owner() {  # run a command as the cluster's (non-root) owner
    if [[ $(id -u) -eq 0 ]]; then
        if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"
        else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
    else
        "$@"
    fi
}

case "$cmd" in
start)
    bin=$(find_bin) || {
        if [[ $(id -u) -eq 0 ]]; then
            echo "cluster.sh: installing the Debian package postgresql" >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
            bin=$(find_bin)
        else
            echo "cluster.sh: no PostgreSQL server binaries (initdb); install the package postgresql" >&2
            exit 1
        fi
    }
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "$bin" >"$dir/bin"
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    if [[ -f "$dir/bin" ]]; then
        as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
