// A minimal Kubernetes API client for the agent: GET and watch by name, with the credentials of a
// kubeconfig (KUBECONFIG) or of the pod's ServiceAccount. The kubeconfig is read again for every
// connection, so a rotated token is picked up. Only what the agent needs; no Pepr in the data plane.
import https from "node:https";
import http from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

export interface ApiConnection {
  server: URL;
  ca?: Buffer;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  insecure?: boolean;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

type Named<T> = { name: string } & T;

/** Credentials from `kubeconfigPath` (default $KUBECONFIG, else ~/.kube/config, else in-cluster). */
export function loadConnection(kubeconfigPath = process.env.KUBECONFIG): ApiConnection {
  const path = kubeconfigPath || (process.env.HOME && existsSync(`${process.env.HOME}/.kube/config`) ? `${process.env.HOME}/.kube/config` : "");
  if (!path) {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    if (!host || !existsSync(`${SA_DIR}/token`)) throw new Error("no KUBECONFIG and not running in a pod: cannot reach the Kubernetes API");
    const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
    return {
      server: new URL(`https://${host.includes(":") ? `[${host}]` : host}:${port}`),
      ca: readFileSync(`${SA_DIR}/ca.crt`),
      token: readFileSync(`${SA_DIR}/token`, "utf8").trim(),
    };
  }
  const base = dirname(resolve(path));
  const cfg = parseYaml(readFileSync(path, "utf8")) as {
    "current-context"?: string;
    contexts?: Named<{ context: { cluster: string; user: string } }>[];
    clusters?: Named<{ cluster: Record<string, string | boolean> }>[];
    users?: Named<{ user: Record<string, string> }>[];
  };
  const ctx = cfg.contexts?.find((c) => c.name === cfg["current-context"]) ?? cfg.contexts?.[0];
  if (!ctx) throw new Error(`${path}: no context`);
  const cluster = cfg.clusters?.find((c) => c.name === ctx.context.cluster)?.cluster;
  const user = cfg.users?.find((u) => u.name === ctx.context.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`${path}: cluster ${ctx.context.cluster} has no server`);
  const file = (p: string) => readFileSync(resolve(base, p));
  const b64 = (s: string) => Buffer.from(s, "base64");
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    server: new URL(String(cluster.server)),
    ca: str(cluster["certificate-authority-data"])
      ? b64(String(cluster["certificate-authority-data"]))
      : str(cluster["certificate-authority"])
        ? file(String(cluster["certificate-authority"]))
        : undefined,
    insecure: cluster["insecure-skip-tls-verify"] === true,
    token: user.token ?? (user.tokenFile ? file(user.tokenFile).toString("utf8").trim() : undefined),
    cert: user["client-certificate-data"] ? b64(user["client-certificate-data"]) : user["client-certificate"] ? file(user["client-certificate"]) : undefined,
    key: user["client-key-data"] ? b64(user["client-key-data"]) : user["client-key"] ? file(user["client-key"]) : undefined,
  };
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function open(
  conn: ApiConnection,
  path: string,
  timeoutMs: number,
  method = "GET",
  body?: { contentType: string; text: string },
): Promise<http.IncomingMessage> {
  const url = new URL(path, conn.server);
  const headers: Record<string, string> = { accept: "application/json" };
  if (conn.token) headers.authorization = `Bearer ${conn.token}`;
  if (body) headers["content-type"] = body.contentType;
  const mod = url.protocol === "http:" ? http : https;
  return new Promise((resolvePromise, reject) => {
    const req = mod.request(
      url,
      { method, headers, ca: conn.ca, cert: conn.cert, key: conn.key, rejectUnauthorized: !conn.insecure, agent: false },
      resolvePromise,
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url.pathname}: timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body?.text);
  });
}

/** JSON merge patch of an object (or a subresource path such as .../status). */
export async function apiMergePatch(conn: ApiConnection, path: string, patch: unknown, timeoutMs = 30_000): Promise<void> {
  const res = await open(conn, path, timeoutMs, "PATCH", { contentType: "application/merge-patch+json", text: JSON.stringify(patch) });
  const body = await readAll(res);
  if (res.statusCode !== 200) throw new ApiError(`PATCH ${path}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`, res.statusCode ?? 0);
}

async function readAll(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** GET a JSON object; 404 -> undefined. */
export async function apiGet<T>(conn: ApiConnection, path: string, timeoutMs = 30_000): Promise<T | undefined> {
  const res = await open(conn, path, timeoutMs);
  const body = await readAll(res);
  if (res.statusCode === 404) return undefined;
  if (res.statusCode !== 200) throw new ApiError(`GET ${path}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`, res.statusCode ?? 0);
  return JSON.parse(body) as T;
}

export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

/** Streams watch events until the server ends the watch (resolves) or it fails (rejects). */
export async function apiWatch<T>(
  conn: ApiConnection,
  path: string,
  onEvent: (e: WatchEvent<T>) => void,
  signal: { aborted: boolean; onAbort?: () => void },
  idleTimeoutMs = 600_000,
): Promise<void> {
  const res = await open(conn, path, idleTimeoutMs);
  if (res.statusCode !== 200) {
    const body = await readAll(res);
    throw new ApiError(`WATCH ${path}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`, res.statusCode ?? 0);
  }
  signal.onAbort = () => res.destroy();
  let buf = "";
  try {
    for await (const chunk of res) {
      if (signal.aborted) break;
      buf += (chunk as Buffer).toString("utf8");
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}
