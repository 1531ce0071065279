import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkTlsSecret } from "./tls-material.js";
import { makeCert, tlsSecret } from "./testing/certs.js";

const now = new Date();
const F = 'Secret "ns/s"';

describe("checkTlsSecret", () => {
  const good = makeCert({ dnsNames: ["foo.example.com", "*.apps.example.com"] });
  const cases: [string, Parameters<typeof tlsSecret>[2], string[], string[]][] = [
    ["valid pair covering the hosts", good, [], []],
    ["missing tls.crt", { key: good.key }, [`${F}: tls.crt is missing or empty`], []],
    ["missing tls.key", { crt: good.crt }, [`${F}: tls.key is missing or empty`], []],
    ["tls.crt not PEM", { crt: "hello", key: good.key }, [`${F}: tls.crt is not a PEM certificate (no BEGIN CERTIFICATE block)`], []],
    ["tls.key not PEM", { crt: good.crt, key: "hello" }, [`${F}: tls.key is not a PEM private key (no BEGIN PRIVATE KEY block)`], []],
    [
      "garbage inside the PEM armour",
      { crt: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", key: good.key },
      [`${F}: tls.crt does not parse as an X.509 certificate`],
      [],
    ],
    [
      "garbage key",
      { crt: good.crt, key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" },
      [`${F}: tls.key does not parse as a private key`],
      [],
    ],
  ];
  for (const [name, pair, errors, warnings] of cases) {
    it(name, () => assert.deepEqual(checkTlsSecret(tlsSecret("ns", "s", pair), ["foo.example.com", "x.apps.example.com"], now, F), { errors, warnings }));
  }
  it("key of another certificate", () => {
    const other = makeCert({ dnsNames: ["foo.example.com"] }, true);
    assert.deepEqual(checkTlsSecret(tlsSecret("ns", "s", { crt: good.crt, key: other.key }), [], now, F).errors, [
      `${F}: tls.key does not match the certificate in tls.crt (first certificate of the chain)`,
    ]);
  });
  it("expired certificate is an error naming the date", () => {
    const notAfter = new Date(Date.now() - 86400_000);
    const old = makeCert({ dnsNames: ["foo.example.com"], notBefore: new Date(Date.now() - 10 * 86400_000), notAfter });
    const r = checkTlsSecret(tlsSecret("ns", "s", old), ["foo.example.com"], now, F);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!, new RegExp(`^${F}: certificate expired on ${notAfter.toISOString().slice(0, 16)}`));
  });
  it("not yet valid is a warning", () => {
    const future = makeCert({ dnsNames: ["foo.example.com"], notBefore: new Date(Date.now() + 86400_000) });
    const r = checkTlsSecret(tlsSecret("ns", "s", future), ["foo.example.com"], now, F);
    assert.deepEqual(r.errors, []);
    assert.match(r.warnings[0]!, /certificate is not valid before/);
  });
  it("wildcard coverage: *.apps covers one label, not two, and a wildcard host needs the wildcard SAN", () => {
    const r = checkTlsSecret(tlsSecret("ns", "s", good), ["a.b.apps.example.com", "*.apps.example.com", "*.example.com"], now, F);
    assert.deepEqual(r.warnings, [
      `${F}: certificate does not cover "a.b.apps.example.com", "*.example.com" (its DNS names: foo.example.com, *.apps.example.com)`,
    ]);
  });
  it("stringData is read as the API server merges it", () => {
    const s = { ...tlsSecret("ns", "s", {}), stringData: { "tls.crt": good.crt, "tls.key": good.key } };
    assert.deepEqual(checkTlsSecret(s, ["foo.example.com"], now, F), { errors: [], warnings: [] });
  });
});

describe("checkTlsSecret cache", () => {
  it("judges new content even when uid and resourceVersion are unchanged (an UPDATE carries the old resourceVersion)", () => {
    const good = makeCert({ dnsNames: ["foo.example.com"] });
    const meta = { uid: "u", resourceVersion: "7" };
    assert.deepEqual(checkTlsSecret(tlsSecret("ns", "s", good, meta), [], now, F).errors, []);
    const broken = { crt: good.crt, key: makeCert({ dnsNames: ["x"] }, true).key };
    assert.equal(checkTlsSecret(tlsSecret("ns", "s", broken, meta), [], now, F).errors.length, 1);
  });
});
