// `npm start`: what a user does, on the local node — a node cluster (started if none runs; it keeps
// running after this command), `helm upgrade --install portico helm/portico` with the images
// `npm run images` built, and the address to curl (a NodePort on the node address).
// `npm start -- --processes`: the fast process mode — Portico's parts as local processes on KUBECONFIG
// or on a control-plane-only local cluster; Ctrl-C stops everything that command started.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_CLUSTER, isRunning, kubeconfigPath, startCluster, type Cluster } from "./cluster/index.js";
import { readState } from "./cluster/state.js";
import { clusterDir } from "./cluster/paths.js";
import { REPO_ROOT } from "./pepr-process.js";
import { startLocalMode } from "./local-mode.js";
import { curlHints, ensureNodeCluster, installPortico, RELEASE, RELEASE_NAMESPACE, waitForDataPlane } from "./node-install.js";

const say = (line: string) => console.log(`portico: ${line}`);

async function onNode(): Promise<void> {
  const t0 = Date.now();
  const { cluster, started } = await ensureNodeCluster(say);
  if (!started) say(`using the running node cluster (${cluster.kubeconfig})`);
  say(`helm upgrade --install ${RELEASE} helm/portico --namespace ${RELEASE_NAMESPACE} (waits for every pod)`);
  await installPortico(cluster);
  await waitForDataPlane(cluster);
  const [http, https] = curlHints();
  console.log(`
Portico is installed by Helm on the local node (${((Date.now() - t0) / 1000).toFixed(1)} s). The cluster keeps running.
  export KUBECONFIG=${cluster.kubeconfig}
  .portico/bin/kubectl get pods -A
  .portico/bin/kubectl apply -f <your-ingress.yaml>     # ingressClassName: portico
  ${http}
  ${https}
  npm run demo                                          # the classic guide's examples, against this install
Stop everything: npm run cluster:down
`);
}

async function main(): Promise<void> {
  if (!process.argv.includes("--processes")) return onNode();
  let cluster: Cluster | undefined;
  let kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig) {
    if (isRunning(readState(clusterDir(DEFAULT_CLUSTER))) && existsSync(kubeconfigPath(DEFAULT_CLUSTER))) {
      kubeconfig = kubeconfigPath(DEFAULT_CLUSTER);
      say(`using the running local cluster (${kubeconfig})`);
    } else {
      say("starting the local cluster (etcd, kube-apiserver, kube-controller-manager)");
      cluster = await startCluster({ name: DEFAULT_CLUSTER, onProgress: (l) => say(l) });
      kubeconfig = cluster.kubeconfig;
    }
  }
  const mode = await startLocalMode({ kubeconfig, workDir: join(REPO_ROOT, ".portico/run/local"), onProgress: say });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say("stopping");
    await mode.stop();
    if (cluster) await cluster.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  const host = mode.listenAddress === "0.0.0.0" ? "127.0.0.1" : mode.listenAddress;
  console.log(`
Portico is running (Ctrl-C stops everything this command started).
  export KUBECONFIG=${kubeconfig}
  .portico/bin/kubectl get ingresscontrollers -A
  .portico/bin/kubectl apply -f <your-ingress.yaml>     # ingressClassName: portico (the default class)
  curl -H 'Host: <host>' http://${host}:${mode.httpPort}/
  curl --resolve <host>:${mode.httpsPort}:${host} -k https://<host>:${mode.httpsPort}/
Logs: ${mode.pepr.logFile} (controller), ${mode.agentLog} (agent); nginx prefix: ${mode.nginxPrefix}
`);
}

main().catch((err) => {
  console.error(`portico: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
