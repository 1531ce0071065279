// A PodDisruptionBudget for the NGINX pods when there is more than one: voluntary disruptions
// (drains, upgrades) take at most one pod at a time.
import { childMeta, childNames, podSelector } from "../../api/names.js";
import type { ChildContext, Manifest } from "./types.js";

export function nginxPdb({ owner, spec }: ChildContext): Manifest[] {
  if (spec.replicas <= 1) return [];
  return [
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: childMeta(owner, childNames(owner.name).pdb, "nginx"),
      spec: { maxUnavailable: 1, selector: { matchLabels: podSelector(owner, "nginx") } },
    },
  ];
}
