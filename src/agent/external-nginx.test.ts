// ExternalNginx (external mode: the pod's nginx container, reloaded through a FIFO) against the
// NginxHandle contract, with images/nginx/portico-nginx-run playing the nginx container.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../log.js";
import { describeNginxHandle } from "../testing/contracts/nginx-handle.js";
import { NginxRunner } from "../testing/nginx-runner.js";
import { AGENT_DEFAULTS } from "./agent.js";
import { ControlClient } from "./control-client.js";
import { ExternalNginx } from "./external-nginx.js";

describeNginxHandle("ExternalNginx (external mode, portico-nginx-run)", async (env) => {
  const runDir = mkdtempSync(join(tmpdir(), "portico-ext-handle-"));
  const fifo = join(runDir, "reload");
  // Both containers start together: the runner waits for the first conf/current.
  let runner = new NginxRunner(env.prefix, fifo);
  const handle = new ExternalNginx({
    nginxBinary: AGENT_DEFAULTS.nginxBinary,
    prefix: env.testPrefix,
    reloadFifo: fifo,
    control: new ControlClient(env.controlPort),
    logger: silentLogger(),
    timeoutMs: 10_000,
    pollMs: 100,
    pushedHashes: env.pushedHashes,
    lifecycle: env.lifecycle,
  });
  return {
    handle,
    async crash() {
      process.kill(env.masterPid(), "SIGKILL");
      await runner.exited;
      runner.killGroup(); // the container's end takes the orphaned workers with it
      runner = new NginxRunner(env.prefix, fifo); // the kubelet restarts the container
    },
    async shutdown() {
      // The pod's termination: portico-nginx-run drains nginx (SIGQUIT) and exits 0.
      assert.deepEqual(await runner.terminate(15_000), { code: 0, signal: null });
      assert.match(runner.output, /draining nginx/);
    },
    context: () => `portico-nginx-run output:\n${runner.output.slice(-2000)}`,
    async cleanup() {
      await handle.stop();
      await runner.terminate();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
});
