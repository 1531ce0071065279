// Benchmark: an endpoint change applied to nginx. Time from agent.apply(new state) to the first
// request answered by the new pod, over 50 changes alternating between two pods; reloads must stay
// 0 and the nginx master and workers unchanged. Target: median < 100 ms.
// Then the push itself at scale: PUSH_UPSTREAMS upstreams of 4 endpoints each posted to the Lua
// control server (decode, validate, store in the shared dict), median of PUSHES pushes.
// Run: npx tsx bench/agent-endpoint-change.ts   (part of `npm run bench:agent`)
import { ControlClient } from "../src/agent/control-client.js";
import type { UpstreamEndpoint } from "../src/core/contract.js";
import type { EchoReply } from "../src/testing/echo.js";
import { request } from "../src/testing/http.js";
import { Harness, World } from "../src/testing/world.js";

const CHANGES = Number(process.env.CHANGES ?? 50);
const PUSH_UPSTREAMS = Number(process.env.PUSH_UPSTREAMS ?? 5000);
const PUSHES = Number(process.env.PUSHES ?? 20);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const h = await Harness.start();
  const w = new World();
  try {
    await w.service("web", { pods: 2 });
    w.ingress("web", {
      rules: [{ host: "bench.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
    });
    const [s0, s1] = [w.slices.find((s) => s.metadata.name === "web-0")!, w.slices.find((s) => s.metadata.name === "web-1")!];
    const only = (ready: 0 | 1) => {
      s0.endpoints![0].conditions = { ready: ready === 0 };
      s1.endpoints![0].conditions = { ready: ready === 1 };
    };
    only(0);
    await h.apply(w);
    const pidsBefore = JSON.stringify(h.fx.agent.processIds());
    const reloadsBefore = h.fx.agent.status().reloads;
    const times: number[] = [];
    for (let i = 1; i <= CHANGES; i++) {
      const target = (i % 2) as 0 | 1;
      only(target);
      const t0 = performance.now();
      await h.apply(w); // includes core's build() of this small world, as the controller would
      for (;;) {
        const r = await request({ port: h.httpPort, hostHeader: "bench.example.com", path: "/" });
        if (r.json<EchoReply>().pod === `web-${target}`) break;
      }
      times.push(performance.now() - t0);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const reloads = h.fx.agent.status().reloads - reloadsBefore;
    const samePids = JSON.stringify(h.fx.agent.processIds()) === pidsBefore;
    console.log(`endpoint change -> traffic on the new pod, ${CHANGES} changes:`);
    console.log(`  median ${pct(sorted, 50).toFixed(1)} ms, p99 ${pct(sorted, 99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`);
    console.log(`  reloads during the run: ${reloads}; nginx master and workers unchanged: ${samePids}`);
    console.log(`  target median < 100 ms with 0 reloads: ${pct(sorted, 50) < 100 && reloads === 0 && samePids ? "MET" : "NOT MET"}`);

    // The push alone, at scale (the last push wins; the run is over).
    const big: Record<string, UpstreamEndpoint[]> = {};
    for (let u = 0; u < PUSH_UPSTREAMS; u++) {
      big[`ns${u % 97}-svc${u}-80`] = [1, 2, 3, 4].map((e) => ({ address: `10.${(u >> 8) & 255}.${u & 255}.${e}`, port: 8080 }));
    }
    const control = new ControlClient(h.fx.controlPort);
    const pushTimes: number[] = [];
    for (let i = 0; i < PUSHES; i++) {
      const t0 = performance.now();
      await control.pushEndpoints(big, {}, `bench-${i}`);
      pushTimes.push(performance.now() - t0);
    }
    const ps = [...pushTimes].sort((a, b) => a - b);
    const bytes = Buffer.byteLength(JSON.stringify(big));
    console.log(`endpoint push of ${PUSH_UPSTREAMS} upstreams x 4 endpoints (${(bytes / 1024).toFixed(0)} KiB JSON), ${PUSHES} pushes:`);
    console.log(`  median ${pct(ps, 50).toFixed(1)} ms, p99 ${pct(ps, 99).toFixed(1)} ms`);
  } finally {
    await h.stop();
    await w.stopPods();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
