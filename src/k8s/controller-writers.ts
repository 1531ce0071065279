// The controller's API writes: the desired state (server-side apply of shards, then the index,
// only when the hash changed), Ingress status, and Events for build diagnostics.

import { K8s, kind } from "kubernetes-fluent-client";
import type { BuildResult, Diagnostic } from "../core/contract.js";
import { encodeDesiredState, parseStateIndex, staleShardNames, type StateIndex, type StatePart } from "../core/state-objects.js";
import type { ControllerWriters } from "../controller/controller.js";
import type { IngressStatusUpdate } from "../controller/ingress-status.js";
import type { StoredIngressController } from "../controller/store.js";
import type { Logger } from "../log.js";
import { IngressControllerKind } from "../api/kind.js";
import { API_VERSION, KIND } from "../api/schema.js";

export const STATE_HASH_ANNOTATION = "portico.dev/state-hash";
const REPORTING_CONTROLLER = "portico.dev/ingress-controller";

function ownerReference(ic: StoredIngressController) {
  return { apiVersion: API_VERSION, kind: KIND, name: ic.metadata.name, uid: ic.metadata.uid ?? "", controller: true, blockOwnerDeletion: true };
}

function isNotFound(err: unknown): boolean {
  return (err as { status?: number })?.status === 404;
}

export function apiControllerWriters(log: Logger): ControllerWriters {
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
      const encoded = encodeDesiredState(result.state, {
        namespace: ns,
        name: ic.metadata.name,
        uid: ic.metadata.uid,
        generationLabel: String(ic.metadata.generation ?? 0),
      });
      const indexName = encoded.index.metadata.name;
      // After a restart, compare with what is already published: no spurious write.
      try {
        const current = await K8s(kind.ConfigMap).InNamespace(ns).Get(indexName);
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
      const owner = [ownerReference(ic)];
      const withOwner = <T extends { metadata: { ownerReferences?: unknown[] } }>(o: T): T => ({ ...o, metadata: { ...o.metadata, ownerReferences: owner } });
      // Shards first, the index last: an agent that sees the new index finds every shard it names.
      // A part whose digest and shard count are unchanged is already published: not rewritten.
      const nextIndex = parseStateIndex(encoded.index);
      const previous = lastIndex.get(key);
      const changed = (part: StatePart) =>
        !previous || previous.parts[part].digest !== nextIndex.parts[part].digest || previous.parts[part].shards !== nextIndex.parts[part].shards;
      await Promise.all([
        ...(changed("config") ? encoded.configShards : []).map((o) => K8s(kind.ConfigMap).Apply(withOwner(o) as never, { force: true })),
        ...(changed("endpoints") ? encoded.endpointShards : []).map((o) => K8s(kind.ConfigMap).Apply(withOwner(o) as never, { force: true })),
        ...(changed("certificates") ? encoded.certificateShards : []).map((o) => K8s(kind.Secret).Apply(withOwner(o) as never, { force: true })),
      ]);
      const index = withOwner(encoded.index);
      index.metadata.annotations = { ...(index.metadata.annotations ?? {}), [STATE_HASH_ANNOTATION]: hash };
      await K8s(kind.ConfigMap).Apply(index as never, { force: true });
      published.set(key, hash);
      const stale = staleShardNames(ic.metadata.name, lastIndex.get(key), nextIndex);
      lastIndex.set(key, nextIndex);
      await Promise.all([
        ...stale.configMaps.map((name) => K8s(kind.ConfigMap).InNamespace(ns).Delete(name)),
        ...stale.secrets.map((name) => K8s(kind.Secret).InNamespace(ns).Delete(name)),
      ]);
      try {
        await K8s(IngressControllerKind).PatchStatus({
          metadata: { name: ic.metadata.name, namespace: ns },
          status: { desiredConfigHash: result.state.hashes.config },
        } as never);
      } catch (err) {
        log.warn("could not record the desired hash on the IngressController status", { controller: key, error: String((err as Error)?.message ?? err) });
      }
      log.info("desired state published", { controller: key, hash, config: result.state.hashes.config });
      return true;
    },

    async writeIngressStatus(update: IngressStatusUpdate): Promise<void> {
      await K8s(kind.Ingress).PatchStatus({
        metadata: { name: update.name, namespace: update.namespace },
        status: { loadBalancer: { ingress: update.loadBalancer } },
      } as never);
    },

    async recordDiagnostic(d: Diagnostic, ic: StoredIngressController): Promise<void> {
      const ns = d.object.namespace ?? ic.metadata.namespace ?? "default";
      const now = new Date().toISOString();
      const apiVersion = { Ingress: "networking.k8s.io/v1", Secret: "v1", Service: "v1", ConfigMap: "v1", IngressController: API_VERSION }[d.object.kind];
      await K8s(kind.CoreEvent).Create({
        apiVersion: "v1",
        kind: "Event",
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
      } as never);
    },
  };
}
