// Lifecycle guarantees: nothing survives the owner (even SIGKILL), start failures are one clear line
// and leave nothing behind, and the CLI leaves a detached cluster that `down` removes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startCluster } from "../../src/local/cluster/cluster.js";
import { ClusterError } from "../../src/local/cluster/errors.js";
import { run } from "../../src/local/cluster/exec.js";
import { clusterDir, repoRoot } from "../../src/local/cluster/paths.js";
import { readState, type ClusterState } from "../../src/local/cluster/state.js";
import { waitUntil } from "../../src/local/cluster/wait.js";

const tsx = ["--import", "tsx"];
const cli = join(repoRoot, "src/local/cluster/cli.ts");
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

/** Live (non-zombie) processes whose command line mentions `marker`. */
function processesMentioning(marker: string): number[] {
  const found: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      if (readFileSync(`/proc/${d}/cmdline`, "utf8").includes(marker)) found.push(Number(d));
    } catch {}
  }
  return found;
}

async function netnsExists(name: string): Promise<boolean> {
  const r = await run("ip", ["netns", "list"]);
  return r.stdout.split("\n").some((l) => l.split(" ")[0] === name);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

async function assertNothingLeft(state: Pick<ClusterState, "dir" | "dataDir" | "network">): Promise<void> {
  await waitUntil("every cluster process to be gone", () => processesMentioning(state.dir).length === 0 && processesMentioning(state.dataDir).length === 0, {
    timeoutMs: 10_000,
  });
  if (state.network) assert.equal(await netnsExists(state.network.netns), false, `netns ${state.network.netns} left behind`);
  assert.equal(existsSync(state.dataDir), false, `data dir ${state.dataDir} left behind`);
  assert.equal(existsSync(join(state.dir, "state.json")), false, "state.json left behind");
}

describe("cluster lifecycle", () => {
  it("tears everything down when the owning process is killed with SIGKILL", async () => {
    const name = `hold-${process.pid}`;
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, [...tsx, join(repoRoot, "e2e/cluster/fixtures/hold-cluster.ts"), name], {
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    cleanups.push(async () => {
      await run(process.execPath, [join(repoRoot, "src/local/cluster/reaper.mjs"), "teardown", clusterDir(name)]);
      rmSync(clusterDir(name), { recursive: true, force: true });
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const line = await waitUntil("the fixture to report its cluster", () => (out.includes("\n") ? out.split("\n")[0] : undefined), { timeoutMs: 90_000 });
    const report = JSON.parse(line) as { state: ClusterState; podPid: number; error?: string };
    assert.equal(report.error, undefined);
    const { state, podPid } = report;
    assert.ok(state.components.length === 3 && state.components.every((c) => alive(c.pid)), "components running");
    assert.ok(alive(podPid), "fake pod running");
    assert.ok(await netnsExists(state.network!.netns));
    child.kill("SIGKILL");
    await assertNothingLeft(state);
    assert.equal(alive(podPid), false, "fake pod left behind");
  });

  it("reports a component crash during start in one line with its log, and leaves nothing behind", async () => {
    const name = `crash-${process.pid}`;
    const err = await startCluster({ name, extraArgs: { "kube-controller-manager": ["--no-such-flag=1"] } }).then(
      () => assert.fail("start should fail"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClusterError, String(err));
    assert.match(err.message, /^kube-controller-manager exited with code \d+ while starting: .*no-such-flag.* \(log: \S+kube-controller-manager\.log\)$/);
    assert.equal(err.message.includes("\n"), false);
    await assertNothingLeft({ dir: clusterDir(name), dataDir: `/dev/shm/portico-${name}-`, network: undefined });
    assert.deepEqual(
      readdirSync("/dev/shm").filter((f) => f.startsWith(`portico-${name}-`)),
      [],
      "etcd data left on tmpfs",
    );
    assert.equal(readdirSync("/run/portico").filter((f) => readFileSync(join("/run/portico", f), "utf8").includes(clusterDir(name))).length, 0);
    rmSync(clusterDir(name), { recursive: true, force: true });
  });

  it("refuses an API server port that is in use, in one line", async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as AddressInfo).port;
    try {
      await assert.rejects(startCluster({ name: `busy-${process.pid}`, apiserverPort: port }), (e: unknown) => {
        assert.ok(e instanceof ClusterError);
        assert.equal(e.message, `port ${port} on 127.0.0.1 (kube-apiserver) is in use by another process; stop it or choose another port`);
        return true;
      });
    } finally {
      busy.close();
    }
  });

  it("says so in one line when iproute2's ip is missing", async () => {
    const path = mkdtempSync(join(tmpdir(), "portico-noip-"));
    cleanups.push(async () => rmSync(path, { recursive: true, force: true }));
    for (const tool of ["sh", "openssl"]) {
      const found = ["/usr/bin", "/bin", "/usr/local/bin"].map((d) => join(d, tool)).find((p) => existsSync(p))!;
      symlinkSync(found, join(path, tool));
    }
    const script = `import { startCluster } from ${JSON.stringify(join(repoRoot, "src/local/cluster/cluster.ts"))};
      startCluster({ name: "noip-${process.pid}" }).then(() => process.exit(0), (e) => { console.log(e.message); process.exit(3); });`;
    const r = await run(process.execPath, [...tsx, "--input-type=module", "-e", script], { env: { ...process.env, PATH: path }, cwd: repoRoot });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout.trim(), "the `ip` command (iproute2) is missing: install it (apt-get install iproute2) and retry");
  });

  it("cluster:up leaves a detached cluster that status reports and down removes", async () => {
    const name = `cli-${process.pid}`;
    const dir = clusterDir(name);
    cleanups.push(() => run(process.execPath, [...tsx, cli, "down", "--name", name]));
    const up = await run(process.execPath, [...tsx, cli, "up", "--name", name], { cwd: repoRoot, timeoutMs: 120_000 });
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, new RegExp(`export KUBECONFIG=${dir}/kubeconfig`));
    const state = readState(dir)!;
    assert.ok(state.detached && state.components.every((c) => alive(c.pid)), "components outlive the CLI");
    const again = await run(process.execPath, [...tsx, cli, "up", "--name", name]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already running/);
    assert.deepEqual(
      readState(dir)!.components.map((c) => c.pid),
      state.components.map((c) => c.pid),
    );
    const status = await run(process.execPath, [...tsx, cli, "status", "--name", name]);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    for (const c of ["etcd", "kube-apiserver", "kube-controller-manager"]) assert.match(status.stdout, new RegExp(`${c}\\s+pid \\d+\\s+ready`));
    const ns = await run(join(repoRoot, ".portico/bin/kubectl"), ["get", "ns", "default", "-o", "name"], {
      env: { ...process.env, KUBECONFIG: state.kubeconfig },
    });
    assert.equal(ns.stdout.trim(), "namespace/default", ns.stderr);
    const down = await run(process.execPath, [...tsx, cli, "down", "--name", name]);
    assert.equal(down.code, 0, down.stderr);
    await assertNothingLeft(state);
    const after = await run(process.execPath, [...tsx, cli, "status", "--name", name]);
    assert.equal(after.code, 1);
    assert.match(after.stdout, /is not running/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("cluster CLI errors are one line on stderr, without a stack trace", async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as AddressInfo).port;
    try {
      const cases: [string[], RegExp][] = [
        [
          ["up", "--name", `cli2-${process.pid}`, "--port", String(port)],
          new RegExp(`^portico: port ${port} on 127\\.0\\.0\\.1 \\(kube-apiserver\\) is in use`),
        ],
        [["up", "--port", "99999"], /^portico: --port "99999" is not a port number/],
        [["up", "--name", "Bad_Name"], /^portico: cluster name "Bad_Name" must be/],
        [["frobnicate"], /^portico: unknown command "frobnicate"/],
      ];
      for (const [args, re] of cases) {
        const r = await run(process.execPath, [...tsx, cli, ...args], { cwd: repoRoot });
        assert.equal(r.code, 1, `${args.join(" ")}: ${r.stdout}`);
        assert.match(r.stderr, re);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      }
    } finally {
      busy.close();
    }
  });
});
