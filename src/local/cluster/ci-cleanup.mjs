#!/usr/bin/env node
// Used by .ci/run at exit: stops everything a test run started, identified by an environment marker
// (PORTICO_RUN_ID=<id>) that every child inherits. First tears down clusters whose processes carry the
// marker (network namespace, veth and tmpfs data included), then kills any other marked process
// (nginx, agents, fake pods). Processes of other runs or people are never touched.
import { readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const id = process.argv[2];
if (!id) {
  console.error("usage: ci-cleanup.mjs <run id>");
  process.exit(2);
}
const marker = `PORTICO_RUN_ID=${id}\0`;
const here = fileURLToPath(new URL(".", import.meta.url));
const clusters = join(here, "../../../.portico/clusters");

function marked(pid) {
  if (pid === process.pid || pid === process.ppid) return false;
  try {
    return (readFileSync(`/proc/${pid}/environ`, "utf8") + "\0").includes(marker);
  } catch {
    return false;
  }
}

let torn = 0;
let dirs = [];
try {
  dirs = readdirSync(clusters);
} catch {}
for (const name of dirs) {
  const dir = join(clusters, name);
  let state;
  try {
    state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
  } catch {
    continue;
  }
  if ([...(state.components ?? []), { pid: state.reaperPid }].some((p) => p.pid && marked(p.pid))) {
    spawnSync(process.execPath, [join(here, "reaper.mjs"), "teardown", dir], { stdio: "inherit" });
    torn++;
  }
}
let killed = 0;
for (const d of readdirSync("/proc")) {
  if (!/^\d+$/.test(d) || !marked(Number(d))) continue;
  try {
    process.kill(Number(d), "SIGKILL");
    killed++;
  } catch {}
}
if (torn || killed) console.error(`portico: cleaned up after the run: ${torn} cluster(s), ${killed} stray process(es)`);
