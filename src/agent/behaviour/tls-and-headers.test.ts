// TLS and proxy headers, end to end: SNI with several certificates, wildcard certificate, default
// certificate for a missing Secret, 308 ssl-redirect, HSTS, X-Forwarded-* and Host, HTTPS backends.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { makeCertificate, writeCertificateFiles, type TestCertificate } from "../../testing/certs.js";
import type { EchoReply } from "../../testing/echo.js";
import { peerFingerprint, request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const root = (host: string, service: string) => ({ host, http: { paths: [{ path: "/", pathType: "Prefix" as const, backend: svc(service) }] } });

let h: Harness;
const w = new World();
let tmp: string;
let foo: TestCertificate, bar: TestCertificate, wild: TestCertificate;
let defaultFp: string;

describe("TLS and headers", () => {
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "portico-tls-"));
    h = await Harness.start();
    foo = makeCertificate(["foo.example.com"]);
    bar = makeCertificate(["bar.example.com"]);
    wild = makeCertificate(["*.wild.example.com"]);
    w.tlsSecret("foo-tls", foo);
    w.tlsSecret("bar-tls", bar);
    w.tlsSecret("wild-tls", wild);
    await w.service("foo");
    await w.service("bar");
    await w.service("wild");
    await w.service("plain");
    await w.service("nosecret");
    await w.service("noredirect");
    const backendCert = makeCertificate(["backend.internal"]);
    await w.service("secure", { echo: { tls: writeCertificateFiles(backendCert, tmp, "backend") } });

    w.ingress("tls-foo", { tls: [{ hosts: ["foo.example.com"], secretName: "foo-tls" }], rules: [root("foo.example.com", "foo")] });
    w.ingress("tls-bar", { tls: [{ hosts: ["bar.example.com"], secretName: "bar-tls" }], rules: [root("bar.example.com", "bar")] });
    w.ingress("tls-wild", { tls: [{ hosts: ["*.wild.example.com"], secretName: "wild-tls" }], rules: [root("*.wild.example.com", "wild")] });
    w.ingress("tls-missing", { tls: [{ hosts: ["nosecret.example.com"], secretName: "absent" }], rules: [root("nosecret.example.com", "nosecret")] });
    w.ingress(
      "no-redirect",
      { tls: [{ hosts: ["noredirect.example.com"], secretName: "foo-tls" }], rules: [root("noredirect.example.com", "noredirect")] },
      {
        "nginx.ingress.kubernetes.io/ssl-redirect": "false",
      },
    );
    w.ingress("plain", { rules: [root("plain.example.com", "plain")] });
    w.ingress("https-backend", { rules: [root("secure.example.com", "secure")] }, { "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS" });
    const result = await h.apply(w);
    assert.ok(
      result.diagnostics.some((d) => d.object.name === "tls-missing"),
      "a missing Secret is reported",
    );
    defaultFp = new X509Certificate(readFileSync(join(h.fx.prefix, "ssl", "default.crt"))).fingerprint256;
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("TLS by SNI: several certificates side by side", async () => {
    assert.equal(await peerFingerprint(h.httpsPort, "foo.example.com"), foo.fingerprint256);
    assert.equal(await peerFingerprint(h.httpsPort, "bar.example.com"), bar.fingerprint256);
    const r = await request({ port: h.httpsPort, tls: true, servername: "bar.example.com", hostHeader: "bar.example.com", path: "/x" });
    assert.equal(r.status, 200);
    assert.equal(r.fingerprint256, bar.fingerprint256);
    assert.equal(r.json<EchoReply>().service, "default/bar");
  });

  test("a wildcard certificate covers exactly one label", async () => {
    assert.equal(await peerFingerprint(h.httpsPort, "a.wild.example.com"), wild.fingerprint256);
    assert.equal(await peerFingerprint(h.httpsPort, "b.a.wild.example.com"), defaultFp);
  });

  test("a missing Secret serves the default certificate", async () => {
    assert.equal(await peerFingerprint(h.httpsPort, "nosecret.example.com"), defaultFp);
    const r = await request({ port: h.httpsPort, tls: true, servername: "nosecret.example.com", hostHeader: "nosecret.example.com" });
    assert.equal(r.json<EchoReply>().service, "default/nosecret");
  });

  test("ssl-redirect: HTTP on a TLS host redirects with 308 to https; off by annotation; plain hosts are not redirected", async () => {
    const r = await request({ port: h.httpPort, hostHeader: "foo.example.com", path: "/some/path?q=1" });
    assert.equal(r.status, 308);
    assert.match(String(r.headers.location), /^https:\/\/foo\.example\.com(:\d+)?\/some\/path\?q=1$/);
    assert.equal((await request({ port: h.httpPort, hostHeader: "noredirect.example.com" })).status, 200);
    assert.equal((await request({ port: h.httpPort, hostHeader: "plain.example.com" })).status, 200);
  });

  test("HSTS on HTTPS responses, not on HTTP", async () => {
    const s = await request({ port: h.httpsPort, tls: true, servername: "foo.example.com", hostHeader: "foo.example.com" });
    assert.match(String(s.headers["strict-transport-security"]), /max-age=31536000/);
    const p = await request({ port: h.httpPort, hostHeader: "plain.example.com" });
    assert.equal(p.headers["strict-transport-security"], undefined);
  });

  test("X-Forwarded-For/-Proto/-Host/-Port and X-Real-IP are set, and the original Host is passed", async () => {
    const e = (await request({ port: h.httpPort, hostHeader: "plain.example.com", headers: { "x-forwarded-for": "6.6.6.6" } })).json<EchoReply>();
    assert.equal(e.host, "plain.example.com");
    assert.equal(e.headers["x-forwarded-host"], "plain.example.com");
    assert.equal(e.headers["x-forwarded-proto"], "http");
    assert.equal(e.headers["x-forwarded-port"], String(h.httpPort));
    assert.equal(e.headers["x-real-ip"], "127.0.0.1");
    // Client-sent X-Forwarded-For is not trusted by default (useForwardedHeaders: false).
    assert.equal(e.headers["x-forwarded-for"], "127.0.0.1");
    const s = (await request({ port: h.httpsPort, tls: true, servername: "foo.example.com", hostHeader: "foo.example.com" })).json<EchoReply>();
    assert.equal(s.headers["x-forwarded-proto"], "https");
    assert.equal(s.headers["x-forwarded-port"], String(h.httpsPort));
    assert.equal(s.proto, "HTTP/1.1");
  });

  test("backend-protocol HTTPS: nginx talks TLS to the pod", async () => {
    const r = await request({ port: h.httpPort, hostHeader: "secure.example.com", path: "/tls" });
    assert.equal(r.status, 200, r.body);
    const e = r.json<EchoReply>();
    assert.equal(e.service, "default/secure");
    assert.equal(e.path, "/tls");
  });
});
