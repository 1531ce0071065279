import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createCA, issueCert, opensslConfig, servingCertificate } from "../../src/local/cluster/pki.js";

const tmp = mkdtempSync(join(tmpdir(), "portico-pki-test-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("pki", () => {
  it("issues a client certificate with the groups as organizations, signed by the CA", async () => {
    const ca = await createCA(tmp);
    const c = await issueCert(ca, tmp, { name: "admin", commonName: "portico-admin", organizations: ["system:masters", "extra"], usage: "client" });
    const caX = new X509Certificate(readFileSync(ca.cert));
    const x = new X509Certificate(readFileSync(c.cert));
    assert.ok(x.verify(caX.publicKey));
    assert.ok(x.checkIssued(caX));
    assert.equal(caX.ca, true);
    assert.equal(x.ca, false);
    assert.match(x.subject, /CN=portico-admin/);
    assert.match(x.subject, /O=system:masters/);
    assert.match(x.subject, /O=extra/);
    assert.deepEqual(x.keyUsage, ["1.3.6.1.5.5.7.3.2"]); // clientAuth only
  });

  it("makes a serving certificate valid for its IP SANs", async () => {
    const s = await servingCertificate(join(tmp, "srv"), { ips: ["127.0.0.1", "198.18.0.1"] });
    const x = new X509Certificate(s.certPem);
    assert.equal(x.checkIP("127.0.0.1"), "127.0.0.1");
    assert.equal(x.checkIP("198.18.0.1"), "198.18.0.1");
    assert.equal(x.checkIP("10.0.0.1"), undefined);
    assert.ok(x.verify(new X509Certificate(s.caPem).publicKey));
  });

  it("refuses subject values that could inject openssl config", () => {
    assert.throws(() => opensslConfig({ name: "x", commonName: "a\n[ext]\nbasicConstraints=CA:TRUE" }), /commonName .* has characters outside/);
    assert.throws(() => opensslConfig({ name: "x", commonName: "ok", dnsNames: ["a,IP:1.2.3.4"] }), /dnsName/);
  });
});
