// Balancing with real nginx and real requests: cookie affinity across endpoint changes (balanced
// and persistent), cookie attributes, upstream-hash-by, ewma, and canaries by header, cookie and
// weight (statistically). Every change here is pushed with the endpoints: reloads are counted and
// must stay 0.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ControlClient } from "../control-client.js";
import type { EndpointSlice } from "../../core/k8s-types.js";
import type { EchoReply } from "../../testing/echo.js";
import { request, type Response } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const A = "nginx.ingress.kubernetes.io/";
const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const rule = (host: string, service: string, path = "/") => ({ host, http: { paths: [{ path, pathType: "Prefix" as const, backend: svc(service) }] } });

let h: Harness;
const w = new World();
let reloadsAtStart = 0;

const get = (host: string, path = "/", headers: Record<string, string> = {}) => request({ port: h.httpPort, hostHeader: host, path, headers });
const podOf = (r: Response) => {
  assert.equal(r.status, 200, `status ${r.status}: ${r.body.slice(0, 200)}`);
  return r.json<EchoReply>().pod;
};
/** The name=value part of the Set-Cookie for `name`, and its attributes. */
function cookieOf(r: Response, name: string): { pair: string; attrs: string[] } | undefined {
  const all = r.headers["set-cookie"] ?? [];
  const c = all.find((x) => x.startsWith(`${name}=`));
  if (!c) return undefined;
  const [pair, ...attrs] = c.split(/;\s*/);
  return { pair: pair!, attrs };
}
const slice = (name: string) => w.slices.find((s) => s.metadata.name === name)!;
const setReady = (s: EndpointSlice, ready: boolean) => (s.endpoints![0]!.conditions = { ready });
const reloads = () => h.fx.agent.status().reloads - reloadsAtStart;

