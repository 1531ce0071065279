import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CONFLICT_CHECK_SKIPPED, validateIngress } from "./ingress.js";
import { AdmissionState } from "./state.js";
import { ingress, otherClass, ourClass, request, type SimpleIngress } from "./testing/fixtures.js";
import { makeCert, tlsSecret } from "./testing/certs.js";
import type { Ingress } from "../core/k8s-types.js";
import { LIMITS } from "../core/limits.js";

const P0 = "spec.rules[0].http.paths[0]";
const CHARS = "contains a character that is not allowed (allowed: letters, digits and / . _ ~ ! * ' ( ) + , = : @ & % -)";
const REGEX_HINT = '; regular expressions need the annotation nginx.ingress.kubernetes.io/use-regex: "true" (and pathType ImplementationSpecific)';
const LABEL = "lowercase letters, digits and '-' only, at most 63 characters, no '-' at either end";
const REGEX = { "nginx.ingress.kubernetes.io/use-regex": "true" };

function state(ingresses: Ingress[] = [], secrets: ReturnType<typeof tlsSecret>[] = []): AdmissionState {
  const st = new AdmissionState();
  st.replaceAll("IngressClass", [ourClass("portico", { isDefault: true }), ourClass("internal"), otherClass("nginx")]);
  st.replaceAll("Ingress", ingresses);
  st.replaceAll("Secret", secrets);
  return st;
}

function check(o: SimpleIngress, st = state()) {
  return validateIngress(request(ingress(o)), st.context());
}

describe("validateIngress: accepted", () => {
  const accepted: [string, SimpleIngress][] = [
    ["plain host and prefix path", {}],
    ["wildcard host", { host: "*.example.com" }],
    ["no host (catch-all)", { host: "" }],
    ["Exact path with allowed punctuation", { path: "/a-b_c.d~e/f:g@h&i=j+k,l!m*n'o(p)", pathType: "Exact" }],
    ["percent escape", { path: "/caf%C3%A9" }],
    ["regex with use-regex", { path: "/api/v[0-9]+/(.*)", pathType: "ImplementationSpecific", annotations: REGEX }],
    ["named port", { port: "http" }],
    ["Service name starting with a digit (relaxed Service names, Kubernetes 1.34+)", { service: "1web" }],
    ["valid annotation under both prefixes", { annotations: { "nginx.ingress.kubernetes.io/ssl-redirect": "false", "portico.dev/proxy-read-timeout": "30" } }],
  ];
  for (const [name, o] of accepted) {
    it(name, () => assert.deepEqual(check(o), { allowed: true, reasons: [], warnings: [] }));
  }
});

