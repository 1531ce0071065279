// Real HTTP/HTTPS requests to the local nginx: Host header / SNI set explicitly, certificate of
// the peer returned for TLS checks.
import type http from "node:http";
import { request as httpRequest } from "../testing/http.js";

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json?: { service?: string; pod?: string; path?: string; host?: string; headers?: Record<string, string> };
  certificateFingerprint?: string;
  certificateSubject?: string;
}

/** A request as local mode's callers say it (address to connect to, Host header), over the one
 * HTTP helper of the tests (src/testing/http.ts); the body is parsed as JSON when it is JSON. */
export async function request(opts: {
  address: string;
  port: number;
  host: string;
  path?: string;
  https?: boolean;
  method?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}): Promise<Answer> {
  const r = await httpRequest({
    host: opts.address,
    port: opts.port,
    path: opts.path,
    method: opts.method,
    hostHeader: opts.host,
    headers: opts.headers,
    tls: opts.https,
    servername: opts.https ? opts.host.replace(/:\d+$/, "") : undefined,
    timeoutMs: opts.timeoutMs,
  });
  let json;
  try {
    json = JSON.parse(r.body);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, body: r.body, json, certificateFingerprint: r.fingerprint256, certificateSubject: r.certificateSubject };
}

/** Retries `check` until it returns without throwing, or rethrows its last error at the deadline. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
