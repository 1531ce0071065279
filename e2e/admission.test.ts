// Admission end to end: the Pepr module runs as a local child process with URL webhooks on a real
// kube-apiserver; `kubectl apply` of invalid objects is refused with our message on kubectl's
// stderr, valid ones pass, the legacy class annotation is turned into spec.ingressClassName, and
// Ingresses of other controllers come out exactly as they went in. Malformed and oversized
// AdmissionReviews are sent to the webhook directly.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { startCluster, waitUntil, type Cluster } from "../src/local/cluster/index.js";
import { startPeprModule, REPO_ROOT, type PeprProcess } from "../src/local/pepr-process.js";
import { makeCert, tlsSecret } from "../src/admission/testing/certs.js";

const { bindingsOnly } = await import("../capabilities/index.js");
const capabilities = bindingsOnly();

const NS = "shop";
const OTHER_NS = "outlet"; // another team: may not declare the routes NS holds
const API_PATH = "portico-local"; // what startPeprModule configures
let c: Cluster;
let pepr: PeprProcess;

type Obj = Record<string, unknown>;

function ing(
  name: string,
  o: {
    host?: string;
    path?: string;
    pathType?: string;
    className?: string | null;
    annotations?: Record<string, string>;
    tls?: Obj[];
    service?: string;
    namespace?: string;
  } = {},
): Obj {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: o.namespace ?? NS, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      ...(o.className === null ? {} : { ingressClassName: o.className ?? "portico" }),
      rules: [
        {
          host: o.host ?? `${name}.example.com`,
          http: {
            paths: [{ path: o.path ?? "/", pathType: o.pathType ?? "Prefix", backend: { service: { name: o.service ?? "web", port: { number: 80 } } } }],
          },
        },
      ],
      ...(o.tls ? { tls: o.tls } : {}),
    },
  };
}

async function apply(obj: Obj) {
  return c.kubectl(["apply", "-f", "-"], { input: JSON.stringify(obj) });
}

async function applyDenied(obj: Obj, message: string): Promise<void> {
  const r = await apply(obj);
  assert.notEqual(r.code, 0, `expected a denial, got: ${r.stdout}`);
  assert.match(r.stderr, /admission webhook "portico\.portico\.dev" denied the request/, r.stderr);
  assert.ok(r.stderr.includes(message), `stderr lacks ${JSON.stringify(message)}:\n${r.stderr}`);
}

async function applyOk(obj: Obj): Promise<string> {
  const r = await apply(obj);
  assert.equal(r.code, 0, r.stderr);
  return r.stderr; // warnings
}

async function getJson(kind: string, name: string, ns = NS): Promise<Obj> {
  return JSON.parse(await c.kubectlOk(["get", kind, name, "-n", ns, "-o", "json"]));
}

