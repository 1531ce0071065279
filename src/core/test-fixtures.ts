// Test helper (not shipped): loads a multi-document YAML fixture into a Snapshot (nginx -t on
// rendered configs: src/testing/nginx-prefix.ts). Fixture conventions:
// - an optional first document `kind: TestCase` with `controller`, `settings`, `renderOptions`,
//   `defaultCertificate: <namespace>/<name>`;
// - Secrets may use `stringData` (encoded into `data` as the API server does); a value
//   `@certs/<file>` is read from testdata/certs.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import type { RenderOptions, Snapshot } from "./contract.js";
import type { ConfigMap, EndpointSlice, Ingress, IngressClass, Secret, Service } from "./k8s-types.js";
import { withDefaults, type Settings } from "./settings.js";

export const TESTDATA = fileURLToPath(new URL("./testdata/", import.meta.url));

export interface Fixture {
  snapshot: Snapshot;
  renderOptions: Partial<RenderOptions>;
}

export function loadFixture(yamlText: string): Fixture {
  const docs = parseAllDocuments(yamlText)
    .map((d) => d.toJS() as Record<string, any>)
    .filter(Boolean);
  const header = docs.find((d) => d.kind === "TestCase") ?? {};
  const objects = docs.filter((d) => d.kind !== "TestCase");
  const of = <T>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
  const secrets = of<Secret & { stringData?: Record<string, string> }>("Secret").map(encodeSecret);
  const configMaps = of<ConfigMap>("ConfigMap");
  const find = (ref: string | undefined) => secrets.find((s) => `${s.metadata.namespace}/${s.metadata.name}` === ref);
  const snapshot: Snapshot = {
    controller: { namespace: "portico-system", name: "portico", ingressClassNames: ["portico"], servesDefaultClass: false, ...(header.controller ?? {}) },
    settings: withDefaults(header.settings as Partial<Settings>),
    ingresses: of<Ingress>("Ingress"),
    ingressClasses: of<IngressClass>("IngressClass"),
    services: of<Service>("Service"),
    endpointSlices: of<EndpointSlice>("EndpointSlice"),
    secrets: secrets.filter((s) => !header.defaultCertificate || `${s.metadata.namespace}/${s.metadata.name}` !== header.defaultCertificate),
    tcpServices: configMaps.find((c) => c.metadata.name === "tcp-services"),
    udpServices: configMaps.find((c) => c.metadata.name === "udp-services"),
    configMaps,
    defaultCertificate: find(header.defaultCertificate),
    ...(header.hostSharing ? { hostSharing: header.hostSharing as string[] } : {}),
  };
  return { snapshot, renderOptions: header.renderOptions ?? {} };
}

function encodeSecret(s: Secret & { stringData?: Record<string, string> }): Secret {
  if (!s.stringData) return s;
  const data = { ...(s.data ?? {}) };
  for (const [k, v] of Object.entries(s.stringData)) {
    const text = v.startsWith("@") ? readFileSync(join(TESTDATA, v.slice(1)), "utf8") : v;
    data[k] = Buffer.from(text).toString("base64");
  }
  const { stringData: _, ...rest } = s;
  return { ...rest, data };
}
