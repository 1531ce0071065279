// One HTTP request to the API server, with the credentials kubernetes-fluent-client resolves
// (KUBECONFIG, ~/.kube/config or in-cluster; read per request). Used where the fluent client's
// fixed choices do not fit: it always applies with field manager "pepr" and cannot send a label
// selector with `!key`.

import { fetch } from "kubernetes-fluent-client";
// The fluent client has no exports map; this module is where it builds its request options.
import { k8sCfg } from "kubernetes-fluent-client/dist/fluent/utils.js";

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

type Cfg = Awaited<ReturnType<typeof k8sCfg>>;
/** The fluent client builds a new connection pool per request; reuse one for a while instead
 * (keyed by KUBECONFIG, refreshed so rotated tokens and files are picked up). */
const CFG_TTL_MS = 30_000;
let cached: { key: string; at: number; cfg: Promise<Cfg> } | undefined;

function config(): Promise<Cfg> {
  const key = process.env.KUBECONFIG ?? "";
  if (!cached || cached.key !== key || Date.now() - cached.at > CFG_TTL_MS) {
    const cfg = k8sCfg("GET" as never);
    cached = { key, at: Date.now(), cfg };
    cfg.catch(() => (cached = undefined));
  }
  return cached.cfg;
}

export async function apiRequest<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const { opts: init, serverUrl } = await config();
  const url = new URL(path, serverUrl);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  const headers = { ...(init.headers as Record<string, string>), ...(opts.contentType ? { "Content-Type": opts.contentType } : {}) };
  const resp = await fetch<T>(url, { ...init, method, headers, ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }) });
  if (resp.ok) return resp.data;
  const data = resp.data as { message?: string; reason?: string } | string | undefined;
  const message = typeof data === "object" && data?.message ? data.message : `${resp.status} ${resp.statusText}`;
  throw new ApiError(resp.status, typeof data === "object" && data?.reason ? data.reason : resp.statusText, `${method} ${url.pathname}: ${message}`);
}
