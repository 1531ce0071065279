// Benchmark: the worst regex path the grammar admits, in worker CPU per request, on real nginx
// (pcre_jit on, as rendered) with the per-host cap of regex locations on one host. Candidates are
// generated pathological shapes (bounded and unbounded quantifiers in a row, quantified groups,
// alternations, long classes, the maximum path length); each one the grammar refuses is listed as
// refused. For each admitted candidate the host gets LIMITS.regexPathsPerHost variants (distinct
// suffixes) and requests whose URI makes every one of them backtrack without matching; the
// figure is nginx worker CPU (/proc/<pid>/schedstat) per request, beside a request the regexes
// reject at once. Run: npm run bench:regex (prints JSON lines, then a summary).
import { readFileSync } from "node:fs";
import net from "node:net";
import { cpus, loadavg } from "node:os";
import { build } from "../src/core/build.js";
import { LIMITS } from "../src/core/limits.js";
import type { Settings } from "../src/core/settings.js";
import { validatePath } from "../src/core/validate.js";
import { ingress, path, service, slice, snapshot } from "../src/core/test-objects.js";
import { startAgentFixture } from "../src/testing/agent-fixture.js";
import { freePorts } from "../src/testing/ports.js";

const N = Number(process.env.PORTICO_REGEX_REQUESTS ?? 10);
const URI_LENGTH = Number(process.env.PORTICO_REGEX_URI ?? 8100); // the longest that fits nginx's 8k request line
const MAX_PATH = 1024;

/** A regex shape; `i` makes the LIMITS.regexPathsPerHost variants distinct. */
interface Candidate {
  name: string;
  regex: (i: number) => string;
  /** A URI that makes it backtrack the most and fail. */
  attack: string;
}
const tail = (i: number) => `_${i}`;
const most = (unit: string, room: number) => Math.floor(room / unit.length);
// PCRE2 fails at once when a required character is missing, so the URI holds every digit the
// suffixes need, just not after the "_": every variant backtracks through all the a's, then fails.
const A = "a".repeat(URI_LENGTH) + "9876543210_x";
const CANDIDATES: Candidate[] = [
  // At the limits of regex-cost.ts: one ambiguous unbounded quantifier and about 64 passes.
  { name: "one ambiguous .* + [a-z]{0,55} (the budget)", regex: (i) => `/.*[a-z]{0,55}${tail(i)}`, attack: `/${A}` },
  { name: "one ambiguous .+ + 58 literals (the budget)", regex: (i) => `/.+${"a".repeat(58)}${tail(i)}`, attack: `/${A}` },
  { name: "bounded {0,255}{0,255}", regex: (i) => `/[a-z]{0,255}[a-z]{0,255}${tail(i)}`, attack: `/${A}` },
  { name: "17 optionals (the budget)", regex: (i) => `/${"a?".repeat(17)}${tail(i)}`, attack: `/${A}` },
  { name: "16 ambiguous alternations (a|aa) (the budget)", regex: (i) => `/${"(?:a|aa)".repeat(16)}${tail(i)}`, attack: `/${A}` },
  {
    name: "unambiguous unbounded to the cap ([^/]*/)",
    regex: (i) => `/${"[^/]*/".repeat(60)}${tail(i)}`,
    attack: `/${"a/".repeat(URI_LENGTH / 2)}9876543210_x`,
  },
  {
    name: "alternation, not quantified",
    regex: (i) => `/(?:${Array.from({ length: 120 }, (_, k) => "a".repeat(1 + (k % 7))).join("|")})${tail(i)}`,
    attack: `/${A}`,
  },
  { name: "quantified groups (?:aa){0,127} x2", regex: (i) => `/(?:aa){0,127}(?:aa){0,127}${tail(i)}`, attack: `/${A}` },
  // Refused shapes, listed for the record.
  { name: "two unbounded (.*.*) (refused)", regex: (i) => `/.*.*${tail(i)}`, attack: `/${A}` },
  { name: "two unbounded classes (refused)", regex: (i) => `/[a-z]*[a-z]*${tail(i)}`, attack: `/${A}` },
  { name: "1 unbounded + {0,63} (refused)", regex: (i) => `/.*[a-z]{0,63}${tail(i)}`, attack: `/${A}` },
  {
    name: "bounded dots {0,255} to the length cap (refused)",
    regex: (i) => `/${".{0,255}".repeat(most(".{0,255}", MAX_PATH - 8))}${tail(i)}`,
    attack: `/${A}`,
  },
  { name: "(a|aa)+$ (refused)", regex: (i) => `/(a|aa)+$${tail(i)}`, attack: `/${A}` },
  { name: "(a+)+ (refused)", regex: (i) => `/(a+)+${tail(i)}`, attack: `/${A}` },
];

function cpuNs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
}

