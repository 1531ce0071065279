// Where a host's client CA comes from, with real nginx and real certificates: auth-tls-secret naming
// another namespace's Secret (`ingress-nginx/client-ca`, as shared cluster CAs are kept) verifies
// against its ca.crt, and its CRL (ca.crl) makes nginx refuse a revoked certificate (400) while
// another certificate of the same CA still gets 200. A key beside the CA data is never read.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { issueCertificate, makeCa, makeCrl, type TestCertificate } from "../../testing/certs.js";
import { request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const A = "nginx.ingress.kubernetes.io/";
const b64 = (s: string) => Buffer.from(s).toString("base64");
const rule = (host: string) => ({
  rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix" as const, backend: { service: { name: "app", port: { number: 80 } } } }] } }],
});

let h: Harness;
const w = new World();
let alice: TestCertificate;
let bob: TestCertificate;
let mallory: TestCertificate;

const get = (host: string, cert?: TestCertificate) =>
  request({ port: h.httpsPort, tls: true, servername: host, hostHeader: host, path: "/", ...(cert ? { clientCert: cert } : {}) });

describe("client CA Secrets: another namespace's, and a CRL", () => {
  before(async () => {
    const ca = makeCa("Shared Client CA");
    alice = issueCertificate(ca, { commonName: "alice", usage: "client" });
    bob = issueCertificate(ca, { commonName: "bob", usage: "client" });
    mallory = issueCertificate(makeCa("Another CA"), { commonName: "alice", usage: "client" });
    h = await Harness.start();
    await w.service("app");
    // The shared CA lives beside the controller, as in the corpus (ingress-nginx/auth-tls-secret);
    // the Secret also holds the CA's key, which must never reach nginx's files.
    w.secrets.push({
      metadata: { name: "client-ca", namespace: "ingress-nginx" },
      type: "Opaque",
      data: { "ca.crt": b64(ca.certificate), "tls.key": b64(ca.key) },
    });
    w.secrets.push({
      metadata: { name: "client-ca-crl", namespace: "default" },
      type: "Opaque",
      data: { "ca.crt": b64(ca.certificate), "ca.crl": b64(makeCrl(ca, [bob])) },
    });
    w.ingress("shared", rule("shared.example.com"), { [`${A}auth-tls-secret`]: "ingress-nginx/client-ca" });
    w.ingress("revoking", rule("crl.example.com"), { [`${A}auth-tls-secret`]: "client-ca-crl" });
    const result = await h.apply(w);
    assert.deepEqual(result.diagnostics, []);
    const files = Object.entries(result.state.files ?? {});
    assert.ok(
      files.every(([, content]) => !content.includes("PRIVATE KEY")),
      `no key among the files: ${files.map(([n]) => n).join(", ")}`,
    );
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
  });

  test("another namespace's CA Secret: a certificate of its CA gets 200; none or another CA's 400", async () => {
    assert.equal((await get("shared.example.com", alice)).status, 200);
    assert.equal((await get("shared.example.com")).status, 400);
    assert.equal((await get("shared.example.com", mallory)).status, 400);
  });

  test("ca.crl: the revoked certificate is refused (400), another of the same CA gets 200", async () => {
    const revoked = await get("crl.example.com", bob);
    assert.equal(revoked.status, 400);
    assert.match(revoked.body, /certificate error/i);
    assert.equal((await get("crl.example.com", alice)).status, 200);
  });
});
