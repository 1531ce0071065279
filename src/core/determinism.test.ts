// Same snapshot in any array order (and any annotation key order) -> byte-identical output.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "./build.js";
import { loadFixture, TESTDATA } from "./test-fixtures.js";
import type { Snapshot } from "./contract.js";

// Seeded so a failure can be replayed.
function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}
function shuffle<T>(a: T[] | undefined, r: () => number): T[] | undefined {
  if (!a) return a;
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
function shuffleKeys<T extends Record<string, unknown> | undefined>(o: T, r: () => number): T {
  if (!o) return o;
  return Object.fromEntries(shuffle(Object.entries(o), r)!) as T;
}

function shuffled(s: Snapshot, r: () => number): Snapshot {
  return {
    ...s,
    ingresses: shuffle(s.ingresses, r)!.map((i) => ({
      ...i,
      metadata: { ...i.metadata, annotations: shuffleKeys(i.metadata.annotations, r) },
      spec: i.spec && {
        ...i.spec,
        tls: shuffle(i.spec.tls, r),
        rules: shuffle(i.spec.rules, r)?.map((rule) => ({ ...rule, http: rule.http && { paths: shuffle(rule.http.paths, r)! } })),
      },
    })),
    ingressClasses: shuffle(s.ingressClasses, r)!,
    services: shuffle(s.services, r)!.map((svc) => ({ ...svc, spec: svc.spec && { ...svc.spec, ports: shuffle(svc.spec.ports, r) } })),
    endpointSlices: shuffle(s.endpointSlices, r)!.map((e) => ({ ...e, endpoints: shuffle(e.endpoints, r), ports: shuffle(e.ports, r) })),
    secrets: shuffle(s.secrets, r)!,
    tcpServices: s.tcpServices && { ...s.tcpServices, data: shuffleKeys(s.tcpServices.data, r) },
  };
}

const cases = readdirSync(TESTDATA).filter((f) => f.endsWith(".yaml"));

test("shuffled snapshots give byte-identical desired states for every fixture", () => {
  const r = rng(42);
  for (const f of cases) {
    const { snapshot, renderOptions } = loadFixture(readFileSync(join(TESTDATA, f), "utf8"));
    const a = build(snapshot, renderOptions);
    for (let i = 0; i < 5; i++) {
      const b = build(shuffled(snapshot, r), renderOptions);
      assert.equal(b.state.config, a.state.config, `${f}: config differs after shuffle ${i}`);
      assert.equal(JSON.stringify(b.state), JSON.stringify(a.state), `${f}: state differs after shuffle ${i}`);
      // Shuffling rules/paths inside an Ingress changes the indices its messages cite, nothing else.
      const norm = (ds: typeof a.diagnostics) => ds.map((d) => JSON.stringify({ ...d, message: d.message.replace(/\[\d+\]/g, "[]") })).sort();
      assert.deepEqual(norm(b.diagnostics), norm(a.diagnostics), `${f}: diagnostics differ after shuffle ${i}`);
    }
  }
});

test("hashes change with each part and only with it", () => {
  const { snapshot } = loadFixture(readFileSync(join(TESTDATA, "tls-sni-several-certs.yaml"), "utf8"));
  const a = build(snapshot).state.hashes;
  const moreEndpoints = {
    ...snapshot,
    endpointSlices: snapshot.endpointSlices.map((s) => ({ ...s, endpoints: [...(s.endpoints ?? []), { addresses: ["198.18.0.99"] }] })),
  };
  const b = build(moreEndpoints).state.hashes;
  assert.equal(b.config, a.config);
  assert.equal(b.certificates, a.certificates);
  assert.notEqual(b.endpoints, a.endpoints);
  assert.notEqual(b.all, a.all);
  const c = build({ ...snapshot, settings: { ...snapshot.settings, workerConnections: 2048 } }).state.hashes;
  assert.notEqual(c.config, a.config);
  assert.equal(c.endpoints, a.endpoints);
  const d = build({ ...snapshot, secrets: snapshot.secrets.slice(1) }).state.hashes;
  assert.notEqual(d.certificates, a.certificates);
  assert.match(a.all, /^[0-9a-f]{64}$/);
});

test("hashesOf equals sha256 of canonicalJson, whatever the key order", async () => {
  const { hashesOf, canonicalJson, sha256 } = await import("./build.js");
  const endpoints = { "b-x-80": [{ port: 80, address: "10.0.0.2" }], "a-x-80": [] };
  const sni = { "z.com": "id1", "a.com": "id2" };
  const certs = { id2: { key: "K2", certificate: "C2" }, id1: { certificate: "C1", key: "K1" } };
  const h = hashesOf("conf", endpoints, sni, certs);
  assert.equal(h.endpoints, sha256(canonicalJson(endpoints)));
  assert.equal(h.certificates, sha256(canonicalJson({ sniCertificates: sni, certificates: certs })));
  assert.equal(h.config, sha256("conf"));
  assert.equal(h.all, sha256(`${h.config}\n${h.endpoints}\n${h.certificates}`));
});
