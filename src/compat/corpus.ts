// The ingress-nginx compatibility check: each file of the real-world corpus (../shared/corpus/
// ingress-nginx) tried as a new user would, with no cluster: its class rewritten to portico, its
// Ingresses admitted one after the other through Portico's admission, then the admitted ones built
// by core together with the Services and Secrets they name (made up here: the corpus lists them by
// name only). Pure apart from reading the files.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { validateIngress } from "../admission/ingress.js";
import { AdmissionState } from "../admission/state.js";
import { configMapRefsOf } from "../core/annotations/config-map-refs.js";
import { ACCESS_CONTROL_KEYS, ignoredByIngressNginxToo } from "../core/annotations/ingress-nginx-keys.js";
import { parseAnnotations, PREFIXES, REJECTED_ANNOTATIONS } from "../core/annotations/registry.js";
import { build } from "../core/build.js";
import type { ConfigMap, EndpointSlice, Ingress, IngressBackend, IngressClass, Secret, Service } from "../core/k8s-types.js";
import { withDefaults } from "../core/settings.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CERTS = fileURLToPath(new URL("../core/testdata/certs/", import.meta.url));

/** The corpus folder: $PORTICO_CORPUS, else <repo>/../shared/corpus/ingress-nginx, else /work/shared/…. */
export function corpusDir(): string | undefined {
  const candidates = [process.env.PORTICO_CORPUS, join(REPO_ROOT, "..", "shared", "corpus", "ingress-nginx"), "/work/shared/corpus/ingress-nginx"];
  return candidates.filter((c): c is string => !!c).find((c) => existsSync(c));
}

export type Outcome =
  /** Carries a snippet annotation: refused by design, outside the snippet-free figures. */
  | "snippet"
  /** Every Ingress admitted, every annotation honoured, every Ingress served by the build (keys
   * ingress-nginx does not read either are ignored, as ingress-nginx did: see FileResult). */
  | "honoured"
  /** Admitted, but some annotation key is ignored (admission warned). */
  | "ignored"
  /** Admitted, but the build left an Ingress out or dropped an annotation admission accepted. */
  | "build-disagrees"
  /** Some Ingress denied by admission. */
  | "refused"
  /** A real Kubernetes API server rejects the file (invalid-for-kubernetes.json, proven by
   * e2e/corpus-api-server.test.ts): no controller ever sees it; outside the snippet-free figures. */
  | "invalid-for-kubernetes";

export interface FileResult {
  file: string;
  outcome: Outcome;
  /** Denial reasons, ignored keys, or build diagnostics, by Ingress. */
  details: string[];
  /** Ignored keys that control access or security (must never happen). */
  accessIgnored: string[];
  /** Ignored keys ingress-nginx does not read either (counted as honoured: it behaved the same). */
  ignoredByIngressNginxToo: string[];
}

export interface CorpusFigures {
  files: number;
  snippetFiles: number;
  /** Files a real API server rejects (counted apart, in no other figure). */
  invalidForKubernetes: number;
  /** Files without snippets that a real API server accepts: the denominator of the figures. */
  snippetFree: number;
  honoured: number;
  ignored: number;
  buildDisagrees: number;
  refused: number;
  /** Snippet-free files admitted with an access-control annotation ignored. */
  accessIgnored: number;
  /** Of the honoured files, those honoured only because the keys Portico ignores are keys
   * ingress-nginx does not read either (other controllers' annotations, typos). */
  honouredIgnoringNonIngressNginxKeys: number;
}

const SNIPPET_KEYS = new Set(REJECTED_ANNOTATIONS.map((r) => r.key));
const LEGACY_CLASS = "kubernetes.io/ingress.class";

function shortKey(fullKey: string): string | undefined {
  const p = PREFIXES.find((x) => fullKey.startsWith(x));
  return p ? fullKey.slice(p.length) : undefined;
}

function hasSnippet(ing: Ingress): boolean {
  return Object.keys(ing.metadata.annotations ?? {}).some((k) => SNIPPET_KEYS.has(shortKey(k) ?? ""));
}

const pem = (f: string) => readFileSync(join(CERTS, f), "utf8");
const b64 = (s: string) => Buffer.from(s).toString("base64");
let certCache: { crt: string; key: string } | undefined;
function testCert(): { crt: string; key: string } {
  return (certCache ??= { crt: pem("foo.example.com.crt"), key: pem("foo.example.com.key") });
}

// An htpasswd line (user "user", password "pass", apr1) and a CA bundle: what a user's Secrets hold.
const HTPASSWD = "user:$apr1$portico$UIA7cvx4qYHEYNvc5pDoK0\n";

/** A Secret the Ingress names, with every key any annotation reads (tls.*, ca.crt, auth). */
function madeUpSecret(namespace: string, name: string, tls: boolean): Secret {
  const c = testCert();
  return {
    metadata: { namespace, name },
    type: tls ? "kubernetes.io/tls" : "Opaque",
    data: tls ? { "tls.crt": b64(c.crt), "tls.key": b64(c.key), "ca.crt": b64(c.crt) } : { auth: b64(HTPASSWD), "ca.crt": b64(c.crt) },
  };
}

