// The contract of an NginxHandle (src/agent/nginx-handle.ts): what the Agent relies on, whoever runs
// nginx. Each implementation's test file calls describeNginxHandle with a factory; the suite runs
// Debian's nginx on a temporary prefix laid out as the Agent lays it out (PrefixLayout), with
// hand-written contract configs, and plays the Agent's part: it pushes endpoints once nginx answers,
// and on fresh() starts nginx if it is not running and pushes again. Every wait is bounded by a
// condition, never by a sleep.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ControlClient } from "../../agent/control-client.js";
import { ensureDefaultCertificate, type PemPair } from "../../agent/default-cert.js";
import type { NginxHandle, NginxLifecycle } from "../../agent/nginx-handle.js";
import { childPids } from "../../agent/nginx-process.js";
import { PrefixLayout } from "../../agent/prefix.js";
import { sha256 } from "../../agent/state-hash.js";
import { contractConfig } from "../contract-config.js";
import { request } from "../http.js";
import { freePorts } from "../ports.js";
import { until as untilDone } from "../until.js";

/** What the suite prepares for the handle: the Agent's layout, ports and lifecycle. */
export interface HandleEnvironment {
  prefix: string;
  layout: PrefixLayout;
  /** Where `nginx -t` runs (prepared like the Agent's own test prefix). */
  testPrefix: string;
  controlPort: number;
  lifecycle: NginxLifecycle;
  /** The serving master's pid, from <prefix>/tmp/nginx.pid. */
  masterPid(): number;
  /** Hashes of what the suite (as the Agent) pushed into nginx's shared dicts ("" = nothing). */
  pushedHashes(): { endpoints: string; certificates: string };
}

export interface HandleSubject {
  handle: NginxHandle;
  /** nginx dies unasked (SIGKILL to its master), and what its environment then does on its own
   * (the kubelet starts the nginx container again). */
  crash(): Promise<void>;
  /** What ends nginx after handle.stop(): the pod's termination of the nginx container; nothing
   * when nginx is the handle's own child. */
  shutdown(): Promise<void>;
  /** Printed when a wait times out (nginx's or its runner's output). */
  context(): string;
  cleanup(): Promise<void>;
}

const SLOW_BODY = "slow done";
const PUSH_HASH = "contract-endpoints";
const TEST_LIMIT_MS = 30_000;
/** Locations every contract config carries: its version, and a slow answer whose start is counted
 * in shared memory (so a test knows the request is in flight without sleeping). */
const contractLocations = (version: string) => `
    location = /version { return 200 "${version}"; }
    location = /slow { content_by_lua_block { ngx.shared.portico_state:incr("contract_inflight", 1, 0) ngx.sleep(1) ngx.print("${SLOW_BODY}") } }
    location = /inflight { content_by_lua_block { ngx.print(ngx.shared.portico_state:get("contract_inflight") or 0) } }`;

