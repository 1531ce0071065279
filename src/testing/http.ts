// Plain HTTP/HTTPS requests for tests: one fresh connection per request (no agent), explicit Host and SNI.
import http from "node:http";
import https from "node:https";
import tls from "node:tls";

export interface RequestOptions {
  host?: string; // address to connect to, default 127.0.0.1
  port: number;
  path?: string;
  method?: string;
  /** Host header (default: host:port). */
  hostHeader?: string;
  headers?: Record<string, string>;
  /** Use TLS; `servername` is the SNI name sent (none when omitted). */
  tls?: boolean;
  servername?: string;
  timeoutMs?: number;
  body?: string;
  /** A client certificate (PEM) and its key, presented in the TLS handshake. */
  clientCert?: { certificate: string; key: string };
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Fingerprint of the server certificate (TLS only). */
  fingerprint256?: string;
  /** Subject CN of the server certificate (TLS only). */
  certificateSubject?: string;
  json<T = unknown>(): T;
}

export async function request(opts: RequestOptions): Promise<Response> {
  const host = opts.host ?? "127.0.0.1";
  const headers: Record<string, string> = { host: opts.hostHeader ?? `${host}:${opts.port}`, connection: "close", ...opts.headers };
  const base = { host, port: opts.port, path: opts.path ?? "/", method: opts.method ?? "GET", headers, agent: false as const };
  return await new Promise<Response>((resolve, reject) => {
    const onRes = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      const peer = opts.tls ? (res.socket as tls.TLSSocket).getPeerCertificate() : undefined;
      const fingerprint256 = peer?.fingerprint256;
      const certificateSubject = peer?.subject?.CN as string | undefined;
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          fingerprint256,
          certificateSubject,
          json<T>() {
            return JSON.parse(body) as T;
          },
        });
      });
      res.on("error", reject);
    };
    const req = opts.tls
      ? https.request(
          {
            ...base,
            servername: opts.servername ?? "",
            rejectUnauthorized: false,
            ...(opts.clientCert ? { cert: opts.clientCert.certificate, key: opts.clientCert.key } : {}),
          },
          onRes,
        )
      : http.request(base, onRes);
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error(`request to ${host}:${opts.port}${base.path} timed out`)));
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** The certificate a TLS server presents for an SNI name (undefined: no SNI). */
export async function peerFingerprint(port: number, servername?: string, host = "127.0.0.1"): Promise<string> {
  return await new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, servername: servername ?? "", rejectUnauthorized: false }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.setTimeout(5000, () => s.destroy(new Error("TLS handshake timed out")));
    s.on("error", reject);
  });
}
