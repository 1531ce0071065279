// External mode as in the pod: images/nginx/portico-nginx-run (a real sh process running Debian's
// nginx) plays the nginx container, the Agent (nginxMode external) plays the agent container; they
// share only the prefix, the reload FIFO and the loopback network. Nothing is mocked. What every
// NginxHandle must do (start, nginx -t, reload with new workers, restart, drain on stop) is the
// contract suite's (src/agent/external-nginx.test.ts); this file holds the Agent over that handle.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { until as untilDone } from "../testing/until.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CertificatePair, UpstreamEndpoint } from "../core/contract.js";
import { makeCertificate, type TestCertificate } from "../testing/certs.js";
import { contractConfig } from "../testing/contract-config.js";
import { NginxRunner } from "../testing/nginx-runner.js";
import { startEcho, type EchoBackend, type EchoReply } from "../testing/echo.js";
import { peerFingerprint, request } from "../testing/http.js";
import { freePorts } from "../testing/ports.js";
import { Agent, type AgentStatus } from "./agent.js";
import { childPids } from "./nginx-process.js";
import { desiredStateFromParts } from "./state-hash.js";

let runDir: string;
let prefix: string;
let fifo: string;
let httpPort: number, httpsPort: number, controlPort: number;
let runner: NginxRunner;
const runners: NginxRunner[] = [];
let agent: Agent;
const agents: Agent[] = [];
const pods: Record<string, EchoBackend> = {};
let cert: TestCertificate;

const ep = (...names: string[]): UpstreamEndpoint[] => names.map((n) => ({ address: pods[n].host, port: pods[n].port }));
const config = (routes: Record<string, string>) => contractConfig({ httpPort, httpsPort, controlPort, routes });

let current = {
  config: "",
  endpoints: {} as Record<string, UpstreamEndpoint[]>,
  sni: {} as Record<string, string>,
  certs: {} as Record<string, CertificatePair>,
};
async function apply(change: Partial<typeof current>): Promise<AgentStatus> {
  current = { ...current, ...change };
  return await agent.apply(desiredStateFromParts(current.config, current.endpoints, current.sni, current.certs));
}

function newAgent(): Agent {
  const a = new Agent({ prefix, controlPort, nginxMode: "external", reloadFifo: fifo, reloadTimeoutMs: 10_000, externalPollMs: 250 });
  agents.push(a);
  return a;
}
function startRunner(): NginxRunner {
  const r = new NginxRunner(prefix, fifo);
  runners.push(r);
  return r;
}

const until = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> =>
  untilDone(what, fn, { timeoutMs, context: () => `portico-nginx-run output:\n${runner?.output.slice(-2000)}` });

