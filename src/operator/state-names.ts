// Names of the desired-state objects of a controller (what the data plane may read).
// Agreed with the agent/controller engineers: <controller>-state, -state-config-0..15,
// -state-endpoints-0..15 (ConfigMaps), -state-certs-0..15 (Secrets).
// TODO(operator): switch to `stateObjectNames` from src/core/state-objects.ts once it lands.

export const STATE_SHARDS = 16;

export function stateObjectNames(controllerName: string): { configMaps: string[]; secrets: string[] } {
  const base = `${controllerName}-state`;
  const shards = (part: string) => Array.from({ length: STATE_SHARDS }, (_, i) => `${base}-${part}-${i}`);
  return { configMaps: [base, ...shards("config"), ...shards("endpoints")], secrets: shards("certs") };
}
