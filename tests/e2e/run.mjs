// Browser end-to-end: the real `agora` binary (AGORA_BIN) on one port, the page built from the
// generated client on another (same host name, `localhost`, so the session cookies reach the
// API), and a copy of the page on a third port whose origin is not in CORS_ORIGINS. Chromium
// (CHROMIUM, default /usr/bin/chromium) is driven headless by playwright-core with a fresh
// profile. Every check prints one line; any failure exits non-zero.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const here = new URL(".", import.meta.url).pathname;
const agoraBin = process.env.AGORA_BIN;
if (!agoraBin) throw new Error("AGORA_BIN: the agora binary to start");

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : `: ${detail}`}`);
}

// The page: index.html and the bundled script, on any port it is given.
const files = {
  "/": ["text/html", readFileSync(join(here, "static/index.html"))],
  "/page.js": ["text/javascript", readFileSync(join(here, "dist/page.js"))],
};
function pageServer() {
  const server = createServer((req, res) => {
    const file = files[new URL(req.url, "http://x").pathname];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": file[0] }).end(file[1]);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
const allowed = await pageServer();
const disallowed = await pageServer();
const pageOrigin = `http://localhost:${allowed.address().port}`;
const otherOrigin = `http://localhost:${disallowed.address().port}`;

const work = mkdtempSync(join(tmpdir(), "agora-e2e-"));
const api = spawn(agoraBin, [], {
  cwd: work,
  env: {
    PATH: process.env.PATH,
    DATA_DIR: join(work, "data"),
    BIND_ADDR: "127.0.0.1:0",
    JWT_SECRET: `e2e-secret-${Date.now()}-padding-to-32-bytes`,
    BCRYPT_COST: "4",
    CORS_ORIGINS: pageOrigin,
    SHUTDOWN_DRAIN_SECONDS: "0",
    LOG_FORMAT: "json",
    RUST_LOG: "info",
  },
  stdio: ["ignore", "pipe", "inherit"],
});
const apiPort = await new Promise((resolve, reject) => {
  api.on("exit", (code) => reject(new Error(`agora exited (${code}) before listening`)));
  createInterface({ input: api.stdout }).on("line", (line) => {
    try {
      const event = JSON.parse(line);
      if (event.message === "listening") resolve(event.port);
    } catch {}
  });
});
const apiOrigin = `http://localhost:${apiPort}`;

const profile = mkdtempSync(join(tmpdir(), "agora-e2e-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
// Every request the browser makes, and every CSP violation a page reports.
const requests = [];
context.on("request", (request) => requests.push(request.url()));
await context.addInitScript(() => {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", (e) =>
    window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
  );
});

try {
  const page = await context.newPage();
  const consoleLines = [];
  page.on("console", (message) => consoleLines.push(message.text()));
  await page.goto(`${pageOrigin}/?api=${encodeURIComponent(apiOrigin)}`);
  await page.waitForSelector("body[data-ready=true]");
  const call = (name, ...args) => page.evaluate(([n, a]) => window.agora[n](...a), [name, args]);

  const tag = Date.now().toString(36);
  const user = { username: `e2e_${tag}`, email: `e2e_${tag}@example.com`, password: `pw-${tag}-long-enough` };
  const registered = await call("register", user.username, user.email, user.password);
  check("register: 201", registered.status === 201, JSON.stringify(registered));
  const login = await call("login", user.email, user.password);
  check("log in: 200", login.status === 200, JSON.stringify(login));
  const cookies = (await context.cookies()).filter((c) => c.domain === "localhost").map((c) => c.name);
  check(
    "log in: the browser holds the session cookies",
    ["access_token", "refresh_token", "csrf_token"].every((n) => cookies.includes(n)),
    cookies.join(","),
  );
  const me = await call("me");
  check("GET /api/users/me with cookies: 200, this user", me.status === 200 && me.body.username === user.username, JSON.stringify(me));
  const forged = await call("createPost", "no token", "sent without X-CSRF-Token", false);
  check("POST /api/posts without X-CSRF-Token: 403 csrf_failed", forged.status === 403 && forged.body.code === "csrf_failed", JSON.stringify(forged));
  const created = await call("createPost", "from the browser", "sent with X-CSRF-Token", true);
  check("POST /api/posts with X-CSRF-Token: 201", created.status === 201, JSON.stringify(created));
  const before = await call("csrf");
  const refreshed = await call("refresh");
  check("refresh by cookie: 200", refreshed.status === 200, JSON.stringify(refreshed));
  const after = await call("csrf");
  check("refresh keeps the session's CSRF token", after === before && after.length > 0, `${before} -> ${after}`);
  const again = await call("createPost", "after refresh", "the token still works", true);
  check("POST /api/posts after refresh: 201", again.status === 201, JSON.stringify(again));

  // A page on an origin not in CORS_ORIGINS: the browser sends the cookies but keeps the answer.
  const stranger = await context.newPage();
  const strangerConsole = [];
  stranger.on("console", (message) => strangerConsole.push(message.text()));
  await stranger.goto(`${otherOrigin}/?api=${encodeURIComponent(apiOrigin)}`);
  await stranger.waitForSelector("body[data-ready=true]");
  const blocked = await stranger.evaluate(() =>
    window.agora.me().then((r) => `answered ${r.status}`, (e) => `${e.name}: ${e.message}`),
  );
  check("a page on a disallowed origin cannot read /api/users/me", blocked.startsWith("TypeError"), blocked);
  check(
    "the browser says CORS blocked it",
    strangerConsole.some((l) => l.includes("blocked by CORS policy")),
    strangerConsole.join(" | "),
  );
  await stranger.close();

  const out = await call("logout");
  check("log out: 204", out.status === 204, JSON.stringify(out));
  const gone = await call("me");
  check("GET /api/users/me after logout: 401", gone.status === 401, JSON.stringify(gone));

  // The interactive docs: rendered from the API's own origin alone, within its CSP.
  requests.length = 0;
  const docs = await context.newPage();
  const docsConsole = [];
  docs.on("console", (message) => docsConsole.push(message.text()));
  await docs.goto(`${apiOrigin}/api/docs/`);
  await docs.waitForSelector(".swagger-ui .opblock", { timeout: 15000 });
  const operations = await docs.locator(".swagger-ui .opblock").count();
  check("/api/docs/ renders the operations", operations > 10, `${operations} operations`);
  const foreign = requests.filter((u) => new URL(u).origin !== apiOrigin);
  check("/api/docs/ asks no other host", foreign.length === 0, foreign.join(", "));
  const violations = await docs.evaluate(() => window.__csp);
  const cspConsole = docsConsole.filter((l) => l.includes("Content Security Policy"));
  check("/api/docs/ raises no CSP violation", violations.length === 0 && cspConsole.length === 0, [...violations, ...cspConsole].join(" | "));
} finally {
  await context.close();
  api.kill();
  allowed.close();
  disallowed.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
