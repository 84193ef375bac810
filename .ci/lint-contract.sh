#!/usr/bin/env bash
# Lints docs/api.yaml with Redocly CLI's recommended rules: any error fails CI. (The two
# warnings left are the health probes, which have no 4xx to declare.)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

REDOCLY_VERSION="2.77.0"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
tools="${REDOCLY_DIR:-$target_dir/redocly}"

if ! "$tools/node_modules/.bin/redocly" --version 2>/dev/null | grep -qxF "$REDOCLY_VERSION"; then
  echo "installing @redocly/cli $REDOCLY_VERSION into $tools"
  mkdir -p "$tools"
  (cd "$tools" && npm install --silent --no-audit --no-fund --no-save "@redocly/cli@$REDOCLY_VERSION" >/dev/null)
fi

REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$tools/node_modules/.bin/redocly" lint --extends recommended --format stylish "$repo/docs/api.yaml"
