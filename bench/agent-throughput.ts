// Benchmark: proxied throughput through the rendered config (core's build() applied by the agent)
// against a hand-written nginx with the same behaviour (same headers, same keep-alive; see
// bench/support/throughput.ts for what makes the comparison fair), and what the JSON access log costs.
// Run: npx tsx bench/agent-throughput.ts   (DURATION=5s ROUNDS=5 CONNECTIONS=50 THREADS=2)
import { DEFAULT_WRK, measureRounds, median, startThroughputRig, wrk, type WrkOptions } from "./support/throughput.js";

const o: WrkOptions = {
  duration: process.env.DURATION ?? DEFAULT_WRK.duration,
  connections: Number(process.env.CONNECTIONS ?? DEFAULT_WRK.connections),
  threads: Number(process.env.THREADS ?? DEFAULT_WRK.threads),
};
const rounds = Number(process.env.ROUNDS ?? 5);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

async function main() {
  const rig = await startThroughputRig();
  try {
    const r = measureRounds(rig, rounds, o);
    console.log(`proxied throughput, ${r.command}, backend nginx return 200 on 127.0.0.3, 1 worker each, ${rounds} interleaved rounds:`);
    r.rounds.forEach((x, i) =>
      console.log(
        `  round ${i + 1}: same-behaviour hand-written ${x.sameBehaviour.rps.toFixed(0)} req/s (${x.sameBehaviour.cpuUsPerRequest.toFixed(1)} us CPU/req), ` +
          `rendered ${x.rendered.rps.toFixed(0)} req/s (${x.rendered.cpuUsPerRequest.toFixed(1)} us CPU/req), ratio ${pct(x.rendered.rps / x.sameBehaviour.rps)}; ` +
          `minimal (Host only) ${x.minimal.rps.toFixed(0)} req/s` +
          `${x.rendered.errors || x.sameBehaviour.errors ? ` (errors: ${x.sameBehaviour.errors} ${x.rendered.errors})` : ""}`,
      ),
    );
    console.log(`  median throughput ratio rendered / hand-written same behaviour: ${pct(r.ratio)}; target >= 95%: ${r.ratio >= 0.95 ? "MET" : "NOT MET"}`);
    console.log(`  median CPU-efficiency ratio (hand-written CPU/req over rendered CPU/req): ${pct(r.cpuRatio)}`);
    console.log(`  median rendered / minimal Host-only proxy (for context): ${pct(r.ratioToMinimal)}`);

    // The JSON access log (on by default): rendered with log over rendered without, buffered (the
    // default) and not, interleaved per round.
    const logged = { buffered: [] as number[], unbuffered: [] as number[], bufferedToSame: [] as number[] };
    for (let i = 1; i <= rounds; i++) {
      await rig.setSettings({ accessLog: false });
      const off = wrk(rig.rendered.port, o, rig.rendered.workers);
      const same = wrk(rig.sameBehaviour.port, o, rig.sameBehaviour.workers);
      await rig.setSettings({ accessLog: true });
      const buf = wrk(rig.rendered.port, o, rig.rendered.workers);
      await rig.setSettings({ accessLog: true, accessLogBufferKiB: 0 });
      const unbuf = wrk(rig.rendered.port, o, rig.rendered.workers);
      logged.buffered.push(buf.rps / off.rps);
      logged.unbuffered.push(unbuf.rps / off.rps);
      logged.bufferedToSame.push(buf.rps / same.rps);
      console.log(
        `  round ${i}: rendered without log ${off.rps.toFixed(0)}, with buffered JSON log ${buf.rps.toFixed(0)}, with unbuffered JSON log ${unbuf.rps.toFixed(0)}, ` +
          `hand-written same behaviour without log ${same.rps.toFixed(0)} req/s`,
      );
    }
    const b = median(logged.buffered);
    console.log(
      `  median JSON access log throughput, buffered (default 64k, flush 1s) / no log: ${pct(b)} (cost under 10%: ${b >= 0.9 ? "MET" : "NOT MET"}); ` +
        `unbuffered / no log: ${pct(median(logged.unbuffered))}`,
    );
    console.log(`  median rendered with buffered JSON log / hand-written same behaviour without log: ${pct(median(logged.bufferedToSame))}`);
    console.log(`  load average at the end: ${r.loadAverage.map((x) => x.toFixed(2)).join(" ")} on ${r.cores} cores`);
  } finally {
    await rig.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
