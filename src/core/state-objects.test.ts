import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { CertificatePair, DesiredState, UpstreamEndpoint } from "./contract.js";
import {
  decodeDesiredState,
  encodeDesiredState,
  parseStateIndex,
  STATE_MAX_SHARDS,
  STATE_SHARD_BYTES,
  stateObjectNames,
  StateObjectError,
  staleShardNames,
  type EncodedDesiredState,
  type ShardObject,
} from "./state-objects.js";

const owner = { namespace: "portico-system", name: "main", uid: "1234-5678", generationLabel: "3" };

function state(overrides: Partial<DesiredState> = {}): DesiredState {
  return {
    config: "events {}\nhttp { server { listen 8080; } }\n",
    endpoints: { "default-web-80": [{ address: "10.0.0.1", port: 8080 }], "default-empty-80": [] },
    sniCertificates: { "foo.com": "default/foo-abc" },
    certificates: { "default/foo-abc": { certificate: "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n", key: "k" } },
    hashes: { config: "c1", endpoints: "e1", certificates: "t1", all: "a1" },
    ...overrides,
  };
}

function byName(enc: EncodedDesiredState): Record<string, ShardObject> {
  const out: Record<string, ShardObject> = {};
  for (const o of [...enc.configShards, ...enc.endpointShards, ...enc.certificateShards]) out[o.metadata.name] = o;
  return out;
}

test("object names are fixed and predictable, 16 shards per part", () => {
  const n = stateObjectNames("main");
  assert.equal(n.index, "main-state");
  assert.equal(n.config.length, STATE_MAX_SHARDS);
  assert.equal(n.config[0], "main-state-config-0");
  assert.equal(n.endpoints[15], "main-state-endpoints-15");
  assert.equal(n.certificates[3], "main-state-certs-3");
});

test("encode then decode gives the same state back; labels, owner and kinds are set", () => {
  const s = state();
  const enc = encodeDesiredState(s, owner);
  assert.deepEqual(decodeDesiredState(enc.index, byName(enc)), s);
  assert.equal(enc.index.metadata.name, "main-state");
  assert.equal(enc.certificateShards[0].kind, "Secret");
  assert.equal(enc.certificateShards[0].metadata.name, "main-state-certs-0");
  assert.equal(enc.configShards[0].kind, "ConfigMap");
  for (const o of [enc.index, enc.configShards[0], enc.endpointShards[0], enc.certificateShards[0]]) {
    assert.deepEqual(o.metadata.labels, {
      "app.kubernetes.io/name": "portico",
      "app.kubernetes.io/instance": "main",
      "app.kubernetes.io/component": "desired-state",
      "app.kubernetes.io/managed-by": "portico",
      "portico.dev/generation": "3",
    });
    assert.equal(o.metadata.namespace, "portico-system");
    assert.equal(o.metadata.ownerReferences?.[0].uid, "1234-5678");
    assert.equal(o.metadata.ownerReferences?.[0].kind, "IngressController");
  }
  // No secret material in ConfigMaps.
  assert.ok(!JSON.stringify(enc.configShards).includes("BEGIN CERTIFICATE"));
  assert.ok(!JSON.stringify(enc.endpointShards).includes("BEGIN CERTIFICATE"));
  assert.ok(!JSON.stringify(enc.index).includes("BEGIN CERTIFICATE"));
});

test("encoding is deterministic", () => {
  assert.deepEqual(JSON.stringify(encodeDesiredState(state(), owner)), JSON.stringify(encodeDesiredState(state(), owner)));
});

