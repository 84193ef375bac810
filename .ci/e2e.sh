#!/usr/bin/env bash
# Browser end-to-end (tests/e2e): installs what is missing (Debian's chromium, as root; the npm
# packages pinned by tests/e2e/package-lock.json), generates the TypeScript client from
# docs/api.yaml with openapi-typescript (as .ci/typescript-client.sh does), type-checks and
# bundles the page, then drives it with playwright-core in headless Chromium against the real
# binary.
set -euo pipefail
cd "$(dirname "$0")/.."
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "Chromium is missing at $chromium: install Debian's chromium (or set CHROMIUM)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
cargo build -q --locked --workspace --all-targets
target="${CARGO_TARGET_DIR:-target}"
agora="$(cd "$target" && pwd)/debug/agora"

cd tests/e2e
npm ci --silent --no-audit --no-fund >/dev/null
npm run --silent build
AGORA_BIN="$agora" CHROMIUM="$chromium" timeout 180 node run.mjs