describe("validateIngress: denied, one rule per row", () => {
  const denied: [string, SimpleIngress, string][] = [
    ["empty label", { host: "foo..com" }, `spec.rules[0].host: "foo..com" is not a valid DNS name (label "": ${LABEL})`],
    ["two wildcards", { host: "*.*.foo.com" }, `spec.rules[0].host: "*.*.foo.com" is not a valid DNS name (label "*": ${LABEL})`],
    ["inner wildcard", { host: "foo.*.com" }, `spec.rules[0].host: "foo.*.com" is not a valid DNS name (label "*": ${LABEL})`],
    ["IP address host", { host: "10.0.0.1" }, `spec.rules[0].host: "10.0.0.1" must be a DNS name, not an IP address or host:port`],
    ["host with port", { host: "foo.com:80" }, `spec.rules[0].host: "foo.com:80" must be a DNS name, not an IP address or host:port`],
    ["relative path", { path: "api" }, `${P0}.path: "api" must be an absolute path starting with '/'`],
    ["space", { path: "/a b" }, `${P0}.path: "/a b" ${CHARS}`],
    ["semicolon", { path: "/a;b" }, `${P0}.path: "/a;b" ${CHARS}`],
    ["quote", { path: '/a"b' }, `${P0}.path: "/a\\"b" ${CHARS}`],
    ["hash", { path: "/a#b" }, `${P0}.path: "/a#b" ${CHARS}`],
    ["newline", { path: "/a\nb" }, `${P0}.path: "/a\\nb" ${CHARS}`],
    ["braces (regex hint)", { path: "/a{1}" }, `${P0}.path: "/a{1}" ${CHARS}${REGEX_HINT}`],
    ["regex in Prefix (regex hint)", { path: "/api/[a-z]+$" }, `${P0}.path: "/api/[a-z]+$" ${CHARS}${REGEX_HINT}`],
    ["dot segment", { path: "/a/../b", pathType: "Exact" }, `${P0}.path: "/a/../b" must not contain '.' or '..' segments`],
    [
      "reserved /_portico prefix",
      { path: "/_portico_auth_0123456789abcdef", pathType: "Exact" },
      `${P0}.path: "/_portico_auth_0123456789abcdef" starts with "/_portico", which Portico reserves for its internal locations (auth subrequests); use another path`,
    ],
    [
      "reserved /_portico prefix (regex)",
      { path: "/_portico.*", pathType: "ImplementationSpecific", annotations: REGEX },
      `${P0}.path: "/_portico.*" starts with "/_portico", which Portico reserves for its internal locations (auth subrequests); use another path`,
    ],
    ["bad pathType", { pathType: "Regex" }, `${P0}.pathType: "Regex" must be Exact, Prefix or ImplementationSpecific`],
    [
      "regex that does not compile",
      { path: "/api/(a", pathType: "ImplementationSpecific", annotations: REGEX },
      `${P0}.path: regex "/api/(a": unbalanced '(' (missing ')')`,
    ],
    [
      "regex lookbehind",
      { path: "/(?<=a)b", pathType: "ImplementationSpecific", annotations: REGEX },
      `${P0}.path: regex "/(?<=a)b": '(?' at offset 2: only non-capturing groups '(?:' are allowed`,
    ],
    [
      "regex POSIX class (PCRE refuses it, JavaScript accepts it)",
      { path: "/[:alpha:]", pathType: "ImplementationSpecific", annotations: REGEX },
      `${P0}.path: regex "/[:alpha:]": "[:" at offset 1 reads as a POSIX class in PCRE (escape or reorder it)`,
    ],
    [
      "regex count beyond the cap",
      { path: "/x{65536}", pathType: "ImplementationSpecific", annotations: REGEX },
      `${P0}.path: regex "/x{65536}": '{' at offset 2 must start a count {n}, {n,} or {n,m} (escape a literal brace as \\{)`,
    ],
    [
      "regex empty class",
      { path: "/[]", pathType: "ImplementationSpecific", annotations: REGEX },
      `${P0}.path: regex "/[]": empty character class at offset 2 (PCRE and JavaScript read it differently)`,
    ],
    [
      "regex with catastrophic backtracking",
      { path: "/(a|aa)+$", pathType: "ImplementationSpecific", annotations: REGEX },
      `${P0}.path: regex "/(a|aa)+$": the repeated group ending at offset 8 contains a quantifier or an alternation (catastrophic backtracking)`,
    ],
    [
      "regex nested too deep",
      { path: "/((((((((((a))))))))))", pathType: "ImplementationSpecific", annotations: REGEX },
      `${P0}.path: regex "/((((((((((a))))))))))": groups nested deeper than 8`,
    ],
    [
      "proxy-ssl-secret of another namespace (tenancy)",
      { annotations: { "portico.dev/proxy-ssl-secret": "kube-system/backend" } },
      `metadata.annotations[portico.dev/proxy-ssl-secret]: Secret "kube-system/backend" is in another namespace; an Ingress may only use Secrets of its own namespace ("default") for credentials (only auth-tls-secret, CA data, may name another namespace's)`,
    ],
    [
      "auth-tls-verify-client without auth-tls-secret",
      { annotations: { "nginx.ingress.kubernetes.io/auth-tls-verify-client": "on" } },
      "metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-verify-client]: needs auth-tls-secret (the Secret with the CA certificates, ca.crt); refused rather than serving the paths without client certificates",
    ],
    [
      "auth-tls-match-cn outside the regex grammar",
      { annotations: { "nginx.ingress.kubernetes.io/auth-tls-secret": "ca", "nginx.ingress.kubernetes.io/auth-tls-match-cn": "CN=(a+)+" } },
      `metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-match-cn]: regex "CN=(a+)+": the repeated group ending at offset 8 contains a quantifier or an alternation (catastrophic backtracking)`,
    ],
    [
      "regex inline option",
      { path: "/(?i)b", pathType: "ImplementationSpecific", annotations: REGEX },
      `${P0}.path: regex "/(?i)b": '(?' at offset 2: only non-capturing groups '(?:' are allowed`,
    ],
    [
      "custom-headers ConfigMap of another namespace (tenancy)",
      { annotations: { "nginx.ingress.kubernetes.io/custom-headers": "kube-system/headers" } },
      `metadata.annotations[nginx.ingress.kubernetes.io/custom-headers]: ConfigMap "kube-system/headers" is in another namespace; an Ingress may only use ConfigMaps of its own namespace ("default")`,
    ],
    [
      "custom-headers that is not a ConfigMap name",
      { annotations: { "nginx.ingress.kubernetes.io/custom-headers": "Headers!" } },
      `metadata.annotations[nginx.ingress.kubernetes.io/custom-headers]: "Headers!" must be a ConfigMap name or namespace/name`,
    ],
    [
      "Service name",
      { service: "Web_1" },
      `${P0}.backend.service.name: "Web_1" is not a valid Service name (DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, no '-' at either end)`,
    ],
    [
      "Service name ending with '-'",
      { service: "web-" },
      `${P0}.backend.service.name: "web-" is not a valid Service name (DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, no '-' at either end)`,
    ],
    ["port 0", { port: 0 }, `${P0}.backend.service.port.number: "0" is not a port (1..65535)`],
    ["port 65536", { port: 65536 }, `${P0}.backend.service.port.number: "65536" is not a port (1..65535)`],
    [
      "port name with --",
      { port: "http--x" },
      `${P0}.backend.service.port.name: "http--x" is not a valid port name (IANA_SVC_NAME: at most 15 lowercase letters, digits and '-', at least one letter, no '--')`,
    ],
    [
      "port name too long",
      { port: "abcdefghijklmnop" },
      `${P0}.backend.service.port.name: "abcdefghijklmnop" is not a valid port name (IANA_SVC_NAME: at most 15 lowercase letters, digits and '-', at least one letter, no '--')`,
    ],
    [
      "snippet annotation",
      { annotations: { "nginx.ingress.kubernetes.io/server-snippet": "location /x {}" } },
      "metadata.annotations[nginx.ingress.kubernetes.io/server-snippet]: not supported: snippet annotations insert raw nginx configuration (the source of ingress-nginx's injection CVEs); Portico never accepts them — use a typed annotation or a setting instead (config injection risk, the CVE-2025-1974 class)",
    ],
    [
      "unknown portico.dev annotation",
      { annotations: { "portico.dev/ssl-redirekt": "true" } },
      "metadata.annotations[portico.dev/ssl-redirekt]: unknown Portico annotation",
    ],
    [
      "invalid annotation value",
      { annotations: { "nginx.ingress.kubernetes.io/ssl-redirect": "yes" } },
      'metadata.annotations[nginx.ingress.kubernetes.io/ssl-redirect]: "yes" must be "true" or "false"',
    ],
    [
      "rewrite-target injection",
      { annotations: { "nginx.ingress.kubernetes.io/rewrite-target": "/$1;evil" } },
      `metadata.annotations[nginx.ingress.kubernetes.io/rewrite-target]: "/$1;evil" contains a character that is not allowed (quotes, spaces, '#', ';', braces, backslashes, non-ASCII)`,
    ],
    [
      "TLS secret name",
      { tls: [{ hosts: ["foo.example.com"], secretName: "Bad_Name" }] },
      'spec.tls[0].secretName: "Bad_Name" is not a valid Secret name (DNS-1123 subdomain)',
    ],
    ["TLS host", { tls: [{ hosts: ["foo..example.com"] }] }, `spec.tls[0].hosts[0]: "foo..example.com" is not a valid DNS name (label "": ${LABEL})`],
  ];
  for (const [name, o, message] of denied) {
    it(name, () => {
      const v = check(o);
      assert.equal(v.allowed, false);
      assert.deepEqual(v.reasons, [message]);
    });
  }
});

