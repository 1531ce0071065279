// The entry point: Snapshot -> DesiredState. Pure: no I/O, no clock, no randomness; the same
// snapshot (in any array order) gives byte-identical output.

import { createHash } from "node:crypto";
import type { BuildResult, CertificatePair, DesiredState, Diagnostic, RenderOptions, Snapshot, UpstreamEndpoint } from "./contract.js";
import { isIpAddress, validCidr } from "./nginx-values.js";
import type { Settings } from "./settings.js";
import { buildModel } from "./model/build-model.js";
import { renderWithSources } from "./render/render.js";
import { RenderError } from "./render/render-error.js";

export { selectIngresses } from "./model/classes.js";

export const DEFAULT_RENDER_OPTIONS: RenderOptions = {
  listenAddress: "*",
  httpPort: 80,
  httpsPort: 443,
  controlPort: 10246,
  defaultBackendPort: 8181,
  probePort: 10256, // not 10254 (the agent's metrics) nor 10255 (its status): one pod network
  httpsInternalPort: 10443,
  passthroughInternalPort: 10444,
  modules: ["/usr/lib/nginx/modules/ndk_http_module.so", "/usr/lib/nginx/modules/ngx_http_lua_module.so", "/usr/lib/nginx/modules/ngx_stream_module.so"],
};

/** The whole IngressController cannot be built (a setting the renderer cannot use); the controller
 * keeps its running state and reports this on the IngressController. */
export class ControllerBuildError extends Error {}

export function build(snapshot: Snapshot, options?: Partial<RenderOptions>, excluded: ReadonlyMap<string, string> = new Map()): BuildResult {
  const o: RenderOptions = { ...DEFAULT_RENDER_OPTIONS, ...(options ?? {}) };
  const controllerDiagnostics: Diagnostic[] = [];
  const settings = usableSettings(snapshot, o, controllerDiagnostics);
  // A value the renderer refuses drops the Ingress it came from, and the build runs again without
  // it (bounded: each round drops one more Ingress, and there are finitely many).
  const dropped = new Map(excluded);
  for (;;) {
    const model = buildModel(
      { ...snapshot, settings },
      {
        reservedPorts: [o.httpPort, o.httpsPort, o.controlPort, o.defaultBackendPort, o.httpsInternalPort, o.passthroughInternalPort, o.probePort],
        httpsPort: o.httpsPort,
        excluded: dropped,
      },
    );
    let config: string;
    let lineSources: BuildResult["lineSources"];
    try {
      ({ config, sources: lineSources } = renderWithSources(model, settings, o));
    } catch (err) {
      if (err instanceof RenderError && !dropped.has(err.origin)) {
        dropped.set(err.origin, `rendering failed: ${err.message}`);
        continue;
      }
      throw new ControllerBuildError(`rendering failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const state: DesiredState = {
      config,
      endpoints: model.endpoints,
      sniCertificates: model.sniCertificates,
      certificates: model.certificates,
      ...(Object.keys(model.files).length ? { files: model.files } : {}),
      hashes: hashesOf(config, model.endpoints, model.sniCertificates, model.certificates, model.balancing, model.files),
    };
    if (Object.keys(model.balancing).length) state.balancing = model.balancing; // present only when not empty
    return { state, diagnostics: [...controllerDiagnostics, ...model.diagnostics], servedIngresses: model.servedIngresses, lineSources };
  }
}

/** Settings and options the renderer can use: a bad trusted-proxy CIDR is left out (trusting less
 * is safe) with a diagnostic; a listen address nginx cannot bind fails this controller alone. */
function usableSettings(snapshot: Snapshot, o: RenderOptions, diagnostics: Diagnostic[]): Settings {
  const object = { kind: "IngressController" as const, namespace: snapshot.controller.namespace, name: snapshot.controller.name };
  if (o.listenAddress !== "*" && !isIpAddress(o.listenAddress)) {
    throw new ControllerBuildError(`spec.listen.address: ${JSON.stringify(o.listenAddress)} is not an IP address (nginx listens on addresses, not names)`);
  }
  const s = snapshot.settings;
  const cidrs = s.proxyRealIpCidrs.filter((c, i) => {
    if (validCidr(c)) return true;
    diagnostics.push({
      object,
      severity: "Warning",
      reason: "SettingInvalid",
      message: `spec.settings.proxyRealIpCidrs[${i}]: ${JSON.stringify(c)} is not an IP address or CIDR; left out (not trusted)`,
    });
    return false;
  });
  const resolvers = s.resolvers.filter((r, i) => {
    if (isIpAddress(r)) return true;
    diagnostics.push({
      object,
      severity: "Warning",
      reason: "SettingInvalid",
      message: `spec.settings.resolvers[${i}]: ${JSON.stringify(r)} is not an IP address; left out`,
    });
    return false;
  });
  if (cidrs.length === s.proxyRealIpCidrs.length && resolvers.length === s.resolvers.length) return s;
  return { ...s, proxyRealIpCidrs: cidrs, resolvers };
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** JSON with object keys sorted at every level: a canonical serialization for hashing. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** `{"k":v,...}` with keys sorted, each value serialized by `value` (canonical at every level). */
function sortedObject<T>(o: Record<string, T>, value: (v: T) => string): string {
  const keys = Object.keys(o).sort();
  const parts: string[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) parts[i] = `${JSON.stringify(keys[i])}:${value(o[keys[i]!]!)}`;
  return `{${parts.join(",")}}`;
}

// Same bytes as canonicalJson, specialised for the known shapes: this runs on every build.
const endpointList = (list: UpstreamEndpoint[]) => JSON.stringify(list.map((e) => ({ address: e.address, port: e.port })));
const pair = (p: CertificatePair) => JSON.stringify({ certificate: p.certificate, key: p.key });

/** config: the text; endpoints: canonical JSON (then the balancing policies', when any);
 * certificates: canonical JSON of {sniCertificates, certificates}. */
export function hashesOf(
  config: string,
  endpoints: DesiredState["endpoints"],
  sniCertificates: DesiredState["sniCertificates"],
  certificates: DesiredState["certificates"],
  balancing: DesiredState["balancing"] = {},
  files: Record<string, string> = {},
): DesiredState["hashes"] {
  const policies = Object.keys(balancing).length ? `\n${canonicalJson(balancing)}` : "";
  // Files join the certificates' canonical JSON only when there are any (hashes of states without
  // files are unchanged).
  const filesJson = Object.keys(files).length ? `,"files":${sortedObject(files, (v) => JSON.stringify(v))}` : "";
  const h = {
    config: sha256(config),
    endpoints: sha256(sortedObject(endpoints, endpointList) + policies),
    certificates: sha256(
      `{"certificates":${sortedObject(certificates, pair)}${filesJson},"sniCertificates":${sortedObject(sniCertificates, (v) => JSON.stringify(v))}}`,
    ),
  };
  return { ...h, all: sha256(`${h.config}\n${h.endpoints}\n${h.certificates}`) };
}
