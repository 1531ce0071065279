// ssl-passthrough with real nginx and real TLS: the SNI router in front of HTTPS sends a
// passthrough host's connections, unterminated, to its backend (which answers with its own
// certificate); other TLS hosts are still terminated by nginx, and keep the client address
// (PROXY protocol over the internal hop). Passthrough endpoints are static: their change reloads.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCertificate, writeCertificateFiles, type TestCertificate } from "../../testing/certs.js";
import type { EchoReply } from "../../testing/echo.js";
import { peerFingerprint, request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const A = "nginx.ingress.kubernetes.io/";
const root = (host: string, service: string) => ({
  host,
  http: { paths: [{ path: "/", pathType: "Prefix" as const, backend: { service: { name: service, port: { number: 80 } } } }] },
});

let h: Harness;
const w = new World();
let tmp = "";
let backendCert: TestCertificate;
let siteCert: TestCertificate;

/** HTTPS from a chosen local address (to see which client address nginx reports). */
function httpsFrom(localAddress: string, servername: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: "127.0.0.1", port: h.httpsPort, localAddress, servername, path: "/", headers: { host: servername }, rejectUnauthorized: false, agent: false },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("ssl-passthrough", () => {
  before(async () => {
    h = await Harness.start();
    tmp = mkdtempSync(join(tmpdir(), "portico-passthrough-"));
    backendCert = makeCertificate(["pt.example.com"]);
    siteCert = makeCertificate(["site.example.com"]);
    await w.service("pt", { pods: 2, echo: { tls: writeCertificateFiles(backendCert, tmp, "backend") } });
    await w.service("site");
    w.tlsSecret("site-tls", siteCert);
    w.ingress("pt", { rules: [root("pt.example.com", "pt")] }, { [`${A}ssl-passthrough`]: "true" });
    w.ingress("site", { tls: [{ hosts: ["site.example.com"], secretName: "site-tls" }], rules: [root("site.example.com", "site")] });
    const result = await h.apply(w);
    assert.deepEqual(result.diagnostics, []);
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("a passthrough host is answered by the backend's own certificate, over TLS nginx never terminates", async () => {
    assert.equal(await peerFingerprint(h.httpsPort, "pt.example.com"), backendCert.fingerprint256);
    const r = await request({ port: h.httpsPort, tls: true, servername: "pt.example.com", hostHeader: "pt.example.com", path: "/direct" });
    assert.equal(r.status, 200);
    assert.equal(r.fingerprint256, backendCert.fingerprint256);
    const echo = r.json<EchoReply>();
    assert.equal(echo.service, "default/pt");
    assert.equal(echo.headers["x-request-id"], undefined, "nginx added nothing: the bytes went through untouched");
  });

  test("other TLS hosts are still terminated by nginx with their certificate, and keep the client address", async () => {
    assert.equal(await peerFingerprint(h.httpsPort, "site.example.com"), siteCert.fingerprint256);
    const r = await httpsFrom("127.0.0.7", "site.example.com");
    assert.equal(r.status, 200);
    const echo = JSON.parse(r.body) as EchoReply;
    assert.equal(echo.service, "default/site");
    assert.equal(echo.headers["x-real-ip"], "127.0.0.7", "the client address crosses the internal hop (PROXY protocol)");
    assert.equal(echo.headers["x-forwarded-port"], String(h.httpsPort), "the port the client used, not the internal one");
    const plain = await request({ port: h.httpPort, hostHeader: "pt.example.com", path: "/" });
    assert.equal(plain.status, 502, "plain HTTP still follows the host's HTTP rules (here to a TLS-only backend: 502)");
  });

  test("passthrough endpoints are static in the stream block: an endpoint change reloads once, and traffic follows", async () => {
    const before = h.fx.agent.status().reloads;
    const s0 = w.slices.find((s) => s.metadata.name === "pt-0")!;
    s0.endpoints![0]!.conditions = { ready: false };
    await h.apply(w);
    assert.equal(h.fx.agent.status().reloads - before, 1, "one reload for the passthrough endpoint change");
    for (let i = 0; i < 6; i++) {
      const r = await request({ port: h.httpsPort, tls: true, servername: "pt.example.com", hostHeader: "pt.example.com" });
      assert.equal(r.json<EchoReply>().pod, "pt-1");
    }
    s0.endpoints![0]!.conditions = { ready: true };
    await h.apply(w);
  });
});