export function describeNginxHandle(name: string, make: (env: HandleEnvironment) => Promise<HandleSubject>): void {
  describe(`NginxHandle contract: ${name}`, () => {
    let env: HandleEnvironment;
    let subject: HandleSubject;
    let control: ControlClient;
    let httpPort: number;
    let defaultCert: PemPair;
    let pushed = "";
    /** The Agent's push of endpoints into shared memory (what a restart empties). */
    const push = async () => {
      await control.pushEndpoints({ web: [{ address: "127.0.0.1", port: 1 }] }, {}, PUSH_HASH);
      pushed = PUSH_HASH;
    };
    const lost: string[] = [];
    const fresh: boolean[] = [];
    const startErrors: string[] = [];
    const h = () => subject.handle;
    const until = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined) =>
      untilDone(what, fn, {
        timeoutMs: 30_000,
        context: () => `lost: ${JSON.stringify(lost)} fresh: ${JSON.stringify(fresh)} start errors: ${JSON.stringify(startErrors)}\n${subject.context()}`,
      });
    /** Restarts the handle reported: each loss, and each restart it found only afterwards. */
    const restartsReported = () => lost.length + fresh.filter((unseen) => unseen).length;

    const configText = (version: string, extra = "") =>
      contractConfig({ httpPort, controlPort: env.controlPort, routes: {}, workers: 2, extraServerText: contractLocations(version) + extra });
    const writeConfig = async (text: string) => await env.layout.writeConfig(sha256(text), text, defaultCert);
    const makeCurrent = async (text: string) => {
      await writeConfig(text);
      await env.layout.swapCurrent(sha256(text));
    };
    const get = async (path: string) => await request({ port: httpPort, path, hostHeader: "contract.test", timeoutMs: 20_000 });
    const version = async () => {
      const r = await get("/version");
      return r.status === 200 ? r.body : `HTTP ${r.status}`;
    };
    const answers = async () =>
      await control.state().then(
        (s) => s,
        () => undefined,
      );

    before(async () => {
      const prefix = mkdtempSync(join(tmpdir(), "portico-handle-"));
      const testPrefix = mkdtempSync(join(tmpdir(), "portico-handle-test-"));
      const [http, controlPort] = await freePorts(2);
      httpPort = http;
      const layout = new PrefixLayout(prefix);
      await layout.prepare(undefined, testPrefix);
      defaultCert = await ensureDefaultCertificate(layout.sslDir);
      control = new ControlClient(controlPort);
      env = {
        prefix,
        layout,
        testPrefix,
        controlPort,
        masterPid: () => Number(readFileSync(layout.pidFile, "utf8").trim()),
        pushedHashes: () => ({ endpoints: pushed, certificates: "" }),
        lifecycle: {
          lost: (message) => lost.push(message),
          fresh: (unseenRestart) => {
            fresh.push(unseenRestart);
            // The Agent's part: a handle that is not running (and has no restart scheduled) is
            // started; then everything is pushed again.
            void (async () => {
              if (!subject.handle.running && !subject.handle.restartPending) await subject.handle.start();
              await until("the control server answers", answers);
              await push();
            })().catch((e: Error) => startErrors.push(e.message));
          },
        },
      };
      subject = await make(env);
    });
    after(async () => {
      await subject?.cleanup();
      rmSync(env.prefix, { recursive: true, force: true });
      rmSync(env.testPrefix, { recursive: true, force: true });
    });

    test("start: nginx serves conf/current, and the handle reports it running", async () => {
      assert.equal(h().running, false, "not running before start()");
      await makeCurrent(configText("v1"));
      await h().start();
      await until("the control server answers", answers);
      await push();
      assert.equal(h().running, true);
      assert.equal(h().restartPending, false);
      assert.equal(await version(), "v1");
      assert.deepEqual({ lost, fresh }, { lost: [], fresh: [] }, "a start is no restart");
    });

    test("test: a good config passes; a refused one is reported with nginx's reason and the running config keeps serving", async () => {
      const master = env.masterPid();
      const generation = (await control.state()).generation;
      assert.deepEqual(await h().test(await writeConfig(configText("v-good")), TEST_LIMIT_MS), { ok: true, output: "" });
      const refused = await h().test(await writeConfig(configText("v-bad", `\n    location = /version { return 200 "twice"; }`)), TEST_LIMIT_MS);
      assert.equal(refused.ok, false);
      assert.match(refused.output, /duplicate location "\/version"/);
      const missing = await h().test(join(env.prefix, "no-such.conf"), TEST_LIMIT_MS);
      assert.equal(missing.ok, false, "a config that does not exist fails the test (and does not throw)");
      assert.match(missing.output, /no-such\.conf/);
      assert.equal(await version(), "v1", "testing never touches the running nginx");
      assert.equal((await control.state()).generation, generation);
      assert.equal(env.masterPid(), master);
    });

    test("test: a config test past its limit is killed and refused, naming the limit; the running config keeps serving", async () => {
      // 1 ms: spawning nginx alone takes longer, so the limit always hits first.
      const late = await h().test(await writeConfig(configText("v-late")), 1);
      assert.deepEqual(late, { ok: false, output: late.output });
      assert.match(late.output, /nginx -t did not finish within 1 ms/);
      assert.equal(await version(), "v1");
    });

    test("reload: the same master starts a new generation of workers serving the new conf/current; the old workers exit", async () => {
      const master = env.masterPid();
      const workersBefore = childPids(master);
      assert.ok(workersBefore.length > 0, "the master has workers");
      const generation = (await control.state()).generation;
      await makeCurrent(configText("v2"));
      await h().reload();
      await until("a new generation answers", async () => ((await answers())?.generation ?? 0) > generation || undefined);
      await until("the new config serves", async () => (await version()) === "v2" || undefined);
      assert.equal(env.masterPid(), master, "a reload keeps the master");
      await until("the old workers have exited", () => {
        const now = childPids(master);
        return now.length > 0 && !now.some((p) => workersBefore.includes(p)) ? true : undefined;
      });
      assert.deepEqual({ lost, fresh }, { lost: [], fresh: [] }, "a reload is no restart");
    });

    test("nginx dies: one restart reported, a fresh push asked for, and nginx serves conf/current again", async () => {
      const oldMaster = env.masterPid();
      await subject.crash();
      await until("nginx serves again", async () => (await version()) === "v2" || undefined);
      await until("a fresh nginx reported and pushed again", async () =>
        fresh.length > 0 && h().running && (await answers())?.endpointsHash === PUSH_HASH ? true : undefined,
      );
      assert.equal(restartsReported(), 1, `lost ${JSON.stringify(lost)}, fresh ${JSON.stringify(fresh)}`);
      for (const message of lost) assert.ok(message.length > 0, "a loss says why");
      assert.notEqual(env.masterPid(), oldMaster, "a new master");
      assert.equal(h().restartPending, false);
      assert.deepEqual(startErrors, []);
    });

    test("stop: in-flight requests finish, nothing is reported lost, and no nginx is left once its environment ends", async () => {
      const master = env.masterPid();
      const reported = { lost: lost.length, fresh: fresh.length };
      const inFlight = get("/slow");
      await until("the slow request is in flight", async () => ((await get("/inflight")).body === "1" ? true : undefined));
      await h().stop(10_000);
      await subject.shutdown();
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.equal(res.body, SLOW_BODY, "the in-flight request was answered in full");
      assert.equal(h().running, false);
      assert.equal(h().restartPending, false);
      assert.deepEqual({ lost: lost.length, fresh: fresh.length }, reported, "a stop is no loss");
      assert.equal(existsSync(`/proc/${master}`), false, "the master is gone");
      assert.equal(await answers(), undefined, "nothing answers on the control port");
    });
  });
}
