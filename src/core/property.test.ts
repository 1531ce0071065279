// Property: whatever admission admits (Ingresses through the real Ingress validator and its index:
// hosts, paths of every pathType, regexes, annotation values, TLS entries against generated
// Secrets; IngressController settings through the CRD schema), together with generated
// EndpointSlices (ports, addresses, conditions), the build renders without throwing or dropping an
// admitted Ingress, and real `nginx -t` accepts the config, one config per batch. Seeded
// (PORTICO_PROPERTY_SEED, PORTICO_PROPERTY_CASES), so a failure repeats; a refused batch is
// narrowed to the case nginx refused, which the message names.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { build } from "./build.js";
import { ANNOTATIONS } from "./annotations/registry.js";
import { NginxPrefix } from "../testing/nginx-prefix.js";
import { ingress, path, service, snapshot } from "./test-objects.js";
import type { EndpointSlice, Ingress, IngressTLS, PathType, Secret } from "./k8s-types.js";
import type { Settings } from "./settings.js";
import { validateIngress } from "../admission/ingress.js";
import { AdmissionState } from "../admission/state.js";
import { ourClass, request } from "../admission/testing/fixtures.js";
import { makeCert, tlsSecret } from "../admission/testing/certs.js";
import { validateIngressController } from "../api/validate.js";

const SEED = Number(process.env.PORTICO_PROPERTY_SEED ?? 20261201);
const CASES = Number(process.env.PORTICO_PROPERTY_CASES ?? 2000);
const BATCH = 200;
const NOW = new Date();

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
type Next = () => number;
const pick = <T>(next: Next, a: readonly T[]) => a[Math.floor(next() * a.length)]!;

const PIECES = [
  "a", "b", "/", ".", "-", "_", "~", "%41", "(", ")", "*", "+", "?", "|", "[", "]", "{", "}", "^", "$", "\\.", "\\d", "\\w", "\\/", ":",
  "[a-z]", "[^/]", "{2}", "{1,3}", "{255}", "(?:", "\\", "'", ",", "=", "@", "&", "!", "x{65536}", "[:alpha:]", "[]",
  "(?:[a-z][0-9]){255}", "(?:ab|cd)", "[a-zA-Z0-9_.~-]", "_portico_auth_", ".well-known/acme-challenge/",
]; // prettier-ignore
const TYPES: PathType[] = ["Exact", "Prefix", "ImplementationSpecific"];
const HOSTS = [
  "a.example.com",
  "b.example.com",
  "*.example.com",
  "",
  "x-y.example.org",
  "www.a.example.com",
  `${"l".repeat(63)}.${"m".repeat(63)}.${"n".repeat(63)}.example.com`,
];

// Annotation values by the spec's type, plus every spec's own default and values any key may get.
const BY_TYPE: Record<string, string[]> = {
  bool: ["true", "false", "yes", "1"],
  int: ["0", "1", "2", "3", "4", "8", "64", "1024", "65535", "100000", "-1"],
  size: ["0", "1", "1k", "4k", "8k", "64k", "1m", "8m", "100m", "1g", "100g", "4K"],
  seconds: ["0", "1", "5", "60", "3600", "86400", "100000"],
  "on/off": ["on", "off"],
  url: ["https://auth.example.com/check", "http://10.0.0.1:8080/auth", "https://a.example.com/$host$request_uri", "http://x/"],
  host: ["a.example.com", "b.example.com", "*.example.com", "other.example.net"],
  list: ["a.example.com", "b.example.com,c.example.com", "x"],
  "cidr list": ["10.0.0.0/8", "10.0.0.1,192.168.0.0/16", "::1/128", "0.0.0.0/0"],
  path: ["/", "/app", "/a.b", "/x/$1"],
  regex: ["/a/(.*)", "^/x$"],
  "header list": ["X-Foo", "X-Foo,X-Bar", "Authorization"],
  "header lines": ["X-Foo: bar", "X-A: 1\nX-B: 2"],
  "method list": ["GET", "GET, POST", "PUT,DELETE,OPTIONS"],
  "origin list": ["*", "https://a.example.com", "https://a.example.com, https://*.example.com"],
};
const ANY = ["", "x", "/", "/$1", "https://a.example/$1", "round_robin", "ewma", "cookie", "header", "$host", "HTTPS", "GRPC", "301", "on", "*", "a b"];
const KEYS = ANNOTATIONS.map((a) => ({
  key: a.key,
  typed: [...(BY_TYPE[a.type] ?? []), ...(a.default && !a.default.includes(" ") ? [a.default] : [])],
}));

function annotations(next: Next, regex: boolean): Record<string, string> {
  const ann: Record<string, string> = {};
  if (regex) ann["nginx.ingress.kubernetes.io/use-regex"] = "true";
  const n = Math.floor(next() * 3);
  for (let i = 0; i < n; i++) {
    const k = pick(next, KEYS);
    ann[`${pick(next, ["nginx.ingress.kubernetes.io/", "portico.dev/"])}${k.key}`] = k.typed.length && next() < 0.8 ? pick(next, k.typed) : pick(next, ANY);
  }
  return ann;
}

