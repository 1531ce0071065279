// Whether a store change can alter any data plane's desired state (Contour: rebuild only for
// changes that matter). Ingresses matter when they are, or were, of our classes; referenced
// objects matter when a served Ingress (or a controller) refers to them.

import type { EndpointSlice, Ingress } from "../core/k8s-types.js";
import { isServed, type References } from "./references.js";
import type { StoreChange, StoredIngressController } from "./store.js";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

export function changeMatters(change: StoreChange, refs: References): boolean {
  const obj = (change.current ?? change.previous)!;
  const ns = obj.metadata.namespace ?? "";
  switch (change.kind) {
    case "Ingress":
      // Its status (the address the rebuild itself writes) is not built from: each write came back
      // as a rebuild, at 10,000 Ingresses a second or more of CPU per batch of status writes.
      if (change.previous && change.current && builtFromIngress(change.previous as Ingress) === builtFromIngress(change.current as Ingress)) return false;
      return [change.previous, change.current].some((i) => i !== undefined && isServed(i as Ingress, refs));
    case "IngressClass":
      return true;
    case "IngressController":
      return (
        !change.previous ||
        !change.current ||
        builtFrom(change.previous as StoredIngressController) !== builtFrom(change.current as StoredIngressController) ||
        (refs.awaitingApplied.has(change.key) && appliedOf(change.previous as StoredIngressController) !== appliedOf(change.current as StoredIngressController))
      );
    case "Service":
      return refs.services.has(change.key);
    case "EndpointSlice": {
      const service = (obj as EndpointSlice).metadata.labels?.[SERVICE_NAME_LABEL];
      return service !== undefined && refs.services.has(`${ns}/${service}`);
    }
    case "Secret":
      return refs.secrets.has(change.key);
    case "ConfigMap":
      return refs.configMaps.has(change.key);
  }
}

const appliedOf = (ic: StoredIngressController) => (ic.status as { appliedConfigHash?: unknown } | undefined)?.appliedConfigHash;

/** What a build reads of an IngressController: not the status the agent and the controller report
 * there (applied hashes, reloads, the desired hash), which changes with every apply; at 10,000
 * Ingresses each needless rebuild held the next change back by a second. */
function builtFrom(ic: StoredIngressController): string {
  const status = (ic.status ?? {}) as { publishedAddress?: unknown; refusedConfig?: unknown };
  const m = ic.metadata;
  return JSON.stringify([m.uid, m.generation, m.deletionTimestamp, ic.spec, status.publishedAddress, status.refusedConfig]);
}

/** What a build reads of an Ingress: everything but its status and bookkeeping. */
function builtFromIngress(ing: Ingress): string {
  const m = ing.metadata;
  return JSON.stringify([m.annotations ?? {}, m.labels ?? {}, m.deletionTimestamp, m.uid, m.creationTimestamp, ing.spec]);
}
