// The corpus and `portico migrate --from-cluster` against a real kube-apiserver (no Portico webhook):
// - the corpus files counted apart as invalid for Kubernetes (src/compat/invalid-for-kubernetes.json)
//   are exactly those whose Ingresses the API server itself rejects as invalid (server-side dry
//   run; field validation Warn, the API server's default: an unknown field such as a misplaced
//   spec.secretName is dropped with a warning, not an invalid object), each at the field named;
// - `portico migrate --from-cluster` (and `kubectl portico migrate`) reads the cluster's Ingresses
//   through kubectl, reports them, writes manifests the API server accepts, and exits 1 when some
//   Ingress does not migrate, 0 when all do (-n), 2 when kubectl fails.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binDir, repoRoot, startCluster, type Cluster } from "../src/local/cluster/index.js";
import { corpusDir, INVALID_FOR_KUBERNETES, loadCorpusFile } from "../src/compat/corpus.js";

let c: Cluster;
const tmp = mkdtempSync(join(tmpdir(), "portico-corpus-api-"));

before(async () => {
  c = await startCluster();
});
after(async () => {
  await c?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** One API request as the admin; resolves with the status and the parsed body. */
function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: { message?: string } & Record<string, unknown> }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${c.server}${path}`,
      {
        method,
        ca: c.caPem,
        headers: { authorization: `Bearer ${c.adminToken}`, "content-type": "application/json", accept: "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

/** Runs a command with the cluster's kubeconfig and kubectl first on PATH. */
function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...c.env, PATH: `${binDir}:${join(repoRoot, "bin")}:${process.env.PATH}` } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("corpus files against a real API server", () => {
  const dir = corpusDir();
  test(
    "exactly the files counted as invalid for Kubernetes are rejected by the API server, at the field named",
    { skip: !dir && "corpus not found" },
    async () => {
      const files = readdirSync(dir!)
        .filter((f) => f.endsWith(".yaml"))
        .sort();
      const rejected = new Map<string, string[]>();
      let n = 0;
      const tryFile = async (file: string) => {
        const ns = `corpus-${n++}`;
        const created = await api("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
        assert.equal(created.status, 201, created.body.message);
        // As a user would apply it: its Ingresses (class rewritten, which the API server does not
        // judge), each in the file's own namespace.
        for (const ing of loadCorpusFile(readFileSync(join(dir!, file), "utf8")).ingresses) {
          const obj = { ...ing, apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { ...ing.metadata, namespace: ns } };
          const r = await api("POST", `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses?dryRun=All&fieldValidation=Warn`, obj);
          if (r.status === 201) continue;
          assert.equal(r.status, 422, `${file}: ${r.status} ${r.body.message}`);
          rejected.set(file, [...(rejected.get(file) ?? []), r.body.message ?? ""]);
        }
      };
      // A few at a time: the API server answers in milliseconds, the machine is shared.
      for (let i = 0; i < files.length; i += 8) await Promise.all(files.slice(i, i + 8).map(tryFile));
      assert.deepEqual([...rejected.keys()].sort(), Object.keys(INVALID_FOR_KUBERNETES).sort(), JSON.stringify(Object.fromEntries(rejected), null, 1));
      for (const [file, { field }] of Object.entries(INVALID_FOR_KUBERNETES)) {
        assert.ok(
          rejected.get(file)!.some((m) => m.includes(`${field}: Invalid value`)),
          `${file}: the API server did not name ${field}: ${rejected.get(file)!.join("; ")}`,
        );
      }
    },
  );
});

describe("portico migrate --from-cluster", () => {
  const ingress = (ns: string, name: string, annotations: Record<string, string>) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: ns, annotations: { "kubernetes.io/ingress.class": "nginx", ...annotations } },
    spec: {
      rules: [
        {
          host: `${name}.${ns}.example.com`,
          http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] },
        },
      ],
    },
  });
  const N = "nginx.ingress.kubernetes.io/";

  before(async () => {
    await c.apply([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "blog" } },
      ingress("shop", "plain", { [`${N}proxy-read-timeout`]: "3h", [`${N}ssl-redirect`]: "false" }),
      ingress("shop", "headers", { [`${N}configuration-snippet`]: 'more_set_headers "X-Frame-Options: DENY";' }),
      ingress("shop", "fcgi", { [`${N}backend-protocol`]: "FCGI" }),
      ingress("blog", "site", { [`${N}rewrite-target`]: "/", [`${N}client-max-body-size`]: "2g" }),
    ]);
  });

  test("reads every namespace through kubectl, reports each Ingress, writes manifests the API server accepts; exit 1 when one does not migrate", async () => {
    const out = join(tmp, "all");
    const r = await run(join(repoRoot, "bin", "kubectl-portico"), ["migrate", "--from-cluster", "--json", "--write", out]);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as {
      summary: { ingresses: number; migrating: number };
      results: {
        source: string;
        audits: { namespace: string; name: string; migrates: boolean; annotations: { key: string; status: string; detail: string }[] }[];
      }[];
    };
    const audits = new Map(report.results.flatMap((x) => x.audits).map((a) => [`${a.namespace}/${a.name}`, a]));
    assert.deepEqual([...audits.keys()].sort(), ["blog/site", "shop/fcgi", "shop/headers", "shop/plain"]);
    assert.deepEqual(report.summary, { ...report.summary, ingresses: 4, migrating: 3 });
    assert.equal(audits.get("shop/plain")!.migrates, true);
    assert.equal(audits.get("shop/fcgi")!.migrates, false);
    assert.match(audits.get("shop/fcgi")!.annotations.find((a) => a.key === `${N}backend-protocol`)!.detail, /FCGI/);
    assert.equal(audits.get("shop/headers")!.annotations.find((a) => a.key === `${N}configuration-snippet`)!.status, "snippet-translated");
    // A key ingress-nginx does not read is reported as such, and does not stop the Ingress migrating.
    const ignored = audits.get("blog/site")!.annotations.find((a) => a.key === `${N}client-max-body-size`)!;
    assert.equal(ignored.status, "not-ingress-nginx");
    assert.match(ignored.detail, /not an ingress-nginx annotation/);
    assert.equal(audits.get("blog/site")!.migrates, true);

    // The written manifests: class rewritten, snippet replaced, nothing the API server added.
    const written = readFileSync(join(out, "cluster.yaml"), "utf8");
    assert.doesNotMatch(written, /resourceVersion|uid:|managedFields|kubernetes\.io\/ingress\.class|configuration-snippet/);
    assert.match(written, /ingressClassName: portico/);
    const dryOwn = await run(join(binDir, "kubectl"), ["apply", "--dry-run=server", "-f", join(out, "cluster.yaml")]);
    assert.equal(dryOwn.code, 0, dryOwn.stderr);
    assert.equal(
      dryOwn.stdout.split("\n").filter((l) => /created \(server dry run\)|configured \(server dry run\)|unchanged \(server dry run\)/.test(l)).length >= 4,
      true,
      dryOwn.stdout,
    );
  });

  test("-n reads one namespace (exit 0: everything there migrates), also as a kubectl plugin", async () => {
    const r = await run(join(binDir, "kubectl"), ["portico", "migrate", "--from-cluster", "-n", "blog"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /cluster: Ingress blog\/site: migrates/);
    assert.doesNotMatch(r.stdout, /shop\//);
  });

  test("a kubectl failure (unknown context) is exit 2 with kubectl's message", async () => {
    const r = await run(join(repoRoot, "bin", "kubectl-portico"), ["migrate", "--from-cluster", "--context", "no-such-context"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /portico migrate: kubectl .*no-such-context/);
  });
});