const PLAIN = [
  "/",
  "/a",
  "/api/v1",
  "/a.b",
  "/v1.0",
  "/.well-known/acme-challenge/x",
  "/x/(.*)",
  "/api/v[0-9]+/(.*)",
  "/a/",
  "/%41b",
  "/_portico_auth_0123456789abcdef",
];
function randomPath(next: Next): string {
  if (next() < 0.6) return pick(next, PLAIN);
  return "/" + Array.from({ length: 1 + Math.floor(next() * 8) }, () => pick(next, PIECES)).join("");
}

/** One case: an Ingress of 1-2 rules with 1-3 paths, annotations and maybe a TLS entry. */
export function generate(next: Next, i: number): Ingress {
  const regex = next() < 0.4;
  const ns = pick(next, ["default", "default", "team-b"]);
  const rules = Array.from({ length: 1 + Math.floor(next() * 2) }, () => ({
    host: pick(next, HOSTS) || undefined,
    paths: Array.from({ length: 1 + Math.floor(next() * next() * 3) }, () =>
      path(randomPath(next), pick(next, TYPES), pick(next, ["svc", "svc2", "svc-missing"]), pick(next, [80, 8080, "http"])),
    ),
  }));
  const tls: IngressTLS[] | undefined =
    next() < 0.25 ? [{ hosts: rules.flatMap((r) => (r.host ? [r.host] : [])), secretName: pick(next, [...SECRET_NAMES, "missing", undefined]) }] : undefined;
  return ingress(`case-${i}`, rules, {
    namespace: ns,
    annotations: annotations(next, regex),
    ...(tls ? { tls } : {}),
    created: `2026-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}Z`,
  });
}

