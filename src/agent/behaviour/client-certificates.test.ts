// Client certificates (auth-tls-*) and backend TLS (proxy-ssl-*) end to end, with real nginx and
// real certificates from a test CA: a certificate of the CA is admitted, none or another CA's is
// 400 (or the error page), optional admits without one, match-cn refuses another CN, the backend
// sees the ssl-client-* headers; nginx verifies an HTTPS backend against proxy-ssl-secret's CA
// (another CA: 502) and presents its client certificate to it.
import { createServer, type Server } from "node:https";
import type { TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EchoReply } from "../../testing/echo.js";
import { issueCertificate, makeCa, type TestCertificate } from "../../testing/certs.js";
import { request } from "../../testing/http.js";
import { Harness, NS, World, nextLoopback } from "../../testing/world.js";

const A = "nginx.ingress.kubernetes.io/";
const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const rule = (host: string, name = "app") => ({ rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix" as const, backend: svc(name) }] } }] });
const b64 = (s: string) => Buffer.from(s).toString("base64");

let h: Harness;
const w = new World();
let ca: TestCertificate;
let alice: TestCertificate;
let carol: TestCertificate;
let mallory: TestCertificate;
/** The HTTPS backend: answers what it saw of nginx's TLS connection. */
let backend: Server;

const get = (host: string, o: { cert?: TestCertificate; headers?: Record<string, string>; path?: string } = {}) =>
  request({
    port: h.httpsPort,
    tls: true,
    servername: host,
    hostHeader: host,
    path: o.path ?? "/",
    headers: o.headers ?? {},
    ...(o.cert ? { clientCert: o.cert } : {}),
  });

interface BackendReply {
  sni: string | false;
  clientCn?: string;
  authorized: boolean;
}

describe("client certificates and backend TLS", () => {
  before(async () => {
    ca = makeCa("Portico Test CA");
    const evil = makeCa("Another CA");
    alice = issueCertificate(ca, { commonName: "alice", usage: "client" });
    carol = issueCertificate(ca, { commonName: "carol", usage: "client" });
    mallory = issueCertificate(evil, { commonName: "alice", usage: "client" });

    h = await Harness.start();
    await w.service("app");
    w.secrets.push({ metadata: { name: "client-ca", namespace: NS }, type: "Opaque", data: { "ca.crt": b64(ca.certificate) } });
    w.ingress("required", rule("required.example.com"), { [`${A}auth-tls-secret`]: "client-ca", [`${A}auth-tls-pass-certificate-to-upstream`]: "true" });
    w.ingress("optional", rule("optional.example.com"), { [`${A}auth-tls-secret`]: "client-ca", [`${A}auth-tls-verify-client`]: "optional" });
    w.ingress("cn", rule("cn.example.com"), { [`${A}auth-tls-secret`]: `${NS}/client-ca`, [`${A}auth-tls-match-cn`]: "CN=alice" });
    w.ingress("error-page", rule("errpage.example.com"), {
      [`${A}auth-tls-secret`]: "client-ca",
      [`${A}auth-tls-error-page`]: "https://errors.example.com/certificate.html",
    });
    w.ingress("missing", rule("missing.example.com"), { [`${A}auth-tls-secret`]: "nope" });

    // An HTTPS backend with a certificate of the CA for backend.internal, asking for client certificates.
    const serverCert = issueCertificate(ca, { commonName: "backend.internal", usage: "server", names: ["backend.internal"] });
    const host = nextLoopback();
    backend = createServer(
      { cert: serverCert.certificate, key: serverCert.key, ca: ca.certificate, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const s = req.socket as TLSSocket;
        const peer = s.getPeerCertificate();
        const reply: BackendReply = {
          sni: (s as TLSSocket & { servername: string | false }).servername,
          authorized: s.authorized,
          ...(peer?.subject ? { clientCn: peer.subject.CN } : {}),
        };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(reply));
      },
    );
    await new Promise<void>((r) => backend.listen(0, host, r));
    const port = (backend.address() as AddressInfo).port;
    w.serviceTo("tls-backend", { host, port }, { targetPort: 8443 });
    const proxyClient = issueCertificate(ca, { commonName: "portico-proxy", usage: "client" });
    w.secrets.push({
      metadata: { name: "backend-tls", namespace: NS },
      type: "Opaque",
      data: { "ca.crt": b64(ca.certificate), "tls.crt": b64(proxyClient.certificate), "tls.key": b64(proxyClient.key) },
    });
    w.secrets.push({ metadata: { name: "wrong-ca", namespace: NS }, type: "Opaque", data: { "ca.crt": b64(evil.certificate) } });
    const backendTls = (secret: string) => ({
      [`${A}backend-protocol`]: "HTTPS",
      [`${A}proxy-ssl-secret`]: secret,
      [`${A}proxy-ssl-verify`]: "on",
      [`${A}proxy-ssl-name`]: "backend.internal",
      [`${A}proxy-ssl-server-name`]: "on",
    });
    w.ingress("backend-tls", rule("btls.example.com", "tls-backend"), backendTls("backend-tls"));
    w.ingress("backend-wrong-ca", rule("btls-wrong.example.com", "tls-backend"), backendTls("wrong-ca"));

    const result = await h.apply(w);
    assert.deepEqual(
      result.diagnostics.map((d) => `${d.object.name}: ${d.reason}`),
      ["missing: AccessDenied"],
    );
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
    await new Promise((r) => backend?.close(r));
  });

  test("verify on: a certificate of the CA is admitted and passed on; none or another CA's is 400", async () => {
    const ok = await get("required.example.com", { cert: alice, headers: { "ssl-client-verify": "FORGED" } });
    assert.equal(ok.status, 200);
    const seen = ok.json<EchoReply>().headers;
    assert.equal(seen["ssl-client-verify"], "SUCCESS", "nginx's value replaces the client's");
    assert.equal(seen["ssl-client-subject-dn"], "CN=alice");
    assert.equal(seen["ssl-client-issuer-dn"], "CN=Portico Test CA");
    assert.equal(decodeURIComponent(seen["ssl-client-cert"]!).trim(), alice.certificate.trim(), "ssl-client-cert is the URL-escaped PEM");

    const none = await get("required.example.com");
    assert.equal(none.status, 400);
    assert.match(none.body, /No required SSL certificate was sent/);
    const other = await get("required.example.com", { cert: mallory });
    assert.equal(other.status, 400);
    assert.match(other.body, /certificate error/i);
  });

  test("a host with client certificates is not served over plain HTTP: 308 to HTTPS", async () => {
    const r = await request({ port: h.httpPort, hostHeader: "required.example.com", path: "/x" });
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, `https://required.example.com:${h.httpsPort}/x`);
  });

  test("optional: no certificate passes (NONE), a good one is verified, another CA's is 400; ssl-client-cert not passed", async () => {
    const none = await get("optional.example.com", { headers: { "ssl-client-cert": "forged" } });
    assert.equal(none.status, 200);
    assert.equal(none.json<EchoReply>().headers["ssl-client-verify"], "NONE");
    assert.equal(none.json<EchoReply>().headers["ssl-client-cert"], undefined, "a client's own ssl-client-cert is removed");
    const good = await get("optional.example.com", { cert: alice });
    assert.equal(good.json<EchoReply>().headers["ssl-client-verify"], "SUCCESS");
    assert.equal((await get("optional.example.com", { cert: mallory })).status, 400);
  });

  test("match-cn: the CA's certificate for another CN is 403", async () => {
    assert.equal((await get("cn.example.com", { cert: alice })).status, 200);
    assert.equal((await get("cn.example.com", { cert: carol })).status, 403);
  });

  test("error page: a missing certificate is sent to auth-tls-error-page", async () => {
    const r = await get("errpage.example.com");
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, "https://errors.example.com/certificate.html");
    assert.equal((await get("errpage.example.com", { cert: alice })).status, 200);
  });

  test("a missing auth-tls-secret answers 503, never serves without client certificates", async () => {
    assert.equal((await request({ port: h.httpPort, hostHeader: "missing.example.com" })).status, 503);
  });

  test("backend TLS: verified against proxy-ssl-secret's CA, SNI proxy-ssl-name, its client certificate presented", async () => {
    const r = await request({ port: h.httpPort, hostHeader: "btls.example.com" });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json<BackendReply>(), { sni: "backend.internal", authorized: true, clientCn: "portico-proxy" });
  });

  test("backend TLS: a backend certificate from another CA fails verification: 502, also right after a verified request kept a connection to it", async () => {
    assert.equal((await request({ port: h.httpPort, hostHeader: "btls.example.com" })).status, 200);
    assert.equal((await request({ port: h.httpPort, hostHeader: "btls-wrong.example.com" })).status, 502);
  });
});
