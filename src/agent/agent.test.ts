// The agent against a real nginx: config apply and reloads, refused configs, restarts, and endpoint /
// certificate changes through shared memory with no reload. Configs are hand-written to the contract
// (src/testing/contract-config.ts) so these tests do not depend on core's renderer.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { CertificatePair, UpstreamEndpoint } from "../core/contract.js";
import { startAgentFixture, type AgentFixture } from "../testing/agent-fixture.js";
import { makeCertificate } from "../testing/certs.js";
import { contractConfig, type ContractConfigOptions } from "../testing/contract-config.js";
import { startEcho, type EchoBackend, type EchoReply } from "../testing/echo.js";
import { peerFingerprint, request } from "../testing/http.js";
import { freePort } from "../testing/ports.js";
import { desiredStateFromParts } from "./state-hash.js";
import { DEFAULT_CERT_CN } from "./default-cert.js";

let fx: AgentFixture;
const pods: Record<string, EchoBackend> = {};

const ep = (...names: string[]): UpstreamEndpoint[] => names.map((n) => ({ address: pods[n].host, port: pods[n].port }));

function config(routes: Record<string, string>, extra: Partial<ContractConfigOptions> = {}): string {
  return contractConfig({ httpPort: fx.httpPort, httpsPort: fx.httpsPort, controlPort: fx.controlPort, routes, ...extra });
}

let current = {
  config: "",
  endpoints: {} as Record<string, UpstreamEndpoint[]>,
  sni: {} as Record<string, string>,
  certs: {} as Record<string, CertificatePair>,
};
async function apply(change: Partial<typeof current>) {
  current = { ...current, ...change };
  return await fx.agent.apply(desiredStateFromParts(current.config, current.endpoints, current.sni, current.certs));
}

