// Removes what a local node left on the host, after its processes (kubelet, containerd, kube-proxy,
// kube-scheduler) were killed: the pods' processes (every pid in the kubepods cgroups), leftover
// shims, mounts, kube-proxy's nft tables, the bridge, the cgroups, the fixed host paths kubelet and
// containerd use whatever their flags say, and finally the machine-wide node lock. Synchronous plain JS
// so the reaper can run it from an exit handler. Idempotent.
import { existsSync, readdirSync, readFileSync, rmSync, rmdirSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const quiet = { stdio: "ignore", timeout: 5000 };

/** Every cgroup directory named `root` in the v1 hierarchies and the unified one. */
function cgroupRoots(root) {
  const out = [];
  let hierarchies = [];
  try {
    hierarchies = readdirSync("/sys/fs/cgroup");
  } catch {
    return out;
  }
  for (const h of hierarchies) {
    const d = join("/sys/fs/cgroup", h, root);
    if (existsSync(d)) out.push(d);
  }
  if (existsSync(join("/sys/fs/cgroup", root, "cgroup.procs"))) out.push(join("/sys/fs/cgroup", root)); // pure v2 host
  return out;
}

function walkDirs(dir, out = []) {
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) if (e.isDirectory()) walkDirs(join(dir, e.name), out);
  out.push(dir); // children first
  return out;
}

function cgroupPids(dirs) {
  const pids = new Set();
  for (const d of dirs)
    for (const sub of walkDirs(d)) {
      try {
        for (const l of readFileSync(join(sub, "cgroup.procs"), "utf8").split("\n")) if (l) pids.add(Number(l));
      } catch {}
    }
  return [...pids];
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

/** Mount points at or under any of `prefixes`, deepest first. */
function mountsUnder(prefixes) {
  let lines = [];
  try {
    lines = readFileSync("/proc/self/mountinfo", "utf8").split("\n");
  } catch {
    return [];
  }
  const points = lines
    .map((l) => l.split(" ")[4])
    .filter(Boolean)
    .map((p) => p.replace(/\\040/g, " "))
    .filter((p) => prefixes.some((x) => p === x || p.startsWith(`${x}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * node: the state's `node` record ({ dir, bridge, cgroupRoot, fixedPaths, lockFile, shimMarker }).
 */
export function teardownNode(node) {
  const roots = cgroupRoots(node.cgroupRoot);
  // 1. The pods' processes: whatever runs in the kubepods cgroups (containers outlive a killed shim).
  for (let i = 0; i < 5; i++) {
    const pids = cgroupPids(roots);
    if (!pids.length) break;
    for (const pid of pids)
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    sleep(100);
  }
  // 2. Leftover shims of this build (they are not in the pods' cgroups).
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const c = cmdline(Number(d));
    if (c.startsWith(node.shimMarker))
      try {
        process.kill(Number(d), "SIGKILL");
      } catch {}
  }
  sleep(100);
  // 3. Mounts: container root filesystems, sandbox shm, network namespaces, projected volumes.
  const prefixes = [node.dir, ...node.fixedPaths];
  for (let i = 0; i < 3; i++) {
    const points = mountsUnder(prefixes);
    if (!points.length) break;
    for (const p of points) spawnSync("umount", ["-l", p], quiet);
  }
  // 4. kube-proxy's tables, 5. the bridge (pod veths went with their namespaces).
  spawnSync("nft", ["delete", "table", "ip", "kube-proxy"], quiet);
  spawnSync("nft", ["delete", "table", "ip6", "kube-proxy"], quiet);
  spawnSync("ip", ["link", "del", node.bridge], quiet);
  // 6. cgroups, children first (empty now).
  for (let i = 0; i < 3; i++) {
    let left = 0;
    for (const r of roots)
      for (const d of walkDirs(r))
        try {
          rmdirSync(d);
        } catch {
          left++;
        }
    if (!left) break;
    sleep(200);
  }
  // 7. The fixed host paths, then our own dir (containerd's root holds read-only layers: rm handles it).
  for (const p of node.fixedPaths) rmSync(p, { recursive: true, force: true });
  rmSync(node.dir, { recursive: true, force: true });
  // 8. The lock, if it is ours.
  try {
    const owner = JSON.parse(readFileSync(node.lockFile, "utf8"));
    if (owner.dir === node.clusterDir) rmSync(node.lockFile, { force: true });
  } catch {}
}

/** What teardownNode could not remove, for `cluster:down` to report (empty when clean). */
export function nodeLeftovers(node) {
  const left = [];
  if (cgroupPids(cgroupRoots(node.cgroupRoot)).length) left.push("processes in the kubepods cgroups");
  if (cgroupRoots(node.cgroupRoot).length) left.push(`cgroups ${node.cgroupRoot}`);
  const m = mountsUnder([node.dir, ...node.fixedPaths]);
  if (m.length) left.push(`${m.length} mounts (first: ${m[0]})`);
  if (spawnSync("ip", ["link", "show", node.bridge], quiet).status === 0) left.push(`bridge ${node.bridge}`);
  if (spawnSync("nft", ["list", "table", "ip", "kube-proxy"], quiet).status === 0) left.push("nft table ip kube-proxy");
  for (const p of node.fixedPaths)
    try {
      statSync(p);
      left.push(p);
    } catch {}
  return left;
}