describe("validateIngress: warnings", () => {
  it("unknown nginx.ingress.kubernetes.io annotation is warned, not denied", () => {
    assert.deepEqual(check({ annotations: { "nginx.ingress.kubernetes.io/enable-rewrite-log": "true" } }), {
      allowed: true,
      reasons: [],
      warnings: ["metadata.annotations[nginx.ingress.kubernetes.io/enable-rewrite-log]: not supported by Portico; ignored"],
    });
  });
  it("regex-looking path without use-regex is matched literally, with a warning", () => {
    const v = check({ path: "/api/(.*)", pathType: "ImplementationSpecific" });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, [
      `${P0}.path: "/api/(.*)" is matched literally; set nginx.ingress.kubernetes.io/use-regex: "true" (with pathType ImplementationSpecific) to match it as a regular expression`,
    ]);
  });
  it("an ImplementationSpecific path with regex operators and no use-regex is a literal prefix, as ingress-nginx serves it, with a warning", () => {
    const v = check({ path: "/nginx(/|$)(.*)", pathType: "ImplementationSpecific" });
    assert.deepEqual(v, {
      allowed: true,
      reasons: [],
      warnings: [
        `${P0}.path: "/nginx(/|$)(.*)" is matched literally; set nginx.ingress.kubernetes.io/use-regex: "true" (with pathType ImplementationSpecific) to match it as a regular expression`,
      ],
    });
    // Prefix and Exact keep the Ingress API's characters (ingress-nginx 1.12+ refuses these too).
    assert.equal(check({ path: "/nginx(/|$)(.*)", pathType: "Prefix" }).allowed, false);
    assert.equal(check({ path: "/a{1}", pathType: "ImplementationSpecific" }).allowed, false);
  });
  it("a Prefix or Exact path written as a regex, with rewrite-target or use-regex, is a regex (ingress-nginx before 1.12), with a warning", () => {
    for (const pathType of ["Prefix", "Exact"] as const) {
      const v = check({ path: "/foo(/|$)(.*)", pathType, annotations: { "nginx.ingress.kubernetes.io/rewrite-target": "/$2" } });
      assert.equal(v.allowed, true, v.reasons.join("; "));
      assert.deepEqual(v.warnings, [
        `${P0}.path: "/foo(/|$)(.*)" is matched as a regular expression (case-insensitive, from the start of the path) although its pathType is ${pathType}, as ingress-nginx did before 1.12 (1.12 and later refuse it by default, strict-validate-path-type); pathType ImplementationSpecific says so explicitly`,
      ]);
    }
    // Still through the one regex grammar.
    const bad = check({ path: "/foo(a+)+", pathType: "Prefix", annotations: REGEX });
    assert.equal(bad.allowed, false);
    assert.match(bad.reasons[0]!, /^spec\.rules\[0\]\.http\.paths\[0\]\.path: regex "\/foo\(a\+\)\+": /);
    // Plain Prefix paths of such an Ingress keep the Ingress API's meaning, with no warning.
    assert.deepEqual(check({ path: "/static", annotations: REGEX }).warnings, []);
  });
  it("a key ingress-nginx does not read is warned about as such, with what to use", () => {
    assert.deepEqual(check({ annotations: { "nginx.ingress.kubernetes.io/client-max-body-size": "2g" } }).warnings, [
      "metadata.annotations[nginx.ingress.kubernetes.io/client-max-body-size]: not an ingress-nginx annotation (ingress-nginx ignores it too); ignored; use proxy-body-size (client-max-body-size is NGINX Inc.'s nginx.org/ annotation)",
    ]);
  });
  it('proxy-buffers-number "8 32k" is admitted with the default (as ingress-nginx), warning with the fix', () => {
    assert.deepEqual(check({ annotations: { "nginx.ingress.kubernetes.io/proxy-buffers-number": "8 32k" } }), {
      allowed: true,
      reasons: [],
      warnings: [
        'metadata.annotations[nginx.ingress.kubernetes.io/proxy-buffers-number]: "8 32k" is nginx\'s "proxy_buffers <number> <size>", not a number of buffers; the default (4) is used, as ingress-nginx did; write nginx.ingress.kubernetes.io/proxy-buffers-number: "8" and proxy-buffer-size: "32k" to get 8 buffers of 32k',
      ],
    });
  });
  it("TLS host not served by any rule, and a missing Secret", () => {
    const v = check({ tls: [{ hosts: ["other.example.com"], secretName: "missing" }] });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, [
      'spec.tls[0].hosts[0]: "other.example.com" is not the host of any rule, so no server uses this certificate for it',
      'spec.tls[0].secretName: Secret "default/missing" of type kubernetes.io/tls not found; the default certificate is served until it exists',
    ]);
  });
});

