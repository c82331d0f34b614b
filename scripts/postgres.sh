#!/usr/bin/env bash
# A real PostgreSQL 16 with pgvector for RagTune's PostgreSQL store: its tests, CI, and users trying
# `--store postgres://…` by hand. Debian's PostgreSQL has no pgvector, so the server comes from the
# PyPI wheel pgserver 0.1.4 (PostgreSQL 16 and pgvector 0.6.2 binaries), unpacked once; no Python
# runs it.
#
#   bash scripts/postgres.sh start [PORT]   # initdb on first use, start; the last line is the URL
#   bash scripts/postgres.sh stop [PORT]    # stops the server this script started on PORT
#   bash scripts/postgres.sh url [PORT]     # prints the URL of a running server
#
# PORT defaults to $RAGTUNE_POSTGRES_PORT or 55432. Everything lives under $RAGTUNE_POSTGRES_HOME
# (default /var/lib/ragtune-postgres as root, ~/.cache/ragtune/postgres otherwise): the binaries in
# pgserver-0.1.4/, each port's cluster in data-PORT/ with its log in data-PORT/server.log.
# PostgreSQL refuses to run as root: as root the script creates the unprivileged user ragtune-pg
# and runs initdb and pg_ctl as that user (so the folders are made traversable by it). The server
# listens on 127.0.0.1 only and trusts local connections (a test server, not a production one); the
# URL is postgres://ragtune@127.0.0.1:PORT/ragtune, a database where the vector extension exists.
set -euo pipefail
PGSERVER_VERSION=0.1.4
PGSERVER_WHEEL=pgserver-0.1.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
PGSERVER_SHA256=d595789b47624a3d963aa9aa6359da9be31beb7e61f1a45541953242068b8813
command_name="${1:-}"
port="${2:-${RAGTUNE_POSTGRES_PORT:-55432}}"
case "$command_name" in start|stop|url) ;; *)
    echo "usage: bash scripts/postgres.sh start|stop|url [PORT]" >&2; exit 2 ;;
esac
[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le 65535 ] || {
    echo "postgres.sh: port must be a number from 1024 to 65535, got '$port'" >&2; exit 2; }

if [ "$(id -u)" = 0 ]; then
    home="${RAGTUNE_POSTGRES_HOME:-/var/lib/ragtune-postgres}"
    run_user=ragtune-pg
else
    home="${RAGTUNE_POSTGRES_HOME:-$HOME/.cache/ragtune/postgres}"
    run_user=""
fi
install_dir="$home/pgserver-$PGSERVER_VERSION"
bin="$install_dir/pgserver/pginstall/bin"
data="$home/data-$port"
url="postgres://ragtune@127.0.0.1:$port/ragtune"

# Runs a command as the server's user (as root: ragtune-pg, with a clean environment).
as_server_user() {
    if [ -n "$run_user" ]; then runuser -u "$run_user" -- env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$@"
    else "$@"; fi
}

if [ "$command_name" = stop ]; then
    if [ -f "$data/postmaster.pid" ]; then
        as_server_user "$bin/pg_ctl" -D "$data" -m fast -w stop >&2
    else
        echo "postgres.sh: no server running on port $port (no $data/postmaster.pid)" >&2
    fi
    exit 0
fi
if [ "$command_name" = url ]; then
    [ -f "$data/postmaster.pid" ] || { echo "postgres.sh: no server running on port $port" >&2; exit 1; }
    echo "$url"; exit 0
fi

mkdir -p "$home"
if [ -n "$run_user" ] && ! id "$run_user" >/dev/null 2>&1; then
    echo "creating the unprivileged user $run_user (PostgreSQL does not run as root)" >&2
    useradd --system --no-create-home --shell /usr/sbin/nologin "$run_user"
fi
if [ ! -x "$bin/postgres" ]; then
    (
        flock 9
        [ -x "$bin/postgres" ] && exit 0
        echo "fetching pgserver==$PGSERVER_VERSION (PostgreSQL 16 + pgvector) from PyPI" >&2
        wheels="$home/wheels"
        mkdir -p "$wheels"
        python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary :all: \
            --platform manylinux2014_x86_64 --python-version 3.11 "pgserver==$PGSERVER_VERSION" -d "$wheels" >&2
        staging="$install_dir.partial"
        rm -rf "$staging" && mkdir -p "$staging"
        echo "$PGSERVER_SHA256  $wheels/$PGSERVER_WHEEL" | sha256sum -c --quiet - >&2 || {
            echo "postgres.sh: $PGSERVER_WHEEL does not have the pinned SHA-256; removed" >&2
            rm -f "$wheels/$PGSERVER_WHEEL"; exit 1; }
        python3 -m zipfile -e "$wheels/$PGSERVER_WHEEL" "$staging"
        chmod -R a+rX "$staging"
        chmod a+x "$staging"/pgserver/pginstall/bin/*
        rm -rf "$install_dir" && mv "$staging" "$install_dir"
    ) 9>"$home/install.lock"
fi
# The server's user must be able to reach its binaries and data through every parent folder.
if [ -n "$run_user" ]; then
    dir="$home"
    while [ "$dir" != / ]; do chmod a+x "$dir" 2>/dev/null || true; dir="$(dirname "$dir")"; done
fi

if [ -f "$data/postmaster.pid" ] && as_server_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "postgres.sh: already running on port $port" >&2
else
    if [ ! -f "$data/PG_VERSION" ]; then
        rm -rf "$data" && mkdir -p "$data"
        [ -z "$run_user" ] || chown "$run_user" "$data"
        chmod 700 "$data"
        echo "initdb $data" >&2
        as_server_user "$bin/initdb" -D "$data" -U ragtune --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$home/initdb-$port.log" 2>&1 || {
            cat "$home/initdb-$port.log" >&2; exit 1; }
    fi
    rm -f "$data/postmaster.pid"   # left by a server killed with its machine; pg_ctl checks the process anyway
    # -l: without a log file pg_ctl keeps the caller's pipe open and `$(… start)` never returns.
    as_server_user "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $data -c max_connections=200" start >&2 || {
        tail -20 "$data/server.log" >&2; exit 1; }
fi
psql() { as_server_user "$bin/psql" -h 127.0.0.1 -p "$port" -U ragtune -X -q -v ON_ERROR_STOP=1 "$@"; }
if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'ragtune'" | grep -q 1; then
    psql -d postgres -c "CREATE DATABASE ragtune" >&2
fi
psql -d ragtune -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS vector" >&2
echo "$url"