function secretRef(value: string, ns: string): [string, string] {
  const [a, b] = value.includes("/") ? value.split("/", 2) : [ns, value];
  return [a!, b!];
}

/** A ConfigMap an annotation names and the file does not hold, with an entry of the shape it reads. */
function madeUpConfigMap(namespace: string, name: string, key: string): ConfigMap {
  const data: Record<string, Record<string, string>> = { "custom-headers": { "X-Corpus": "made-up" }, "auth-proxy-set-headers": { "X-Corpus": "made-up" } };
  return { metadata: { namespace, name }, data: data[key] ?? {} };
}

/** Services with a ready endpoint for every backend, Secrets and ConfigMaps for every reference. */
function worldFor(ingresses: Ingress[], extra: { services: Service[]; secrets: Secret[]; configMaps: ConfigMap[] }) {
  const services = new Map<string, Service>(extra.services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  const slices: EndpointSlice[] = [];
  const secrets = new Map<string, Secret>(extra.secrets.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  const configMaps = new Map<string, ConfigMap>(extra.configMaps.map((c) => [`${c.metadata.namespace}/${c.metadata.name}`, c]));
  let ip = 10;
  const addBackend = (ns: string, b: IngressBackend | undefined) => {
    const svc = b?.service;
    if (!svc?.name) return;
    const k = `${ns}/${svc.name}`;
    const existing = services.get(k);
    const port = svc.port?.number ?? 80;
    const portName = svc.port?.name;
    const ports = existing?.spec?.ports ?? [];
    if (!ports.some((p) => (portName ? p.name === portName : p.port === port))) ports.push(portName ? { name: portName, port: 80 } : { port });
    services.set(k, { metadata: { namespace: ns, name: svc.name }, spec: { ports } });
  };
  for (const ing of ingresses) {
    const ns = ing.metadata.namespace!;
    addBackend(ns, ing.spec?.defaultBackend);
    for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) addBackend(ns, p.backend);
    for (const t of ing.spec?.tls ?? [])
      if (t.secretName && !secrets.has(`${ns}/${t.secretName}`)) secrets.set(`${ns}/${t.secretName}`, madeUpSecret(ns, t.secretName, true));
    for (const r of configMapRefsOf(parseAnnotations(ing.metadata.annotations).values, ns))
      if (!configMaps.has(`${r.namespace}/${r.name}`)) configMaps.set(`${r.namespace}/${r.name}`, madeUpConfigMap(r.namespace, r.name, r.key));
    for (const [k, v] of Object.entries(ing.metadata.annotations ?? {})) {
      const key = shortKey(k);
      if (!key || !/^(auth-secret|auth-tls-secret|proxy-ssl-secret)$/.test(key) || !v) continue;
      const [sns, sname] = secretRef(v, ns);
      if (!secrets.has(`${sns}/${sname}`)) secrets.set(`${sns}/${sname}`, madeUpSecret(sns, sname, key !== "auth-secret"));
    }
  }
  for (const s of services.values()) {
    slices.push({
      metadata: { namespace: s.metadata.namespace, name: `${s.metadata.name}-corpus`, labels: { "kubernetes.io/service-name": s.metadata.name } },
      addressType: "IPv4",
      ports: (s.spec?.ports ?? []).map((p) => ({ name: p.name ?? "", port: 8080 })),
      endpoints: [{ addresses: [`198.18.0.${ip++ % 250}`], conditions: { ready: true } }],
    } as EndpointSlice);
  }
  return { services: [...services.values()], endpointSlices: slices, secrets: [...secrets.values()], configMaps: [...configMaps.values()] };
}

/** A field written as null is absent once the API server has decoded the object (`host: null`). */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!v || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (x === null ? [] : [[k, withoutNulls(x)]])));
}

/** Loads one corpus file: its Ingresses (class rewritten to portico) and any objects written beside them. */
export function loadCorpusFile(text: string) {
  const docs = parseAllDocuments(text)
    .map((d) => withoutNulls(d.toJS()) as { kind?: string; metadata?: { namespace?: string; name: string } } | null)
    .filter((d): d is NonNullable<typeof d> => !!d && typeof d === "object");
  const ns = (o: { metadata?: { namespace?: string } }) => o.metadata?.namespace || "default";
  const ingresses = docs
    .filter((d) => d.kind === "Ingress")
    .map((d) => {
      const ing = structuredClone(d) as Ingress;
      ing.metadata.namespace = ns(ing);
      const annotations = { ...(ing.metadata.annotations ?? {}) };
      delete annotations[LEGACY_CLASS];
      ing.metadata.annotations = annotations;
      ing.spec = { ...(ing.spec ?? {}), ingressClassName: "portico" };
      return ing;
    });
  const withNs = <T>(kind: string) => docs.filter((d) => d.kind === kind).map((d) => ({ ...d, metadata: { ...d.metadata!, namespace: ns(d) } }) as T);
  return { ingresses, services: withNs<Service>("Service"), secrets: withNs<Secret>("Secret"), configMaps: withNs<ConfigMap>("ConfigMap") };
}

interface InvalidForKubernetes {
  field: string;
  reason: string;
}