async function get(path: string, hostHeader = "example.test") {
  return await request({ port: fx.httpPort, path, hostHeader });
}
async function podOf(path: string): Promise<string> {
  const r = await get(path);
  assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.body}`);
  return r.json<EchoReply>().pod;
}

describe("agent on a real nginx", () => {
  before(async () => {
    fx = await startAgentFixture();
    for (const [name, host] of [
      ["a1", "127.0.0.11"],
      ["a2", "127.0.0.12"],
      ["a3", "127.0.0.13"],
      ["b1", "127.0.0.14"],
    ]) {
      pods[name] = await startEcho({ host, service: `default/${name[0]}`, pod: name });
    }
  });
  after(async () => {
    await fx?.stop();
    await Promise.all(Object.values(pods).map((p) => p.stop()));
  });

  test("first config starts nginx without a reload; a changed config reloads once", async () => {
    let st = await apply({ config: config({ "/a": "up-a" }), endpoints: { "up-a": ep("a1") } });
    assert.equal(st.lastError, null);
    assert.equal(st.nginxRunning, true);
    assert.equal(st.reloads, 0);
    assert.equal(await podOf("/a"), "a1");
    assert.equal((await get("/b")).status, 404);

    st = await apply({ config: config({ "/a": "up-a", "/b": "up-b" }), endpoints: { "up-a": ep("a1"), "up-b": ep("b1") } });
    assert.equal(st.lastError, null);
    assert.equal(st.reloads, 1);
    assert.equal(st.appliedHashes.config, fx.agent.status().desiredHashes.config);
    assert.equal(await podOf("/b"), "b1");
    // The same state again changes nothing.
    st = await apply({});
    assert.equal(st.reloads, 1);
  });

  test("a config nginx -t refuses is not applied; the old one keeps serving", async () => {
    const before = fx.agent.status();
    const broken = config({ "/a": "up-a", "/b": "up-b" }, { extraServerText: "    location /a { return 200; }" });
    let st = await apply({ config: broken });
    assert.equal(st.lastError?.part, "config");
    assert.match(st.lastError!.message, /duplicate location/);
    assert.equal(st.reloads, before.reloads);
    assert.equal(st.appliedHashes.config, before.appliedHashes.config);
    assert.equal(await podOf("/a"), "a1");
    assert.equal(await podOf("/b"), "b1");
    const refusals = (await fx.agent.metrics.reloadErrors.get()).values[0].value;
    // The same broken config is not tried again, but endpoint changes still apply.
    st = await apply({ endpoints: { "up-a": ep("a2"), "up-b": ep("b1") } });
    assert.equal((await fx.agent.metrics.reloadErrors.get()).values[0].value, refusals);
    assert.equal(st.lastError?.part, "config");
    assert.equal(await podOf("/a"), "a2");
    // A good config clears the error.
    st = await apply({ config: config({ "/a": "up-a", "/b": "up-b", "/c": "up-a" }) });
    assert.equal(st.lastError, null);
    assert.equal(st.reloads, before.reloads + 1);
    assert.equal(await podOf("/c"), "a2");
  });

  test("a refused config keeps the upstreams and certificates only the running config uses; they go once a config without them is live", async () => {
    const routes = { "/a": "up-a", "/b": "up-b" };
    const old = makeCertificate(["old.test"]);
    await apply({
      config: config(routes),
      endpoints: { "up-a": ep("a1"), "up-b": ep("b1") },
      sni: { "old.test": "old" },
      certs: { old: { certificate: old.certificate, key: old.key } },
    });
    assert.equal(await podOf("/b"), "b1");
    assert.equal(await peerFingerprint(fx.httpsPort, "old.test"), old.fingerprint256);
    // The next state drops /b (and its upstream and certificate), but nginx -t refuses its config.
    const broken = config({ "/a": "up-a" }, { extraServerText: "    location /a { return 200; }" });
    const st = await apply({ config: broken, endpoints: { "up-a": ep("a2") }, sni: {}, certs: {} });
    assert.equal(st.lastError?.part, "config");
    assert.equal(await podOf("/b"), "b1", "the running config's upstream still has its endpoints");
    assert.equal(await podOf("/a"), "a2", "an upstream both know gets the new endpoints");
    assert.equal(await peerFingerprint(fx.httpsPort, "old.test"), old.fingerprint256, "the running config's host keeps its certificate");
    assert.deepEqual((await fx.agent.control.state()).upstreams, { "up-a": 1, "up-b": 1 });
    // A config without /b goes live: now its upstream and certificate go.
    const st2 = await apply({ config: config({ "/a": "up-a" }) });
    assert.equal(st2.lastError, null);
    assert.deepEqual((await fx.agent.control.state()).upstreams, { "up-a": 1 });
    assert.notEqual(await peerFingerprint(fx.httpsPort, "old.test"), old.fingerprint256);
    await apply({ config: config(routes), endpoints: { "up-a": ep("a1"), "up-b": ep("b1") } });
    assert.equal(await podOf("/b"), "b1");
  });

  test("endpoint changes move traffic with no reload (same master and workers)", async () => {
    const pidsBefore = fx.agent.processIds();
    const reloadsBefore = fx.agent.status().reloads;
    await apply({ endpoints: { "up-a": ep("a3"), "up-b": ep("b1") } });
    for (let i = 0; i < 6; i++) assert.equal(await podOf("/a"), "a3");
    await apply({ endpoints: { "up-a": ep("a1"), "up-b": ep("b1") } });
    for (let i = 0; i < 6; i++) assert.equal(await podOf("/a"), "a1");
    assert.equal(fx.agent.status().reloads, reloadsBefore);
    assert.deepEqual(fx.agent.processIds(), pidsBefore);
    const state = await fx.agent.control.state();
    assert.equal(state.endpointsHash, fx.agent.status().appliedHashes.endpoints);
    assert.deepEqual(state.upstreams, { "up-a": 1, "up-b": 1 });
  });

  test("round robin spreads requests over all endpoints", async () => {
    await apply({ endpoints: { "up-a": ep("a1", "a2", "a3"), "up-b": ep("b1") } });
    const counts: Record<string, number> = {};
    for (let i = 0; i < 60; i++) {
      const pod = await podOf("/a");
      counts[pod] = (counts[pod] ?? 0) + 1;
    }
    assert.deepEqual(Object.keys(counts).sort(), ["a1", "a2", "a3"]);
    // Per-worker counters: each worker cycles through all three, so no pod gets more than half.
    for (const n of Object.values(counts)) assert.ok(n >= 10 && n <= 30, JSON.stringify(counts));
  });

  test("a dead endpoint is skipped: the request goes to the next peer", async () => {
    const deadPort = await freePort("127.0.0.15");
    await apply({ endpoints: { "up-a": [{ address: "127.0.0.15", port: deadPort }, ...ep("a1")], "up-b": ep("b1") } });
    for (let i = 0; i < 10; i++) assert.equal(await podOf("/a"), "a1");
  });

  test("an upstream with no endpoints, or unknown to nginx, answers 503", async () => {
    await apply({ endpoints: { "up-a": [], "up-b": ep("b1") } });
    assert.equal((await get("/a")).status, 503);
    await apply({ endpoints: { "up-b": ep("b1") } }); // up-a removed entirely (full replacement)
    assert.equal((await get("/a")).status, 503);
    assert.deepEqual((await fx.agent.control.state()).upstreams, { "up-b": 1 });
    assert.equal(await podOf("/b"), "b1");
    await apply({ endpoints: { "up-a": ep("a1"), "up-b": ep("b1") } });
  });

  test("certificates are chosen by SNI and replaced with no reload", async () => {
    const pidsBefore = fx.agent.processIds();
    const reloadsBefore = fx.agent.status().reloads;
    const foo1 = makeCertificate(["foo.test"]);
    const foo2 = makeCertificate(["foo.test"]);
    const wild = makeCertificate(["*.wild.test"]);
    const bar = makeCertificate(["bar.test"]);
    const pair = (c: typeof foo1) => ({ certificate: c.certificate, key: c.key });
    const defaultFp = new X509Certificate(readFileSync(`${fx.prefix}/ssl/default.crt`)).fingerprint256;

    assert.equal(await peerFingerprint(fx.httpsPort, "foo.test"), defaultFp, "before any push: default certificate");
    await apply({ sni: { "foo.test": "foo-1", "*.wild.test": "wild", "bar.test": "bar" }, certs: { "foo-1": pair(foo1), wild: pair(wild), bar: pair(bar) } });
    assert.equal(await peerFingerprint(fx.httpsPort, "foo.test"), foo1.fingerprint256);
    assert.equal(await peerFingerprint(fx.httpsPort, "FOO.test"), foo1.fingerprint256, "SNI is case-insensitive");
    assert.equal(await peerFingerprint(fx.httpsPort, "bar.test"), bar.fingerprint256);
    assert.equal(await peerFingerprint(fx.httpsPort, "x.wild.test"), wild.fingerprint256);
    assert.equal(await peerFingerprint(fx.httpsPort, "y.x.wild.test"), defaultFp, "a wildcard matches one label only");
    assert.equal(await peerFingerprint(fx.httpsPort, "wild.test"), defaultFp);
    assert.equal(await peerFingerprint(fx.httpsPort, "other.test"), defaultFp);
    assert.equal(await peerFingerprint(fx.httpsPort), defaultFp, "no SNI: default certificate");
    assert.equal(new X509Certificate(readFileSync(`${fx.prefix}/ssl/default.crt`)).subject, `CN=${DEFAULT_CERT_CN}`);

    // Replace foo's certificate (new id) and drop bar.
    await apply({ sni: { "foo.test": "foo-2", "*.wild.test": "wild" }, certs: { "foo-2": pair(foo2), wild: pair(wild) } });
    assert.equal(await peerFingerprint(fx.httpsPort, "foo.test"), foo2.fingerprint256);
    assert.equal(await peerFingerprint(fx.httpsPort, "bar.test"), defaultFp);
    // HTTPS traffic is proxied too.
    const r = await request({ port: fx.httpsPort, tls: true, servername: "foo.test", hostHeader: "foo.test", path: "/a" });
    assert.equal(r.status, 200);
    assert.equal(r.fingerprint256, foo2.fingerprint256);
    assert.equal(fx.agent.status().reloads, reloadsBefore);
    assert.deepEqual(fx.agent.processIds(), pidsBefore);
    assert.equal(fx.agent.status().lastError, null);
  });

  test('the controller\'s default TLS Secret (sni "*") is served when no SNI name matches', async () => {
    const mine = makeCertificate(["default.example"]);
    const site = makeCertificate(["site.test"]);
    await apply({
      sni: { "site.test": "site", "*": "mine" },
      certs: { site: { certificate: site.certificate, key: site.key }, mine: { certificate: mine.certificate, key: mine.key } },
    });
    assert.equal(await peerFingerprint(fx.httpsPort, "site.test"), site.fingerprint256);
    assert.equal(await peerFingerprint(fx.httpsPort, "unknown.test"), mine.fingerprint256);
    assert.equal(await peerFingerprint(fx.httpsPort), mine.fingerprint256, "no SNI: the default TLS Secret");
    await apply({ sni: {}, certs: {} });
  });

  test("a certificate nginx cannot parse is reported; the others still apply", async () => {
    const good = makeCertificate(["good.test"]);
    const st = await apply({
      sni: { "good.test": "good", "bad.test": "bad" },
      certs: { good: { certificate: good.certificate, key: good.key }, bad: { certificate: "not a pem", key: "nope" } },
    });
    assert.equal(st.lastError?.part, "certificates");
    assert.match(st.lastError!.message, /certificate bad/);
    assert.equal(await peerFingerprint(fx.httpsPort, "good.test"), good.fingerprint256);
  });

  test("a certificate set that does not fit the dictionary is refused whole; the running set keeps serving", async () => {
    const routes = { "/a": "up-a", "/b": "up-b" };
    const kept = makeCertificate(["kept.test"]);
    const other = makeCertificate(["other.test"]);
    // A small dictionary (a config change, so a reload), then a set that fits.
    await apply({ config: config(routes, { certificateDict: "256k" }) });
    await apply({ sni: { "kept.test": "kept" }, certs: { kept: { certificate: kept.certificate, key: kept.key } } });
    assert.equal(await peerFingerprint(fx.httpsPort, "kept.test"), kept.fingerprint256);
    // ~600 KiB of chains (a PEM chain of the same certificate parses): cannot fit in 256 KiB.
    const chain = other.certificate.repeat(Math.ceil((200 * 1024) / other.certificate.length));
    const big = Object.fromEntries(["x1", "x2", "x3"].map((id) => [id, { certificate: chain, key: other.key }]));
    const st = await apply({ sni: { "kept.test": "kept", "other.test": "x1" }, certs: { kept: { certificate: kept.certificate, key: kept.key }, ...big } });
    assert.equal(st.lastError?.part, "certificates", JSON.stringify(st.lastError));
    assert.match(st.lastError!.message, /running certificates are unchanged/);
    assert.equal(await peerFingerprint(fx.httpsPort, "kept.test"), kept.fingerprint256, "the running set is whole");
    const shared = await fx.agent.control.state();
    assert.equal(shared.certificates, 1, "only the running generation is counted");
    // A set that fits again applies.
    const st2 = await apply({ sni: { "other.test": "other" }, certs: { other: { certificate: other.certificate, key: other.key } } });
    assert.equal(st2.lastError, null);
    assert.equal(await peerFingerprint(fx.httpsPort, "other.test"), other.fingerprint256);
    assert.notEqual(await peerFingerprint(fx.httpsPort, "kept.test"), kept.fingerprint256, "replaced, not merged");
    await apply({ config: config(routes), sni: {}, certs: {} });
  });

  test("an endpoint set that does not fit the dictionary is refused whole; the running set keeps serving, and pushes that fit reload nothing", async () => {
    // An agent of its own whose first config has a small dictionary: no reload, so no draining
    // old worker (with the old zone) can answer a push or a request.
    const own = await startAgentFixture();
    try {
      const cfg = contractConfig({ httpPort: own.httpPort, controlPort: own.controlPort, routes: { "/a": "up-a", "/b": "up-b" }, endpointsDict: "256k" });
      const push = (endpoints: Record<string, UpstreamEndpoint[]>) => own.agent.apply(desiredStateFromParts(cfg, endpoints, {}, {}));
      const at = async (path: string) => {
        const r = await request({ port: own.httpPort, path, hostHeader: "example.test" });
        return r.status === 200 ? r.json<EchoReply>().pod : `HTTP ${r.status}`;
      };
      await push({ "up-a": ep("a1"), "up-b": ep("b1") });
      assert.equal(await at("/a"), "a1");
      const pidsBefore = own.agent.processIds();
      // 4,000 upstreams of one endpoint each: about 1 MiB of entries, which cannot fit in 256 KiB.
      const many = Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`up-x${i}`, ep("a3")]));
      const st = await push({ "up-a": ep("a2"), "up-b": ep("b1"), ...many });
      assert.equal(st.lastError?.part, "endpoints", JSON.stringify(st.lastError));
      assert.match(st.lastError!.message, /HTTP 507.*running endpoints are unchanged/);
      assert.equal(await at("/a"), "a1", "the running set is whole: not a2, not a partial set");
      assert.equal(await at("/b"), "b1");
      assert.deepEqual((await own.agent.control.state()).upstreams, { "up-a": 1, "up-b": 1 }, "only the running generation is counted");
      // A set that fits again applies, replacing the running one, with no reload.
      const st2 = await push({ "up-a": ep("a2") });
      assert.equal(st2.lastError, null);
      for (let i = 0; i < 4; i++) assert.equal(await at("/a"), "a2");
      assert.equal(await at("/b"), "HTTP 503", "replaced, not merged");
      await push({ "up-a": ep("a3"), "up-b": ep("b1") });
      for (let i = 0; i < 4; i++) assert.equal(await at("/a"), "a3");
      assert.equal(await at("/b"), "b1");
      assert.equal(own.agent.status().reloads, 0);
      assert.deepEqual(own.agent.processIds(), pidsBefore);
    } finally {
      await own.stop();
    }
  });

  test("nginx killed: restarted, and endpoints and certificates pushed again", async () => {
    const cert = makeCertificate(["back.test"]);
    await apply({ sni: { "back.test": "back" }, certs: { back: { certificate: cert.certificate, key: cert.key } } });
    const before = fx.agent.processIds();
    const restartsBefore = fx.agent.status().restarts;
    process.kill(before.master!, "SIGKILL");
    const deadline = Date.now() + 10_000;
    for (;;) {
      const st = fx.agent.status();
      if (st.restarts > restartsBefore && st.nginxRunning && st.lastError === null) break;
      if (Date.now() > deadline) assert.fail(`nginx not restarted: ${JSON.stringify(st)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const afterIds = fx.agent.processIds();
    assert.notEqual(afterIds.master, before.master);
    assert.equal(await podOf("/a"), "a1");
    assert.equal(await podOf("/b"), "b1");
    assert.equal(await peerFingerprint(fx.httpsPort, "back.test"), cert.fingerprint256);
  });
});