describe("validateIngress: other classes are approved untouched", () => {
  const bad: SimpleIngress = { host: "foo..com", path: "/a;b", annotations: { "nginx.ingress.kubernetes.io/server-snippet": "x" } };
  it("spec.ingressClassName of another controller", () =>
    assert.deepEqual(check({ ...bad, className: "nginx" }), { allowed: true, reasons: [], warnings: [] }));
  it("legacy annotation of another controller", () =>
    assert.deepEqual(check({ ...bad, className: null, annotations: { ...bad.annotations, "kubernetes.io/ingress.class": "nginx" } }), {
      allowed: true,
      reasons: [],
      warnings: [],
    }));
  it("unknown class", () => assert.deepEqual(check({ ...bad, className: "nobody" }), { allowed: true, reasons: [], warnings: [] }));
  it("no class goes to our default class and is validated", () => assert.equal(check({ ...bad, className: null }).allowed, false));
  it("no class and no default class of ours is not ours", () => {
    const st = new AdmissionState();
    st.replaceAll("IngressClass", [ourClass("portico")]);
    assert.equal(validateIngress(request(ingress({ ...bad, className: null })), st.context()).allowed, true);
  });
  it("legacy annotation naming our class is validated", () =>
    assert.equal(check({ ...bad, className: null, annotations: { ...bad.annotations, "kubernetes.io/ingress.class": "internal" } }).allowed, false));
  it('kubernetes.io/ingress.class: "" goes to our default class and is validated (as the build serves it)', () =>
    assert.equal(check({ ...bad, className: null, annotations: { ...bad.annotations, "kubernetes.io/ingress.class": "" } }).allowed, false));
});

