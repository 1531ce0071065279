// Replays nginx's request routing over what the renderer emits, so the Ingress matching rules can be
// table-tested without a running nginx (the agent's behaviour tests check the real one):
// server: exact server_name, then regex names in order, else the default server;
// location: `=` exact, else longest prefix; a `^~` longest prefix stops; else regexes in order;
// else the longest prefix.

import type { Model, LocationModel } from "./model/types.js";
import { placeLocations, selectLocation, type PlacedLocation } from "./render/locations.js";

export interface Match {
  /** Host of the server block chosen ("" = default server). */
  server: string;
  placed: PlacedLocation;
  location: LocationModel;
}

export function selectServer(model: Model, host: string): Model["servers"][number] | undefined {
  const name = host
    .toLowerCase()
    .replace(/:[0-9]+$/, "")
    .replace(/\.$/, "");
  const exact = model.servers.find((s) => s.host === name);
  if (exact) return exact;
  for (const s of model.servers) {
    if (s.host.startsWith("*.")) {
      const suffix = s.host.slice(1); // ".foo.com"
      if (name.endsWith(suffix) && !name.slice(0, -suffix.length).includes(".") && name.length > suffix.length) return s;
    }
  }
  return undefined;
}

/** Which location of the rendered config a request for host + uri reaches. */
export function route(model: Model, host: string, uri: string): Match | undefined {
  const server = selectServer(model, host);
  const placed = server
    ? placeLocations(server.locations, server.regexMode, server.fallback)
    : placeLocations(model.defaultServer.locations, model.defaultServer.regexMode, model.defaultServer.fallback);
  const p = selectLocation(placed, uri);
  return p && { server: server?.host ?? "", placed: p, location: p.loc };
}
