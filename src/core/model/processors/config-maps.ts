// The ConfigMaps annotations name (annotations/config-map-refs.ts), read once per Ingress, from its
// own namespace only. A missing ConfigMap, or an entry that is not valid, makes the Ingress's paths
// answer 503 with an Event naming the ConfigMap and the key (ingress-nginx's "location denied"):
// never served half-configured. custom-headers' entries join the Ingress's response headers and
// hide the backend's header of the same name (ingress-nginx's more_set_headers replaces it).

import { configMapHeaders } from "../../annotations/custom-headers.js";
import type { HeaderEntry } from "../../annotations/types.js";
import type { ConfigMap } from "../../k8s-types.js";
import type { BuildContext } from "../context.js";
import type { IngressWork, Processor } from "./types.js";

/** The ConfigMap an annotation names, when it is in the Ingress's own namespace and exists. */
export function ownConfigMap(ctx: BuildContext, ingressNamespace: string, ref: string, key: string): ConfigMap | { error: string; reason: string } {
  const [namespace, name] = ref.includes("/") ? (ref.split("/", 2) as [string, string]) : [ingressNamespace, ref];
  if (namespace !== ingressNamespace)
    return { error: `${key}: ConfigMap ${ref} is in another namespace; an Ingress may only use ConfigMaps of its own namespace`, reason: "ConfigMapInvalid" };
  return ctx.configMap(namespace, name) ?? { error: `${key}: ConfigMap ${namespace}/${name} not found`, reason: "ConfigMapNotFound" };
}

export function denyPaths(ctx: BuildContext, work: IngressWork, why: string, reason = "ConfigMapInvalid"): void {
  ctx.report(work.ingress, reason, `${why}; its paths answer 503 until this is fixed`, "Error");
  work.access = { denied: why, allow: [], deny: [], satisfyAny: false };
}

export const configMapsProcessor: Processor = {
  name: "config-maps",
  process(ctx, work) {
    if (work.access?.denied) return;
    const ref = work.ann.customHeaders;
    if (ref === undefined) return;
    const cm = ownConfigMap(ctx, work.namespace, ref, "custom-headers");
    if ("error" in cm) return denyPaths(ctx, work, cm.error, cm.reason);
    const r = configMapHeaders(cm.data, `custom-headers: ConfigMap ${work.namespace}/${cm.metadata.name}`);
    if (!r.ok) return denyPaths(ctx, work, r.error);
    const own = work.ann.responseHeaders ?? [];
    const named = new Set(own.map((h) => h.name.toLowerCase()));
    const added: HeaderEntry[] = [];
    for (const h of r.value) {
      if (named.has(h.name.toLowerCase())) {
        ctx.report(work.ingress, "AnnotationConflict", `custom-headers: header ${h.name} is also set by response-headers, whose value is used`);
        continue;
      }
      added.push(h);
    }
    const hidden = new Set([...(work.ann.hideResponseHeaders ?? []), ...added.map((h) => h.name)]);
    work.ann = { ...work.ann, responseHeaders: [...own, ...added], hideResponseHeaders: [...hidden] };
  },
};
