#!/usr/bin/env bash
# The compose profile `scale` without a container engine: deploy/nginx.conf (its upstream
# pointed at three loopback addresses instead of Docker's DNS name, its listener moved off port
# 80) in front of three real `agora` processes sharing DATABASE_URL and REDIS_URL, with
# TRUSTED_PROXIES naming nginx only. Checks: the configuration loads, requests reach every
# replica, and a client's forged X-Forwarded-For never buys it a fresh budget. Needs
# DATABASE_URL and REDIS_URL (.ci/run's second pass); installs nginx-light when root.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
: "${DATABASE_URL:?DATABASE_URL: a PostgreSQL the replicas share}"
: "${REDIS_URL:?REDIS_URL: a Redis the replicas share}"
if ! command -v nginx >/dev/null; then
  [[ $(id -u) -eq 0 ]] || { echo "nginx is missing: install nginx-light" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi
psql="${pg_bin:+$pg_bin/}psql"
cargo build -q --locked --workspace --all-targets
agora="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/agora"

work=$(mktemp -d)
schema="lb_$(date +%s%N)"
pids=()
cleanup() {
  [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$psql" -q "$DATABASE_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"$psql" -q "$DATABASE_URL" -c "CREATE SCHEMA $schema"

api_port=$(free_port)
upstream=""
for i in 2 3 4; do
  mkdir -p "$work/d$i"
  env -i PATH="$PATH" DATABASE_URL="$DATABASE_URL" DATABASE_SCHEMA="$schema" \
    REDIS_URL="$REDIS_URL" REDIS_KEY_PREFIX="$schema" DATA_DIR="$work/d$i" \
    JWT_SECRET=load-balancer-check-secret-of-32-bytes \
    DATA_KEY=YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY= \
    BLIND_INDEX_KEY=MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY= \
    BIND_ADDR="127.0.0.$i:$api_port" TRUSTED_PROXIES=127.0.0.1 RATE_LIMIT_AUTH_PER_MIN=3 \
    BCRYPT_COST=4 SHUTDOWN_DRAIN_SECONDS=0 LOG_FORMAT=json RUST_LOG=info "$agora" >"$work/a$i.log" 2>&1 &
  pids+=($!)
  upstream+="server 127.0.0.$i:$api_port; "
done

lb_port=$(free_port)
sed -e "s/server api-replica:8080 .*;/$upstream/" -e "s/listen 80;/listen 127.0.0.1:$lb_port;/" \
  deploy/nginx.conf > "$work/site.conf"
grep -q "127.0.0.4:$api_port" "$work/site.conf" || { echo "deploy/nginx.conf: upstream line not found" >&2; exit 1; }
cat > "$work/nginx.conf" <<NGINX
pid $work/nginx.pid;
error_log $work/error.log;
events {}
http {
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  include $work/site.conf;
}
NGINX
nginx -q -t -c "$work/nginx.conf" -p "$work"
for i in 2 3 4; do
  for _ in $(seq 1 100); do grep -q '"listening"' "$work/a$i.log" && break; sleep 0.1; done
  grep -q '"listening"' "$work/a$i.log" || { cat "$work/a$i.log" >&2; exit 1; }
done
nginx -c "$work/nginx.conf" -p "$work"
lb="http://127.0.0.1:$lb_port"
for _ in $(seq 1 50); do curl -fs -o /dev/null "$lb/health/live" && break; sleep 0.1; done

failed=0
expect() { # name, expected, actual
  if [[ "$2" == "$3" ]]; then echo "ok   $1"; else echo "FAIL $1: expected $2, got $3"; failed=1; fi
}
for _ in $(seq 1 9); do curl -s -o /dev/null "$lb/api/posts"; done
for i in 2 3 4; do
  expect "replica 127.0.0.$i answered some of nine requests" yes \
    "$(grep -q '/api/posts' "$work/a$i.log" && echo yes || echo no)"
done
login() { # client address, forwarded-for
  curl -s --interface "$1" -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $2" \
    -H 'content-type: application/json' -d '{"email":"x@example.com","password":"whatever-it-is"}' \
    "$lb/api/auth/login"
}
codes=""
for n in 1 2 3 4; do codes+="$(login 127.0.0.5 "198.51.100.$n") "; done
expect "a forged X-Forwarded-For each time: one budget of 3 across the replicas" "401 401 401 429 " "$codes"
expect "another client keeps its own budget" 401 "$(login 127.0.0.6 198.51.100.1)"
exit $failed
