// Portico on the local node, as users run it (issue 9's figures):
//  1. node cluster up (control plane + containerd + kubelet + kube-proxy, images imported) -> node Ready;
//  2. `helm install --wait` -> every pod Ready (Pepr's two Deployments, then the operator's NGINX and
//     default-backend Deployments);
//  3. resident memory of each pod (sum over its cgroup's processes) and each node component;
//  4. kubectl apply of a new Ingress -> first 200 through the in-cluster nginx (NodePort), p50/p99 over N;
//  5. failed requests during a backend rollout and during the NGINX Deployment's rollout.
// Needs the images (`npm run images`) and no other node cluster on the machine.
// Usage: tsx bench/node.ts [--ingresses 50]
import { readdirSync, readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ingressManifest, prefixRule } from "../src/local/backends.js";
import { startCluster, type Cluster } from "../src/local/cluster/index.js";
import { continuousLoad, echoBackend, nodeGet } from "../src/local/node-backends.js";
import { installPortico, RELEASE, RELEASE_NAMESPACE, waitForDataPlane } from "../src/local/node-install.js";

const { values } = parseArgs({ options: { ingresses: { type: "string", default: "50" } } });
const NS = "bench";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every cgroup dir under /sys/fs/cgroup/memory/kubepods named pod<uid> (v1), or under the unified tree. */
function podCgroupDir(uid: string): string | undefined {
  const roots = ["/sys/fs/cgroup/memory/kubepods", "/sys/fs/cgroup/unified/kubepods", "/sys/fs/cgroup/kubepods"];
  const want = `pod${uid}`;
  const walk = (d: string): string | undefined => {
    let entries: string[] = [];
    try {
      entries = readdirSync(d, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return undefined;
    }
    for (const e of entries) {
      if (e === want) return join(d, e);
      const found = walk(join(d, e));
      if (found) return found;
    }
    return undefined;
  };
  for (const r of roots) {
    const f = walk(r);
    if (f) return f;
  }
  return undefined;
}

function cgroupRssMiB(dir: string): number {
  const pids = new Set<number>();
  const walk = (d: string) => {
    try {
      for (const l of readFileSync(join(d, "cgroup.procs"), "utf8").split("\n")) if (l) pids.add(Number(l));
      for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    } catch {}
  };
  walk(dir);
  return [...pids].reduce((a, p) => a + rssMiB(p), 0);
}

function serverSideApply(c: Cluster, path: string, obj: object): Promise<void> {
  const url = new URL(`${path}?fieldManager=bench&force=true`, c.server);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: "PATCH", ca: c.caPem, headers: { authorization: `Bearer ${c.adminToken}`, "content-type": "application/apply-patch+yaml" } },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 || res.statusCode === 201 ? resolve() : reject(new Error(`apply ${path}: HTTP ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(obj));
  });
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const c = await startCluster({ node: true });
  const up = (Date.now() - t0) / 1000;
  console.log(`node cluster up -> node Ready: ${up.toFixed(1)} s`);
  try {
    const t1 = Date.now();
    await installPortico(c);
    const helmWait = (Date.now() - t1) / 1000;
    await waitForDataPlane(c);
    const allReady = (Date.now() - t1) / 1000;
    console.log(`helm install --wait (Pepr pods Ready): ${helmWait.toFixed(1)} s; -> every pod Ready (NGINX + default backend): ${allReady.toFixed(1)} s`);

    await c.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    await c.apply(echoBackend(NS, "web"));
    await c.kubectlOk(["rollout", "status", "-n", NS, "deployment/web", "--timeout=120s"], { timeoutMs: 130_000 });

    const n = Number(values.ingresses);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const host = `b${i}.bench.example`;
      const start = performance.now();
      await serverSideApply(
        c,
        `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/i${i}`,
        ingressManifest(NS, `i${i}`, { ingressClassName: "portico", rules: [prefixRule(host, [["/", "web"]])] }),
      );
      for (;;) {
        const r = await nodeGet(host, "/", { timeoutMs: 2000 }).catch(() => undefined);
        if (r?.status === 200) break;
        if (performance.now() - start > 60_000) throw new Error(`${host}: no 200 within 60 s`);
        await new Promise((res) => setTimeout(res, 5));
      }
      samples.push(performance.now() - start);
    }
    const s = [...samples].sort((a, b) => a - b);
    console.log(
      `kubectl apply (server-side apply) of an Ingress -> first 200 through the in-cluster nginx: n=${n} p50=${percentile(s, 50).toFixed(0)} ms p99=${percentile(s, 99).toFixed(0)} ms max=${s.at(-1)!.toFixed(0)} ms`,
    );

    const rollout = async (label: string, ns: string, deployment: string) => {
      const load = continuousLoad("b0.bench.example", { concurrency: 4 });
      await new Promise((r) => setTimeout(r, 1000));
      await c.kubectlOk(["rollout", "restart", "-n", ns, deployment]);
      await c.kubectlOk(["rollout", "status", "-n", ns, deployment, "--timeout=300s"], { timeoutMs: 310_000 });
      await new Promise((r) => setTimeout(r, 2000));
      const r = await load.stop();
      console.log(
        `${label} rollout under load: ${r.requests} requests, ${r.failed} failed, ${r.retriedOnReusedConnection} sent again after nginx closed an idle keep-alive connection, slowest ${r.maxMs.toFixed(0)} ms${r.failures.length ? ` (${r.failures.slice(0, 3).join("; ")})` : ""}`,
      );
    };
    await rollout("backend Deployment", NS, "deployment/web");
    await rollout("NGINX Deployment", RELEASE_NAMESPACE, `deployment/${RELEASE}-nginx`);

    console.log("resident memory (MiB):");
    for (const comp of c.state.components) console.log(`  ${comp.name.padEnd(28)} ${rssMiB(comp.pid).toFixed(0)}`);
    const pods = JSON.parse(await c.kubectlOk(["get", "pods", "-A", "-o", "json"])).items as {
      metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string };
    }[];
    for (const p of pods) {
      const dir = podCgroupDir(p.metadata.uid);
      const note = p.metadata.deletionTimestamp ? " (terminating: the rollout's last old pod, draining)" : "";
      console.log(`  pod ${`${p.metadata.namespace}/${p.metadata.name}`.padEnd(48)} ${dir ? cgroupRssMiB(dir).toFixed(0) : "?"}${note}`);
    }
    let shims = 0;
    let shimCount = 0;
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        if (readFileSync(`/proc/${d}/cmdline`, "utf8").startsWith(c.node!.shimMarker)) {
          shims += rssMiB(Number(d));
          shimCount++;
        }
      } catch {}
    }
    console.log(`  containerd shims (${shimCount})${" ".repeat(14)} ${shims.toFixed(0)} total`);
  } finally {
    await c.stop();
  }
}

main().catch((e) => {
  console.error(`bench:node: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
