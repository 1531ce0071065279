// IngressController -> its child manifests. Pure: same object in, same manifests out.

import type { Owner } from "../../api/names.js";
import { resolveSpec, type IngressControllerLike } from "../../api/validate.js";
import { settingsConfigMap, tcpUdpServicesConfigMaps } from "./configmaps.js";
import { defaultBackend } from "./default-backend.js";
import { ingressClass } from "./ingress-class.js";
import { nginxDeployment } from "./nginx-deployment.js";
import { nginxPdb } from "./pdb.js";
import { dataPlaneRbac } from "./rbac.js";
import { nginxService } from "./service.js";
import type { ChildContext, Manifest } from "./types.js";

export type { ChildContext, Manifest } from "./types.js";

export interface DesiredChildren {
  /** Applied by server-side apply on every reconcile (full intent). */
  apply: Manifest[];
  /** Created when missing, never updated (user data). */
  createOnly: Manifest[];
}

/** Every kind a controller may own: what prune lists and what drift watches observe. */
export const CHILD_KINDS = [
  { apiVersion: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", plural: "roles", namespaced: true },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true },
  { apiVersion: "apps/v1", kind: "Deployment", plural: "deployments", namespaced: true },
  { apiVersion: "v1", kind: "Service", plural: "services", namespaced: true },
  { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true },
  { apiVersion: "policy/v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", namespaced: true },
  { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", plural: "ingressclasses", namespaced: false },
] as const;

export function ownerOf(ic: { metadata?: { name?: string; namespace?: string; uid?: string; generation?: number } }): Owner {
  const m = ic.metadata ?? {};
  if (!m.name || !m.namespace || !m.uid) throw new Error("IngressController metadata.name, namespace and uid are required");
  return { name: m.name, namespace: m.namespace, uid: m.uid, generation: m.generation ?? 1 };
}

export function childContext(ic: IngressControllerLike & { metadata?: { uid?: string; generation?: number } }): ChildContext {
  return { owner: ownerOf(ic), spec: resolveSpec(ic) };
}

export function desiredChildren(ctx: ChildContext): DesiredChildren {
  return {
    apply: [
      ...dataPlaneRbac(ctx),
      settingsConfigMap(ctx),
      nginxDeployment(ctx),
      nginxService(ctx),
      ...nginxPdb(ctx),
      ...defaultBackend(ctx),
      ...ingressClass(ctx),
    ],
    createOnly: tcpUdpServicesConfigMaps(ctx),
  };
}
