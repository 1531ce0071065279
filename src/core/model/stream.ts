// tcp-services / udp-services ConfigMaps: `"<port>": "<namespace>/<service>:<port>[:PROXY[:PROXY]]"`
// (third field: accept PROXY protocol from clients; fourth: send it to the backend, as in
// ingress-nginx). Endpoints are rendered statically: Debian has no stream Lua, so L4 endpoint
// changes change nginx.conf and reload.

import type { Diagnostic } from "../contract.js";
import type { ConfigMap } from "../k8s-types.js";
import { show } from "../nginx-values.js";
import { backendRef, resolveBackend, type ServiceIndex } from "./backends.js";
import type { StreamServerModel } from "./types.js";

export function streamServers(
  protocol: "tcp" | "udp",
  cm: ConfigMap | undefined,
  index: ServiceIndex,
  reservedPorts: Set<number>,
  diagnostics: Diagnostic[],
): StreamServerModel[] {
  if (!cm) return [];
  const out: StreamServerModel[] = [];
  const object = { kind: "ConfigMap" as const, namespace: cm.metadata.namespace, name: cm.metadata.name };
  const bad = (message: string) => diagnostics.push({ object, severity: "Warning", reason: "ServiceEntryInvalid", message });
  for (const key of Object.keys(cm.data ?? {}).sort()) {
    const value = cm.data![key]!;
    const field = `${protocol}-services[${show(key)}]`;
    if (!/^[0-9]{1,5}$/.test(key) || Number(key) < 1 || Number(key) > 65535) {
      bad(`${field}: key must be a port number 1..65535`);
      continue;
    }
    const port = Number(key);
    if (reservedPorts.has(port)) {
      bad(`${field}: port ${port} is used by the HTTP/HTTPS or internal servers`);
      continue;
    }
    const m = /^([a-z0-9-]{1,63})\/([a-z0-9-]{1,63}):([a-z0-9-]{1,15})(?::(PROXY)?)?(?::(PROXY)?)?$/.exec(value.trim());
    if (!m) {
      bad(`${field}: ${show(value)} must be "<namespace>/<service>:<port>[:PROXY[:PROXY]]"`);
      continue;
    }
    const [, ns, svc, p, decode, send] = m;
    if (protocol === "udp" && (decode || send)) {
      bad(`${field}: PROXY protocol is not available for UDP`);
      continue;
    }
    const portRef = /^[0-9]+$/.test(p!) ? { number: Number(p) } : { name: p! };
    const ref = backendRef(ns!, { service: { name: svc!, port: portRef } }, field);
    if (typeof ref === "string") {
      bad(ref);
      continue;
    }
    const resolved = resolveBackend(ref, index);
    if (resolved.problem) bad(`${field}: ${resolved.problem.message.replace("requests answer 503", "connections are closed")}`);
    out.push({
      protocol,
      port,
      upstream: `${protocol}-${port}`,
      endpoints: resolved.endpoints,
      decodeProxyProtocol: decode === "PROXY",
      sendProxyProtocol: send === "PROXY",
    });
  }
  return out;
}
