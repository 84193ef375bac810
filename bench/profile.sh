#!/usr/bin/env bash
# A CPU profile of the server under one route's load (README "Performance"):
#   bash bench/profile.sh [--backend embedded|postgres] [--seconds 6] [--binary PATH]
#                         [--machine | --flood] [--services-nice N] ROUTE OUT.svg
# ROUTE is a path (`/api/users/me`, `/api/posts/{id}` with the seeded post's id filled in,
# `/api/posts?limit=20`). Seeds the default data set (as bench/run.sh: 1,000 users, 20,000 posts,
# 100,000 comments), starts the release server, drives ROUTE with wrk (2 threads, 64
# connections, a bearer token of a seeded user) and records the server with
# `perf record --call-graph dwarf` (499 Hz) meanwhile; draws OUT.svg with inferno and prints the
# top symbols by self time. --backend postgres needs DATABASE_URL and REDIS_URL (a fresh
# database is created and dropped). Needs perf and inferno (`cargo install inferno`).
# --machine: the whole machine recorded instead (`perf record -a`, no call graphs): OUT.svg's
# first frames are the threads and processes the CPU went to, idle (`swapper`) included, and
# their shares are printed in cores (WORKERS=N in the environment reaches the server).
# --flood: --machine with a login flood beside ROUTE's load, as bench/run.sh's (the reads on one
# wrk thread, logins of a seeded user on PASSWORD_HASH_CONCURRENCY x 2 connections).
# --services-nice N (with --machine or --flood): while recording, PostgreSQL's and Redis's
# processes on this machine run at nice N (set back to 0 after), as if they had hosts of their
# own and did not compete with the password hashers; with WORKER_NICE=N too, only the load
# generator still does.
set -euo pipefail
cd "$(dirname "$0")/.."

backend=embedded seconds=6 binary="" flood=0 machine=0 services_nice=""
while [ $# -gt 2 ]; do
  case "$1" in
    --backend) backend="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --machine) machine=1; shift ;;
    --flood) flood=1 machine=1; shift ;;
    --services-nice) services_nice="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ $# = 2 ] || { echo "usage: bench/profile.sh [options] ROUTE OUT.svg" >&2; exit 2; }
route="$1" svg="$2"

bin="${CARGO_TARGET_DIR:-target}/release"
[ -x "$bin/agora-seed" ] && [ -x "$bin/agora" ] || nice cargo build -q --release --locked -p agora -p agora-bench
binary="${binary:-$bin/agora}"
work="$(mktemp -d /tmp/agora-profile.XXXXXX)"
server_pid="" reniced=""
cleanup() {
  # shellcheck disable=SC2086 # one pid per word
  if [ -n "$reniced" ]; then renice -n 0 -p $reniced >/dev/null 2>&1 || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "${bench_db:-}" ]; then psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $bench_db" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$backend" = postgres ]; then
  : "${DATABASE_URL:?set DATABASE_URL and REDIS_URL (source /work/services.env or .ci/services.sh)}"
  : "${REDIS_URL:?set REDIS_URL}"
  admin_url="$DATABASE_URL" bench_db="agora_profile_$$"
  psql -q "$admin_url" -c "CREATE DATABASE $bench_db" >/dev/null
  export DATABASE_URL="${admin_url%/*}/$bench_db" REDIS_KEY_PREFIX="agora-profile-$$"
else
  unset DATABASE_URL REDIS_URL
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
export APP_ENV=development DATA_DIR="$work/data" LOG_FORMAT=json RUST_LOG=warn BIND_ADDR="127.0.0.1:$port"
JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
export JWT_SECRET RATE_LIMIT_GENERAL_PER_MIN=1000000 RATE_LIMIT_AUTH_PER_MIN=1000000
export ACCESS_TOKEN_TTL_SECONDS=86400 BCRYPT_COST=12
"$bin/agora-seed" "$work/setup.json" >/dev/null
post="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["post_id"])' "$work/setup.json")"
"$binary" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://$BIND_ADDR/health/ready" && break; sleep 0.1; done
token="$(curl -sf "http://$BIND_ADDR/api/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench0@bench.example","password":"bench-Horse-Battery-Staple-2026"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" >"$work/auth.lua"
url="http://$BIND_ADDR${route//\{id\}/$post}"
curl -sf -o /dev/null -H "Authorization: Bearer $token" "$url" || { echo "$url does not answer 2xx" >&2; exit 1; }

