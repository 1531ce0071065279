// `npm start`: Portico in local mode on KUBECONFIG, or on the local cluster (started if needed).
// Ctrl-C stops everything this command started.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_CLUSTER, isRunning, kubeconfigPath, startCluster, type Cluster } from "./cluster/index.js";
import { readState } from "./cluster/state.js";
import { clusterDir } from "./cluster/paths.js";
import { REPO_ROOT } from "./pepr-process.js";
import { startLocalMode } from "./local-mode.js";

const say = (line: string) => console.log(`portico: ${line}`);

async function main(): Promise<void> {
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
