// What the Ingresses a controller serves refer to. A Service, EndpointSlice, Secret or ConfigMap
// change schedules a rebuild only when it is in here (or could make an Ingress ours).

import { classIsServed, requestedClass } from "../core/classes.js";
import { parseAnnotations, type AnnotationValues } from "../core/annotations/registry.js";
import { CONFIG_MAP_REFS } from "../core/annotations/config-map-refs.js";
import { secretRefsOf } from "../core/annotations/secret-refs.js";
import type { Ingress, IngressBackend } from "../core/k8s-types.js";

export interface References {
  /** Class names served by any controller, and whether one of them is the default class. */
  classNames: Set<string>;
  defaultClassServed: boolean;
  services: Set<string>; // namespace/name
  secrets: Set<string>;
  /** The Secrets annotations name (auth-secret, auth-tls-secret, proxy-ssl-secret): kept by the store although they are not TLS. */
  annotationSecrets: Set<string>;
  /** Of those, the ones some Ingress reads in full (its own namespace's); the others are another
   * namespace's CA Secrets, of which the store keeps only CA_DATA_KEYS. */
  fullSecrets: Set<string>;
  configMaps: Set<string>;
  /** The ConfigMaps annotations name (namespace/name): watched by name, like the stream ConfigMaps. */
  annotationConfigMaps: Set<string>;
  /** IngressControllers (namespace/name) holding suspected Ingresses back until the config without
   * them is applied: their status.appliedConfigHash matters. */
  awaitingApplied: Set<string>;
}

export function emptyReferences(): References {
  return {
    classNames: new Set(),
    defaultClassServed: false,
    services: new Set(),
    secrets: new Set(),
    annotationSecrets: new Set(),
    fullSecrets: new Set(),
    configMaps: new Set(),
    annotationConfigMaps: new Set(),
    awaitingApplied: new Set(),
  };
}

export function isServed(ingress: Ingress, refs: Pick<References, "classNames" | "defaultClassServed">): boolean {
  return classIsServed(requestedClass(ingress), refs.classNames, refs.defaultClassServed);
}

function addBackend(ns: string, backend: IngressBackend | undefined, into: Set<string>): void {
  if (backend?.service?.name) into.add(`${ns}/${backend.service.name}`);
}

/** Adds the Services and Secrets one Ingress refers to. */
export function addIngressReferences(ingress: Ingress, refs: References): void {
  const ns = ingress.metadata.namespace ?? "default";
  addBackend(ns, ingress.spec?.defaultBackend, refs.services);
  for (const rule of ingress.spec?.rules ?? []) {
    for (const path of rule.http?.paths ?? []) addBackend(ns, path.backend, refs.services);
  }
  for (const tls of ingress.spec?.tls ?? []) if (tls.secretName) refs.secrets.add(`${ns}/${tls.secretName}`);
  for (const { key, caOnly } of annotationSecretKeys(ingress)) {
    refs.secrets.add(key);
    refs.annotationSecrets.add(key);
    if (!caOnly) refs.fullSecrets.add(key);
  }
  for (const key of annotationConfigMapKeys(ingress)) {
    refs.configMaps.add(key);
    refs.annotationConfigMaps.add(key);
  }
}

/** The annotation values that name a ConfigMap ("name" or "<namespace>/name"): an annotation that
 * reads a ConfigMap joins CONFIG_MAP_REFS (core/annotations/config-map-refs.ts), so that the watcher keeps it. */
export const CONFIG_MAP_ANNOTATIONS = Object.keys(CONFIG_MAP_REFS) as readonly (keyof AnnotationValues)[];

/** namespace/name of the ConfigMaps an Ingress's annotations name (its own namespace only, as
 * for Secrets: another namespace's ConfigMap is never kept). */
export function annotationConfigMapKeys(ingress: Ingress, fields: readonly (keyof AnnotationValues)[] = CONFIG_MAP_ANNOTATIONS): string[] {
  if (!fields.length) return [];
  const ns = ingress.metadata.namespace ?? "default";
  const values = parseAnnotations(ingress.metadata.annotations).values as Record<string, unknown>;
  const out: string[] = [];
  for (const field of fields) {
    const ref = values[field];
    if (typeof ref !== "string" || !ref) continue;
    const [cns, name] = ref.includes("/") ? ref.split("/", 2) : [ns, ref];
    if (cns === ns && name) out.push(`${ns}/${name}`);
  }
  return out;
}

/** namespace/name of the Secrets an Ingress's annotations name: in its own namespace, and CA
 * Secrets (auth-tls-secret) of others, of which the store keeps only the CA data (caOnly). The
 * build refuses other namespaces' credentials, so they are never kept. */
export function annotationSecretKeys(ingress: Ingress): { key: string; caOnly: boolean }[] {
  const ns = ingress.metadata.namespace ?? "default";
  const values = parseAnnotations(ingress.metadata.annotations).values;
  return secretRefsOf(values, ns).flatMap((r): { key: string; caOnly: boolean }[] =>
    r.namespace === ns ? [{ key: `${ns}/${r.name}`, caOnly: false }] : r.caOnly ? [{ key: `${r.namespace}/${r.name}`, caOnly: true }] : [],
  );
}

/** Adds the Services named by a tcp-services/udp-services ConfigMap ("<port>": "<ns>/<svc>:<port>[:PROXY]"). */
export function addStreamReferences(data: Record<string, string> | undefined, refs: References): void {
  for (const value of Object.values(data ?? {})) {
    const target = value.split(":")[0];
    if (target?.includes("/")) refs.services.add(target);
  }
}
