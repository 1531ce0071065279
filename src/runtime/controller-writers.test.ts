// The controller's writers over an in-memory API server (src/testing/memory-api.ts): what a
// publish writes (shards, then an index naming them, owned by the IngressController), that an
// unchanged state costs no write (in the same process and after a restart), that an endpoint
// change rewrites only the endpoints part, and the Ingress status and Event writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../core/build.js";
import { decodeDesiredState, STATE_COMPONENT } from "../core/state-objects.js";
import { ingress, path, service, slice, snapshot } from "../core/test-objects.js";
import type { StoredIngressController } from "../controller/store.js";
import { kubeApi } from "../k8s/api.js";
import { silentLogger } from "../log.js";
import { MemoryApiServer } from "../testing/memory-api.js";
import { apiControllerWriters, STATE_HASH_ANNOTATION } from "./controller-writers.js";

const NS = "portico-system";
const IC_PATH = `/apis/portico.dev/v1alpha1/namespaces/${NS}/ingresscontrollers/edge`;
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const SECRETS = `/api/v1/namespaces/${NS}/secrets`;

function world() {
  const server = new MemoryApiServer();
  const ic = server.put(IC_PATH, {
    apiVersion: "portico.dev/v1alpha1",
    kind: "IngressController",
    metadata: { name: "edge", namespace: NS },
    spec: {},
  }) as unknown as StoredIngressController;
  ic.metadata.generation = 3;
  server.put("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop", { metadata: { name: "shop", namespace: "shop" }, spec: {} });
  return { server, ic, writers: apiControllerWriters(silentLogger(), kubeApi(server.send)) };
}

function result(addresses: string[]) {
  return build(
    snapshot({
      ingresses: [ingress("shop", [{ host: "shop.example", paths: [path("/", "Prefix", "web")] }], { namespace: "shop" })],
      services: [service("web", "shop")],
      endpointSlices: [slice("web", addresses, 8080, "shop")],
    }),
  );
}

/** What the agent reads back: the index and every shard the server holds, decoded. */
function published(server: MemoryApiServer) {
  const index = server.get(`${CM}/edge-state`)!;
  const shards = Object.fromEntries([...server.list(CM), ...server.list(SECRETS)].map((o) => [o.metadata.name, o as never]));
  return { index, state: decodeDesiredState(index as never, shards) };
}

test("a publish writes a state the agent decodes as built, owned and labelled, and records the desired hash", async () => {
  const { server, ic, writers } = world();
  const r = result(["10.0.0.1"]);
  assert.equal(await writers.publish(ic, r), true);
  const { index, state } = published(server);
  assert.deepEqual(state, r.state);
  assert.equal((index.metadata.annotations as Record<string, string>)[STATE_HASH_ANNOTATION], r.state.hashes.all);
  for (const o of [...server.list(CM), ...server.list(SECRETS)]) {
    assert.deepEqual(o.metadata.ownerReferences, [
      { apiVersion: "portico.dev/v1alpha1", kind: "IngressController", name: "edge", uid: ic.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    assert.deepEqual(o.metadata.labels, {
      "app.kubernetes.io/name": "portico",
      "app.kubernetes.io/instance": "edge",
      "app.kubernetes.io/component": STATE_COMPONENT,
      "app.kubernetes.io/managed-by": "portico",
      "portico.dev/generation": "3",
    });
  }
  assert.equal((server.get(IC_PATH)!.status as { desiredConfigHash?: string }).desiredConfigHash, r.state.hashes.config);
  // Shards before the index: the agent never sees an index naming a shard not written yet.
  const writes = server.writes().map((w) => w.path);
  assert.equal(writes.indexOf(`${CM}/edge-state`), writes.filter((p) => p !== IC_PATH + "/status").length - 1);
});

test("an unchanged state is not written again, in the same process or after a restart", async () => {
  const { server, ic, writers } = world();
  const r = result(["10.0.0.1"]);
  await writers.publish(ic, r);
  const before = server.writes().length;
  assert.equal(await writers.publish(ic, result(["10.0.0.1"])), false);
  const restarted = apiControllerWriters(silentLogger(), kubeApi(server.send));
  assert.equal(await restarted.publish(ic, r), false, "the published index already carries this hash");
  assert.equal(server.writes().length, before, "no write at all");
});

test("an endpoint change rewrites the endpoints part and the index, not the config", async () => {
  const { server, ic, writers } = world();
  const first = result(["10.0.0.1"]);
  await writers.publish(ic, first);
  const before = server.writes().length;
  const second = result(["10.0.0.1", "10.0.0.2"]);
  assert.equal(second.state.hashes.config, first.state.hashes.config, "same config: the endpoints travel beside it");
  assert.equal(await writers.publish(ic, second), true);
  const paths = server
    .writes()
    .slice(before)
    .map((w) => w.path);
  assert.ok(
    paths.some((p) => p.startsWith(`${CM}/edge-state-endpoints-`)),
    paths.join("\n"),
  );
  assert.ok(!paths.some((p) => p.startsWith(`${CM}/edge-state-config-`) || p.startsWith(`${SECRETS}/`)), paths.join("\n"));
  assert.deepEqual(published(server).state, second.state);
});

test("Ingress status and Events land on the objects they name", async () => {
  const { server, ic, writers } = world();
  await writers.writeIngressStatus({ namespace: "shop", name: "shop", loadBalancer: [{ ip: "192.0.2.10" }] });
  assert.deepEqual(server.get("/apis/networking.k8s.io/v1/namespaces/shop/ingresses/shop")!.status, { loadBalancer: { ingress: [{ ip: "192.0.2.10" }] } });
  await assert.rejects(
    () => writers.writeIngressStatus({ namespace: "shop", name: "gone", loadBalancer: [] }),
    (e: { status?: number }) => e.status === 404,
  );
  await writers.recordDiagnostic(
    { object: { kind: "Ingress", namespace: "shop", name: "shop" }, severity: "Warning", reason: "ServiceNotFound", message: "Service shop/web not found" },
    ic,
  );
  const [event] = server.list("/api/v1/namespaces/shop/events") as unknown as {
    involvedObject: Record<string, string>;
    type: string;
    reason: string;
    reportingInstance: string;
  }[];
  assert.deepEqual(event!.involvedObject, { apiVersion: "networking.k8s.io/v1", kind: "Ingress", name: "shop", namespace: "shop" });
  assert.equal(event!.type, "Warning");
  assert.equal(event!.reason, "ServiceNotFound");
  assert.equal(event!.reportingInstance, `${NS}/edge`);
});
