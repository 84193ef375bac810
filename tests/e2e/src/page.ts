// The page a frontend team would write: every call goes through the client generated from
// docs/api.yaml (openapi-typescript's types + openapi-fetch), with the browser's cookies
// (`credentials: "include"`) and the CSRF token kept in memory from login and refresh.
import createClient from "openapi-fetch";
import type { paths } from "./api";

const apiBase = new URLSearchParams(location.search).get("api") ?? "";
const client = createClient<paths>({ baseUrl: apiBase, credentials: "include" });

/** The CSRF token of the current session: from the login and refresh bodies. */
let csrf = "";

interface Outcome {
  status: number;
  body: unknown;
}

async function outcome(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<Outcome> {
  const { data, error, response } = await call;
  return { status: response.status, body: data ?? error ?? null };
}

const agora = {
  register(username: string, email: string, password: string): Promise<Outcome> {
    return outcome(client.POST("/api/auth/register", { body: { username, email, password } }));
  },
  async login(email: string, password: string): Promise<Outcome> {
    const answer = await client.POST("/api/auth/login", { body: { email, password } });
    if (answer.data) csrf = answer.data.csrf_token;
    return { status: answer.response.status, body: answer.data ?? answer.error ?? null };
  },
  me(): Promise<Outcome> {
    return outcome(client.GET("/api/users/me"));
  },
  createPost(title: string, text: string, withCsrf: boolean): Promise<Outcome> {
    const headers: Record<string, string> = withCsrf ? { "X-CSRF-Token": csrf } : {};
    return outcome(client.POST("/api/posts", { body: { title, body: text }, headers }));
  },
  async refresh(): Promise<Outcome> {
    const answer = await client.POST("/api/auth/refresh", {});
    if (answer.data) csrf = answer.data.csrf_token;
    return { status: answer.response.status, body: answer.data ?? answer.error ?? null };
  },
  logout(): Promise<Outcome> {
    return outcome(client.POST("/api/auth/logout", { headers: { "X-CSRF-Token": csrf } }));
  },
  csrf(): string {
    return csrf;
  },
};

declare global {
  interface Window {
    agora: typeof agora;
  }
}
window.agora = agora;
document.body.dataset.ready = "true";
