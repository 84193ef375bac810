#!/usr/bin/env bash
# Server builds or settings side by side on the same data (README "Memory and the allocator"):
#   bash bench/variants.sh [--rounds 3] [--seconds 5] [--settle 10] LABEL=BINARY[,VAR=value...] ...
# e.g. glibc=/tmp/agora-glibc mimalloc=target/release/agora w1=target/release/agora,WORKERS=1
# Seeds the embedded data set once (agora-seed from the release build), then in every round starts
# each variant in turn (the order rotating a step per round) on a copy of the same data, and
# reads its RSS idle, drives GET /api/posts/{id}, GET /api/posts?limit=20 and POST /api/posts with
# wrk (2 threads, 64 connections), reads the peak (VmHWM), waits --settle seconds and reads the
# RSS again (and, with --settle2 S, once more S seconds later). A
# variant whose label ends in "+trim" also gets one malloc_trim(0) through gdb after the load
# (what a periodic trim could reach at best). Prints every round and the medians; writes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 seconds=5 settle=10 settle2=0 connections=64 variants=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --settle) settle="$2"; shift 2 ;;
    --settle2) settle2="$2"; shift 2 ;;
    *=*) variants+=("$1"); shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ "${#variants[@]}" -gt 0 ] || { echo "name at least one LABEL=BINARY" >&2; exit 2; }

bin="${CARGO_TARGET_DIR:-target}/release"
[ -x "$bin/agora-seed" ] || nice cargo build -q --release --locked -p agora-bench
work="$(mktemp -d /tmp/agora-variants.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

unset DATABASE_URL REDIS_URL
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
export APP_ENV=development LOG_FORMAT=json RUST_LOG=warn BIND_ADDR="127.0.0.1:$port"
JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
export JWT_SECRET RATE_LIMIT_GENERAL_PER_MIN=1000000 RATE_LIMIT_AUTH_PER_MIN=1000000
export ACCESS_TOKEN_TTL_SECONDS=86400 BCRYPT_COST=12
DATA_DIR="$work/seed" "$bin/agora-seed" "$work/setup.json" >/dev/null
post="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["post_id"])' "$work/setup.json")"

kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
rps() { # URL TOKEN [BODY] -> requests per second (a POST of BODY when given)
  printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$2" >"$work/auth.lua"
  if [ -n "${3:-}" ]; then
    printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[%s]==]\n' "$3" >>"$work/auth.lua"
  fi
  wrk -t2 -c"$connections" -d"${seconds}s" -s "$work/auth.lua" "$1" |
    awk '/^Requests\/sec:/ { printf "%.0f", $2 } /Non-2xx/ { bad = 1 } END { if (bad) print " (non-2xx!)" }'
}

results="$work/results"
n="${#variants[@]}"
for round in $(seq 1 "$rounds"); do
  for k in $(seq 0 $((n - 1))); do
    spec="${variants[$(( (k + round - 1) % n ))]}"
    label="${spec%%=*}" rest="${spec#*=}"
    IFS=, read -r -a parts <<<"$rest"
    rm -rf "$work/data" && cp -a "$work/seed" "$work/data"
    env DATA_DIR="$work/data" "${parts[@]:1}" "${parts[0]}" >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do curl -sf -o /dev/null "http://$BIND_ADDR/health/ready" && break; sleep 0.1; done
    token="$(curl -sf "http://$BIND_ADDR/api/auth/login" -H 'content-type: application/json' \
      -d '{"email":"bench0@bench.example","password":"bench-Horse-Battery-Staple-2026"}' |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
    sleep 1
    idle="$(kb "$server_pid" VmRSS)"
    one="$(rps "http://$BIND_ADDR/api/posts/$post" "$token")"
    list="$(rps "http://$BIND_ADDR/api/posts?limit=20" "$token")"
    write="$(rps "http://$BIND_ADDR/api/posts" "$token" '{"title":"A variant post","body":"Written under load by wrk."}')"
    peak="$(kb "$server_pid" VmHWM)"
    if [[ "$label" == *+trim ]]; then
      gdb -p "$server_pid" -batch -ex 'call (int) malloc_trim(0)' >/dev/null 2>&1 || echo "gdb failed" >&2
    fi
    sleep "$settle"
    after="$(kb "$server_pid" VmRSS)"
    after2="$after"
    if [ "$settle2" -gt 0 ]; then sleep "$settle2"; after2="$(kb "$server_pid" VmRSS)"; fi
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
    printf 'round %s %-14s idle %6.1f MB  peak %6.1f MB  after %6.1f / %6.1f MB  post %6s list %6s write %6s rps\n' \
      "$round" "$label" "$(bc -l <<<"$idle/1024")" "$(bc -l <<<"$peak/1024")" "$(bc -l <<<"$after/1024")" \
      "$(bc -l <<<"$after2/1024")" "$one" "$list" "$write"
    echo "$label $idle $peak $after $one $list $write $after2" >>"$results"
  done
done

echo
echo "| variant | idle MB | peak MB | ${settle} s after MB | $((settle + settle2)) s after MB | GET /api/posts/{id} rps | GET /api/posts?limit=20 rps | POST /api/posts rps |"
echo "|---|---|---|---|---|---|---|---|"
python3 - "$results" "${variants[@]}" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for spec in sys.argv[2:]:
    label = spec.split("=", 1)[0]
    mine = [r for r in rows if r[0] == label]
    med = lambda i: statistics.median(float(r[i]) for r in mine)
    spread = lambda i: f"{min(float(r[i]) for r in mine):.0f}-{max(float(r[i]) for r in mine):.0f}"
    print(f"| {label} | {med(1)/1024:.1f} | {med(2)/1024:.1f} | {med(3)/1024:.1f} | {med(7)/1024:.1f} | {med(4):.0f} ({spread(4)}) | {med(5):.0f} ({spread(5)}) | {med(6):.0f} ({spread(6)}) |")
EOF
