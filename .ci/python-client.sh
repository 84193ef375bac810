#!/usr/bin/env bash
# Generates a Python client from docs/api.yaml with openapi-python-client and runs a short
# scenario with it (.ci/python_client_scenario.py) against the real server, started here on a
# free loopback port with a throw-away SQLite database: register, login, me, create, two pages,
# a conditional GET (304), a PUT with If-Match (412 when stale), a typed 422 and 409, logout with
# no body. Any mismatch exits non-zero; the server always stops.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

GENERATOR_VERSION="0.29.1"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
venv="${PYTHON_CLIENT_VENV:-$target_dir/python-client-venv}"

if ! "$venv/bin/openapi-python-client" --version 2>/dev/null | grep -qF "$GENERATOR_VERSION"; then
  echo "installing openapi-python-client $GENERATOR_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-python-client==$GENERATOR_VERSION"
fi

work="$(mktemp -d /tmp/agora-pyclient.XXXXXX)"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
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
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"
env -u DATABASE_URL -u REDIS_URL APP_ENV=development BIND_ADDR="127.0.0.1:$port" \
  DATA_DIR="$work/data" BCRYPT_COST=4 WORKERS=1 SHUTDOWN_TIMEOUT_SECONDS=5 SHUTDOWN_DRAIN_SECONDS=0 RUST_LOG=warn \
  JWT_SECRET="pyclient-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  "$target_dir/debug/agora" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "$base/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "$work/server.log" >&2
    echo "agora did not start" >&2
    exit 1
  fi
  sleep 0.2
done
curl -fsS "$base/health/ready" >/dev/null

PYTHONPATH="$work" "$venv/bin/python" .ci/python_client_scenario.py "$base" || {
  echo "the generated Python client disagrees with the server; its log:" >&2
  tail -n 50 "$work/server.log" >&2
  exit 1
}
