// Talks to nginx's control server (portico.lua behind `location /portico/`). Every call uses a fresh
// connection so that after a reload it reaches a new worker, never a draining old one.
import http from "node:http";
import type { CertificatePair, UpstreamBalancing, UpstreamEndpoint } from "../core/contract.js";
import type { DynamicRoutes } from "../core/render/dynamic-routes.js";

export interface ControlState {
  generation: number;
  pid: number;
  endpointsHash: string;
  certificatesHash: string;
  endpointsVersion: number;
  certificatesVersion: number;
  upstreams: Record<string, number>;
  certificates: number;
  sniNames: number;
}

export interface CertificatesPushResult {
  certificates: number;
  sniNames: number;
  version: number;
  /** Certificates nginx could not parse or SNI names pointing at unknown ids (others still apply). */
  errors: string[];
}

export class ControlError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export class ControlClient {
  constructor(
    readonly port: number,
    readonly host = "127.0.0.1",
    private readonly timeoutMs = 10_000,
  ) {}

  private async call<T>(method: string, path: string, body?: string, hash?: string): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      const headers: Record<string, string | number> = { connection: "close" };
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(body);
      }
      if (hash) headers["x-portico-hash"] = hash;
      const req = http.request({ host: this.host, port: this.port, path, method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            return reject(new ControlError(`control ${method} ${path}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`, res.statusCode));
          }
          if (res.statusCode !== 200) {
            const msg = (parsed as { error?: string })?.error ?? text.slice(0, 200);
            return reject(new ControlError(`control ${method} ${path}: HTTP ${res.statusCode}: ${msg}`, res.statusCode));
          }
          resolve(parsed as T);
        });
        res.on("error", reject);
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new ControlError(`control ${method} ${path}: timed out`)));
      req.on("error", (e) => reject(e instanceof ControlError ? e : new ControlError(`control ${method} ${path}: ${e.message}`)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  async state(): Promise<ControlState> {
    return await this.call<ControlState>("GET", "/portico/state");
  }

  /** Replaces every upstream's endpoints and balancing policy (upstreams absent from `balancing` use round robin). */
  async pushEndpoints(
    endpoints: Record<string, UpstreamEndpoint[]>,
    balancing: Record<string, UpstreamBalancing>,
    hash: string,
  ): Promise<{ upstreams: number; version: number; errors: string[] }> {
    const res = await this.call<{ upstreams: number; version: number; errors?: string[] }>(
      "POST",
      "/portico/endpoints",
      JSON.stringify({ endpoints, balancing }),
      hash,
    );
    // Policies nginx refused (those upstreams fall back to round robin; every endpoint applied).
    return { ...res, errors: Array.isArray(res.errors) ? res.errors : [] };
  }

  /** Replaces the routing table of the hosts the running config has no server for yet. */
  async pushRoutes(routes: DynamicRoutes): Promise<{ routes: number; version: number }> {
    return await this.call<{ routes: number; version: number }>("POST", "/portico/routes", JSON.stringify({ routes }));
  }

  async pushCertificates(
    sniCertificates: Record<string, string>,
    certificates: Record<string, CertificatePair>,
    hash: string,
  ): Promise<CertificatesPushResult> {
    const res = await this.call<Omit<CertificatesPushResult, "errors"> & { errors?: string[] }>(
      "POST",
      "/portico/certificates",
      JSON.stringify({ sniCertificates, certificates }),
      hash,
    );
    // The Lua side leaves errors out when there are none (its JSON encoder writes an empty list as {}).
    return { ...res, errors: Array.isArray(res.errors) ? res.errors : [] };
  }

  /** Polls the state until `pred` holds (or the deadline passes: throws with the last error). */
  async waitFor(pred: (s: ControlState) => boolean, timeoutMs: number, what: string, abort?: () => string | undefined): Promise<ControlState> {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer";
    for (;;) {
      const reason = abort?.();
      if (reason) throw new ControlError(`${what}: ${reason}`);
      try {
        const s = await this.state();
        if (pred(s)) return s;
        last = `generation ${s.generation}`;
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() > deadline) throw new ControlError(`${what}: not reached after ${timeoutMs} ms (${last})`);
      await new Promise((r) => setTimeout(r, 15));
    }
  }
}
