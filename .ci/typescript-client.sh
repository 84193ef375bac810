#!/usr/bin/env bash
# Generates a TypeScript client from docs/api.yaml with openapi-typescript and type-checks it
# with tsc, so a contract that SDK generators choke on fails CI.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/agora-ts.XXXXXX)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund openapi-typescript@7 typescript@5 >/dev/null
npx --no-install openapi-typescript "$repo/docs/api.yaml" -o api.d.ts
cat > check.ts <<'TS'
import type { components, paths } from "./api";

type User = components["schemas"]["UserResponse"];
type Problem = components["schemas"]["Problem"];
type LoginBody = paths["/api/auth/login"]["post"]["requestBody"]["content"]["application/json"];
type LoginOk = paths["/api/auth/login"]["post"]["responses"][200]["content"]["application/json"];

const body: LoginBody = { email: "ada@example.com", password: "correct horse battery" };
const user: User = {
  id: "0190f5e4-3b1e-7c3a-9d2e-1a2b3c4d5e6f",
  username: "ada",
  email: body.email,
  email_verified: false,
  roles: ["user"],
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};
const ok: LoginOk = { access_token: "a.b.c", token_type: "Bearer", expires_in: 900, csrf_token: "x", user };
const problem: Problem = { type: "urn:agora:problem:not_found", title: "Not found", status: 404, detail: "", code: "not_found" };
type ResetAsk = paths["/api/auth/password-reset"]["post"]["requestBody"]["content"]["application/json"];
type ResetConfirm = paths["/api/auth/password-reset/confirm"]["post"]["requestBody"]["content"]["application/json"];
const reset: ResetAsk = { email: "ada@example.com" };
const confirm: ResetConfirm = { token: "t", new_password: "correct horse battery staple" };
export { ok, problem, reset, confirm };
TS
npx --no-install tsc --noEmit --strict --target es2020 --module esnext --moduleResolution bundler check.ts
echo "TypeScript client generated from docs/api.yaml and type-checked"