describe("validateIngress: route conflicts from the index", () => {
  const first = ingress({ name: "first", namespace: "team-a", host: "shop.example.com", path: "/api" });
  it("same host, kind and path in an Ingress of another namespace is denied, naming it", () => {
    const v = check({ name: "second", host: "shop.example.com", path: "/api" }, state([first]));
    assert.deepEqual(v.reasons, [
      `${P0}: host "shop.example.com" Prefix path "/api" is already served by Ingress "team-a/first"; an Ingress of another namespace cannot declare the same route`,
    ]);
  });
  it("within one namespace the newer is admitted with a warning that the older serves the route", () => {
    const older = ingress({ name: "older", namespace: "team-a", host: "shop.example.com", path: "/api" });
    older.metadata.creationTimestamp = "2026-01-01T00:00:00Z";
    const newer = ingress({ name: "newer", namespace: "team-a", host: "shop.example.com", path: "/api", service: "other" });
    newer.metadata.creationTimestamp = "2026-01-02T00:00:00Z";
    assert.deepEqual(validateIngress(request(newer), state([older]).context()), {
      allowed: true,
      reasons: [],
      warnings: [
        `${P0}: host "shop.example.com" Prefix path "/api" is already served by Ingress "team-a/older" of this namespace (older); this declaration is ignored while that one declares it, as ingress-nginx serves the oldest`,
      ],
    });
    // The older one claiming a route the newer holds takes it over: said so.
    const olderEdited = ingress({ name: "older", namespace: "team-a", host: "shop.example.com", path: "/web" });
    olderEdited.metadata.creationTimestamp = older.metadata.creationTimestamp;
    const newerWeb = ingress({ name: "newer", namespace: "team-a", host: "shop.example.com", path: "/web" });
    newerWeb.metadata.creationTimestamp = newer.metadata.creationTimestamp;
    assert.deepEqual(validateIngress(request(olderEdited, "UPDATE", older), state([older, newerWeb]).context()).warnings, [
      `${P0}: host "shop.example.com" Prefix path "/web" is also declared by Ingress "team-a/newer" of this namespace; this Ingress is older, so it serves the route and the other's declaration is ignored`,
    ]);
  });
  it("host matching is case-insensitive", () => {
    assert.equal(check({ name: "second", host: "SHOP.example.com", path: "/api" }, state([first])).allowed, false);
  });
  it("Exact and Prefix of the same path do not conflict", () =>
    assert.equal(check({ name: "second", namespace: "team-a", host: "shop.example.com", path: "/api", pathType: "Exact" }, state([first])).allowed, true));
  it("other path or host does not conflict", () => {
    // (the same namespace: shop.example.com belongs to team-a, another namespace could not add to it at all)
    assert.equal(check({ name: "second", namespace: "team-a", host: "shop.example.com", path: "/web" }, state([first])).allowed, true);
    assert.equal(check({ name: "second", host: "blog.example.com", path: "/api" }, state([first])).allowed, true);
  });
  it("an Ingress does not conflict with itself on update", () => {
    const v = validateIngress(request(first, "UPDATE", first), state([first]).context());
    assert.deepEqual(v, { allowed: true, reasons: [], warnings: [] });
  });
  it("on update only newly claimed routes are checked (a pre-existing conflict does not block edits)", () => {
    const dup = ingress({ name: "dup", host: "shop.example.com", path: "/api" });
    const edited = ingress({ name: "dup", host: "shop.example.com", path: "/api", annotations: { "nginx.ingress.kubernetes.io/proxy-read-timeout": "30" } });
    assert.equal(validateIngress(request(edited, "UPDATE", dup), state([first, dup]).context()).allowed, true);
  });
  it("Ingresses of another controller's class never conflict", () => {
    const theirs = ingress({ name: "theirs", host: "shop.example.com", path: "/api", className: "nginx" });
    assert.equal(check({ name: "second", host: "shop.example.com", path: "/api" }, state([theirs])).allowed, true);
  });
  it("classes served by different IngressControllers do not conflict; the same controller's do", () => {
    const st = new AdmissionState();
    st.replaceAll("IngressClass", [
      ourClass("a", { controller: { namespace: "x", name: "one" } }),
      ourClass("b", { controller: { namespace: "x", name: "two" } }),
      ourClass("c", { controller: { namespace: "x", name: "one" } }),
    ]);
    st.replaceAll("Secret", []);
    st.replaceAll("Ingress", [ingress({ name: "first", className: "a", host: "h.example.com", path: "/" })]);
    assert.deepEqual(validateIngress(request(ingress({ name: "second", className: "b", host: "h.example.com", path: "/" })), st.context()).warnings, []);
    assert.match(
      validateIngress(request(ingress({ name: "second", className: "c", host: "h.example.com", path: "/" })), st.context()).warnings.join(),
      /is already served by Ingress "default\/first"/,
    );
  });
  it("Prefix /api/ is the same location as /api (core strips trailing slashes)", () => {
    assert.equal(check({ name: "second", namespace: "team-b", host: "shop.example.com", path: "/api/" }, state([first])).allowed, false);
  });
  it("rewrite-target makes ImplementationSpecific paths regexes, as in core", () => {
    const rw = { "nginx.ingress.kubernetes.io/rewrite-target": "/$1" };
    assert.equal(check({ path: "/api/(.*)", pathType: "ImplementationSpecific", annotations: rw }).allowed, true);
    assert.deepEqual(check({ path: "/api/(a", pathType: "ImplementationSpecific", annotations: rw }).reasons, [
      `${P0}.path: regex "/api/(a": unbalanced '(' (missing ')')`,
    ]);
  });
  it("a second catch-all default backend (defaultBackend without rules): another namespace's is denied, the same namespace's warned", () => {
    const catchAll = (name: string, namespace = "default"): Ingress => ({
      metadata: { name, namespace },
      spec: { ingressClassName: "portico", defaultBackend: { service: { name: "fallback", port: { number: 80 } } } },
    });
    const v = validateIngress(request(catchAll("second", "other")), state([catchAll("first")]).context());
    assert.deepEqual(v.reasons, [
      'spec.defaultBackend: the catch-all default backend (spec.defaultBackend without rules) is already served by Ingress "default/first"; an Ingress of another namespace cannot declare the same route',
    ]);
    const same = validateIngress(request(catchAll("second")), state([catchAll("first")]).context());
    assert.equal(same.allowed, true);
    assert.match(same.warnings.join(), /is already served by Ingress "default\/first" of this namespace \(older\)/);
  });
  it("a path declared twice inside one Ingress: the first serves it, the second is warned about (as ingress-nginx)", () => {
    const ing = ingress({ host: "h.example.com", path: "/x" });
    ing.spec!.rules!.push({
      host: "h.example.com",
      http: {
        paths: [
          { path: "/x", pathType: "Prefix", backend: { service: { name: "b", port: { number: 80 } } } },
          { path: "/x", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } },
        ],
      },
    });
    assert.deepEqual(validateIngress(request(ing), state().context()), {
      allowed: true,
      reasons: [],
      warnings: [
        `spec.rules[1].http.paths[0]: host "h.example.com" Prefix path "/x" is declared again; ${P0} serves it and this declaration is ignored (its backend, service "b" port 80, is not used), as ingress-nginx does`,
        `spec.rules[1].http.paths[1]: host "h.example.com" Prefix path "/x" is declared again; ${P0} serves it and this declaration is ignored, as ingress-nginx does`,
      ],
    });
  });
  it("a duplicate written differently (Prefix /x/ beside /x, or another pathType) with another backend is refused as ambiguous", () => {
    for (const [path, pathType] of [
      ["/x/", "Prefix"],
      ["/x", "ImplementationSpecific"],
    ] as const) {
      const ing = ingress({ host: "h.example.com", path: "/x" });
      ing.spec!.rules![0]!.http!.paths.push({ path, pathType, backend: { service: { name: "b", port: { number: 80 } } } });
      assert.deepEqual(validateIngress(request(ing), state().context()).reasons, [
        `spec.rules[0].http.paths[1]: host "h.example.com" Prefix path "/x" duplicates ${P0} with another backend (service "b" port 80, not service "web" port 80), written as ${pathType} "${path}" beside Prefix "/x": ingress-nginx serves such a pair as two locations or refuses it (duplicate location), so which backend is meant is ambiguous; declare the path once`,
      ]);
      // The same backend is no ambiguity.
      ing.spec!.rules![0]!.http!.paths[1]!.backend = { service: { name: "web", port: { number: 80 } } };
      assert.equal(validateIngress(request(ing), state().context()).allowed, true);
    }
  });
  it("before the index is synced, conflicts fail open with a warning; syntax is still checked", () => {
    const st = new AdmissionState();
    st.replaceAll("IngressClass", [ourClass("portico")]);
    st.index.upsert(first);
    const v = validateIngress(request(ingress({ name: "second", host: "shop.example.com", path: "/api" })), st.context());
    assert.deepEqual(v, { allowed: true, reasons: [], warnings: [CONFLICT_CHECK_SKIPPED] });
    assert.equal(validateIngress(request(ingress({ host: "a..b" })), st.context()).allowed, false);
  });
  it("removing the owner frees the route", () => {
    const st = state([first]);
    st.remove("Ingress", first);
    assert.equal(check({ name: "second", host: "shop.example.com", path: "/api" }, st).allowed, true);
  });
});

