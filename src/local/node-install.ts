// What a user does, on the local node: a node cluster (started detached if none runs), then
// `helm upgrade --install portico helm/portico` with the images `npm run images` built and the node
// imported. Shared by `npm start`, `npm run demo`, the node suites (e2e/node) and bench/node.ts.
// The NGINX Service is a NodePort on the node address, so `curl http://198.19.0.1:30080/` reaches
// the in-cluster nginx through kube-proxy.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ClusterError, connectCluster, DEFAULT_CLUSTER, NODE, repoRoot, startCluster, waitUntil, type Cluster } from "./cluster/index.js";
import { listImages } from "./cluster/node-images.js";

export const RELEASE = "portico";
export const RELEASE_NAMESPACE = "portico";
export const CHART = join(repoRoot, "helm/portico");
export const NODE_PORTS = { http: 30080, https: 30443 } as const;

// Pepr's generated liveness probe (1 s timeout, killed after 3 misses from 10 s on) restarts its pods in
// a loop on a loaded 2-core machine before the module has loaded; its values schema lets only the
// initial delay change, so the local node waits longer before the first liveness check.
const patientLiveness = { httpGet: { path: "/healthz", port: 3000, scheme: "HTTPS" }, initialDelaySeconds: 90 };

/** Chart values for the local node: NodePorts on the node address, which is also the published address. */
export function localNodeValues(): Record<string, unknown> {
  return {
    admission: { livenessProbe: patientLiveness },
    watcher: { livenessProbe: patientLiveness },
    ingressController: {
      spec: {
        service: { type: "NodePort", ports: { http: 80, https: 443, httpNodePort: NODE_PORTS.http, httpsNodePort: NODE_PORTS.https } },
        publishAddress: NODE.ip,
      },
    },
  };
}

/** Every image the chart's default values reference (data plane and Pepr controller). */
export function chartImages(valuesYaml = readFileSync(join(CHART, "values.yaml"), "utf8")): string[] {
  const v = parse(valuesYaml) as {
    ingressController?: { spec?: { images?: Record<string, { image?: string }> } };
    admission?: { image?: string };
    watcher?: { image?: string };
  };
  const images = [...Object.values(v.ingressController?.spec?.images ?? {}).map((i) => i.image), v.admission?.image, v.watcher?.image].filter(
    (i): i is string => !!i,
  );
  return [...new Set(images)];
}

/** containerd lists images by their full reference; docker.io/ is implied for bare names. */
function normalise(ref: string): string {
  const first = ref.split("/")[0]!;
  return ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")
    ? ref
    : `docker.io/${ref.includes("/") ? ref : `library/${ref}`}`;
}

/** One line naming each chart image the node does not have; the chart must need nothing from outside. */
export async function assertImagesOnNode(images = chartImages()): Promise<void> {
  const have = new Set((await listImages()).map(normalise));
  const missing = images.filter((i) => !have.has(normalise(i)));
  if (missing.length)
    throw new ClusterError(`the node has no ${missing.join(", ")}: build the images with \`npm run images\` (archives in .portico/images/) and run this again`);
}

export interface NodeCluster {
  cluster: Cluster;
  /** True when this call started it (the caller may stop it again). */
  started: boolean;
}

/** The running node cluster `default`, or a new one started detached (it outlives this process). */
export async function ensureNodeCluster(progress: (l: string) => void = () => {}): Promise<NodeCluster> {
  const running = connectCluster(DEFAULT_CLUSTER);
  if (running) {
    if (!running.node) throw new ClusterError(`the local cluster "${DEFAULT_CLUSTER}" runs without a node: stop it (npm run cluster:down) and start again`);
    return { cluster: running, started: false };
  }
  progress("starting the local node cluster (control plane, containerd, kubelet, kube-proxy)");
  const cluster = await startCluster({ name: DEFAULT_CLUSTER, node: true, detached: true, onProgress: progress });
  return { cluster, started: true };
}

/** `helm upgrade --install --wait` of the chart with the local node's values (plus `values`, merged last). */
export async function installPortico(
  cluster: Cluster,
  opts: { values?: Record<string, unknown>[]; extraArgs?: string[]; timeoutMs?: number } = {},
): Promise<string> {
  await assertImagesOnNode();
  const files = [localNodeValues(), ...(opts.values ?? [])].map((v, i) => {
    const f = join(cluster.dir, `values-${i}.json`);
    writeFileSync(f, JSON.stringify(v));
    return f;
  });
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const args = [
    "upgrade",
    "--install",
    RELEASE,
    CHART,
    "--namespace",
    RELEASE_NAMESPACE,
    "--create-namespace",
    "--wait",
    "--timeout",
    `${Math.round(timeoutMs / 1000)}s`,
    ...files.flatMap((f) => ["-f", f]),
    ...(opts.extraArgs ?? []),
  ];
  const r = await cluster.helm(args, { timeoutMs: timeoutMs + 30_000 });
  if (r.code !== 0) throw new ClusterError(`helm ${args.slice(0, 3).join(" ")} failed: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return r.stdout;
}

/** Waits until the default IngressController's NGINX Deployment (made by the operator) has every replica ready. */
export async function waitForDataPlane(cluster: Cluster, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const name = `deployment/${RELEASE}-nginx`;
  await waitUntil(`${name} created by the operator`, async () => (await cluster.kubectl(["get", "-n", RELEASE_NAMESPACE, name])).code === 0, {
    timeoutMs,
    intervalMs: 500,
  });
  const left = Math.max(5, Math.round((deadline - Date.now()) / 1000));
  const r = await cluster.kubectl(["rollout", "status", "-n", RELEASE_NAMESPACE, name, `--timeout=${left}s`], { timeoutMs: left * 1000 + 10_000 });
  if (r.code !== 0) {
    const pods = await cluster.kubectl(["get", "pods", "-n", RELEASE_NAMESPACE, "--no-headers"]);
    const summary = pods.stdout
      .trim()
      .split("\n")
      .map((l) => l.replace(/\s+/g, " "))
      .join("; ");
    throw new ClusterError(`${name} did not become ready: ${r.stderr.trim() || r.stdout.trim()} (pods: ${summary})`);
  }
}

export function curlHints(): string[] {
  return [
    `curl -H 'Host: <host>' http://${NODE.ip}:${NODE_PORTS.http}/`,
    `curl --resolve <host>:${NODE_PORTS.https}:${NODE.ip} -k https://<host>:${NODE_PORTS.https}/`,
  ];
}
