// The one API client of the controller side: every request the controller, the operator and local
// tools make goes through request() here, and every watch through informer.ts (the fluent
// client's Watcher). Credentials come from KubeConfig (@kubernetes/client-node, the loader
// kubernetes-fluent-client itself uses): KUBECONFIG, ~/.kube/config or in-cluster. The fluent
// client's own verbs do not fit every write: its Apply always uses field manager "pepr" and its
// selectors cannot say `!key`, so the verbs (api.ts) are built on this request.
import http from "node:http";
import https from "node:https";
import { KubeConfig } from "@kubernetes/client-node";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as { status?: number })?.status === 404;
}

export function isAlreadyExists(err: unknown): boolean {
  return (err as { status?: number })?.status === 409;
}

export interface RequestOptions {
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | undefined>;
}

interface Connection {
  server: URL;
  options: https.RequestOptions;
  agent: http.Agent;
}

/** Connections are reused for a while (keyed by KUBECONFIG, refreshed so rotated tokens and files
 * are picked up). */
const CONNECTION_TTL_MS = 30_000;
let cached: { key: string; at: number; connection: Promise<Connection> } | undefined;

async function connect(): Promise<Connection> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("no current cluster in the kubeconfig (KUBECONFIG, ~/.kube/config or in-cluster)");
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const server = new URL(cluster.server);
  const agent =
    server.protocol === "http:"
      ? new http.Agent({ keepAlive: true })
      : new https.Agent({ keepAlive: true, ca: options.ca, cert: options.cert, key: options.key, rejectUnauthorized: options.rejectUnauthorized });
  return { server, options, agent };
}

function connection(): Promise<Connection> {
  const key = process.env.KUBECONFIG ?? "";
  if (!cached || cached.key !== key || Date.now() - cached.at > CONNECTION_TTL_MS) {
    const previous = cached;
    const next = connect();
    cached = { key, at: Date.now(), connection: next };
    next.catch(() => (cached = undefined));
    // The old pool closes once its requests are done.
    void previous?.connection.then(
      (c) => setTimeout(() => c.agent.destroy(), CONNECTION_TTL_MS).unref(),
      () => undefined,
    );
  }
  return cached.connection;
}

/** What the verbs send through (src/k8s/api.ts): request() below, or an in-memory API server in
 * tests. Errors carry the HTTP status (ApiError). */
export type Send = <T = unknown>(method: string, path: string, opts?: RequestOptions) => Promise<T>;

/** One request to the API server; JSON in, JSON out. Errors are ApiError with the server's reason. */
export async function request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const c = await connection();
  const url = new URL(path, c.server);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...(c.options.headers as Record<string, string>), Accept: "application/json" };
  if (body !== undefined) {
    headers["Content-Type"] = opts.contentType ?? "application/json";
    headers["Content-Length"] = String(Buffer.byteLength(body));
  }
  const send = url.protocol === "http:" ? http.request : https.request;
  const { status, statusText, text } = await new Promise<{ status: number; statusText: string; text: string }>((resolve, reject) => {
    const req = send(url, { method, headers, agent: c.agent, auth: c.options.auth }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
  let data: unknown = text;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text for the message
  }
  if (status >= 200 && status < 300) return data as T;
  const d = data as { message?: string; reason?: string } | string | undefined;
  const message = typeof d === "object" && d?.message ? d.message : `${status} ${statusText}`;
  throw new ApiError(status, typeof d === "object" && d?.reason ? d.reason : statusText, `${method} ${url.pathname}: ${message}`);
}
