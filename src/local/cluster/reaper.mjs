#!/usr/bin/env node
// Tears a local cluster down from its state.json. Plain JS (no tsx) so it starts in milliseconds.
//   node reaper.mjs teardown <clusterDir>   kill every process of the cluster, delete its network and data now
//   node reaper.mjs watch <clusterDir>      detached watchdog: poll the owner pids listed in state.json and
//                                          tear down as soon as one is gone (even after SIGKILL of the owner);
//                                          exits quietly when the state's owner list becomes empty (detached
//                                          CLI cluster) or the state file disappears (normal stop).
// Only processes whose /proc/<pid>/cmdline contains their recorded marker are signalled, so a recycled
// pid is never hit.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { nodeLeftovers, teardownNode } from "./node-teardown.mjs";

const [mode, dir] = process.argv.slice(2);
if (!dir || !["watch", "teardown"].includes(mode)) {
  console.error("usage: reaper.mjs watch|teardown <clusterDir>");
  process.exit(2);
}
const stateFile = join(dir, "state.json");

function readState() {
  try {
    return JSON.parse(readFileSync(stateFile, "utf8"));
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z"); // a zombie owner is a dead owner
  } catch {
    return false;
  }
}

function ours(pid, marker) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return false;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
  } catch {
    return false;
  }
}

function kill(pid, sig, group) {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    if (group) {
      try {
        process.kill(pid, sig);
      } catch {}
    }
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function netnsPids(netns) {
  const r = spawnSync("ip", ["netns", "pids", netns], { encoding: "utf8", timeout: 5000 });
  return (r.stdout ?? "").split(/\s+/).filter(Boolean).map(Number);
}

export function teardown(state) {
  // The data is disposable, so SIGKILL at once: nothing needs a graceful shutdown and ports free immediately.
  const procs = [...(state.components ?? []), ...(state.pods ?? [])].filter((p) => ours(p.pid, p.marker));
  for (const p of procs) kill(p.pid, "SIGKILL", true);
  const net = state.network;
  if (net) {
    for (let i = 0; i < 3; i++) {
      const pids = netnsPids(net.netns);
      if (!pids.length) break;
      for (const pid of pids) kill(pid, "SIGKILL", false);
      sleep(50);
    }
    spawnSync("ip", ["link", "del", net.hostInterface], { stdio: "ignore", timeout: 5000 });
    spawnSync("ip", ["netns", "del", net.netns], { stdio: "ignore", timeout: 5000 });
    rmSync(`/run/portico/netns-${net.slot}.json`, { force: true });
  }
  for (let waited = 0; waited < 3000 && procs.some((p) => ours(p.pid, p.marker)); waited += 20) sleep(20);
  if (state.node) teardownNode(state.node); // pods, shims, mounts, nft tables, bridge, cgroups, fixed paths, lock
  if (state.dataDir && /\/portico-[^/]+$/.test(state.dataDir)) rmSync(state.dataDir, { recursive: true, force: true });
  rmSync(stateFile, { force: true });
  if (state.ephemeral && resolve(state.dir) === resolve(dir)) rmSync(dir, { recursive: true, force: true });
  if (state.reaperPid && state.reaperPid !== process.pid && ours(state.reaperPid, "reaper.mjs")) kill(state.reaperPid, "SIGKILL", false);
}

if (mode === "teardown") {
  const state = readState();
  if (state) teardown(state);
  const left = state?.node ? nodeLeftovers(state.node) : [];
  if (left.length) console.error(`the node left behind: ${left.join(", ")}`);
  process.exit(left.length ? 1 : 0);
}

// watch
for (const sig of ["SIGINT", "SIGHUP", "SIGPIPE"]) process.on(sig, () => {}); // only the owner's death ends us
let missing = 0;
setInterval(() => {
  const state = readState();
  if (!state) {
    // Tolerate a moment without the file (it is replaced atomically, but be lenient).
    if (++missing > 8 || !existsSync(dir)) process.exit(0);
    return;
  }
  missing = 0;
  const owners = state.ownerPids ?? [];
  if (!owners.length) process.exit(0);
  if (owners.some((pid) => !alive(pid))) {
    teardown(state);
    process.exit(0);
  }
}, 250);