describe("validateIngress: another namespace's CA Secret (auth-tls-secret)", () => {
  const caRef = { "nginx.ingress.kubernetes.io/auth-tls-secret": "ingress-nginx/ca" };
  it("is admitted by default: only its CA data is read", () => {
    assert.deepEqual(check({ annotations: caRef }), { allowed: true, reasons: [], warnings: [] });
  });
  it("is refused when the IngressController says spec.crossNamespaceCASecrets: false (its IngressClass carries it)", () => {
    const st = state();
    const strict = ourClass("strict", { controller: { namespace: "portico-system", name: "strict" } });
    strict.metadata.annotations = { "portico.dev/cross-namespace-ca-secrets": "false" };
    st.replaceAll("IngressClass", [ourClass("portico", { isDefault: true }), strict]);
    assert.deepEqual(validateIngress(request(ingress({ className: "strict", annotations: caRef })), st.context()).reasons, [
      `metadata.annotations[nginx.ingress.kubernetes.io/auth-tls-secret]: Secret "ingress-nginx/ca" is in another namespace; this IngressController reads CA Secrets of the Ingress's own namespace only (spec.crossNamespaceCASecrets: false)`,
    ]);
    // Another controller's classes keep the default.
    assert.equal(validateIngress(request(ingress({ annotations: caRef })), st.context()).allowed, true);
  });
  it("credentials stay own-namespace: auth-secret of another namespace is refused", () => {
    const v = check({ annotations: { "nginx.ingress.kubernetes.io/auth-type": "basic", "nginx.ingress.kubernetes.io/auth-secret": "ingress-nginx/users" } });
    assert.match(
      v.reasons.join(),
      /Secret "ingress-nginx\/users" is in another namespace; an Ingress may only use Secrets of its own namespace \("default"\) for credentials/,
    );
  });
});