/** The worker of the config just applied (old generations show "is shutting down"). */
async function currentWorker(): Promise<number> {
  for (let t = 0; t < 100; t++) {
    const live = fx.agent.processIds().workers.filter((p) => {
      try {
        return !readFileSync(`/proc/${p}/cmdline`, "utf8").includes("shutting down");
      } catch {
        return false;
      }
    });
    if (live.length === 1) return live[0]!;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no single live nginx worker");
}

function get(port: number, uri: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let data = "";
    s.setTimeout(30_000, () => s.destroy(new Error("timeout")));
    s.on("connect", () => s.write(`GET ${uri} HTTP/1.1\r\nHost: bench.example\r\nConnection: close\r\n\r\n`));
    s.on("data", (d) => (data += d.toString("latin1")));
    s.on("end", () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0)));
    s.on("error", reject);
  });
}

async function perRequest(port: number, pid: number, uri: string, n: number): Promise<{ cpuMsPerRequest: number; status: number; wallMsPerRequest: number }> {
  await get(port, uri); // warm (JIT compiled at config load; first request allocations)
  const c0 = cpuNs(pid);
  const t0 = performance.now();
  let status = 0;
  for (let k = 0; k < n; k++) status = await get(port, uri);
  return { cpuMsPerRequest: (cpuNs(pid) - c0) / 1e6 / n, status, wallMsPerRequest: (performance.now() - t0) / n };
}

const fx = await startAgentFixture();
const [defaultBackendPort, probePort, httpsInternalPort, passthroughInternalPort] = await freePorts(4);
const options = {
  listenAddress: "127.0.0.1",
  httpPort: fx.httpPort,
  httpsPort: fx.httpsPort,
  controlPort: fx.controlPort,
  defaultBackendPort,
  probePort,
  httpsInternalPort,
  passthroughInternalPort,
};
const results: Record<string, unknown>[] = [];
try {
  for (const c of CANDIDATES) {
    const regexes = Array.from({ length: LIMITS.regexPathsPerHost }, (_, i) => c.regex(i));
    const refused = regexes.map((r) => validatePath(r, "ImplementationSpecific", true)).find((e) => e !== undefined);
    if (refused) {
      results.push({ candidate: c.name, admitted: false, reason: refused });
      console.log(JSON.stringify(results.at(-1)));
      continue;
    }
    const ing = ingress("bench", [{ host: "bench.example", paths: regexes.map((r) => path(r, "ImplementationSpecific", "svc")) }], {
      annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" },
    });
    const r = build(
      snapshot({
        ingresses: [ing],
        services: [service("svc")],
        endpointSlices: [slice("svc", ["127.0.0.1"], 9)],
        settings: { workerProcesses: 1, accessLog: false } as Settings,
      }),
      options,
    );
    if (r.servedIngresses.length !== 1) throw new Error(`${c.name}: not served: ${JSON.stringify(r.diagnostics)}`);
    const status = await fx.agent.apply(r.state);
    if (status.appliedHashes.config !== r.state.hashes.config) {
      // Admitted, but nginx -t refuses it (contained per Ingress by the controller, e2e/containment.test.ts).
      results.push({
        candidate: c.name,
        admitted: true,
        regexLength: regexes[0]!.length,
        nginxRefused: status.lastError?.message
          .split("\n")[0]
          ?.replace(/^.*\[emerg\] \S+ /, "")
          .slice(0, 120),
      });
      console.log(JSON.stringify(results.at(-1)));
      continue;
    }
    const pid = await currentWorker();
    const quick = await perRequest(fx.httpPort, pid, "/b", N);
    let attack;
    try {
      attack = await perRequest(fx.httpPort, pid, c.attack, N);
    } catch (err) {
      results.push({ candidate: c.name, admitted: true, regexLength: regexes[0]!.length, failed: `${(err as Error).message} (over 30 s for one request)` });
      console.log(JSON.stringify(results.at(-1)));
      await fx.agent.stop(1000).catch(() => undefined);
      break; // nginx is busy for minutes: nothing after this is measurable
    }
    results.push({
      candidate: c.name,
      admitted: true,
      regexLength: regexes[0]!.length,
      regexes: regexes.length,
      uriLength: c.attack.length,
      attackStatus: attack.status,
      cpuMsPerRequest: Number(attack.cpuMsPerRequest.toFixed(3)),
      wallMsPerRequest: Number(attack.wallMsPerRequest.toFixed(3)),
      quickCpuMsPerRequest: Number(quick.cpuMsPerRequest.toFixed(3)),
    });
    console.log(JSON.stringify(results.at(-1)));
  }
} finally {
  await fx.stop();
}
const admitted = results.filter((x) => x.admitted && x.cpuMsPerRequest !== undefined) as { candidate: string; cpuMsPerRequest: number }[];
const worst = admitted.sort((a, b) => b.cpuMsPerRequest - a.cpuMsPerRequest)[0];
console.log(
  JSON.stringify({
    worst: worst?.candidate,
    cpuMsPerRequest: worst?.cpuMsPerRequest,
    regexPathsPerHost: LIMITS.regexPathsPerHost,
    requests: N,
    loadavg: loadavg().map((x) => Number(x.toFixed(2))),
    cpus: cpus().length,
  }),
);
