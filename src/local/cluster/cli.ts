// npm run cluster:up | cluster:down | cluster:status [-- --name <name>] [--port <apiserver port>]
// `up` leaves the cluster running (detached) and records it in .portico/clusters/<name>/state.json.
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { relative } from "node:path";
import { isRunning, preflight, startCluster } from "./cluster.js";
import { ClusterError } from "./errors.js";
import { run } from "./exec.js";
import { componentHealth } from "./restart.js";
import { buildScript, clusterDir, clustersDir, DEFAULT_CLUSTER, kubeconfigPath, reaperScript, repoRoot } from "./paths.js";
import { pkiPaths } from "./components.js";
import { readFileSync } from "node:fs";
import { isOurProcess, readState, type ClusterState, type ComponentName } from "./state.js";

interface Args {
  command: string;
  name: string;
  port?: number;
  all: boolean;
  node: boolean;
}

function parseArgs(argv: string[]): Args {
  const [command = "", ...rest] = argv;
  const a: Args = { command, name: DEFAULT_CLUSTER, all: false, node: false };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith("--")) throw new ClusterError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--name") a.name = value();
    else if (flag.startsWith("--name=")) a.name = flag.slice(7);
    else if (flag === "--port") a.port = Number(value());
    else if (flag.startsWith("--port=")) a.port = Number(flag.slice(7));
    else if (flag === "--all") a.all = true;
    else if (flag === "--node") a.node = true;
    else throw new ClusterError(`unknown option "${flag}" (options: --name <name>, --port <apiserver port>, --node for up, --all for down)`);
  }
  if (a.port !== undefined && !(Number.isInteger(a.port) && a.port > 0 && a.port < 65536))
    throw new ClusterError(`--port "${rest[rest.indexOf("--port") + 1] ?? a.port}" is not a port number (1-65535)`);
  return a;
}

const rel = (p: string) => relative(process.cwd(), p) || ".";

function usage(state: ClusterState): string {
  const lines = [`  export KUBECONFIG=${state.kubeconfig}`, `  ${rel(`${repoRoot}/.portico/bin/kubectl`)} get ns`];
  if (state.node)
    lines.push(
      `  node ${state.node.name} at ${state.node.ip} (bridge ${state.node.bridge}): pods ${state.node.podCidr}, Services ${state.node.serviceCidr}; NodePorts answer on ${state.node.ip}`,
    );
  else if (state.network)
    lines.push(
      `  pod network: netns ${state.network.netns}, ${state.network.cidr} (host side ${state.network.hostIp}); run a fake pod with ip netns exec ${state.network.netns} ...`,
    );
  lines.push(`  stop it with: npm run cluster:down${state.name === DEFAULT_CLUSTER ? "" : ` -- --name ${state.name}`}`);
  return lines.join("\n");
}

function build(): void {
  // Warm: a key check, milliseconds. Cold: compiles (minutes), streaming go's output.
  const r = spawnSync("bash", [buildScript], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new ClusterError("building the control plane failed (see the lines above)");
}

async function up(a: Args): Promise<void> {
  const dir = clusterDir(a.name);
  const existing = readState(dir);
  if (isRunning(existing)) {
    console.log(`portico: cluster "${a.name}" is already running (${existing!.server})\n${usage(existing!)}`);
    return;
  }
  preflight(); // before a possibly long cold build
  build();
  const t0 = Date.now();
  const cluster = await startCluster({
    name: a.name,
    detached: true,
    apiserverPort: a.port,
    node: a.node,
    onProgress: (l) => console.log(`portico: ${l}...`),
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`portico: cluster "${a.name}" is ready at ${cluster.server} (${secs} s)\n${usage(cluster.state)}`);
}

async function down(a: Args): Promise<void> {
  const names = a.all ? listNames() : [a.name];
  for (const name of names) {
    const dir = clusterDir(name);
    const state = readState(dir);
    if (!state) {
      if (!a.all) console.log(`portico: cluster "${name}" is not running`);
      continue;
    }
    const t0 = Date.now();
    const r = await run(process.execPath, [reaperScript, "teardown", dir], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new ClusterError(`stopping cluster "${name}" failed: ${r.stderr.trim() || `exit ${r.code}`}`);
    if (name === DEFAULT_CLUSTER) rmSync(kubeconfigPath(name), { force: true });
    console.log(`portico: cluster "${name}" stopped (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

function listNames(): string[] {
  try {
    return readdirSync(clustersDir).filter((n) => readState(clusterDir(n)));
  } catch {
    return [];
  }
}

async function status(a: Args): Promise<boolean> {
  const names = a.all ? listNames() : [a.name];
  if (!names.length) console.log("portico: no clusters are running");
  let ok = names.length > 0;
  for (const name of names) {
    const state = readState(clusterDir(name));
    if (!state) {
      console.log(`portico: cluster "${name}" is not running`);
      ok = false;
      continue;
    }
    const p = pkiPaths(state.dir);
    const tls = { ca: readFileSync(p.caCert, "utf8"), cert: readFileSync(p.adminCert, "utf8"), key: readFileSync(p.adminKey, "utf8") };
    const health = componentHealth(state, tls);
    console.log(`cluster "${name}" ${state.server} (started ${state.startedAt}, kubeconfig ${rel(state.kubeconfig)})`);
    for (const c of state.components) {
      const running = isOurProcess(c.pid, c.marker);
      const h = running ? await health[c.name as ComponentName]?.() : undefined;
      // containerd has no HTTP health endpoint: running is all status can say.
      const ready = c.name === "containerd" ? running : !!h && h.status === 200;
      ok &&= ready;
      const detail = !running ? `not running (log: ${rel(c.log)})` : ready ? "ready" : `running, not ready (${h?.status || h?.body})`;
      console.log(`  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${detail}`);
    }
    if (state.network) {
      const r = await run("ip", ["netns", "pids", state.network.netns]);
      const n = r.code === 0 ? r.stdout.split(/\s+/).filter(Boolean).length : -1;
      console.log(`  pod network              ${state.network.netns} ${state.network.cidr} ${n < 0 ? "MISSING" : `(${n} processes inside)`}`);
      if (n < 0) ok = false;
    }
  }
  return ok;
}

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  switch (a.command) {
    case "up":
      await up(a);
      return 0;
    case "down":
      await down(a);
      return 0;
    case "status":
      return (await status(a)) ? 0 : 1;
    default:
      throw new ClusterError(`unknown command "${a.command}": use up, down or status [--name <name>] [--port <port>] [--all]`);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const msg = e instanceof ClusterError ? e.message : `unexpected error: ${(e as Error)?.message ?? String(e)}`;
    console.error(`portico: ${msg}`);
    if (process.env.PORTICO_DEBUG && e instanceof Error) console.error(e.stack);
    process.exit(1);
  },
);