describe("balancing", () => {
  before(async () => {
    h = await Harness.start();
    await w.service("sticky", { pods: 4 });
    await w.service("persist", { pods: 3 });
    await w.service("hashed", { pods: 3 });
    await w.service("fast", { pods: 2 });
    await w.service("stable", { pods: 2 });
    await w.service("canary", { pods: 2 });
    await w.service("single", { pods: 1 });
    setReady(slice("sticky-3"), false); // the fourth pod joins later
    w.ingress("sticky", { rules: [rule("sticky.example.com", "sticky")] }, { [`${A}affinity`]: "cookie" });
    w.ingress(
      "persist",
      { rules: [rule("persist.example.com", "persist", "/app")] },
      {
        [`${A}affinity`]: "cookie",
        [`${A}affinity-mode`]: "persistent",
        [`${A}session-cookie-name`]: "route",
        [`${A}session-cookie-max-age`]: "600",
        [`${A}session-cookie-samesite`]: "Lax",
        [`${A}session-cookie-change-on-failure`]: "true",
      },
    );
    w.ingress("single", { rules: [rule("*.wild.example.com", "single")] }, { [`${A}affinity`]: "cookie" });
    w.ingress("hashed", { rules: [rule("hashed.example.com", "hashed")] }, { [`${A}upstream-hash-by`]: "$arg_user" });
    w.ingress("fast", { rules: [rule("fast.example.com", "fast")] }, { [`${A}load-balance`]: "ewma" });
    w.ingress("main", { rules: [rule("canary.example.com", "stable")] });
    w.ingress(
      "main-canary",
      { rules: [rule("canary.example.com", "canary")] },
      { [`${A}canary`]: "true", [`${A}canary-by-header`]: "X-Canary", [`${A}canary-by-cookie`]: "canary", [`${A}canary-weight`]: "0" },
    );
    const result = await h.apply(w);
    assert.deepEqual(result.diagnostics, []);
    reloadsAtStart = h.fx.agent.status().reloads;
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
  });

  test("affinity balanced: sessions stick; an added endpoint takes some sessions, the others keep theirs; removing it restores them", async () => {
    const sessions: { cookie: string; pod: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await get("sticky.example.com");
      const c = cookieOf(r, "INGRESSCOOKIE");
      assert.ok(c, "the first answer sets the affinity cookie");
      assert.ok(c.attrs.includes("Path=/") && c.attrs.includes("HttpOnly"), `attributes: ${c.attrs.join("; ")}`);
      assert.ok(!c.attrs.includes("Secure"), "plain HTTP: not Secure by default");
      sessions.push({ cookie: c.pair, pod: podOf(r) });
    }
    assert.ok(new Set(sessions.map((s) => s.pod)).size >= 2, "new sessions are spread over the endpoints");
    for (const s of sessions.slice(0, 10)) {
      for (let k = 0; k < 5; k++) {
        const r = await get("sticky.example.com", "/", { cookie: s.cookie });
        assert.equal(podOf(r), s.pod, "a session stays on its endpoint");
        assert.equal(cookieOf(r, "INGRESSCOOKIE"), undefined, "a valid cookie is not rewritten");
      }
    }
    setReady(slice("sticky-3"), true);
    await h.apply(w);
    let moved = 0;
    for (const s of sessions) {
      const pod = podOf(await get("sticky.example.com", "/", { cookie: s.cookie }));
      if (pod !== s.pod) {
        assert.equal(pod, "sticky-3", "a session that moves goes to the new endpoint only (consistent hashing)");
        moved++;
      }
    }
    assert.ok(moved < sessions.length / 2, `most sessions keep their endpoint (${moved} of ${sessions.length} moved)`);
    setReady(slice("sticky-3"), false);
    await h.apply(w);
    for (const s of sessions) assert.equal(podOf(await get("sticky.example.com", "/", { cookie: s.cookie })), s.pod, "back on the original endpoint");
    assert.equal(reloads(), 0, "endpoint changes with affinity reload nothing");
  });

  test("affinity persistent: a session keeps its endpoint while it exists; when it goes, the cookie moves to another", async () => {
    const first = await get("persist.example.com", "/app/x");
    const c = cookieOf(first, "route");
    assert.ok(c, "cookie named by session-cookie-name");
    assert.ok(c.attrs.includes("Path=/app"), `Path is the location's path: ${c.attrs.join("; ")}`);
    assert.ok(c.attrs.includes("Max-Age=600") && c.attrs.includes("SameSite=Lax"), `attributes: ${c.attrs.join("; ")}`);
    const pod = podOf(first);
    const others = ["persist-0", "persist-1", "persist-2"].filter((p) => p !== pod);
    // Making another endpoint leave and come back moves nothing.
    setReady(slice(others[0]!), false);
    await h.apply(w);
    setReady(slice(others[0]!), true);
    await h.apply(w);
    for (let k = 0; k < 5; k++) assert.equal(podOf(await get("persist.example.com", "/app/x", { cookie: c.pair })), pod);
    // Its own endpoint leaves: the next answer comes from another and rewrites the cookie.
    setReady(slice(pod), false);
    await h.apply(w);
    const moved = await get("persist.example.com", "/app/x", { cookie: c.pair });
    const newPod = podOf(moved);
    assert.notEqual(newPod, pod);
    const c2 = cookieOf(moved, "route");
    assert.ok(c2 && c2.pair !== c.pair, "the cookie follows the new endpoint");
    setReady(slice(pod), true);
    await h.apply(w);
    for (let k = 0; k < 5; k++) assert.equal(podOf(await get("persist.example.com", "/app/x", { cookie: c2.pair })), newPod, "and stays there");
    assert.equal(reloads(), 0);
  });

  test("affinity on a wildcard host with a single endpoint still sets the cookie (it matters once the Service scales)", async () => {
    const r = await get("a.wild.example.com");
    assert.equal(podOf(r), "single-0");
    assert.ok(cookieOf(r, "INGRESSCOOKIE"), "cookie set on a wildcard host");
  });

  test("upstream-hash-by: the same key always reaches the same endpoint; keys spread", async () => {
    const seen = new Map<string, string>();
    for (let u = 0; u < 30; u++) {
      const pod = podOf(await get("hashed.example.com", `/?user=u${u}`));
      seen.set(`u${u}`, pod);
    }
    assert.ok(new Set(seen.values()).size >= 2, "different keys reach different endpoints");
    for (const [user, pod] of [...seen].slice(0, 10)) {
      for (let k = 0; k < 3; k++) assert.equal(podOf(await get("hashed.example.com", `/?user=${user}`)), pod);
    }
  });

  test("load-balance ewma: every request answered, both endpoints used", async () => {
    const pods = new Set<string>();
    for (let i = 0; i < 40; i++) pods.add(podOf(await get("fast.example.com")));
    assert.equal(pods.size, 2);
  });

  test("canary by header and cookie; precedence header > cookie > weight", async () => {
    const side = async (headers: Record<string, string>) => (podOf(await get("canary.example.com", "/", headers)).startsWith("canary") ? "canary" : "stable");
    assert.equal(await side({}), "stable", "weight 0: nothing goes to the canary by itself");
    assert.equal(await side({ "x-canary": "always" }), "canary");
    assert.equal(await side({ "x-canary": "never" }), "stable");
    assert.equal(await side({ cookie: "canary=always" }), "canary");
    assert.equal(await side({ cookie: "canary=never" }), "stable");
    assert.equal(await side({ "x-canary": "never", cookie: "canary=always" }), "stable", "the header wins over the cookie");
    assert.equal(await side({ "x-canary": "maybe", cookie: "canary=always" }), "canary", "another header value falls through to the cookie");
    for (let i = 0; i < 10; i++) assert.equal(await side({ "x-canary": "always" }), "canary", "header routing is not random");
  });

  test("canary-by-header-value and -pattern", async () => {
    const canaryIng = w.ingresses.find((i) => i.metadata.name === "main-canary")!;
    const ann = canaryIng.metadata.annotations!;
    const side = async (headers: Record<string, string>) => (podOf(await get("canary.example.com", "/", headers)).startsWith("canary") ? "canary" : "stable");
    ann[`${A}canary-by-header-value`] = "v2";
    await h.apply(w);
    assert.equal(await side({ "x-canary": "v2" }), "canary");
    assert.equal(await side({ "x-canary": "always" }), "stable", "with a value set, always is just another value");
    delete ann[`${A}canary-by-header-value`];
    ann[`${A}canary-by-header-pattern`] = "^(beta|v[0-9]+)$";
    await h.apply(w);
    assert.equal(await side({ "x-canary": "v7" }), "canary");
    assert.equal(await side({ "x-canary": "beta" }), "canary");
    assert.equal(await side({ "x-canary": "gamma" }), "stable");
    delete ann[`${A}canary-by-header-pattern`];
    await h.apply(w);
    assert.equal(reloads(), 0, "canary rule changes reload nothing");
  });

  test("canary-weight routes that share of requests (statistically); weight changes reload nothing", async () => {
    const canaryIng = w.ingresses.find((i) => i.metadata.name === "main-canary")!;
    const ann = canaryIng.metadata.annotations!;
    const share = async (n: number) => {
      let c = 0;
      for (let i = 0; i < n; i++) if (podOf(await get("canary.example.com")).startsWith("canary")) c++;
      return c / n;
    };
    const N = 600;
    // Binomial: at 30%, sd = sqrt(600*.3*.7)/600 = 1.9%; 5 sd either side.
    ann[`${A}canary-weight`] = "30";
    const configBefore = (await h.apply(w)).state.hashes.config;
    const s30 = await share(N);
    assert.ok(s30 > 0.2 && s30 < 0.4, `weight 30: ${(s30 * 100).toFixed(1)}% to the canary`);
    ann[`${A}canary-weight`] = "80";
    const s80 = await share(N);
    assert.ok(s80 > 0.2 && s80 < 0.4, "unchanged until applied");
    const r80 = await h.apply(w);
    assert.equal(r80.state.hashes.config, configBefore, "the weight is not in nginx.conf");
    const after80 = await share(N);
    assert.ok(after80 > 0.7 && after80 < 0.9, `weight 80: ${(after80 * 100).toFixed(1)}% to the canary`);
    ann[`${A}canary-weight`] = "5";
    ann[`${A}canary-weight-total`] = "1000";
    await h.apply(w);
    const s05 = await share(N);
    assert.ok(s05 < 0.03, `weight 5 of 1000: ${(s05 * 100).toFixed(1)}% to the canary`);
    ann[`${A}canary-weight`] = "1000";
    await h.apply(w);
    assert.equal(await share(50), 1, "weight = total: every request");
    ann[`${A}canary-weight`] = "0";
    delete ann[`${A}canary-weight-total`];
    await h.apply(w);
    assert.equal(await share(50), 0);
    assert.equal(reloads(), 0, "weight changes reload nothing");
  });

  test("a canary without ready endpoints leaves traffic on the main backend", async () => {
    setReady(slice("canary-0"), false);
    setReady(slice("canary-1"), false);
    await h.apply(w);
    assert.ok(podOf(await get("canary.example.com", "/", { "x-canary": "always" })).startsWith("stable"));
    setReady(slice("canary-0"), true);
    setReady(slice("canary-1"), true);
    await h.apply(w);
    assert.ok(podOf(await get("canary.example.com", "/", { "x-canary": "always" })).startsWith("canary"));
    assert.equal(reloads(), 0);
  });

  // Last: it pushes behind the agent's back.
  test("a policy nginx refuses is dropped alone: the push applies every endpoint and names the refused policy", async () => {
    const control = new ControlClient(h.fx.controlPort);
    const ep = [{ address: "127.0.0.1", port: 9 }];
    const res = await control.pushEndpoints(
      { "x-a-80": ep, "x-b-80": ep, "x-c-80": ep },
      {
        "x-a-80": { canary: { upstream: "x-b-80", header: "X", headerPattern: "(unclosed", weight: 0, weightTotal: 100 } },
        "x-c-80": { loadBalance: "ewma" },
      },
      "refusal-test",
    );
    assert.equal(res.upstreams, 3);
    assert.equal(res.errors.length, 1);
    assert.match(res.errors[0]!, /balancing x-a-80: canary.headerPattern/);
    assert.deepEqual((await control.state()).upstreams, { "x-a-80": 1, "x-b-80": 1, "x-c-80": 1 });
  });
});
