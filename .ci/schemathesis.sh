#!/usr/bin/env bash
# Fuzzes the real server against its own contract: builds and starts `agora` on a free loopback
# port, registers and logs in a user through the API, and runs schemathesis on
# /api/openapi.json with that bearer token. Any failure exits non-zero; the server always stops.
#
# FUZZ_AS=user (default): the fuzzer is the account it registered. FUZZ_AS=admin: it is an
#   administrator made with `agora create-admin` (the only way to make one) and logged in through
#   the API, so the admin-only operations get past 403; a user is still registered for it to find.
# Uses DATABASE_URL / REDIS_URL when set (throw-away CI services), else a SQLite file in a
# temporary DATA_DIR with in-memory sessions.
# Budget: FUZZ_MAX_EXAMPLES test cases per operation and phase, FUZZ_MAX_TIME seconds in all.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
source .ci/lib.sh

SCHEMATHESIS_VERSION="4.32.5"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
venv="${SCHEMATHESIS_VENV:-$target_dir/schemathesis-venv}"
max_examples="${FUZZ_MAX_EXAMPLES:-40}"
max_time="${FUZZ_MAX_TIME:-150}"
seed="${FUZZ_SEED:-$(date +%s)}"

python_tool "$venv" schemathesis "$SCHEMATHESIS_VERSION" schemathesis

cargo build --quiet --locked --workspace --all-targets
agora="$target_dir/debug/agora"

work="$(mktemp -d /tmp/agora-fuzz.XXXXXX)"
server_pid=""
stop_server() {
  stop_process "$server_pid"
  rm -rf "$work"
}
trap stop_server EXIT

port="$(free_port)"
base="http://127.0.0.1:$port"

fuzz_as="${FUZZ_AS:-user}"
export AGORA_FUZZ_URL="$base"
export AGORA_FUZZ_EMAIL="fuzz-$port-$$@example.com"
# Random enough for the strength check (zxcvbn), which refuses guessable passwords.
export AGORA_FUZZ_PASSWORD="fuzz-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
export AGORA_FUZZ_REREGISTER=1

# Generous rate limits and cheap bcrypt: the fuzzer sends thousands of requests in minutes.
export APP_ENV=development BIND_ADDR="127.0.0.1:$port" DATA_DIR="$work/data" \
  REDIS_KEY_PREFIX="agora-fuzz-$port-$$" BCRYPT_COST=4 WORKERS=2 SHUTDOWN_TIMEOUT_SECONDS=5 SHUTDOWN_DRAIN_SECONDS=0 \
  RATE_LIMIT_GENERAL_PER_MIN=100000 RATE_LIMIT_AUTH_PER_MIN=100000 LOGIN_LOCKOUT_THRESHOLD=100000 \
  LOG_FORMAT=json RUST_LOG="${FUZZ_RUST_LOG:-warn}"
export JWT_SECRET="${JWT_SECRET:-fuzz-secret-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"

case "$fuzz_as" in
  user) ;;
  admin)
    # The last administrator cannot delete or demote itself (409), so this account outlives the
    # run; logging out only kills its token, and the auth hook logs in again.
    AGORA_FUZZ_REREGISTER=0
    ADMIN_PASSWORD="$AGORA_FUZZ_PASSWORD" "$agora" create-admin \
      --email "$AGORA_FUZZ_EMAIL" --username "fuzz-admin-$port" >/dev/null
    ;;
  *) echo "FUZZ_AS must be user or admin" >&2; exit 2 ;;
esac

"$agora" serve >"$work/server.log" 2>&1 &
server_pid=$!

wait_ready "$base" "$server_pid" "$work/server.log"

# The fuzzer's account (as admin: another account), opened through the API itself.
register_email="$AGORA_FUZZ_EMAIL"
if [ "$fuzz_as" = admin ]; then register_email="member-$port-$$@example.com"; fi
curl -fsS -o /dev/null -X POST "$base/api/auth/register" -H 'Content-Type: application/json' \
  -d "{\"username\": \"fuzz-$port\", \"email\": \"$register_email\", \"password\": \"$AGORA_FUZZ_PASSWORD\"}"
AGORA_FUZZ_TOKEN="$(curl -fsS -X POST "$base/api/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\": \"$AGORA_FUZZ_EMAIL\", \"password\": \"$AGORA_FUZZ_PASSWORD\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
export AGORA_FUZZ_TOKEN

# The token reaches every request as `Authorization: Bearer <token>` through the auth provider in
# schemathesis_hooks.py, which logs in again (re-registering if the fuzzer deleted the account)
# when the fuzzer's own logout or account deletion has killed it.
export SCHEMATHESIS_HOOKS="schemathesis_hooks"
export PYTHONPATH="$repo/.ci${PYTHONPATH:+:$PYTHONPATH}"
# Every check but two. positive_data_acceptance wants a 2xx for any schema-valid input, but a
# cursor is opaque and checksummed, a password is bounded in bytes and an email by a grammar,
# none of which JSON Schema can state exactly, so valid-looking values rightly get 422.
# object_level_authorization needs a second identity, and posts and comments are public by design.
checks="${FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,response_headers_conformance,missing_required_header,unsupported_method,allow_header_conformance,use_after_free,ensure_resource_availability,ignored_auth}"
# One worker: Python 3.11's ast module is not thread-safe, and hypothesis parses lambdas with it.
status=0
"$venv/bin/schemathesis" run "$base/api/openapi.json" \
  --checks "$checks" \
  --max-examples "$max_examples" --max-time "$max_time" --seed "$seed" --workers 1 \
  --request-timeout 10 --generation-database none --no-color \
  --report junit --report-dir "$target_dir/schemathesis-report/$fuzz_as" || status=$?

if [ "$status" != 0 ]; then
  echo "schemathesis failed (seed $seed); the server's warnings and errors:" >&2
  grep -E '"level":"(WARN|ERROR)"' "$work/server.log" | tail -n 50 >&2 || true
  exit "$status"
fi
echo "schemathesis: no failures (seed $seed)"
