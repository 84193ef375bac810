#!/usr/bin/env bash
# Starts a throw-away PostgreSQL 15 and Redis on loopback, installing them with apt when
# missing, and exports DATABASE_URL and REDIS_URL. Source it; call `stop_services` to end them.
# `start_replica` then adds a streaming replica of that PostgreSQL (pg_basebackup -R).
set -euo pipefail

SERVICES_DIR="$(mktemp -d /tmp/agora-services.XXXXXX)"

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "missing $*: install it (apt-get install $*) or run as root" >&2
    return 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "installing PostgreSQL"
  apt_install postgresql
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing Redis"
  apt_install redis-server
fi

PG_PORT="$(free_port)"
REDIS_PORT="$(free_port)"
mkdir -p "$SERVICES_DIR/pg"
if [ "$(id -u)" = 0 ]; then chown -R postgres "$SERVICES_DIR"; fi
as_postgres "$pg_bin/initdb" -D "$SERVICES_DIR/pg/data" -A trust -U postgres >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$SERVICES_DIR/pg/data" -l "$SERVICES_DIR/pg/log" -w \
  -o "-p $PG_PORT -k $SERVICES_DIR/pg -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=off" start >/dev/null
as_postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres agora_test

# A streaming replica of the PostgreSQL above (pg_basebackup -R; initdb's trust rule lets
# 127.0.0.1 replicate) on a free loopback port. Exports AGORA_REPLICA_URL (not
# DATABASE_READ_URL: only crates/server/tests/read_replica.rs uses it, which pauses its replay,
# so no other test may share it) and AGORA_REPLICA_STOP / AGORA_REPLICA_START, the commands
# that stop it (immediate) and start it again.
start_replica() {
  REPLICA_PORT="$(free_port)"
  as_postgres "$pg_bin/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres \
    -D "$SERVICES_DIR/pg/replica" -R -X stream -c fast
  local ctl="$pg_bin/pg_ctl -D $SERVICES_DIR/pg/replica -l $SERVICES_DIR/pg/replica.log -w"
  local opts="-p $REPLICA_PORT -k $SERVICES_DIR/pg -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=off -c hot_standby=on"
  if [ "$(id -u)" = 0 ]; then ctl="runuser -u postgres -- $ctl"; fi
  $ctl -o "$opts" start >/dev/null
  export AGORA_REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/agora_test"
  export AGORA_REPLICA_STOP="$ctl -m immediate stop"
  export AGORA_REPLICA_START="$ctl -o '$opts' start"
  echo "PostgreSQL replica on 127.0.0.1:$REPLICA_PORT"
}

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' \
  --dir "$SERVICES_DIR" --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log"
for _ in $(seq 1 50); do
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then break; fi
  sleep 0.1
done

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/agora_test"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
echo "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"

stop_services() {
  if [ -n "${REPLICA_PORT:-}" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$SERVICES_DIR/pg/replica" -m immediate stop >/dev/null 2>&1 || true
  fi
  as_postgres "$pg_bin/pg_ctl" -D "$SERVICES_DIR/pg/data" -m fast stop >/dev/null 2>&1 || true
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$SERVICES_DIR"
}
