// Real HTTP/HTTPS requests to the local nginx: Host header / SNI set explicitly, certificate of
// the peer returned for TLS checks.
import http from "node:http";
import https from "node:https";
import type { TLSSocket } from "node:tls";

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json?: { service?: string; pod?: string; path?: string; host?: string; headers?: Record<string, string> };
  certificateFingerprint?: string;
  certificateSubject?: string;
}

export function request(opts: {
  address: string;
  port: number;
  host: string;
  path?: string;
  https?: boolean;
  method?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const mod = opts.https ? https : http;
    const req = mod.request(
      {
        host: opts.address,
        port: opts.port,
        path: opts.path ?? "/",
        method: opts.method ?? "GET",
        headers: { host: opts.host, ...opts.headers },
        servername: opts.https ? opts.host.replace(/:\d+$/, "") : undefined,
        rejectUnauthorized: false,
        agent: false,
        timeout: opts.timeoutMs ?? 5000,
      } as https.RequestOptions,
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          let json;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          const cert = opts.https ? (res.socket as TLSSocket).getPeerCertificate?.() : undefined;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json,
            certificateFingerprint: cert?.fingerprint256,
            certificateSubject: cert?.subject?.CN as string | undefined,
          });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end();
  });
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