async function podOf(path: string): Promise<string> {
  const r = await request({ port: httpPort, path, hostHeader: "example.test" });
  assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.body}`);
  return r.json<EchoReply>().pod;
}
const masterPid = () => Number(readFileSync(join(prefix, "tmp", "nginx.pid"), "utf8").trim());
/** What to print when an apply went wrong: the agent's error and what portico-nginx-run said. */
const diag = (st: AgentStatus) => `${JSON.stringify(st.lastError)}\nportico-nginx-run output:\n${runner.output.slice(-2000)}`;
const ppidOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
};

describe("agent in external mode with portico-nginx-run", () => {
  before(async () => {
    // Like the pod's emptyDir /var/run/portico: the prefix and the FIFO side by side.
    runDir = mkdtempSync(join(tmpdir(), "portico-ext-"));
    prefix = join(runDir, "nginx");
    fifo = join(runDir, "reload");
    [httpPort, httpsPort, controlPort] = await freePorts(3);
    for (const [name, host] of [
      ["a1", "127.0.0.21"],
      ["a2", "127.0.0.22"],
      ["b1", "127.0.0.23"],
    ]) {
      pods[name] = await startEcho({ host, service: `default/${name[0]}`, pod: name });
    }
    cert = makeCertificate(["secure.test"]);
    // Both containers start together: the runner waits for the agent's first config.
    runner = startRunner();
    agent = newAgent();
    await agent.start();
  });
  after(async () => {
    for (const a of agents) await a.stop().catch(() => undefined);
    for (const r of runners) await r.terminate();
    await Promise.all(Object.values(pods).map((p) => p.stop()));
    rmSync(runDir, { recursive: true, force: true });
  });

  test("first config: portico-nginx-run starts nginx from conf/current and it routes (no reload)", async () => {
    assert.match(runner.output, /waiting for .*conf\/current\/nginx\.conf/);
    const st = await apply({
      config: config({ "/a": "up-a", "/b": "up-b" }),
      endpoints: { "up-a": ep("a1"), "up-b": ep("b1") },
      sni: { "secure.test": "c1" },
      certs: { c1: { certificate: cert.certificate, key: cert.key } },
    });
    assert.equal(st.lastError, null, diag(st));
    assert.equal(st.nginxRunning, true);
    assert.equal(st.reloads, 0);
    assert.equal(st.nginxPid, null, "the agent does not own the nginx process");
    assert.equal(await podOf("/a"), "a1");
    assert.equal(await podOf("/b"), "b1");
    assert.equal(await peerFingerprint(httpsPort, "secure.test"), cert.fingerprint256);
    // The nginx serving is portico-nginx-run's child, not the agent's.
    assert.equal(ppidOf(masterPid()), runner.child.pid);
    assert.deepEqual(agent.processIds(), { master: null, workers: [] });
  });

  test("an endpoint change moves traffic with no reload (same master and workers)", async () => {
    const master = masterPid();
    const workers = childPids(master);
    const st = await apply({ endpoints: { "up-a": ep("a2"), "up-b": ep("b1") } });
    assert.equal(st.lastError, null);
    for (let i = 0; i < 4; i++) assert.equal(await podOf("/a"), "a2");
    assert.equal(st.reloads, 0);
    assert.equal(masterPid(), master);
    assert.deepEqual(childPids(master), workers);
  });

  test("nginx killed (its container restarts): the agent pushes endpoints and certificates again", async () => {
    const before = agent.status();
    const oldMaster = masterPid();
    process.kill(oldMaster, "SIGKILL");
    const exit = await runner.exited;
    assert.notEqual(exit.code, 0, "portico-nginx-run exits non-zero when nginx dies (the kubelet restarts the container)");
    assert.match(runner.output, /nginx exited with status/);
    runner.killGroup(); // the container's end takes the orphaned workers with it
    await until("the agent notices nginx is gone", () => (agent.status().nginxRunning ? undefined : true));
    assert.equal(agent.status().lastError?.part, "nginx");

    runner = startRunner();
    await until("the new nginx routes /a to a2 again", async () => ((await podOf("/a")) === "a2" ? true : undefined));
    assert.notEqual(masterPid(), oldMaster);
    assert.equal(await podOf("/b"), "b1");
    assert.equal(await peerFingerprint(httpsPort, "secure.test"), cert.fingerprint256);
    const st = await until("status settles", () => {
      const s = agent.status();
      return s.nginxRunning && s.lastError === null ? s : undefined;
    });
    assert.equal(st.restarts, before.restarts + 1);
    assert.equal(st.reloads, before.reloads, "a restarted nginx reads conf/current itself: no reload needed");
    const control = await agent.control.state();
    assert.equal(control.endpointsHash, st.appliedHashes.endpoints);
    assert.equal(control.certificatesHash, st.appliedHashes.certificates);
  });

  test("a restarted agent reloads the running nginx, which may run an older conf/current", async () => {
    await agent.stop();
    assert.equal(runner.alive, true, "stopping the agent leaves the nginx container alone");
    assert.equal(await podOf("/a"), "a2");
    agent = newAgent();
    await agent.start();
    const master = masterPid();
    const st = await apply({ config: config({ "/a": "up-a", "/b": "up-b", "/c": "up-a" }) });
    assert.equal(st.lastError, null, diag(st));
    assert.equal(st.reloads, 1);
    assert.equal(await podOf("/c"), "a2");
    assert.equal(masterPid(), master);
  });
});