describe("validateIngress: referenced TLS Secrets", () => {
  const good = makeCert({ dnsNames: ["foo.example.com"] });
  const tlsFor = (secretName: string) => [{ hosts: ["foo.example.com"], secretName }];
  it("a valid Secret covering the host passes", () => {
    assert.deepEqual(check({ tls: tlsFor("good") }, state([], [tlsSecret("default", "good", good)])), { allowed: true, reasons: [], warnings: [] });
  });
  it("a Secret whose key does not match its certificate is denied", () => {
    const other = makeCert({ dnsNames: ["foo.example.com"] }, true);
    const v = check({ tls: tlsFor("bad") }, state([], [tlsSecret("default", "bad", { crt: good.crt, key: other.key })]));
    assert.deepEqual(v.reasons, [
      'spec.tls[0].secretName: Secret "default/bad": tls.key does not match the certificate in tls.crt (first certificate of the chain)',
    ]);
  });
  it("a certificate for other names is a warning", () => {
    const v = check({ tls: tlsFor("s") }, state([], [tlsSecret("default", "s", makeCert({ dnsNames: ["bar.example.com"] }))]));
    assert.equal(v.allowed, true);
    assert.deepEqual(v.warnings, ['spec.tls[0].secretName: Secret "default/s": certificate does not cover "foo.example.com" (its DNS names: bar.example.com)']);
  });
});

describe("validateIngress: limits and malformed objects", () => {
  it("an object without metadata is denied", () => {
    assert.deepEqual(validateIngress({ operation: "CREATE", object: { spec: {} } }, state().context()).reasons, [
      "request.object: not an Ingress (no metadata)",
    ]);
  });
  it("too many paths is denied before any per-path work", () => {
    const ing = ingress();
    const p = ing.spec!.rules![0]!.http!.paths[0]!;
    ing.spec!.rules![0]!.http!.paths = Array.from({ length: 5001 }, (_, i) => ({ ...p, path: `/p${i}` }));
    assert.deepEqual(validateIngress(request(ing), state().context()).reasons, ["spec.rules: more than 5000 paths in total; split the Ingress"]);
  });
  it("DELETE is always approved", () =>
    assert.equal(validateIngress({ operation: "DELETE", oldObject: ingress({ host: "a..b" }) }, state().context()).allowed, true));
});

