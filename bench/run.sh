#!/usr/bin/env bash
# The benchmark (README "Performance"):
#   bash bench/run.sh [--backend embedded|postgres] [--scale N] [--rounds N] [--seconds N]
#                     [--workers N] [--stem NAME] [--replica] [--smoke]
# Builds release, seeds 1,000 users, 20,000 posts and 100,000 comments (times --scale) through
# the repositories, starts the server and the floor (agora-floor: bare JWT check + one
# primary-key select, same pool settings) on loopback, drives both with wrk in interleaved
# rounds and writes docs/perf/<stem>.{json,md,svg}.
# --backend postgres uses DATABASE_URL and REDIS_URL when set (a fresh database is created and
# dropped), else starts its own with .ci/services.sh.
# --replica: PostgreSQL with a streaming replica (DATABASE_READ_URL; AGORA_REPLICA_URL when set,
# else its own .ci/services.sh and start_replica), post and comment reads sent anonymously so
# the replica serves them; results as postgres-replica.
# --smoke (CI): the dev profile, a tiny data set, one round of one second, BCRYPT_COST=4,
# results to a temporary directory: it proves the benchmark still runs and asserts no figures.
set -euo pipefail
cd "$(dirname "$0")/.."

backend=embedded scale=1 rounds=3 seconds=5 smoke=0 workers="" stem="" connections=64
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --stem) stem="$2"; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --replica) replica=1; backend=postgres; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
case "$backend" in embedded|postgres) ;; *) echo "--backend embedded|postgres" >&2; exit 2 ;; esac

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: apt-get install wrk" >&2; exit 1
  fi
fi

target_dir="${CARGO_TARGET_DIR:-target}"
if [ "$smoke" = 1 ]; then
  cargo build -q --locked --workspace --all-targets
  bin="$target_dir/debug"
  seed_args=(--users 20 --posts 200 --comments 500)
  rounds=1 seconds=1 connections=4
  export BCRYPT_COST=4
  out="$(mktemp -d)"
else
  nice cargo build -q --release --locked -p agora -p agora-bench
  bin="$target_dir/release"
  seed_args=(--scale "$scale")
  export BCRYPT_COST="${BCRYPT_COST:-12}"
  out=docs/perf
fi
suffix=""; if [ "${replica:-}" = 1 ]; then suffix=-replica; fi
stem="${stem:-$backend$suffix}"

work="$(mktemp -d /tmp/agora-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${bench_db:-}" ]; then psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $bench_db" >/dev/null 2>&1 || true; fi
  if declare -F stop_services >/dev/null; then stop_services; fi
  rm -rf "$work"
  if [ "$smoke" = 1 ]; then rm -rf "$out"; fi
}
trap cleanup EXIT

if [ "$backend" = postgres ]; then
  if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ] ||
    { [ "${replica:-}" = 1 ] && [ -z "${AGORA_REPLICA_URL:-}" ]; }; then
    # shellcheck source=../.ci/services.sh
    source .ci/services.sh
    if [ "${replica:-}" = 1 ]; then start_replica; fi
  fi
  admin_url="$DATABASE_URL"
  bench_db="agora_bench_$$"
  psql -q "$admin_url" -c "CREATE DATABASE $bench_db" >/dev/null
  export DATABASE_URL="${admin_url%/*}/$bench_db"
  export REDIS_KEY_PREFIX="agora-bench-$$"
  if [ "${replica:-}" = 1 ]; then export DATABASE_READ_URL="${AGORA_REPLICA_URL%/*}/$bench_db"; fi
else
  unset DATABASE_URL REDIS_URL
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
port="$(free_port)" floor_port="$(free_port)"
export APP_ENV=development DATA_DIR="$work/data" LOG_FORMAT=json RUST_LOG=warn
JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
export JWT_SECRET
export BIND_ADDR="127.0.0.1:$port" FLOOR_ADDR="127.0.0.1:$floor_port"
# The benchmark measures cost, not the abuse limits: budgets it cannot reach, tokens that
# outlive the run, and refresh's grace window (a reused token answers its successor) open
# long enough for a round.
export RATE_LIMIT_GENERAL_PER_MIN=1000000 RATE_LIMIT_AUTH_PER_MIN=1000000
export ACCESS_TOKEN_TTL_SECONDS=86400 REFRESH_REUSE_GRACE_SECONDS=300 MAX_SESSIONS_PER_USER=1000
if [ -n "$workers" ]; then export WORKERS="$workers"; fi
hash_concurrency="${PASSWORD_HASH_CONCURRENCY:-$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))}"

"$bin/agora-seed" "$work/setup.json" "${seed_args[@]}"

if [ "${replica:-}" = 1 ]; then
  # The seed went to the primary: start once the replica has replayed it.
  lsn="$(psql -Atq "$DATABASE_URL" -c 'SELECT pg_current_wal_lsn()')"
  for _ in $(seq 1 300); do
    caught="$(psql -Atq "$DATABASE_READ_URL" -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")"
    if [ "$caught" = t ]; then break; fi
    sleep 0.1
  done
fi

"$bin/agora" >"$work/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
# The server runs every thread but its password hashers WORKER_NICE lower (default 10): the
# floor runs at that priority too, so both meet wrk on the same terms.
nice -n "${WORKER_NICE:-10}" "$bin/agora-floor" >"$work/floor.log" 2>&1 &
pids+=("$!")
for url in "http://$BIND_ADDR/health/ready" "http://$FLOOR_ADDR/floor/00000000-0000-0000-0000-000000000000"; do
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "$url"; then break; fi
    sleep 0.1
  done
done

commit="$(git rev-parse --short HEAD)"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then commit="$commit-dirty"; fi
"$bin/agora-bench" --server "http://$BIND_ADDR" --floor "http://$FLOOR_ADDR" \
  --setup "$work/setup.json" --out "$out" --stem "$stem" --backend "$backend" \
  --commit "$commit" --rounds "$rounds" --seconds "$seconds" --connections "$connections" \
  --pid "$server_pid" --bcrypt-cost "$BCRYPT_COST" --hash-concurrency "$hash_concurrency" \
  --note "${BENCH_NOTE:-}" $([ "$smoke" = 1 ] && echo --smoke) \
  $([ "${replica:-}" = 1 ] && echo --anonymous-reads)
if [ "$smoke" = 1 ]; then echo "benchmark smoke: every route answered under load"; fi