// TLS Secrets, made once: valid (RSA, several names), a key of another certificate, expired, not
// yet valid, garbage, an empty key, and a large chain. Each namespace gets the same set.
const SECRET_NAMES = ["valid", "wildcard", "mismatch", "expired", "future", "garbage", "nokey", "large"];
function tlsSecrets(): Secret[] {
  const valid = makeCert({ dnsNames: ["a.example.com", "b.example.com", "www.a.example.com"] });
  const wildcard = makeCert({ dnsNames: ["*.example.com"] });
  const other = makeCert({ dnsNames: ["a.example.com"] }, true);
  const pairs: Record<string, { crt?: string; key?: string }> = {
    valid,
    wildcard,
    mismatch: { crt: valid.crt, key: other.key },
    expired: makeCert({ dnsNames: ["a.example.com"], notBefore: new Date(Date.now() - 10 * 86400_000), notAfter: new Date(Date.now() - 86400_000) }),
    future: makeCert({ dnsNames: ["a.example.com"], notBefore: new Date(Date.now() + 86400_000), notAfter: new Date(Date.now() + 10 * 86400_000) }),
    garbage: { crt: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" },
    nokey: { crt: valid.crt, key: "" },
    large: { crt: valid.crt + wildcard.crt.repeat(200), key: valid.key },
  };
  return ["default", "team-b"].flatMap((ns) => Object.entries(pairs).map(([name, p]) => tlsSecret(ns, name, p) as unknown as Secret));
}

// EndpointSlices of the two Services: address families, ports, names and conditions, valid or not.
function endpointSlices(next: Next): EndpointSlice[] {
  const out: EndpointSlice[] = [];
  for (const ns of ["default", "team-b"]) {
    for (const svc of ["svc", "svc2"]) {
      const addressType = pick(next, ["IPv4", "IPv4", "IPv6", "FQDN"]);
      const addresses =
        addressType === "IPv6"
          ? ["fd00::1", "::1", "fe80::1%eth0", "1.2.3.4"]
          : addressType === "FQDN"
            ? ["backend.example.com", "a b"]
            : ["10.0.0.1", "198.18.0.7", "999.1.1.1", "", "10.0.0.1"];
      out.push({
        metadata: { name: `${svc}-${out.length}`, namespace: ns, labels: { "kubernetes.io/service-name": svc } },
        addressType,
        ports: Array.from({ length: Math.floor(next() * 3) }, () => ({
          port: pick(next, [8080, 80, 1, 65535, 0, 70000, -1]),
          ...(next() < 0.5 ? { name: pick(next, ["http", "", "grpc", "x".repeat(70)]) } : {}),
          ...(next() < 0.3 ? { protocol: pick(next, ["TCP", "UDP", "SCTP"]) } : {}),
        })),
        endpoints: Array.from({ length: Math.floor(next() * 4) }, () => ({
          addresses: [pick(next, addresses)],
          conditions: pick(next, [{ ready: true }, { ready: false }, {}, { ready: true, terminating: true }, { serving: true, terminating: true }]),
        })),
      } as EndpointSlice);
    }
  }
  return out;
}

// spec.settings through the CRD schema (what the IngressController's validation admits).
const SETTING_VALUES: Partial<Record<keyof Settings, unknown[]>> = {
  proxyBodySize: ["0", "1", "1k", "1m", "999999999g", "1t", "10M"],
  proxyConnectTimeoutSeconds: [0, 1, 600, 601],
  proxyReadTimeoutSeconds: [0, 1, 3600, 86400],
  keepaliveTimeoutSeconds: [0, 3600, 3601],
  keepaliveRequests: [1, 1000000],
  upstreamKeepaliveConnections: [0, 100000],
  workerProcesses: [1, 256, "auto", 0],
  workerConnections: [64, 1048576, 63],
  hstsMaxAgeSeconds: [0, 63072000],
  sslProtocols: [["TLSv1.3"], ["TLSv1.2"], ["TLSv1.2", "TLSv1.3"], []],
  proxyRealIpCidrs: [["10.0.0.0/8"], ["::/0"], ["999.1.1.1"], ["10.0.0.1", "fd00::/8"]],
  logFormat: ["json", "combined"],
  accessLog: [true, false],
  accessLogBufferKiB: [0, 1, 1024],
  accessLogFlushSeconds: [0, 1, 60],
  workerShutdownTimeoutSeconds: [0, 86400],
  noEndpointStatus: [500, 599],
  resolvers: [["10.0.0.53"], ["::1"], ["999.999.999.999"], ["1.1.1.1", "fd00::53"]],
  globalAuthUrl: ["https://auth.example.com/check", "http://10.0.0.1/x?a=$host"],
  globalAuthSignin: ["https://login.example.com/"],
  globalAuthResponseHeaders: [["X-User"], ["X-User", "X-Email"]],
  globalAuthMethod: ["GET", "POST"],
  hsts: [true, false],
  sslRedirect: [true, false],
  useForwardedHeaders: [true, false],
  serverTokens: [true, false],
};

function generateSettings(next: Next): Partial<Settings> | undefined {
  const keys = Object.keys(SETTING_VALUES) as (keyof Settings)[];
  const settings: Record<string, unknown> = {};
  for (let n = Math.floor(next() * 6); n > 0; n--) {
    const k = pick(next, keys);
    settings[k] = pick(next, SETTING_VALUES[k]!);
  }
  const ic = { apiVersion: "portico.dev/v1alpha1", kind: "IngressController", metadata: { name: "p", namespace: "portico-system" }, spec: { settings } };
  return validateIngressController(ic).ok ? (settings as Partial<Settings>) : undefined; // refused: the batch keeps the defaults
}

describe(`property: admitted implies rendered and nginx -t accepted (${CASES} cases, seed ${SEED})`, () => {
  const prefix = new NginxPrefix();
  after(() => prefix.remove());
  const secrets = tlsSecrets();
  const services = ["default", "team-b"].flatMap((ns) => [service("svc", ns, [{ name: "http", port: 80 }]), service("svc2", ns, [{ port: 8080 }])]);

  test("batches", () => {
    const next = rng(SEED);
    let admitted = 0;
    const found: string[] = [];
    for (let start = 0; start < CASES; start += BATCH) {
      const st = new AdmissionState();
      st.replaceAll("IngressClass", [ourClass("portico", { isDefault: true })]);
      st.replaceAll("Secret", secrets as never);
      st.replaceAll("Ingress", []);
      const ctx = st.context(NOW);
      const ingresses: Ingress[] = [];
      for (let i = start; i < Math.min(CASES, start + BATCH); i++) {
        const ing = generate(next, i);
        if (!validateIngress(request(ing), ctx).allowed) continue;
        admitted++;
        ingresses.push(ing);
        st.upsert("Ingress", ing as never); // later cases see it in the index (conflicts, ownership)
      }
      const settings = generateSettings(next);
      const snap = snapshot({ ingresses, services, secrets, endpointSlices: endpointSlices(next), ...(settings ? { settings: settings as Settings } : {}) });
      let result;
      try {
        result = build(snap);
      } catch (err) {
        found.push(`batch ${start}: build threw: ${(err as Error).message}; settings ${JSON.stringify(settings)}`);
        continue;
      }
      const dropped = result.diagnostics.filter((d) => d.reason === "IngressDropped" || d.reason === "IngressInvalid");
      for (const d of dropped) found.push(`batch ${start}: admitted ${d.object.namespace}/${d.object.name} dropped by the build: ${d.message}`);
      const err = prefix.test(result.state.config);
      if (err === undefined) continue;
      // Narrow down: each admitted Ingress alone, with the same settings and objects.
      const culprits = ingresses.filter((ing) => prefix.test(build({ ...snap, ingresses: [ing] }).state.config) !== undefined);
      const detail = culprits.map((c) => JSON.stringify({ name: c.metadata.name, annotations: c.metadata.annotations, spec: c.spec })).join("\n  ");
      found.push(
        `batch ${start} (seed ${SEED}): nginx -t refused: ${err.split("\n")[0]}\n  settings: ${JSON.stringify(settings)}\n  ${detail || "(no single Ingress: the combination)"}`,
      );
    }
    if (process.env.PORTICO_PROPERTY_REPORT) console.log(JSON.stringify({ cases: CASES, admitted, found: found.length }));
    assert.deepEqual(found, [], `inputs admission admits that the build or nginx -t refuses:\n${found.join("\n")}`);
    assert.ok(admitted > CASES / 10, `too few admitted cases (${admitted}) to mean anything`);
  });
});
