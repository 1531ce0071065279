// nginx and the agent as different users, as in the pod: portico-nginx-run runs as uid 101 (group
// 101) with the config directory bind-mounted read-only in a mount namespace of its own (the pod's
// read-only `conf` volume), and the agent process runs as uid 102 (group 101). Real processes,
// real nginx; needs root (to switch users and mount), skipped otherwise.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { contractConfig } from "../testing/contract-config.js";
import { startEcho, type EchoBackend, type EchoReply } from "../testing/echo.js";
import { request } from "../testing/http.js";
import { freePorts } from "../testing/ports.js";
import { until as untilDone } from "../testing/until.js";

const NGINX_UID = 101;
const AGENT_UID = 102;
const GROUP = 101;
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const RUN_SCRIPT = join(REPO, "images/nginx/portico-nginx-run");
const root = process.getuid?.() === 0;

let run: string, src: string, prefix: string, confDir: string, fifo: string, agentTmp: string;
let httpPort: number, controlPort: number, statusPort: number;
let runner: ChildProcess, agent: ChildProcess;
let runnerOut = "",
  agentOut = "";
const pods: EchoBackend[] = [];

const until = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> =>
  untilDone(what, fn, { timeoutMs, context: () => `agent:\n${agentOut.slice(-2000)}\nportico-nginx-run:\n${runnerOut.slice(-2000)}` });

function writeAtomic(file: string, text: string) {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** Runs a shell command as the nginx user, inside the nginx container's mount namespace (`inPod`,
 * the read-only conf mount applies) or outside it (file permissions alone). */
function asNginx(cmd: string, inPod = true): { code: number | null; out: string } {
  const drop = ["setpriv", `--reuid=${NGINX_UID}`, `--regid=${GROUP}`, "--clear-groups", "sh", "-c", cmd];
  const r = inPod
    ? spawnSync("nsenter", ["-t", String(runner.pid), "-m", "--", ...drop], { encoding: "utf8" })
    : spawnSync(drop[0], drop.slice(1), { encoding: "utf8" });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
const childrenOf = (pid: number) =>
  readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    });

before(async () => {
  if (!root) return;
  // Like the pod's emptyDirs with fsGroup 101: the run volume (FIFO, nginx's prefix) and the conf
  // volume, both group 101, group-writable with setgid so new files stay in group 101.
  run = mkdtempSync(join(tmpdir(), "portico-uid-"));
  chmodSync(run, 0o755);
  for (const d of ["run", "conf"]) {
    mkdirSync(join(run, d));
    spawnSync("chown", [`0:${GROUP}`, join(run, d)]);
    chmodSync(join(run, d), 0o2777);
  }
  prefix = join(run, "run", "nginx");
  confDir = join(run, "conf");
  fifo = join(run, "run", "reload");
  src = mkdtempSync(join(tmpdir(), "portico-uid-src-"));
  chmodSync(src, 0o755);
  [httpPort, controlPort, statusPort] = await freePorts(3);
  pods.push(await startEcho({ host: "127.0.0.31", pod: "p1" }));
  writeAtomic(join(src, "nginx.conf"), contractConfig({ httpPort, controlPort, routes: { "/": "web" } }));
  writeAtomic(join(src, "endpoints.json"), JSON.stringify({ web: [{ address: pods[0].host, port: pods[0].port }] }));
  // The nginx container: its own mount namespace where the conf volume is read-only.
  runner = spawn(
    "unshare",
    [
      "-m",
      "--propagation",
      "private",
      "sh",
      "-c",
      `mount --bind "$C" "$C" && mount -o remount,bind,ro "$C" && exec setpriv --reuid=${NGINX_UID} --regid=${GROUP} --clear-groups sh "${RUN_SCRIPT}"`,
    ],
    {
      env: { ...process.env, C: confDir, PORTICO_PREFIX: prefix, PORTICO_CONF_DIR: confDir, PORTICO_RELOAD_FIFO: fifo },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  runner.stdout!.on("data", (d) => (runnerOut += d));
  runner.stderr!.on("data", (d) => (runnerOut += d));
  // The agent container: uid 102, group 101, its own temp dir (where its `nginx -t` prefix goes).
  agentTmp = mkdtempSync(join(tmpdir(), "portico-uid-agent-"));
  spawnSync("chown", [`${AGENT_UID}:${AGENT_UID}`, agentTmp]);
  chmodSync(agentTmp, 0o700);
  agent = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/agent/main.ts",
      "--source",
      `file:${src}`,
      "--prefix",
      prefix,
      "--conf-dir",
      confDir,
      "--nginx-mode",
      "external",
      "--reload-fifo",
      fifo,
      "--control-port",
      String(controlPort),
      "--metrics-port",
      "0",
      "--status-port",
      String(statusPort),
    ],
    { cwd: REPO, uid: AGENT_UID, gid: GROUP, env: { ...process.env, TMPDIR: agentTmp, HOME: agentTmp }, stdio: ["ignore", "pipe", "pipe"] },
  );
  agent.stdout!.on("data", (d) => (agentOut += d));
  agent.stderr!.on("data", (d) => (agentOut += d));
});

