// The controller's API writes (the ControllerWriters port over src/k8s's verbs): the desired state
// (server-side apply of shards, then the index, only when the hash changed), Ingress status, and
// Events for build diagnostics.

import { droppedIngresses } from "../controller/refusals.js";
import type { BuildResult, Diagnostic } from "../core/contract.js";
import {
  encodeDesiredState,
  parseStateIndex,
  staleShardNames,
  type StateConfigMap,
  type StateIndex,
  type StatePart,
  type StateSecret,
} from "../core/state-objects.js";
import type { ControllerWriters } from "../controller/controller.js";
import type { IngressStatusUpdate } from "../controller/ingress-status.js";
import type { StoredIngressController } from "../controller/store.js";
import type { Logger } from "../log.js";
import { ownerReference } from "../api/names.js";
import { API_VERSION, KIND } from "../api/schema.js";
import type { KubeApi, KubeObject } from "../k8s/api.js";
import { isNotFound } from "../k8s/client.js";

export const STATE_HASH_ANNOTATION = "portico.dev/state-hash";
const REPORTING_CONTROLLER = "portico.dev/ingress-controller";
/** The desired-state objects were first written through the fluent client's Apply, whose field
 * manager is always "pepr"; kept so clusters already running see the same owner. */
const STATE_FIELD_MANAGER = "pepr";
const configMap = (namespace: string, name: string) => ({ apiVersion: "v1", kind: "ConfigMap", namespace, name });

export function apiControllerWriters(log: Logger, api: KubeApi): ControllerWriters {
  const apply = (o: unknown) => api.applyObject(o as KubeObject, { fieldManager: STATE_FIELD_MANAGER, force: true });
  /** namespace/name -> hash last published (or found published), so unchanged states cost no request. */
  const published = new Map<string, string>();
  /** namespace/name -> the index last written or found, to delete shards a smaller state no longer needs. */
  const lastIndex = new Map<string, StateIndex>();

  return {
    async publish(ic: StoredIngressController, result: BuildResult): Promise<boolean> {
      const ns = ic.metadata.namespace ?? "default";
      const key = `${ns}/${ic.metadata.name}`;
      const hash = result.state.hashes.all;
      if (published.get(key) === hash) return false;
      const t0 = performance.now();
      const encoded = encodeDesiredState(result.state, {
        namespace: ns,
        name: ic.metadata.name,
        uid: ic.metadata.uid,
        generationLabel: String(ic.metadata.generation ?? 0),
      });
      const encodeMs = Math.round(performance.now() - t0);
      const indexName = encoded.index.metadata.name;
      // After a restart, compare with what is already published: no spurious write.
      try {
        const current = await api.getObject<{ metadata?: { annotations?: Record<string, string> } }>(configMap(ns, indexName));
        try {
          lastIndex.set(key, parseStateIndex(current as never));
        } catch {
          // an unreadable index is simply replaced
        }
        if (current.metadata?.annotations?.[STATE_HASH_ANNOTATION] === hash) {
          published.set(key, hash);
          return false;
        }
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      const owner = [ownerReference({ name: ic.metadata.name, uid: ic.metadata.uid ?? "" })];
      const withOwner = <T extends { metadata: { ownerReferences?: unknown[] } }>(o: T): T => ({ ...o, metadata: { ...o.metadata, ownerReferences: owner } });
      // Shards first, the index last: an agent that sees the new index finds every shard it names.
      // A part whose digest and shard count are unchanged is already published: not rewritten.
      const nextIndex = parseStateIndex(encoded.index);
      const previous = lastIndex.get(key);
      const changed = (part: StatePart) =>
        !previous || previous.parts[part].digest !== nextIndex.parts[part].digest || previous.parts[part].shards !== nextIndex.parts[part].shards;
      const shards: (StateConfigMap | StateSecret)[] = [
        ...(changed("config") ? encoded.configShards : []),
        ...(changed("endpoints") ? encoded.endpointShards : []),
        ...(changed("certificates") ? encoded.certificateShards : []),
      ];
      await Promise.all(shards.map((o) => apply(withOwner(o))));
      const index = withOwner(encoded.index);
      index.metadata.annotations = { ...(index.metadata.annotations ?? {}), [STATE_HASH_ANNOTATION]: hash };
      await apply(index);
      published.set(key, hash);
      const stale = staleShardNames(ic.metadata.name, lastIndex.get(key), nextIndex);
      lastIndex.set(key, nextIndex);
      await Promise.all([
        ...stale.configMaps.map((name) => api.deleteObject(configMap(ns, name))),
        ...stale.secrets.map((name) => api.deleteObject({ apiVersion: "v1", kind: "Secret", namespace: ns, name })),
      ]);
      try {
        await api.mergePatch(
          { apiVersion: API_VERSION, kind: KIND, namespace: ns, name: ic.metadata.name },
          { status: { desiredConfigHash: result.state.hashes.config, droppedIngresses: droppedIngresses(result) } },
          "status",
        );
      } catch (err) {
        log.warn("could not record the desired hash on the IngressController status", { controller: key, error: String((err as Error)?.message ?? err) });
      }
      log.info("desired state published", { controller: key, hash, config: result.state.hashes.config, encodeMs, shardsWritten: shards.length });
      return true;
    },

    async writeIngressStatus(update: IngressStatusUpdate): Promise<void> {
      await api.mergePatch(
        { apiVersion: "networking.k8s.io/v1", kind: "Ingress", namespace: update.namespace, name: update.name },
        { status: { loadBalancer: { ingress: update.loadBalancer } } },
        "status",
      );
    },

    async recordDiagnostic(d: Diagnostic, ic: StoredIngressController): Promise<void> {
      const ns = d.object.namespace ?? ic.metadata.namespace ?? "default";
      const now = new Date().toISOString();
      const apiVersion = { Ingress: "networking.k8s.io/v1", Secret: "v1", Service: "v1", ConfigMap: "v1", IngressController: API_VERSION }[d.object.kind];
      await api.createEvent({
        metadata: { namespace: ns, generateName: `${d.object.name}.` },
        involvedObject: { apiVersion, kind: d.object.kind, name: d.object.name, namespace: ns },
        type: d.severity === "Error" ? "Warning" : d.severity,
        reason: d.reason,
        message: d.message.slice(0, 1024),
        source: { component: "portico" },
        reportingComponent: REPORTING_CONTROLLER,
        reportingInstance: `${ic.metadata.namespace}/${ic.metadata.name}`,
        firstTimestamp: now as never,
        lastTimestamp: now as never,
        count: 1,
      });
    },
  };
}
