// Benchmark: the data plane at scale (default 10,000 Ingresses / 20,000 paths / 2,000 TLS hosts),
// agent and real nginx, no cluster: the build of the config, `nginx -t`, a reload (time and memory
// per worker generation) and apply -> first 200 of new plain hosts (dynamic routes, before the
// reload), applied one after another without waiting for reloads, while another host is polled.
// Run: npx tsx bench/agent-scale.ts   (INGRESSES=10000 TLS=2000 NEW=10)
import { join } from "node:path";
import { cpus, loadavg } from "node:os";
import { makeCertificate } from "../src/testing/certs.js";
import { startPlainNginx, returnOkConfig } from "../src/testing/nginx.js";
import { freePort } from "../src/testing/ports.js";
import { request } from "../src/testing/http.js";
import { Harness } from "../src/testing/world.js";
import {
  buildState,
  generationMemory,
  measureConfigTest,
  measureNewHostTo200,
  measureReload,
  scaleHost,
  scaleSnapshot,
  type ScaleShape,
} from "./support/reload-cost.js";

const shape: ScaleShape = {
  ingresses: Number(process.env.INGRESSES ?? 10_000),
  pathsPerIngress: 2,
  tlsHosts: Number(process.env.TLS ?? 2_000),
};
const NEW = Number(process.env.NEW ?? 10);
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function main() {
  const backendAddress = "127.0.0.3";
  const backendPort = await freePort(backendAddress);
  const backend = await startPlainNginx(returnOkConfig(backendAddress, backendPort, 1), { host: backendAddress, port: backendPort });
  const h = await Harness.start({ reloadTimeoutMs: 120_000 });
  const cert = makeCertificate(["*.scale.example.com"]);
  const be = { address: backendAddress, port: backendPort };
  try {
    const first = buildState(scaleSnapshot(shape, be, cert), h.renderOptions);
    console.log(
      `scale: ${shape.ingresses} Ingresses, ${shape.ingresses * shape.pathsPerIngress} paths, ${shape.tlsHosts} TLS hosts; ` +
        `config ${(first.state.config.length / 1024 / 1024).toFixed(1)} MiB, build ${first.buildMs.toFixed(0)} ms`,
    );
    let t0 = performance.now();
    const st = await h.fx.agent.apply(first.state);
    if (st.lastError) throw new Error(st.lastError.message);
    console.log(`  first apply (nginx -t + start): ${(performance.now() - t0).toFixed(0)} ms`);
    const conf = join(h.fx.prefix, "conf", "current", "nginx.conf");
    const tests = [measureConfigTest(conf, h.fx.agent.testPrefix)];
    console.log(`  nginx -t of that config: ${tests.map((x) => x.toFixed(0)).join(", ")} ms`);
    console.log(`  worker generation at rest: ${JSON.stringify(generationMemory(h.fx.agent.processIds().workers))}`);

    // A config-only change (a setting): one full reload.
    const changed = buildState(scaleSnapshot(shape, be, cert, 0, { keepaliveRequests: 1001 }), h.renderOptions);
    const reload = await measureReload(h.fx.agent, changed.state);
    console.log(`  reload (apply of a config change: nginx -t + HUP + new workers answer): ${reload.applyMs.toFixed(0)} ms, reloads ${reload.reloads}`);
    console.log(`  worker generation before ${JSON.stringify(reload.before)}, after ${JSON.stringify(reload.after)}, master RSS ${reload.masterRssMiB} MiB`);

    // New plain hosts, one after another, each while the reloads of the earlier ones may still run.
    const states = [];
    t0 = performance.now();
    for (let i = 1; i <= NEW; i++) states.push(buildState(scaleSnapshot(shape, be, cert, i, { keepaliveRequests: 1001 }), h.renderOptions).state);
    console.log(`  ${NEW} states built in ${(performance.now() - t0).toFixed(0)} ms (not timed below: the controller's part)`);
    let otherFailures = 0;
    let otherRequests = 0;
    let stop = false;
    const others = (async () => {
      while (!stop) {
        const r = await request({ port: h.httpPort, hostHeader: scaleHost(shape.ingresses - 1) }).catch(() => undefined);
        otherRequests++;
        if (r?.status !== 200) otherFailures++;
        await new Promise((res) => setTimeout(res, 10));
      }
    })();
    const samples: number[] = [];
    let reloadedBefore = 0;
    let last: Promise<unknown> = Promise.resolve();
    for (let i = 1; i <= NEW; i++) {
      const r = await measureNewHostTo200(h.fx.agent, states[i - 1]!, scaleHost(shape.ingresses + i - 1), h.httpPort);
      samples.push(r.ms);
      if (r.reloadedBefore) reloadedBefore++;
      last = r.applied;
    }
    t0 = performance.now();
    await last;
    const drain = performance.now() - t0;
    stop = true;
    await others;
    console.log(
      `  new plain host apply -> first 200: n=${samples.length} p50=${q(samples, 50).toFixed(0)} ms p99=${q(samples, 99).toFixed(0)} ms max=${Math.max(...samples).toFixed(0)} ms ` +
        `(${reloadedBefore} of them after a reload had happened meanwhile); last reload done ${drain.toFixed(0)} ms after the last 200; reloads ${h.fx.agent.status().reloads}`,
    );
    console.log(`  requests to another host meanwhile: ${otherRequests}, failed ${otherFailures}`);
    console.log(
      `  load average at the end: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")} on ${cpus().length} cores`,
    );
  } finally {
    await h.stop();
    await backend.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
