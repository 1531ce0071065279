// Watch gaps: the API server (and etcd) restarted under a running Portico. nginx keeps serving
// while the API is gone (the data plane never depends on it), and afterwards the controller's
// watches and the agent's watch resume: new Ingresses, changed backends and deletions take effect.
import { after, before, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { EchoPod } from "../src/local/cluster/index.js";
import { probe } from "../src/local/cluster/http.js";
import { exposePods, ingressManifest, prefixRule } from "../src/local/backends.js";
import { eventually } from "../src/local/http.js";
import { startPorticoEnv, type PorticoEnv } from "../src/local/portico-env.js";

const NS = "gaps";
// Pepr's watches retry every PEPR_RESYNC_DELAY_SECONDS (5 s) after a failure, the agent's with a
// backoff up to 15 s: convergence after a gap may take a while, but must happen.
const CONVERGE_MS = 60_000;
let env: PorticoEnv;
const pods: Record<string, EchoPod> = {};

async function servedBy(host: string, path: string, expected: string, timeoutMs = CONVERGE_MS) {
  return eventually(async () => {
    const a = await env.get(host, path);
    assert.equal(a.status, 200, `${host}${path}: status ${a.status} ${a.body.slice(0, 200)}`);
    assert.equal(a.json?.service, expected, `${host}${path} served by ${a.json?.service}`);
    return a;
  }, timeoutMs);
}

async function statusIs(host: string, path: string, status: number, timeoutMs = CONVERGE_MS) {
  return eventually(async () => {
    const a = await env.get(host, path);
    assert.equal(a.status, status, `${host}${path}: expected ${status}, got ${a.status} (${a.json?.service ?? a.body.slice(0, 80)})`);
    return a;
  }, timeoutMs);
}

/** Requests to `host` in a loop until stopped: every answer with its time, and the API server's readiness alongside. */
function watchTraffic(host: string) {
  const answers: { at: number; ok: boolean; detail: string }[] = [];
  const api: { at: number; up: boolean }[] = [];
  let running = true;
  const tls = { ca: env.cluster.caPem, cert: readFileSync(env.cluster.clientCertFile, "utf8"), key: readFileSync(env.cluster.clientKeyFile, "utf8") };
  const traffic = (async () => {
    while (running) {
      const at = Date.now();
      const a = await env.get(host, "/").catch((e: Error) => ({ status: 0, json: undefined, body: e.message }));
      answers.push({ at, ok: a.status === 200, detail: `${a.status} ${a.json?.service ?? a.body.slice(0, 80)}` });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const apiProbe = (async () => {
    while (running) {
      const at = Date.now();
      api.push({ at, up: (await probe(`${env.cluster.server}/readyz`, tls, 500)).status === 200 });
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    answers,
    api,
    async stop() {
      running = false;
      await Promise.all([traffic, apiProbe]);
    },
  };
}

/** Polls `check` until it passes; returns ms from `since` to the first pass. */
async function firstPassAfter(since: number, check: () => Promise<unknown>): Promise<number> {
  await eventually(check, CONVERGE_MS, 50);
  return Date.now() - since;
}

async function icStatus() {
  return JSON.parse(await env.cluster.kubectlOk(["-n", env.mode.namespace, "get", "ingresscontroller", env.mode.controllerName, "-o", "json"])).status ?? {};
}

before(async () => {
  env = await startPorticoEnv();
  await env.cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const svc of ["sa", "sb", "sc"]) {
    pods[svc] = await env.cluster.startEchoPod({ service: `${NS}/${svc}`, pod: `${svc}-1`, port: 8080 });
    await exposePods(env.cluster, NS, svc, [pods[svc]!]);
  }
});

after(async () => {
  await env?.stop();
});

describe("kube-apiserver restart", () => {
  test("nginx serves throughout the outage; afterwards a new Ingress and a changed backend take effect", async (t: TestContext) => {
    await env.cluster.apply(ingressManifest(NS, "a", { rules: [prefixRule("a.gaps.example", [["/", "sa"]])] }));
    await servedBy("a.gaps.example", "/", `${NS}/sa`);

    const watch = watchTraffic("a.gaps.example");
    let r;
    try {
      r = await env.cluster.restartComponent("kube-apiserver", { downMs: 3000 });
    } finally {
      await watch.stop();
    }
    const outage = watch.api.filter((p) => p.at >= r.signalledAt && p.at <= r.readyAt);
    assert.ok(
      outage.some((p) => !p.up),
      "the API server never looked down: the restart did not happen",
    );
    const during = watch.answers.filter((a) => a.at >= r.stoppedAt && a.at <= r.stoppedAt + 3000);
    assert.ok(during.length >= 10, `only ${during.length} requests while the API server was down`);
    const failed = watch.answers.filter((a) => !a.ok);
    assert.deepEqual(
      failed.map((a) => a.detail),
      [],
      "requests failed during the API server restart",
    );
    assert.ok(watch.answers.every((a) => a.detail === `200 ${NS}/sa`));

    // The first writes after the gap: a new Ingress and a changed backend on the old one.
    await env.cluster.apply(ingressManifest(NS, "b", { rules: [prefixRule("b.gaps.example", [["/", "sb"]])] }));
    await env.cluster.apply(ingressManifest(NS, "a", { rules: [prefixRule("a.gaps.example", [["/", "sc"]])] }));
    const newRoute = await firstPassAfter(r.readyAt, () => servedBy("b.gaps.example", "/", `${NS}/sb`, 0));
    const changed = await firstPassAfter(r.readyAt, () => servedBy("a.gaps.example", "/", `${NS}/sc`, 0));
    t.diagnostic(`API server down ${r.readyAt - r.signalledAt} ms (SIGTERM to ready); ${during.length} requests served while it was gone`);
    t.diagnostic(`after ready: new Ingress routed in ${newRoute} ms, changed backend in ${changed} ms`);

    // The agent's status report resumed too: what it applied is what the controller published.
    await eventually(async () => {
      const s = await icStatus();
      assert.match(s.desiredConfigHash ?? "", /^[0-9a-f]{64}$/);
      assert.equal(s.appliedConfigHash, s.desiredConfigHash);
    }, CONVERGE_MS);
  });

  test("after another restart, an Ingress deleted right away loses its route (Deleted events still flow)", async (t: TestContext) => {
    await servedBy("b.gaps.example", "/", `${NS}/sb`);
    const r = await env.cluster.restartComponent("kube-apiserver", { downMs: 1000 });
    // Deleted the moment the API is back: Portico's watches are most likely still reconnecting, so
    // the deletion lands in their gap and must be caught by the relist or the resumed watch.
    await env.cluster.kubectlOk(["-n", NS, "delete", "ingress", "b"]);
    const gone = await firstPassAfter(r.readyAt, () => statusIs("b.gaps.example", "/", 404, 0));
    t.diagnostic(`deleted Ingress answered 404 ${gone} ms after the API server was ready`);
    await servedBy("a.gaps.example", "/", `${NS}/sc`);
    await env.cluster.kubectlOk(["-n", NS, "delete", "ingress", "a"]);
    await statusIs("a.gaps.example", "/", 404);
  });
});

describe("a long API server outage", () => {
  test("longer than Pepr's default watch failure budget (5 resyncs x 5 s): the module stays up and converges after", async (t: TestContext) => {
    await env.cluster.apply(ingressManifest(NS, "long", { rules: [prefixRule("long.gaps.example", [["/", "sa"]])] }));
    await servedBy("long.gaps.example", "/", `${NS}/sa`);
    const r = await env.cluster.restartComponent("kube-apiserver", { downMs: 40_000 });
    assert.equal(
      env.mode.pepr.child.exitCode,
      null,
      `the Pepr module exited during the outage (code ${env.mode.pepr.child.exitCode}); see ${env.mode.pepr.logFile}`,
    );
    assert.equal((await env.get("long.gaps.example", "/")).json?.service, `${NS}/sa`, "nginx stopped serving during the outage");
    // With failurePolicy=Fail a dead module would also refuse this write (webhook connection refused).
    await env.cluster.apply(ingressManifest(NS, "long", { rules: [prefixRule("long.gaps.example", [["/", "sb"]])] }));
    const changed = await firstPassAfter(r.readyAt, () => servedBy("long.gaps.example", "/", `${NS}/sb`, 0));
    await env.cluster.kubectlOk(["-n", NS, "delete", "ingress", "long"]);
    await statusIs("long.gaps.example", "/", 404);
    t.diagnostic(`API server down ${r.readyAt - r.signalledAt} ms; changed backend routed ${changed} ms after it was ready`);
  });
});

describe("etcd restart", () => {
  test("nginx serves while etcd is gone; afterwards Ingresses are created and deleted as usual", async (t: TestContext) => {
    await env.cluster.apply(ingressManifest(NS, "c", { rules: [prefixRule("c.gaps.example", [["/", "sa"]])] }));
    await servedBy("c.gaps.example", "/", `${NS}/sa`);
    const watch = watchTraffic("c.gaps.example");
    let r;
    try {
      r = await env.cluster.restartComponent("etcd", { downMs: 3000 });
    } finally {
      await watch.stop();
    }
    assert.ok(
      watch.api.some((p) => p.at >= r.signalledAt && p.at <= r.readyAt && !p.up),
      "the API server never reported etcd gone",
    );
    assert.deepEqual(
      watch.answers.filter((a) => !a.ok).map((a) => a.detail),
      [],
      "requests failed during the etcd restart",
    );
    await env.cluster.apply(ingressManifest(NS, "d", { rules: [prefixRule("d.gaps.example", [["/", "sb"]])] }));
    const newRoute = await firstPassAfter(r.readyAt, () => servedBy("d.gaps.example", "/", `${NS}/sb`, 0));
    await env.cluster.kubectlOk(["-n", NS, "delete", "ingress", "c"]);
    await statusIs("c.gaps.example", "/", 404);
    t.diagnostic(`etcd down ${r.readyAt - r.signalledAt} ms (SIGTERM to API ready); new Ingress routed ${newRoute} ms after`);
  });
});
