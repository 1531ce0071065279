// The settings ConfigMap (owned, applied) and the tcp-services / udp-services ConfigMaps
// (created when missing, never updated: their data is the user's).

import { withDefaults } from "../../core/settings.js";
import { childMeta, childNames } from "../../api/names.js";
import type { ChildContext, Manifest } from "./types.js";

/** Label on create-only children: prune never touches them, apply never updates them. */
export const CREATE_ONLY_LABEL = "portico.dev/create-only";

export function settingsConfigMap({ owner, spec }: ChildContext): Manifest {
  const settings = withDefaults(spec.settings);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: childMeta(owner, childNames(owner.name).settings, "settings"),
    // One JSON document: the effective settings (defaults applied), for people and tools to read.
    data: { "settings.json": JSON.stringify(settings, Object.keys(settings).sort(), 2) + "\n" },
  };
}

export function tcpUdpServicesConfigMaps({ owner, spec }: ChildContext): Manifest[] {
  const names = childNames(owner.name);
  return (
    [
      ["tcp-services", spec.tcpServicesConfigMap ?? names.tcpServices],
      ["udp-services", spec.udpServicesConfigMap ?? names.udpServices],
    ] as const
  ).map(([component, name]) => {
    const meta = childMeta(owner, name, component);
    meta.labels = { ...meta.labels, [CREATE_ONLY_LABEL]: "true" };
    return { apiVersion: "v1", kind: "ConfigMap", metadata: meta, data: {} };
  });
}
