#!/usr/bin/env bash
# The `remote` tests (tests/remote) pointed at a server they did not start, as the pipeline's
# `staging-tests` job points them at staging: this starts the real binary with its defaults
# (embedded SQLite, default budgets) on a free loopback port and sets AGORA_BASE_URL to it.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
target="${CARGO_TARGET_DIR:-target}"
cargo build -q --locked --workspace --all-targets
cargo test -q --locked --workspace --test remote --no-run
agora="$(cd "$target" && pwd)/debug/agora"

work=$(mktemp -d)
log="$work/agora.log"
server=""
cleanup() {
  stop_process "$server"
  rm -rf "$work"
}
trap cleanup EXIT

(
  cd "$work"
  exec env -u DATABASE_URL -u REDIS_URL -u APP_ENV DATA_DIR="$work/data" BIND_ADDR=127.0.0.1:0 \
    JWT_SECRET="remote-suite-secret-$(date +%s%N)-padding-to-32-bytes" \
    SHUTDOWN_DRAIN_SECONDS=0 LOG_FORMAT=json RUST_LOG=info "$agora" >"$log" 2>&1
) &
server=$!

port=""
for _ in $(seq 1 100); do
  port=$(grep -o '"message":"listening".*' "$log" 2>/dev/null | grep -o '"port":[0-9]*' | head -1 | cut -d: -f2 || true)
  [[ -n "$port" ]] && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { echo "the server did not start listening" >&2; cat "$log" >&2; exit 1; }

AGORA_BASE_URL="http://127.0.0.1:$port" cargo test --locked --workspace --test remote