function post(path: string, body: string | Buffer, contentType = "application/json"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: "127.0.0.1",
        port: pepr.port,
        path,
        method: "POST",
        ca: pepr.caPem,
        headers: { "content-type": contentType, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let data = "";
        res.on("data", (d) => (data += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

before(async () => {
  c = await startCluster();
  await c.kubectlOk(["apply", "--server-side", "-f", join(REPO_ROOT, "crds")]);
  await c.kubectlOk(["wait", "--for=condition=Established", "crd/ingresscontrollers.portico.dev", "--timeout=60s"]);
  await c.apply([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: OTHER_NS } },
    { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "portico" }, spec: { controller: "portico.dev/ingress-controller" } },
    { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx" } },
  ]);
  pepr = await startPeprModule({
    kubeconfig: c.kubeconfig,
    workDir: join(c.dir, "pepr-admission"),
    name: "portico",
    capabilities,
    env: { PORTICO_LOG_LEVEL: "warn" },
  });
  // The webhook is registered and the informer has listed: a conflicting Ingress is refused.
  await applyOk(ing("probe", { host: "probe.example.com" }));
  await waitUntil(
    "admission index to see Ingress probe",
    async () => {
      const r = await apply(ing("probe2", { host: "probe.example.com", namespace: OTHER_NS }));
      return r.code !== 0 && r.stderr.includes('is already served by Ingress "shop/probe"');
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
});

after(async () => {
  await pepr?.stop();
  await c?.stop();
});

describe("Ingress admission", () => {
  const cases: [string, Obj, string][] = [
    ["invalid host", ing("bad-host", { host: "foo..example.com" }), ""],
    ["path with a semicolon", ing("bad-path", { path: "/a;b" }), `spec.rules[0].http.paths[0].path: "/a;b" contains a character that is not allowed`],
    [
      "regex without use-regex",
      ing("bad-regex", { path: "/api/[0-9]+$", pathType: "Prefix" }),
      'regular expressions need the annotation nginx.ingress.kubernetes.io/use-regex: "true" (and pathType ImplementationSpecific)',
    ],
    [
      "regex outside the grammar",
      ing("bad-regex2", { path: "/api/(x", pathType: "ImplementationSpecific", annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" } }),
      `spec.rules[0].http.paths[0].path: regex "/api/(x": unbalanced '(' (missing ')')`,
    ],
    [
      "snippet annotation",
      ing("snippet", { annotations: { "nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers 'x: y';" } }),
      "metadata.annotations[nginx.ingress.kubernetes.io/configuration-snippet]: not supported: snippet annotations insert raw nginx configuration",
    ],
    [
      "unknown portico.dev annotation",
      ing("typo", { annotations: { "portico.dev/ssl-redirekt": "true" } }),
      "metadata.annotations[portico.dev/ssl-redirekt]: unknown Portico annotation",
    ],
    [
      "invalid annotation value",
      ing("badval", { annotations: { "nginx.ingress.kubernetes.io/proxy-read-timeout": "soon" } }),
      "metadata.annotations[nginx.ingress.kubernetes.io/proxy-read-timeout]:",
    ],
    [
      "conflict with an Ingress of another namespace",
      ing("dup", { host: "probe.example.com", namespace: OTHER_NS }),
      'spec.rules[0].http.paths[0]: host "probe.example.com" Prefix path "/" is already served by Ingress "shop/probe"; an Ingress of another namespace cannot declare the same route',
    ],
  ];
  for (const [name, obj, message] of cases) {
    test(`denied: ${name}`, async () => {
      if (name === "invalid host") {
        // The API server's own validation refuses this first (RFC 1123): the user still sees why.
        const r = await apply(obj);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /foo\.\.example\.com/);
        return;
      }
      await applyDenied(obj, message);
    });
  }

  test("valid Ingress passes; an unknown nginx annotation only warns", async () => {
    const warnings = await applyOk(
      ing("good", { annotations: { "nginx.ingress.kubernetes.io/enable-rewrite-log": "true", "nginx.ingress.kubernetes.io/ssl-redirect": "false" } }),
    );
    assert.match(warnings, /Warning: metadata\.annotations\[nginx\.ingress\.kubernetes\.io\/enable-rewrite-log\]: not supported by Portico; ignored/);
  });

  test("an update that claims another namespace's route is denied; an unrelated edit passes", async () => {
    await applyOk(ing("editable", { host: "edit.example.com", namespace: OTHER_NS }));
    await applyDenied(ing("editable", { host: "probe.example.com", namespace: OTHER_NS }), 'is already served by Ingress "shop/probe"');
    await applyOk(ing("editable", { host: "edit.example.com", namespace: OTHER_NS, annotations: { "nginx.ingress.kubernetes.io/proxy-read-timeout": "30" } }));
  });

  test("the same route in a newer Ingress of the same namespace is admitted, warning that the older serves it", async () => {
    const warnings = await applyOk(ing("probe-again", { host: "probe.example.com", service: "web2" }));
    assert.ok(
      warnings.includes(
        'Warning: spec.rules[0].http.paths[0]: host "probe.example.com" Prefix path "/" is already served by Ingress "shop/probe" of this namespace (older); this declaration is ignored while that one declares it, as ingress-nginx serves the oldest',
      ),
      warnings,
    );
  });

  test("a path declared twice in one Ingress is admitted, warning which declaration serves it", async () => {
    const twice = ing("twice", { host: "twice.example.com" }) as { spec: { rules: { http: { paths: Obj[] } }[] } };
    const paths = twice.spec.rules[0]!.http.paths;
    paths.push({ ...paths[0]!, backend: { service: { name: "other", port: { number: 80 } } } });
    const warnings = await applyOk(twice as unknown as Obj);
    assert.ok(
      warnings.includes(
        'Warning: spec.rules[0].http.paths[1]: host "twice.example.com" Prefix path "/" is declared again; spec.rules[0].http.paths[0] serves it and this declaration is ignored (its backend, service "other" port 80, is not used), as ingress-nginx does',
      ),
      warnings,
    );
  });

  test("another controller's Ingress is admitted untouched, whatever it carries", async () => {
    const theirs = ing("theirs", { className: "nginx", path: "/x", annotations: { "nginx.ingress.kubernetes.io/configuration-snippet": "return 200;" } });
    await applyOk(theirs);
    const legacyTheirs = ing("theirs-legacy", {
      className: null,
      annotations: { "kubernetes.io/ingress.class": "nginx", "nginx.ingress.kubernetes.io/server-snippet": "x" },
    });
    await applyOk(legacyTheirs);
    for (const name of ["theirs", "theirs-legacy"]) {
      const got = (await getJson("ingress", name)) as { metadata: { annotations: Record<string, string> }; spec: Obj };
      const peprKeys = Object.keys(got.metadata.annotations).filter((k) => k.includes("pepr.dev"));
      assert.deepEqual(peprKeys, [], `${name} carries no Pepr annotation`);
      if (name === "theirs-legacy") assert.equal(got.spec.ingressClassName, undefined);
    }
  });

  test("legacy class annotation naming our class gets spec.ingressClassName, and nothing else changes", async () => {
    await applyOk(ing("legacy", { className: null, annotations: { "kubernetes.io/ingress.class": "portico" } }));
    const got = (await getJson("ingress", "legacy")) as { metadata: { annotations: Record<string, string> }; spec: { ingressClassName?: string } };
    assert.equal(got.spec.ingressClassName, "portico");
    const userAnnotations = Object.fromEntries(
      Object.entries(got.metadata.annotations).filter(([k]) => k !== "kubectl.kubernetes.io/last-applied-configuration"),
    );
    assert.deepEqual(userAnnotations, { "kubernetes.io/ingress.class": "portico" });
    // And it is validated as ours: the same with a snippet is refused.
    await applyDenied(
      ing("legacy-bad", { className: null, annotations: { "kubernetes.io/ingress.class": "portico", "nginx.ingress.kubernetes.io/server-snippet": "x" } }),
      "server-snippet",
    );
  });
});

describe("TLS Secret admission", () => {
  const good = makeCert({ dnsNames: ["secure.example.com"] });
  const otherKey = makeCert({ dnsNames: ["secure.example.com"] }, true).key;
  const secret = (name: string, pair: { crt?: string; key?: string }) => tlsSecret(NS, name, pair) as unknown as Obj;

  test("an Ingress referencing a broken Secret is denied; a good one passes", async () => {
    await applyOk(secret("broken-tls", { crt: good.crt, key: otherKey }));
    await waitUntil("informer to see Secret broken-tls", async () => {
      const r = await apply(ing("secure-bad", { host: "secure.example.com", tls: [{ hosts: ["secure.example.com"], secretName: "broken-tls" }] }));
      return r.code !== 0 && r.stderr.includes('spec.tls[0].secretName: Secret "shop/broken-tls": tls.key does not match the certificate in tls.crt');
    });
    await applyOk(secret("secure-tls", good));
    await applyOk(ing("secure", { host: "secure.example.com", tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }] }));
  });

  test("a Secret update that would break a served host is denied; a valid renewal passes", async () => {
    await waitUntil("informer to index Ingress secure", async () => {
      const r = await apply(secret("secure-tls", { crt: good.crt, key: otherKey }));
      return r.code !== 0 && r.stderr.includes('Secret "shop/secure-tls" (used by Ingress "shop/secure"): tls.key does not match the certificate in tls.crt');
    });
    const expired = makeCert({ dnsNames: ["secure.example.com"], notBefore: new Date(Date.now() - 5 * 86400_000), notAfter: new Date(Date.now() - 86400_000) });
    await applyDenied(secret("secure-tls", expired), 'Secret "shop/secure-tls" (used by Ingress "shop/secure"): certificate expired on');
    const renewed = makeCert({ dnsNames: ["secure.example.com"] });
    await applyOk(secret("secure-tls", renewed));
    const warn = await applyOk(secret("secure-tls", makeCert({ dnsNames: ["elsewhere.example.com"] })));
    assert.match(warn, /certificate does not cover "secure\.example\.com"/);
  });

  test("a Secret no Ingress of ours uses is not judged", async () => {
    await applyOk(secret("unused-tls", { crt: good.crt, key: otherKey }));
  });
});

describe("IngressController admission", () => {
  test("an out-of-range setting is refused with the field named", async () => {
    const r = await apply({
      apiVersion: "portico.dev/v1alpha1",
      kind: "IngressController",
      metadata: { name: "edge", namespace: NS },
      spec: { settings: { proxyReadTimeoutSeconds: 0 } },
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /spec\.settings\.proxyReadTimeoutSeconds/);
  });
  test("the webhook itself refuses it (direct AdmissionReview), naming the field", async () => {
    const review = {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: "ic-1",
        kind: { group: "portico.dev", version: "v1alpha1", kind: "IngressController" },
        resource: { group: "portico.dev", version: "v1alpha1", resource: "ingresscontrollers" },
        operation: "CREATE",
        name: "edge",
        namespace: NS,
        object: {
          apiVersion: "portico.dev/v1alpha1",
          kind: "IngressController",
          metadata: { name: "edge", namespace: NS },
          spec: { settings: { proxyReadTimeoutSeconds: 0 } },
        },
        userInfo: { username: "test" },
      },
    };
    const r = await post(`/validate/${API_PATH}`, JSON.stringify(review));
    assert.equal(r.status, 200);
    const resp = JSON.parse(r.body).response;
    assert.equal(resp.allowed, false);
    assert.match(resp.status.message, /spec\.settings\.proxyReadTimeoutSeconds: must be >= 1/);
  });
});

describe("malformed and oversized requests at the webhook", () => {
  test("invalid JSON is a 400", async () => {
    const r = await post(`/validate/${API_PATH}`, "{not json");
    assert.equal(r.status, 400);
  });
  test("a body over the 8 MB limit is a 413 and is not parsed; 3 MiB (an UPDATE of a 1 MiB Secret) is read", async () => {
    const r = await post(`/validate/${API_PATH}`, Buffer.alloc(8 * 1024 * 1024 + 1, 0x20));
    assert.equal(r.status, 413);
    // Pepr's own limit is 2 MB (src/k8s/webhook-body-limit.ts raises it): this one is parsed (and is no JSON).
    const r3 = await post(`/validate/${API_PATH}`, Buffer.alloc(3 * 1024 * 1024, 0x20));
    assert.equal(r3.status, 400);
  });
  test("JSON that is not an AdmissionReview is refused (500 from Pepr), never allowed", async () => {
    const r = await post(`/validate/${API_PATH}`, JSON.stringify({ hello: "world" }));
    assert.ok(r.status >= 400, `status ${r.status}`);
    assert.doesNotMatch(r.body, /"allowed":\s*true/);
  });
  test("a wrong API path is a 401", async () => {
    const r = await post("/validate/guess", JSON.stringify({}));
    assert.equal(r.status, 401);
  });
  test("after all that the module still answers", async () => {
    await applyOk(ing("still-alive", { host: "alive.example.com" }));
  });
});
