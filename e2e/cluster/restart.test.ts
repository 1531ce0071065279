// restartComponent: one control-plane process stopped and started again with the same command line,
// ports and data; objects survive, clients work again, and stop() afterwards leaves no process.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { startCluster, type Cluster } from "../../src/local/cluster/cluster.js";
import { ClusterError } from "../../src/local/cluster/errors.js";
import { readState } from "../../src/local/cluster/state.js";
import { waitUntil } from "../../src/local/cluster/wait.js";

let cluster: Cluster;
const seenPids = new Set<number>();

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
}

function pidOf(name: string): number {
  const rec = readState(cluster.dir)!.components.find((c) => c.name === name)!;
  seenPids.add(rec.pid);
  return rec.pid;
}

before(async () => {
  cluster = await startCluster();
  for (const c of cluster.state.components) seenPids.add(c.pid);
  await cluster.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep", namespace: "default" }, data: { answer: "42" } });
});

after(async () => {
  await cluster?.stop();
});

describe("restartComponent", () => {
  it("restarts kube-apiserver with the same command line and port; objects survive and kubectl works again", async () => {
    const before = readState(cluster.dir)!.components.find((c) => c.name === "kube-apiserver")!;
    const beforeArgs = cmdline(before.pid);
    const r = await cluster.restartComponent("kube-apiserver", { downMs: 1000 });
    seenPids.add(r.pid);
    assert.equal(r.oldPid, before.pid);
    assert.notEqual(r.pid, before.pid);
    assert.equal(alive(before.pid), false, "the old API server is still running");
    assert.ok(r.readyAt - r.stoppedAt >= 1000, `stayed down ${r.readyAt - r.stoppedAt} ms, asked for 1000`);
    assert.equal(pidOf("kube-apiserver"), r.pid, "state.json does not record the new pid");
    assert.deepEqual(cmdline(r.pid), beforeArgs);
    const cm = JSON.parse(await cluster.kubectlOk(["-n", "default", "get", "configmap", "keep", "-o", "json"]));
    assert.equal(cm.data.answer, "42");
    await cluster.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after-apiserver", namespace: "default" }, data: { n: "1" } });
    assert.match(await cluster.kubectlOk(["-n", "default", "get", "configmap", "after-apiserver", "-o", "name"]), /configmap\/after-apiserver/);
  });

  it("restarts etcd on the same data directory: every object is still there", async () => {
    const old = pidOf("etcd");
    const r = await cluster.restartComponent("etcd", { downMs: 500 });
    seenPids.add(r.pid);
    assert.equal(alive(old), false);
    assert.equal(pidOf("etcd"), r.pid);
    // restartComponent resolved only once the API server is ready again on top of the new etcd.
    const names = await cluster.kubectlOk(["-n", "default", "get", "configmap", "-o", "jsonpath={.items[*].metadata.name}"]);
    assert.deepEqual(
      names
        .split(" ")
        .filter((n) => n === "keep" || n === "after-apiserver")
        .sort(),
      ["after-apiserver", "keep"],
    );
  });

  it("restarts kube-controller-manager, which reconciles again (a new namespace gets its default ServiceAccount)", async () => {
    const old = pidOf("kube-controller-manager");
    const r = await cluster.restartComponent("kube-controller-manager");
    seenPids.add(r.pid);
    assert.equal(alive(old), false, `the old controller-manager (pid ${old}) is still running`);
    assert.equal(pidOf("kube-controller-manager"), r.pid);
    await cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "after-kcm" } });
    await waitUntil(
      "the default ServiceAccount in after-kcm",
      async () => (await cluster.kubectl(["-n", "after-kcm", "get", "serviceaccount", "default"])).code === 0,
      {
        timeoutMs: 60_000,
      },
    );
  });

  it("rejects an unknown component in one line", async () => {
    await assert.rejects(cluster.restartComponent("kube-scheduler" as never), (e: unknown) => {
      assert.ok(e instanceof ClusterError);
      assert.equal(e.message, 'cannot restart "kube-scheduler": choose one of etcd, kube-apiserver, kube-controller-manager');
      return true;
    });
  });

  it("stop() after restarts leaves no process of the cluster, old or new", async () => {
    const { dir, dataDir } = cluster.state;
    for (const c of readState(dir)!.components) seenPids.add(c.pid);
    assert.ok(seenPids.size >= 6, `expected old and new pids, saw ${[...seenPids].join(", ")}`);
    await cluster.stop();
    await waitUntil("every pid ever started to be gone", () => [...seenPids].every((p) => !alive(p)), { timeoutMs: 10_000 });
    const mentioning = readdirSync("/proc").filter((d) => {
      if (!/^\d+$/.test(d) || Number(d) === process.pid || !alive(Number(d))) return false;
      try {
        const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8");
        return cmd.includes(dir) || cmd.includes(dataDir);
      } catch {
        return false;
      }
    });
    assert.deepEqual(mentioning, [], "processes of the stopped cluster are still running");
    await assert.rejects(cluster.restartComponent("kube-apiserver"), /is stopped: cannot restart kube-apiserver/);
  });
});
