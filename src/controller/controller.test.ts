// The rebuild loop with in-memory writers (no API): what it publishes, which Ingress statuses it
// writes (only ours, cleared when one leaves), diagnostics as Events once, a failed publish
// retried, and the metrics it counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { BuildResult, Diagnostic } from "../core/contract.js";
import { ingress, path, service, slice } from "../core/test-objects.js";
import { Controller, type ControllerWriters } from "./controller.js";
import { annotationConfigMapKeys } from "./references.js";
import type { IngressStatusUpdate } from "./ingress-status.js";
import type { StoredIngressController } from "./store.js";

class MemoryWriters implements ControllerWriters {
  published: string[] = [];
  statuses: IngressStatusUpdate[] = [];
  events: Diagnostic[] = [];
  failPublishes = 0;
  private last = "";
  async publish(_ic: StoredIngressController, result: BuildResult): Promise<boolean> {
    if (this.failPublishes > 0) {
      this.failPublishes--;
      throw new Error("API unavailable");
    }
    if (result.state.hashes.all === this.last) return false;
    this.last = result.state.hashes.all;
    this.published.push(this.last);
    return true;
  }
  async writeIngressStatus(update: IngressStatusUpdate): Promise<void> {
    this.statuses.push(update);
  }
  async recordDiagnostic(d: Diagnostic): Promise<void> {
    this.events.push(d);
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const IC: StoredIngressController = {
  apiVersion: "portico.dev/v1alpha1",
  kind: "IngressController",
  metadata: { name: "portico", namespace: "portico-system", uid: "u1", generation: 1 },
  spec: { publishAddress: "192.0.2.10" },
};
const CLASS = { metadata: { name: "portico" }, spec: { controller: "portico.dev/ingress-controller" } };

function controller(writers: MemoryWriters): Controller {
  const c = new Controller(writers, silent, { holdOffMs: 1, maxDelayMs: 5 });
  c.upsert("IngressController", IC);
  c.upsert("IngressClass", CLASS);
  c.upsert("Service", service("web", "shop"));
  c.upsert("EndpointSlice", slice("web", ["10.0.0.1"], 8080, "shop"));
  return c;
}

const withVersion = <T extends { metadata: object }>(o: T, rv: string): T => ({ ...o, metadata: { ...o.metadata, resourceVersion: rv } });

test("status is written on our Ingresses only, once, and cleared when one leaves our class", async () => {
  const w = new MemoryWriters();
  const c = controller(w);
  const ours = withVersion(ingress("shop", [{ host: "shop.example", paths: [path("/", "Prefix", "web")] }], { namespace: "shop" }), "1");
  const theirs = withVersion(
    ingress("other", [{ host: "other.example", paths: [path("/", "Prefix", "web")] }], { namespace: "shop", className: "nginx" }),
    "1",
  );
  c.upsert("Ingress", ours);
  c.upsert("Ingress", theirs);
  await c.rebuild();
  assert.deepEqual(w.statuses, [{ namespace: "shop", name: "shop", loadBalancer: [{ ip: "192.0.2.10" }] }]);
  assert.equal(w.published.length, 1);

  // The status we wrote comes back through the watch: nothing more to write or publish.
  c.upsert("Ingress", withVersion({ ...ours, status: { loadBalancer: { ingress: [{ ip: "192.0.2.10" }] } } }, "2"));
  await c.rebuild();
  assert.equal(w.statuses.length, 1);
  assert.equal(w.published.length, 1);

  // It moves to another controller's class: the address this process gave it is removed.
  c.upsert(
    "Ingress",
    withVersion({ ...ours, spec: { ...ours.spec, ingressClassName: "nginx" }, status: { loadBalancer: { ingress: [{ ip: "192.0.2.10" }] } } }, "3"),
  );
  await c.rebuild();
  assert.deepEqual(w.statuses.at(-1), { namespace: "shop", name: "shop", loadBalancer: [] });
  assert.ok(
    w.statuses.every((s) => s.name !== "other"),
    "an Ingress of another class is never written",
  );
  c.stop();
});

test("a diagnostic becomes one Event, not one per rebuild", async () => {
  const w = new MemoryWriters();
  const c = controller(w);
  c.upsert("Ingress", withVersion(ingress("broken", [{ host: "b.example", paths: [path("/", "Prefix", "missing")] }], { namespace: "shop" }), "1"));
  await c.rebuild();
  const first = w.events.length;
  assert.ok(first >= 1, "the missing Service is reported");
  assert.ok(w.events.some((d) => d.object.name === "broken"));
  c.requestRebuild();
  await c.rebuild();
  assert.equal(w.events.length, first);
  c.stop();
});

test("a failed publish fails the rebuild (the scheduler retries) and the retry publishes", async () => {
  const w = new MemoryWriters();
  const c = controller(w);
  c.upsert("Ingress", withVersion(ingress("shop", [{ host: "shop.example", paths: [path("/", "Prefix", "web")] }], { namespace: "shop" }), "1"));
  w.failPublishes = 1;
  await assert.rejects(() => c.rebuild(), /API unavailable/);
  assert.equal(w.published.length, 0);
  await c.rebuild();
  assert.equal(w.published.length, 1);
  const metrics = await c.metrics.registry.metrics();
  assert.match(metrics, /^portico_controller_rebuild_failures_total 1$/m);
  assert.match(metrics, /^portico_controller_publishes_total 1$/m);
  assert.match(metrics, /^portico_controller_store_objects\{kind="Ingress"\} 1$/m);
  assert.match(metrics, /^portico_controller_rebuild_duration_seconds_count 2$/m);
  c.stop();
});

test("the ConfigMaps kept are exactly those IngressControllers name, plus those served Ingresses' annotations name", async () => {
  const w = new MemoryWriters();
  const c = controller(w);
  assert.deepEqual(c.wantedConfigMaps(), ["portico-system/portico-tcp-services", "portico-system/portico-udp-services"]);
  c.upsert("IngressController", { ...IC, metadata: { ...IC.metadata, resourceVersion: "2" }, spec: { ...IC.spec, tcpServicesConfigMap: "my-tcp" } });
  assert.deepEqual(c.wantedConfigMaps(), ["portico-system/my-tcp", "portico-system/portico-udp-services"]);
  // An annotation that names a ConfigMap (here auth-secret's value read as one): own namespace only.
  const named = ingress("a", [{ host: "a.example", paths: [path("/", "Prefix", "web")] }], {
    namespace: "shop",
    annotations: { "nginx.ingress.kubernetes.io/auth-secret": "headers" },
  });
  const other = ingress("b", [{ host: "b.example", paths: [path("/", "Prefix", "web")] }], {
    namespace: "shop",
    annotations: { "nginx.ingress.kubernetes.io/auth-secret": "kube-system/headers" },
  });
  assert.deepEqual(annotationConfigMapKeys(named, ["authSecret"]), ["shop/headers"]);
  assert.deepEqual(annotationConfigMapKeys(other, ["authSecret"]), [], "another namespace's ConfigMap is never kept");
  assert.deepEqual(annotationConfigMapKeys(named), [], "auth-secret names no ConfigMap");
  const headers = ingress("c", [{ host: "c.example", paths: [path("/", "Prefix", "web")] }], {
    namespace: "shop",
    annotations: { "nginx.ingress.kubernetes.io/custom-headers": "shop/headers" },
  });
  assert.deepEqual(annotationConfigMapKeys(headers), ["shop/headers"], "custom-headers names one");
  const seen: string[][] = [];
  c.onWantedConfigMaps((keys) => seen.push(keys));
  c.upsert("Ingress", named);
  c.markSynced();
  await c.idle();
  assert.deepEqual(seen, [], "no change in the annotation-named set: no call");
});

test("status writes after a burst run several at a time, bounded, and every one is written", async () => {
  class SlowStatusWriters extends MemoryWriters {
    inFlight = 0;
    maxInFlight = 0;
    override async writeIngressStatus(update: IngressStatusUpdate): Promise<void> {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise((r) => setTimeout(r, 2));
      this.inFlight--;
      await super.writeIngressStatus(update);
    }
  }
  const w = new SlowStatusWriters();
  const c = controller(w);
  for (let i = 0; i < 100; i++)
    c.upsert("Ingress", withVersion(ingress(`app-${i}`, [{ host: `app-${i}.example`, paths: [path("/", "Prefix", "web")] }], { namespace: "shop" }), "1"));
  await c.rebuild();
  assert.equal(new Set(w.statuses.map((s) => s.name)).size, 100);
  assert.ok(w.maxInFlight > 1, `writes overlapped (at most ${w.maxInFlight} in flight)`);
  assert.ok(w.maxInFlight <= 16, `at most 16 in flight, saw ${w.maxInFlight}`);
  c.stop();
});

test("an nginx -t refusal traced to an Ingress drops that Ingress (one Event), the rest is published; a change lets it back", async () => {
  class Capturing extends MemoryWriters {
    results: BuildResult[] = [];
    override async publish(ic: StoredIngressController, result: BuildResult): Promise<boolean> {
      this.results.push(result);
      return super.publish(ic, result);
    }
  }
  const w = new Capturing();
  const c = controller(w);
  const good = withVersion(ingress("good", [{ host: "good.example", paths: [path("/", "Prefix", "web")] }], { namespace: "shop" }), "1");
  const bad = withVersion(ingress("bad", [{ host: "bad.example", paths: [path("/x", "Exact", "web")] }], { namespace: "shop" }), "1");
  c.upsert("Ingress", good);
  c.upsert("Ingress", bad);
  await c.rebuild();
  const first = w.results.at(-1)!;
  const line = first.state.config.split("\n").findIndex((l) => l.includes('location = "/x"')) + 1;
  // The agent reports that nginx -t refused this config at the bad Ingress's location.
  const refused = { hash: first.state.hashes.config, line, message: `nginx: [emerg] something nginx refused in /p/conf/h/nginx.conf:${line}` };
  c.upsert("IngressController", withVersion({ ...IC, status: { refusedConfig: refused } }, "2"));
  await c.rebuild();
  const second = w.results.at(-1)!;
  assert.notEqual(second.state.hashes.config, first.state.hashes.config);
  assert.deepEqual(second.servedIngresses, ["shop/good"]);
  assert.doesNotMatch(second.state.config, /location = "\/x"/);
  const dropped = w.events.filter((d) => d.object.name === "bad" && d.reason === "IngressDropped");
  assert.equal(dropped.length, 1);
  assert.match(dropped[0]!.message, /nginx -t refused the configuration rendered from it \(line \d+: something nginx refused\)/);
  // Later changes to the others are applied; the dropped one stays out, with no second Event.
  c.upsert("Ingress", withVersion(ingress("good", [{ host: "good.example", paths: [path("/new", "Prefix", "web")] }], { namespace: "shop" }), "2"));
  await c.rebuild();
  assert.match(w.results.at(-1)!.state.config, /"\/new"/);
  assert.deepEqual(w.results.at(-1)!.servedIngresses, ["shop/good"]);
  assert.equal(w.events.filter((d) => d.object.name === "bad" && d.reason === "IngressDropped").length, 1);
  // Its owner changes it: it is built again.
  c.upsert("Ingress", withVersion(ingress("bad", [{ host: "bad.example", paths: [path("/y", "Exact", "web")] }], { namespace: "shop" }), "2"));
  await c.rebuild();
  assert.deepEqual(w.results.at(-1)!.servedIngresses, ["shop/bad", "shop/good"]);
  c.stop();
});

test("a refusal of another config, or of a line no Ingress rendered, drops nothing", async () => {
  const w = new MemoryWriters();
  const c = controller(w);
  c.upsert("Ingress", withVersion(ingress("good", [{ host: "good.example", paths: [path("/", "Prefix", "web")] }], { namespace: "shop" }), "1"));
  c.upsert("IngressController", withVersion({ ...IC, status: { refusedConfig: { hash: "old", line: 190, message: "x" } } }, "2"));
  await c.rebuild();
  assert.equal(w.events.filter((d) => d.reason === "IngressDropped").length, 0);
  c.stop();
});

test("a refusal no Ingress's lines explain drops the Ingresses changed since the accepted config; several are tried again one at a time, and the culprit stays out", async () => {
  class Capturing extends MemoryWriters {
    results: BuildResult[] = [];
    override async publish(ic: StoredIngressController, result: BuildResult): Promise<boolean> {
      this.results.push(result);
      return super.publish(ic, result);
    }
  }
  const w = new Capturing();
  const c = controller(w);
  const served = () => w.results.at(-1)!.servedIngresses;
  const hash = () => w.results.at(-1)!.state.hashes.config;
  let rv = 1;
  const agentReports = async (status: Record<string, unknown>) => {
    c.upsert("IngressController", withVersion({ ...IC, status }, String(++rv)));
    await c.rebuild();
  };
  const refusal = (h: string) => ({ hash: h, line: 0, message: "nginx: [emerg] could not build something\nnginx: configuration file test failed" });
  c.upsert("Ingress", withVersion(ingress("good", [{ host: "good.example", paths: [path("/", "Prefix", "web")] }], { namespace: "shop" }), "1"));
  await c.rebuild();
  await agentReports({ appliedConfigHash: hash() }); // nginx accepted it

  // Nothing changed since then: nothing to blame, the refusal is the IngressController's.
  await agentReports({ appliedConfigHash: hash(), refusedConfig: refusal(hash()) });
  assert.deepEqual(served(), ["shop/good"]);
  assert.equal(w.events.filter((d) => d.reason === "ConfigRefused").length, 1);
  assert.match(w.events.find((d) => d.reason === "ConfigRefused")!.message, /no line named: could not build something/);
  const accepted = hash();
  await agentReports({ appliedConfigHash: accepted });

  // Two new Ingresses, and nginx refuses the config naming no line: both are suspects.
  c.upsert("Ingress", withVersion(ingress("new1", [{ host: "n1.example", paths: [path("/", "Prefix", "web")] }], { namespace: "shop" }), "1"));
  c.upsert("Ingress", withVersion(ingress("new2", [{ host: "n2.example", paths: [path("/", "Prefix", "web")] }], { namespace: "shop" }), "1"));
  await c.rebuild();
  assert.deepEqual(served(), ["shop/good", "shop/new1", "shop/new2"]);
  await agentReports({ appliedConfigHash: accepted, refusedConfig: refusal(hash()) });
  assert.deepEqual(served(), ["shop/good"]);
  const suspected = w.events.filter((d) => d.reason === "IngressDropped");
  assert.deepEqual(suspected.map((d) => d.object.name).sort(), ["new1", "new2"]);
  assert.match(suspected[0]!.message, /one of the 2 that changed since the last configuration nginx accepted.*tried again alone\.$/);

  // The config without them is applied: the first comes back alone, and nginx refuses it again.
  await agentReports({ appliedConfigHash: hash() });
  assert.deepEqual(served(), ["shop/good", "shop/new1"]);
  const withoutBoth = w.results.at(-2)!.state.hashes.config;
  await agentReports({ appliedConfigHash: withoutBoth, refusedConfig: refusal(hash()) });
  assert.deepEqual(served(), ["shop/good"]);
  assert.match(w.events.filter((d) => d.object.name === "new1").at(-1)!.message, /the only one that changed.*not served until it changes$/);

  // Applied again without it: the second comes back, is accepted, and the culprit stays out.
  await agentReports({ appliedConfigHash: hash() });
  assert.deepEqual(served(), ["shop/good", "shop/new2"]);
  await agentReports({ appliedConfigHash: hash() });
  assert.deepEqual(served(), ["shop/good", "shop/new2"]);
  // Its owner changes it: it is built again.
  c.upsert("Ingress", withVersion(ingress("new1", [{ host: "n1.example", paths: [path("/v2", "Prefix", "web")] }], { namespace: "shop" }), "2"));
  await c.rebuild();
  assert.deepEqual(served(), ["shop/good", "shop/new1", "shop/new2"]);
  c.stop();
});