test("10,000 Ingresses and 2,000 certificates fit: every object stays well under 1 MiB", () => {
  // A config of 10,000 servers with two locations each, endpoints for 20,000 upstreams, and 2,000
  // certificates of realistic size whose bodies are random (incompressible, like real keys).
  const servers: string[] = [];
  const endpoints: Record<string, UpstreamEndpoint[]> = {};
  for (let i = 0; i < 10_000; i++) {
    const host = `app-${i}.team-${i % 97}.example.com`;
    const loc = (p: string, up: string) =>
      `    location ${p} {\n      set $portico_upstream "${up}";\n      proxy_set_header Host $host;\n      proxy_pass http://portico_upstream;\n    }\n`;
    servers.push(`  server {\n    listen 80;\n    server_name ${host};\n${loc("/api/", `ns-${i}-api-80`)}${loc("/", `ns-${i}-web-80`)}  }\n`);
    for (const s of ["api", "web"]) {
      endpoints[`ns-${i}-${s}-80`] = [0, 1, 2].map((k) => ({ address: `10.${(i >> 8) & 255}.${i & 255}.${k + 1}`, port: 8080 }));
    }
  }
  const pem = (label: string, bytes: number) =>
    `-----BEGIN ${label}-----\n${randomBytes(bytes).toString("base64").replace(/.{64}/g, "$&\n")}\n-----END ${label}-----\n`;
  const certificates: Record<string, CertificatePair> = {};
  const sniCertificates: Record<string, string> = {};
  for (let i = 0; i < 2_000; i++) {
    const id = `ns-${i}/tls-${i}-${i.toString(16).padStart(8, "0")}`;
    certificates[id] = { certificate: pem("CERTIFICATE", 900), key: pem("PRIVATE KEY", 1200) };
    sniCertificates[`app-${i}.team-${i % 97}.example.com`] = id;
  }
  const big = state({ config: `http {\n${servers.join("")}}\n`, endpoints, sniCertificates, certificates });
  const enc = encodeDesiredState(big, owner);
  for (const o of [enc.index, ...enc.configShards, ...enc.endpointShards, ...enc.certificateShards]) {
    const size = Buffer.byteLength(JSON.stringify(o));
    assert.ok(size < 1_000_000, `${o.metadata.name} is ${size} bytes`);
  }
  assert.ok(enc.certificateShards.length > 1, "certificates need several shards");
  const index = parseStateIndex(enc.index);
  assert.ok(index.parts.certificates.shards <= STATE_MAX_SHARDS);
  assert.deepEqual(decodeDesiredState(enc.index, byName(enc)), big);
});

test("a part needing more than 16 shards fails loudly", () => {
  // base64 of random bytes compresses back to about the random size: ~18 shards.
  const huge = randomBytes(STATE_SHARD_BYTES * 18).toString("base64");
  assert.throws(
    () => encodeDesiredState(state({ config: huge }), owner),
    (e: Error) => {
      assert.ok(e instanceof StateObjectError);
      assert.match(e.message, /part "config".*more than the 16 allowed/);
      return true;
    },
  );
});

test("decode refuses a missing shard, a shard of another version, and a bad index", () => {
  const enc = encodeDesiredState(state(), owner);
  const shards = byName(enc);
  assert.throws(() => decodeDesiredState(enc.index, { ...shards, "main-state-endpoints-0": undefined }), /endpoints: shard main-state-endpoints-0 is missing/);

  const other = byName(encodeDesiredState(state({ config: "events {}\n" }), owner));
  assert.throws(
    () => decodeDesiredState(enc.index, { ...shards, "main-state-config-0": other["main-state-config-0"] }),
    /config: shard main-state-config-0 belongs to another version/,
  );

  const badIndex = { ...enc.index, data: { "index.json": JSON.stringify({ version: 2, hashes: { config: "x" } }) } };
  assert.throws(() => decodeDesiredState(badIndex, shards), /hashes.endpoints must be a non-empty string/);
  assert.throws(() => decodeDesiredState({ ...enc.index, data: {} }, shards), /data\["index.json"\] is missing/);
});

test("decode validates the endpoints and certificates it reads", () => {
  const badEp = encodeDesiredState(state({ endpoints: { x: [{ address: "10.0.0.1; evil", port: 80 }] } }), owner);
  assert.throws(() => decodeDesiredState(badEp.index, byName(badEp)), /endpoints.x\[0\].address: must be an IP literal/);
  const badCert = encodeDesiredState(state({ sniCertificates: { "a.com": "nope" } }), owner);
  assert.throws(() => decodeDesiredState(badCert.index, byName(badCert)), /sniCertificates\["a.com"\]: unknown certificate id "nope"/);
});

test("shards a shrunken state no longer needs are reported stale; a grown one has none", () => {
  const index = (config: number, endpoints: number, certificates: number) =>
    ({
      version: 2,
      hashes: { config: "a", endpoints: "b", certificates: "c", all: "d" },
      parts: {
        config: { shards: config, bytes: 1, digest: "0".repeat(64) },
        endpoints: { shards: endpoints, bytes: 1, digest: "0".repeat(64) },
        certificates: { shards: certificates, bytes: 1, digest: "0".repeat(64) },
      },
    }) as const;
  assert.deepEqual(staleShardNames("edge", index(3, 1, 2), index(1, 1, 1)), {
    configMaps: ["edge-state-config-1", "edge-state-config-2"],
    secrets: ["edge-state-certs-1"],
  });
  assert.deepEqual(staleShardNames("edge", index(1, 1, 1), index(2, 2, 2)), { configMaps: [], secrets: [] });
  assert.deepEqual(staleShardNames("edge", undefined, index(1, 1, 1)), { configMaps: [], secrets: [] });
});
