// Minimal HTTPS/HTTP GET for readiness and health checks (no client library needed before the
// cluster is up). Loopback only.
import http from "node:http";
import https from "node:https";

export interface TlsClient {
  ca?: string;
  cert?: string;
  key?: string;
  /** Self-signed component endpoints (controller-manager): loopback only, so skipping verification is safe. */
  insecure?: boolean;
}

export function get(url: string, tls: TlsClient = {}, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === "https:" ? https : http;
    const req = mod.request(
      u,
      { method: "GET", ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure, timeout: timeoutMs, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** GET that never throws: status 0 when the connection failed. */
export async function probe(url: string, tls: TlsClient = {}, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  try {
    return await get(url, tls, timeoutMs);
  } catch (e) {
    return { status: 0, body: (e as Error).message };
  }
}
