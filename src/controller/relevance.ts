// Whether a store change can alter any data plane's desired state (Contour: rebuild only for
// changes that matter). Ingresses matter when they are, or were, of our classes; referenced
// objects matter when a served Ingress (or a controller) refers to them.

import type { EndpointSlice, Ingress } from "../core/k8s-types.js";
import { isServed, type References } from "./references.js";
import type { StoreChange } from "./store.js";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

export function changeMatters(change: StoreChange, refs: References): boolean {
  const obj = (change.current ?? change.previous)!;
  const ns = obj.metadata.namespace ?? "";
  switch (change.kind) {
    case "Ingress":
      return [change.previous, change.current].some((i) => i !== undefined && isServed(i as Ingress, refs));
    case "IngressClass":
    case "IngressController":
      return true;
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