/** The corpus files a real API server rejects, by file name (invalid-for-kubernetes.json). */
export const INVALID_FOR_KUBERNETES: Readonly<Record<string, InvalidForKubernetes>> = (
  JSON.parse(readFileSync(new URL("./invalid-for-kubernetes.json", import.meta.url), "utf8")) as { files: Record<string, InvalidForKubernetes> }
).files;

export function checkCorpusFile(file: string, text: string): FileResult {
  const invalid = Object.prototype.hasOwnProperty.call(INVALID_FOR_KUBERNETES, file) ? INVALID_FOR_KUBERNETES[file] : undefined;
  if (invalid)
    return { file, outcome: "invalid-for-kubernetes", details: [`${invalid.field}: ${invalid.reason}`], accessIgnored: [], ignoredByIngressNginxToo: [] };
  const { ingresses, services, secrets, configMaps } = loadCorpusFile(text);
  if (ingresses.some(hasSnippet)) return { file, outcome: "snippet", details: [], accessIgnored: [], ignoredByIngressNginxToo: [] };
  const world = worldFor(ingresses, { services, secrets, configMaps });

  const state = new AdmissionState();
  const ourClass: IngressClass = { metadata: { name: "portico" }, spec: { controller: "portico.dev/ingress-controller" } };
  state.replaceAll("IngressClass", [ourClass]);
  state.replaceAll("Ingress", []);
  state.replaceAll("Secret", world.secrets);
  const denied: string[] = [];
  const ignored: string[] = [];
  const accessIgnored: string[] = [];
  const alsoIgnored: string[] = [];
  const admitted: Ingress[] = [];
  ingresses.forEach((ing, i) => {
    const who = `${ing.metadata.namespace}/${ing.metadata.name}`;
    // The API server stamps creationTimestamp before validating admission: in file order, a second apart.
    ing.metadata.creationTimestamp ??= new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace(".000Z", "Z");
    const v = validateIngress(
      { uid: `c${i}`, operation: "CREATE", name: ing.metadata.name, namespace: ing.metadata.namespace, object: ing },
      { ...state.context(), now: new Date("2026-06-01T00:00:00Z") },
    );
    if (!v.allowed) {
      denied.push(...v.reasons.map((r) => `${who}: ${r}`));
      return;
    }
    admitted.push(ing);
    state.upsert("Ingress", ing);
    for (const k of parseAnnotations(ing.metadata.annotations).unknown) {
      if (ignoredByIngressNginxToo(shortKey(k) ?? "")) {
        alsoIgnored.push(`${who}: ${k} ignored (not an ingress-nginx annotation either)`);
        continue;
      }
      ignored.push(`${who}: ${k} ignored`);
      if (ACCESS_CONTROL_KEYS[shortKey(k) ?? ""]) accessIgnored.push(`${who}: ${k}`);
    }
  });
  const r = (outcome: Outcome, details: string[]): FileResult => ({ file, outcome, details, accessIgnored, ignoredByIngressNginxToo: alsoIgnored });
  if (denied.length) return r("refused", denied);

  const result = build({
    controller: { namespace: "portico-system", name: "portico", ingressClassNames: ["portico"], servesDefaultClass: false },
    settings: withDefaults({}),
    ingresses: admitted,
    ingressClasses: [],
    services: world.services,
    endpointSlices: world.endpointSlices,
    secrets: world.secrets,
    configMaps: world.configMaps,
  });
  const disagreements: string[] = [];
  for (const ing of admitted) {
    const who = `${ing.metadata.namespace}/${ing.metadata.name}`;
    if (!result.servedIngresses.includes(who)) disagreements.push(`${who}: admitted but not served by the build`);
  }
  for (const d of result.diagnostics) {
    if (d.object.kind === "Ingress" && /^Annotation|IngressDropped|IngressInvalid|AccessDenied|ClientCertificatesConflict/.test(d.reason)) {
      disagreements.push(`${d.object.namespace}/${d.object.name}: ${d.reason}: ${d.message}`);
    }
  }
  if (accessIgnored.length) return r("ignored", ignored);
  if (disagreements.length) return r("build-disagrees", disagreements);
  if (ignored.length) return r("ignored", ignored);
  return r("honoured", alsoIgnored);
}

export function checkCorpus(dir: string): { results: FileResult[]; figures: CorpusFigures } {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  const results = files.map((f) => checkCorpusFile(f, readFileSync(resolve(dir, f), "utf8")));
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const snippetFiles = count("snippet");
  const invalidForKubernetes = count("invalid-for-kubernetes");
  return {
    results,
    figures: {
      files: results.length,
      snippetFiles,
      invalidForKubernetes,
      snippetFree: results.length - snippetFiles - invalidForKubernetes,
      honoured: count("honoured"),
      ignored: count("ignored"),
      buildDisagrees: count("build-disagrees"),
      refused: count("refused"),
      accessIgnored: results.filter((r) => r.accessIgnored.length > 0).length,
      honouredIgnoringNonIngressNginxKeys: results.filter((r) => r.outcome === "honoured" && r.ignoredByIngressNginxToo.length > 0).length,
    },
  };
}
