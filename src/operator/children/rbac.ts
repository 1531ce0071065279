// ServiceAccount, Role and RoleBinding of the data plane: the agent may read only its own
// desired-state objects, by name, and report on its own IngressController's status. Nothing else.

import { GROUP, PLURAL } from "../../api/schema.js";
import { childMeta, childNames } from "../../api/names.js";
import { stateObjectNames } from "../../api/state-names.js";
import type { ChildContext, Manifest } from "./types.js";

export function dataPlaneRbac({ owner }: ChildContext): Manifest[] {
  const names = childNames(owner.name);
  const state = stateObjectNames(owner.name);
  const read = ["get", "list", "watch"];
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: childMeta(owner, names.serviceAccount, "rbac"),
      // The token is mounted into the agent container only, through a projected volume.
      automountServiceAccountToken: false,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: childMeta(owner, names.role, "rbac"),
      rules: [
        { apiGroups: [""], resources: ["configmaps"], resourceNames: state.configMaps, verbs: read },
        { apiGroups: [""], resources: ["secrets"], resourceNames: state.secrets, verbs: read },
        { apiGroups: [GROUP], resources: [`${PLURAL}/status`], resourceNames: [owner.name], verbs: ["get", "patch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: childMeta(owner, names.roleBinding, "rbac"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.role },
      subjects: [{ kind: "ServiceAccount", name: names.serviceAccount, namespace: owner.namespace }],
    },
  ];
}
