#!/usr/bin/env bash
# Generates a Python client from docs/api.yaml with openapi-python-client and runs a short
# scenario with it (.ci/python_client_scenario.py) against the real server, started here on a
# free loopback port with a throw-away SQLite database: register, login, me, create, two pages,
# a conditional GET (304), a PUT with If-Match (412 when stale), a typed 422 and 409, logout with
# no body. Any mismatch exits non-zero; the server always stops.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
source .ci/lib.sh

GENERATOR_VERSION="0.29.1"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
venv="${PYTHON_CLIENT_VENV:-$target_dir/python-client-venv}"

python_tool "$venv" openapi-python-client "$GENERATOR_VERSION" openapi-python-client

work="$(mktemp -d /tmp/agora-pyclient.XXXXXX)"
server_pid=""
stop_server() {
  stop_process "$server_pid"
  rm -rf "$work"
}
trap stop_server EXIT

"$venv/bin/openapi-python-client" generate --path docs/api.yaml --meta none \
  --output-path "$work/agora_client" >"$work/generate.log" 2>&1 || {
  cat "$work/generate.log" >&2
  echo "openapi-python-client could not generate a client from docs/api.yaml" >&2
  exit 1
}

cargo build --quiet --locked --workspace --all-targets
port="$(free_port)"
base="http://127.0.0.1:$port"
env -u DATABASE_URL -u REDIS_URL APP_ENV=development BIND_ADDR="127.0.0.1:$port" \
  DATA_DIR="$work/data" BCRYPT_COST=4 WORKERS=1 SHUTDOWN_TIMEOUT_SECONDS=5 SHUTDOWN_DRAIN_SECONDS=0 RUST_LOG=warn \
  JWT_SECRET="pyclient-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  "$target_dir/debug/agora" serve >"$work/server.log" 2>&1 &
server_pid=$!
wait_ready "$base" "$server_pid" "$work/server.log"

PYTHONPATH="$work" "$venv/bin/python" .ci/python_client_scenario.py "$base" || {
  echo "the generated Python client disagrees with the server; its log:" >&2
  tail -n 50 "$work/server.log" >&2
  exit 1
}