after(async () => {
  if (!root) return;
  agent?.kill("SIGTERM");
  runner?.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 1500));
  for (const p of [agent, runner]) {
    try {
      process.kill(-p.pid!, "SIGKILL");
    } catch {
      // gone
    }
    p?.kill("SIGKILL");
  }
  await Promise.all(pods.map((p) => p.stop()));
  rmSync(run, { recursive: true, force: true });
  rmSync(src, { recursive: true, force: true });
  rmSync(agentTmp, { recursive: true, force: true });
});

test("nginx (uid 101) serves the config the agent (uid 102) wrote and tested", { skip: !root && "needs root" }, async () => {
  const r = await until("traffic through nginx", async () => {
    const a = await request({ port: httpPort, path: "/" }).catch(() => undefined);
    return a?.status === 200 ? a : undefined;
  });
  assert.equal(r.json<EchoReply>().pod, "p1");
  const master = Number(readFileSync(join(prefix, "tmp", "nginx.pid"), "utf8").trim());
  assert.equal(uidOf(master), NGINX_UID, "nginx master runs as nginx");
  for (const w of childrenOf(master)) assert.equal(uidOf(w), NGINX_UID, "workers run as nginx");
  assert.equal(uidOf(agent.pid!), AGENT_UID, "the agent runs as portico-agent");
  const status = (await request({ port: statusPort, path: "/status" })).json<{ lastError: unknown; nginxRunning: boolean }>();
  assert.equal(status.lastError, null);
  assert.equal(status.nginxRunning, true);
});

test("nginx cannot write, replace or rename the configs; it can read them", { skip: !root && "needs root" }, async () => {
  const hash = readlinkSync(join(confDir, "current"));
  const conf = join(confDir, hash, "nginx.conf");
  assert.equal(asNginx(`cat "${conf}" >/dev/null`).code, 0, "nginx reads the config");
  assert.equal(asNginx(`cat "${join(confDir, hash, "default.key")}" >/dev/null`).code, 0, "and the default key (group 101)");
  for (const cmd of [
    `echo "events {}" > "${conf}"`,
    `mkdir "${confDir}/evil"`,
    `ln -sfn /tmp "${confDir}/current"`,
    `mv "${confDir}/${hash}" "${confDir}/moved"`,
    `rm -f "${confDir}/current"`,
  ]) {
    const r = asNginx(cmd);
    assert.notEqual(r.code, 0, `nginx's namespace refuses: ${cmd}`);
    assert.match(r.out, /Read-only file system/, cmd);
  }
  assert.equal(readlinkSync(join(confDir, "current")), hash, "conf/current untouched");
  // Without the mount (a uid-101 process elsewhere): the files themselves are the agent's.
  assert.notEqual(asNginx(`echo x >> "${conf}"`, false).code, 0, "nginx.conf is not writable by uid 101");
  assert.notEqual(asNginx(`echo x >> "${join(prefix, "lua", "portico.lua")}"`, false).code, 0, "nor the Lua the agent installed");
  // The agent's `nginx -t` ran with a prefix of its own under its temp dir, which uid 101 cannot enter.
  const testPrefixes = readdirSync(agentTmp).filter((d) => d.startsWith("portico-nginx-test-"));
  assert.equal(testPrefixes.length, 1, `agent temp dir: ${readdirSync(agentTmp)}`);
  assert.ok(existsSync(join(agentTmp, testPrefixes[0], "lua", "portico.lua")));
  assert.notEqual(asNginx(`ls "${join(agentTmp, testPrefixes[0])}"`, false).code, 0, "the agent's test prefix is out of nginx's reach");
});

test("a config change is tested by the agent and reloaded by nginx through the FIFO", { skip: !root && "needs root" }, async () => {
  pods.push(await startEcho({ host: "127.0.0.32", pod: "p2" }));
  writeAtomic(join(src, "nginx.conf"), contractConfig({ httpPort, controlPort, routes: { "/": "web", "/two": "two" } }));
  writeAtomic(
    join(src, "endpoints.json"),
    JSON.stringify({ web: [{ address: pods[0].host, port: pods[0].port }], two: [{ address: pods[1].host, port: pods[1].port }] }),
  );
  await until("the new route", async () => {
    const a = await request({ port: httpPort, path: "/two" }).catch(() => undefined);
    return a?.status === 200 && a.json<EchoReply>().pod === "p2" ? a : undefined;
  });
  const status = (await request({ port: statusPort, path: "/status" })).json<{ reloads: number; lastError: unknown }>();
  assert.equal(status.reloads, 1);
  assert.equal(status.lastError, null);
});
