// The agent process end to end with a FileSource: starts nginx from a directory, follows file
// changes (endpoints without reload), serves metrics, and on SIGTERM stops nginx and exits.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { until as untilDone } from "../testing/until.js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, renameSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contractConfig } from "../testing/contract-config.js";
import { startEcho, type EchoBackend, type EchoReply } from "../testing/echo.js";
import { request } from "../testing/http.js";
import { freePorts } from "../testing/ports.js";
import { parseCli } from "./options.js";

let dir: string;
let prefix: string;
let agent: ChildProcess | null = null;
let output = "";
const pods: EchoBackend[] = [];
let httpPort: number, controlPort: number, metricsPort: number, statusPort: number;

function writeAtomic(file: string, text: string) {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

const until = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> =>
  untilDone(what, fn, { timeoutMs, context: () => `agent output:\n${output.slice(-3000)}` });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "portico-src-"));
  prefix = mkdtempSync(join(tmpdir(), "portico-main-"));
  [httpPort, controlPort, metricsPort, statusPort] = await freePorts(4);
  pods.push(await startEcho({ host: "127.0.0.21", pod: "p1" }), await startEcho({ host: "127.0.0.22", pod: "p2" }));
  writeAtomic(join(dir, "nginx.conf"), contractConfig({ httpPort, controlPort, routes: { "/": "web" } }));
  writeAtomic(join(dir, "endpoints.json"), JSON.stringify({ web: [{ address: pods[0].host, port: pods[0].port }] }));
  agent = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/agent/main.ts",
      "--prefix",
      prefix,
      "--source",
      `file:${dir}`,
      "--control-port",
      String(controlPort),
      "--metrics-port",
      String(metricsPort),
      "--status-port",
      String(statusPort),
      "--metrics-address",
      "127.0.0.1",
    ],
    { stdio: ["ignore", "pipe", "pipe"], cwd: new URL("../..", import.meta.url).pathname },
  );
  agent.stdout!.on("data", (d) => (output += d));
  agent.stderr!.on("data", (d) => (output += d));
});

after(async () => {
  if (agent && agent.exitCode === null) {
    agent.kill("SIGKILL");
    // nginx runs in its own process group; take it down too.
    try {
      const pid = Number(readFileSync(join(prefix, "tmp", "nginx.pid"), "utf8"));
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await Promise.all(pods.map((p) => p.stop()));
  rmSync(dir, { recursive: true, force: true });
  rmSync(prefix, { recursive: true, force: true });
});

test("CLI options: flags, env and defaults, with clear errors", () => {
  const o = parseCli(["--source", "api:portico-system/main"], {});
  assert.deepEqual(o.source, { kind: "api", namespace: "portico-system", name: "main" });
  assert.equal(o.controlPort, 10246);
  assert.equal(o.nginx, "/usr/sbin/nginx");
  assert.equal(parseCli([], { PORTICO_SOURCE: "file:/x", PORTICO_CONTROL_PORT: "9999" }).controlPort, 9999);
  assert.throws(() => parseCli(["--source", "api:Bad_NS/x"], {}), /--source: expected/);
  assert.throws(() => parseCli(["--source", "file:/x", "--control-port", "0"], {}), /--control-port: must be a port/);
  assert.throws(() => parseCli([], {}), /--source is required/);
});

test("CLI options: config-test and reload limits from flags, env or defaults", () => {
  const d = parseCli(["--source", "file:/x"], {});
  assert.deepEqual([d.configTestTimeoutMs, d.reloadTimeoutMs], [60_000, 15_000]);
  const e = parseCli(["--source", "file:/x"], { PORTICO_CONFIG_TEST_TIMEOUT: "120000", PORTICO_RELOAD_TIMEOUT: "45000" });
  assert.deepEqual([e.configTestTimeoutMs, e.reloadTimeoutMs], [120_000, 45_000]);
  const f = parseCli(["--source", "file:/x", "--reload-timeout", "20000"], { PORTICO_RELOAD_TIMEOUT: "45000" });
  assert.equal(f.reloadTimeoutMs, 20_000);
  assert.throws(() => parseCli(["--source", "file:/x", "--config-test-timeout", "soon"], {}), /--config-test-timeout: must be a whole number of milliseconds/);
});

test("CLI options: nginx mode and reload FIFO", () => {
  const spawnMode = parseCli(["--source", "file:/x"], { PORTICO_RELOAD_FIFO: "/run/reload" });
  assert.equal(spawnMode.nginxMode, "spawn");
  assert.equal(spawnMode.reloadFifo, undefined);
  const ext = parseCli(["--source", "file:/x"], { PORTICO_NGINX_MODE: "external", PORTICO_RELOAD_FIFO: "/run/reload" });
  assert.equal(ext.nginxMode, "external");
  assert.equal(ext.reloadFifo, "/run/reload");
  const flags = parseCli(["--source", "file:/x", "--nginx-mode", "external", "--reload-fifo", "/f"], { PORTICO_NGINX_MODE: "spawn" });
  assert.deepEqual([flags.nginxMode, flags.reloadFifo], ["external", "/f"]);
  assert.throws(() => parseCli(["--source", "file:/x", "--nginx-mode", "sidecar"], {}), /--nginx-mode: must be spawn or external, got "sidecar"/);
  assert.throws(() => parseCli(["--source", "file:/x", "--nginx-mode", "external"], {}), /--reload-fifo: required with --nginx-mode external/);
});

test("the agent process serves the directory's state and follows endpoint changes without reload", async () => {
  const pod = async () => (await request({ port: httpPort, path: "/x" })).json<EchoReply>().pod;
  assert.equal(await until("first state served", async () => ((await pod()) === "p1" ? true : undefined)), true);
  writeAtomic(join(dir, "endpoints.json"), JSON.stringify({ web: [{ address: pods[1].host, port: pods[1].port }] }));
  await until("traffic moved to p2", async () => ((await pod()) === "p2" ? true : undefined));
  const metrics = (await request({ port: metricsPort, path: "/metrics" })).body;
  assert.match(metrics, /portico_agent_reloads_total 0/);
  assert.match(metrics, /portico_agent_endpoint_updates_total 2/);
  assert.match(metrics, /portico_agent_config_hash_info\{hash="[0-9a-f]{64}"\} 1/);
  // /status answers on loopback, on its own port, and not on the metrics port.
  assert.equal((await request({ port: metricsPort, path: "/status" })).status, 404);
  const status = (await request({ port: statusPort, path: "/status" })).json<{ reloads: number; nginxRunning: boolean; lastError: unknown }>();
  assert.equal(status.nginxRunning, true);
  assert.equal(status.lastError, null);
  assert.equal((await request({ port: metricsPort, path: "/healthz" })).status, 200);
  assert.equal((await request({ port: metricsPort, path: "/livez" })).body, "ok\n");
  // A broken endpoints file is reported and ignored; the last good state keeps serving.
  writeAtomic(join(dir, "endpoints.json"), "{ not json");
  await until("error logged", async () => (output.includes("not valid JSON") ? true : undefined));
  assert.equal(await pod(), "p2");
});

test("SIGTERM stops nginx gracefully and the agent exits 0", async () => {
  const masterPid = Number(readFileSync(join(prefix, "tmp", "nginx.pid"), "utf8"));
  const exited = new Promise<number | null>((r) => agent!.once("exit", (code) => r(code)));
  agent!.kill("SIGTERM");
  assert.equal(await exited, 0);
  assert.throws(() => process.kill(masterPid, 0), "nginx master is gone");
  assert.ok(!existsSync(join(prefix, "tmp", "nginx.pid")), "nginx removed its pid file (clean quit)");
});