if [ "$machine" = 1 ]; then
  cores="$(nproc)"
  hashers="${PASSWORD_HASH_CONCURRENCY:-$(( cores > 1 ? cores - 1 : 1 ))}"
  pids=()
  if [ "$flood" = 1 ]; then
    cat >"$work/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench0@bench.example","password":"bench-Horse-Battery-Staple-2026"}'
LUA
    wrk -t1 -c"$((hashers * 2))" -d"$((seconds + 2))s" -s "$work/login.lua" \
      "http://$BIND_ADDR/api/auth/login" >"$work/flood.txt" &
    pids+=("$!")
    what="a login flood beside GET $route" threads=1
  else
    what="GET $route${WORKERS:+, WORKERS=$WORKERS}" threads=2
  fi
  wrk -t"$threads" -c64 -d"$((seconds + 2))s" -s "$work/auth.lua" "$url" >"$work/wrk.txt" &
  pids+=("$!")
  services="$(pgrep -d' ' -x postgres || true) $(pgrep -d' ' -x redis-server || true)"
  if [ -n "$services_nice" ] && [ -n "${services// /}" ]; then
    reniced="$services" # set back to 0 by cleanup, however the script ends
    # shellcheck disable=SC2086 # one pid per word
    renice -n "$services_nice" -p $services >/dev/null
    what="$what, PostgreSQL and Redis at nice $services_nice"
  fi
  sleep 1
  perf record -q -a -F 499 -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null
  wait "${pids[@]}"
  echo "reads:  $(grep -E 'Requests/sec' "$work/wrk.txt")"
  if [ "$flood" = 1 ]; then
    echo "logins: $(grep -E 'Requests/sec' "$work/flood.txt") (ceiling: $hashers / the bcrypt time)"
  fi
  grep -h 'Non-2xx' "$work"/*.txt || true
  perf script -i "$work/perf.data" 2>/dev/null | inferno-collapse-perf >"$work/perf.folded"
  inferno-flamegraph --title "whole machine ($cores cores), $backend: $what ($(git rev-parse --short HEAD))" \
    <"$work/perf.folded" >"$svg"
  echo "cores used, by thread or process (of $cores, idle included):"
  python3 - "$work/perf.folded" "$cores" <<'EOF'
import collections, re, sys
by = collections.Counter()
for line in open(sys.argv[1]):
    stack, n = line.rsplit(" ", 1)
    # Threads of one kind together: agora-hash-0, actix-rt|system:0|arbiter:1, postgres ...
    by[re.sub(r"[-:]?[0-9]+$", "", stack.split(";")[0].split("|")[0])] += int(n)
total = sum(by.values())
for name, n in by.most_common(12):
    print(f"{int(sys.argv[2]) * n / total:5.2f}  {name}")
EOF
  exit 0
fi

wrk -t2 -c64 -d"$((seconds + 2))s" -s "$work/auth.lua" "$url" >"$work/wrk.txt" &
wrk_pid=$!
sleep 1
perf record -q -F 499 --call-graph dwarf,16384 -p "$server_pid" -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null
wait "$wrk_pid"
grep -E 'Requests/sec|Non-2xx' "$work/wrk.txt"
perf script -i "$work/perf.data" 2>/dev/null | inferno-collapse-perf >"$work/perf.folded"
inferno-flamegraph --title "agora $backend: GET $route ($(git rev-parse --short HEAD))" <"$work/perf.folded" >"$svg"
echo "top frames by self time (of all samples), and the share of samples under a few frames:"
python3 - "$work/perf.folded" <<'EOF'
import collections, sys
leaf, under, total = collections.Counter(), collections.Counter(), 0
keys = ["malloc", "free", "realloc", "request_context", "rate_limit", "record_metrics", "compress",
        "security_headers", "error_tracking", "problem_fallback", "serde_json", "try_get", "sqlx",
        "redis", "tokio_postgres", "jsonwebtoken", "tracing"]
for line in open(sys.argv[1]):
    stack, n = line.rsplit(" ", 1)
    n = int(n); total += n
    frames = stack.split(";")
    leaf[frames[-1][:90]] += n
    for k in keys:
        if any(k in f for f in frames):
            under[k] += n
for f, n in leaf.most_common(20):
    print(f"{100 * n / total:5.1f}%  {f}")
print("under:", ", ".join(f"{k} {100 * under[k] / total:.1f}%" for k in keys))
EOF
