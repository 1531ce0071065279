// Names of the desired-state objects of a controller, as the data plane's Role lists them:
// the index and the config/endpoints shards are ConfigMaps, the certificate shards Secrets.
// The naming itself lives with the encoder (src/core/state-objects.ts).
import { stateObjectNames as names } from "../core/state-objects.js";

export function stateObjectNames(controllerName: string): { configMaps: string[]; secrets: string[] } {
  const n = names(controllerName);
  return { configMaps: [n.index, ...n.config, ...n.endpoints], secrets: n.certificates };
}
