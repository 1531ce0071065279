// One real environment for end-to-end suites and the demo: a local cluster, Portico in local mode
// on free ports, and helpers to reach nginx the way a user would.
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { startCluster, type Cluster } from "./cluster/index.js";
import { freePort } from "./cluster/ports.js";
import { startLocalMode, type LocalMode } from "./local-mode.js";
import { request, type Answer } from "./http.js";

export interface PorticoEnv {
  cluster: Cluster;
  mode: LocalMode;
  get(host: string, path?: string, opts?: { https?: boolean; headers?: Record<string, string> }): Promise<Answer>;
  stop(): Promise<void>;
}

export async function startPorticoEnv(opts: { name?: string; onProgress?: (l: string) => void } = {}): Promise<PorticoEnv> {
  const cluster = await startCluster({ name: opts.name, onProgress: opts.onProgress });
  let mode: LocalMode | undefined;
  try {
    const httpPort = await freePort();
    const httpsPort = await freePort();
    mode = await startLocalMode({
      kubeconfig: cluster.kubeconfig,
      workDir: join(cluster.dir, "portico"),
      httpPort,
      httpsPort,
      listenAddress: "127.0.0.1",
      onProgress: opts.onProgress,
      peprEnv: { PORTICO_HOLD_OFF_MS: "20", PORTICO_MAX_DELAY_MS: "200" },
    });
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const m = mode;
  return {
    cluster,
    mode: m,
    get: (host, path = "/", o = {}) =>
      request({ address: "127.0.0.1", port: o.https ? m.httpsPort : m.httpPort, host, path, https: o.https, headers: o.headers }),
    async stop() {
      await m.stop();
      await cluster.stop();
    },
  };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join("/tmp", prefix));
}