describe("validateIngress: host ownership", () => {
  const aged = (ing: Ingress, t: string): Ingress => ({ ...ing, metadata: { ...ing.metadata, creationTimestamp: t } });
  const owner = aged(ingress({ name: "shop", namespace: "team-a", host: "shop.example.com", path: "/" }), "2026-01-01T00:00:00Z");
  const OWNED = `belongs to namespace "team-a" (its oldest Ingress is team-a/shop); Ingresses of namespace "team-b" cannot add to it unless the IngressController shares hosts with it (spec.hostSharing.namespaces)`;
  it("another namespace cannot add a path to a host it does not own", () => {
    const v = check(
      { name: "takeover", namespace: "team-b", host: "shop.example.com", path: "/(?:.*)", pathType: "ImplementationSpecific", annotations: REGEX },
      state([owner]),
    );
    assert.deepEqual(v.reasons, [`spec.rules[0].host: host "shop.example.com" ${OWNED}`]);
  });
  it("nor a TLS entry for it (switching it to HTTPS with its own certificate)", () => {
    const v = check({ name: "tls", namespace: "team-b", host: "team-b.example.com", tls: [{ hosts: ["shop.example.com"] }] }, state([owner]));
    assert.deepEqual(v.reasons, [`spec.tls[0].hosts[0]: host "shop.example.com" ${OWNED}`]);
  });
  it("the same namespace may add paths; other hosts are free", () => {
    assert.equal(check({ name: "more", namespace: "team-a", host: "shop.example.com", path: "/api" }, state([owner])).allowed, true);
    assert.equal(check({ name: "own", namespace: "team-b", host: "team-b.example.com", path: "/" }, state([owner])).allowed, true);
  });
  it("the default server (hostless rules) is owned the same way", () => {
    const hostless = aged(ingress({ name: "probe", namespace: "team-a", host: "", path: "/status" }), "2026-01-01T00:00:00Z");
    const v = check({ name: "healthz", namespace: "team-b", host: "", path: "/healthz", pathType: "Exact" }, state([hostless]));
    assert.match(v.reasons[0] ?? "", /^spec\.rules\[0\]: the default server .* belongs to namespace "team-a"/);
  });
  it("nor name it as a server-alias, nor make it the www twin of a host of its own", () => {
    const alias = check(
      {
        name: "alias",
        namespace: "team-b",
        host: "team-b.example.com",
        annotations: { "nginx.ingress.kubernetes.io/server-alias": "free.example.com,shop.example.com" },
      },
      state([owner]),
    );
    assert.deepEqual(alias.reasons, [`metadata.annotations[nginx.ingress.kubernetes.io/server-alias]: host "shop.example.com" ${OWNED}`]);
    const wwwOwner = aged(ingress({ name: "shop", namespace: "team-a", host: "www.b.example.com", path: "/" }), "2026-01-01T00:00:00Z");
    const twin = check(
      { name: "www", namespace: "team-b", host: "b.example.com", annotations: { "portico.dev/from-to-www-redirect": "true" } },
      state([wwwOwner]),
    );
    assert.deepEqual(twin.reasons, [
      `metadata.annotations[portico.dev/from-to-www-redirect] (the redirect of "b.example.com"): host "www.b.example.com" ${OWNED}`,
    ]);
    // The owner's own namespace may; an alias already held before the owner came is not re-checked on update.
    assert.equal(
      check(
        { name: "alias", namespace: "team-a", host: "a2.example.com", annotations: { "nginx.ingress.kubernetes.io/server-alias": "shop.example.com" } },
        state([owner]),
      ).allowed,
      true,
    );
    const held = ingress({
      name: "alias",
      namespace: "team-b",
      host: "team-b.example.com",
      annotations: { "nginx.ingress.kubernetes.io/server-alias": "shop.example.com" },
    });
    const edited = { ...held, metadata: { ...held.metadata, labels: { edited: "yes" } } };
    assert.equal(validateIngress(request(edited, "UPDATE", held), state([owner]).context()).allowed, true);
  });
  it("an Ingress being created is younger than every existing one, even within the same second (creationTimestamp has seconds)", () => {
    const T = "2026-01-01T00:00:00Z";
    const hostless = aged(ingress({ name: "healthz", namespace: "team-b", host: "", path: "/healthz", pathType: "Exact" }), T);
    // team-a/hostless sorts before team-b/healthz: a name tie-break would hand it the default server.
    const v = validateIngress(
      request(aged(ingress({ name: "hostless", namespace: "team-a", host: "", path: "/status", pathType: "Exact" }), T)),
      state([hostless]).context(),
    );
    assert.match(v.reasons[0] ?? "", /^spec\.rules\[0\]: the default server .* belongs to namespace "team-b"/);
    const shop = aged(ingress({ name: "shop", namespace: "team-z", host: "shop.example.com", path: "/" }), T);
    const grab = validateIngress(
      request(aged(ingress({ name: "grab", namespace: "team-a", host: "shop.example.com", path: "/x" }), T)),
      state([shop]).context(),
    );
    assert.match(grab.reasons[0] ?? "", /^spec\.rules\[0\]\.host: host "shop\.example\.com" belongs to namespace "team-z"/);
  });
  it("the cap on regex paths per host counts the other Ingresses' regex paths on the host", () => {
    const regexes = (from: number, n: number) => Array.from({ length: n }, (_, i) => `/r${from + i}/[a-z]+`);
    const many = ingress({ name: "many-1", namespace: "team-a", host: "many.example.com", annotations: REGEX });
    const p = many.spec!.rules![0]!.http!.paths[0]!;
    many.spec!.rules![0]!.http!.paths = regexes(0, LIMITS.regexPathsPerHost).map((path) => ({ ...p, path, pathType: "ImplementationSpecific" }));
    const v = check(
      { name: "many-2", namespace: "team-a", host: "many.example.com", path: "/r64/[a-z]+", pathType: "ImplementationSpecific", annotations: REGEX },
      state([many]),
    );
    assert.deepEqual(v.reasons, [
      `host "many.example.com" would have ${LIMITS.regexPathsPerHost + 1} regex paths; at most ${LIMITS.regexPathsPerHost} are allowed on one host`,
    ]);
    assert.equal(
      check({ name: "many-2", namespace: "team-a", host: "many.example.com", path: "/plain" }, state([many])).allowed,
      true,
      "a plain path is not counted",
    );
  });
  it("an IngressClass that shares hosts (spec.hostSharing, mirrored by the reconciler) lets the namespace in", () => {
    const st = state([owner]);
    const shared = ourClass("portico", { isDefault: true });
    shared.metadata.annotations = { ...shared.metadata.annotations, "portico.dev/host-sharing": "team-b" };
    st.replaceAll("IngressClass", [shared]);
    assert.equal(check({ name: "join", namespace: "team-b", host: "shop.example.com", path: "/b" }, st).allowed, true);
    assert.equal(check({ name: "join", namespace: "team-c", host: "shop.example.com", path: "/c" }, st).allowed, false);
  });
});
