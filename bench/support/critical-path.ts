// Where the time between `kubectl apply` and the first 200 goes, read from the logs of one local
// run: the controller's "rebuild done" / "desired state published" and the agent's "desired state
// received" / "pushed ahead" lines (winston JSON, millisecond timestamps). For each sample, walking
// back from its first 200: the push ahead that made it answer, the state it pushed, the publish of
// that state and the rebuild that published it.
import { readFileSync } from "node:fs";
import { percentile } from "./stats.js";

interface Line {
  message: string;
  timestamp: string;
  [k: string]: unknown;
}

function lines(file: string, messages: string[]): (Line & { t: number })[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => messages.some((m) => l.includes(`"${m}"`)))
    .flatMap((l) => {
      try {
        const j = JSON.parse(l) as Line;
        return [{ ...j, t: Date.parse(j.timestamp) }];
      } catch {
        return [];
      }
    });
}

export interface Sample {
  /** Date.now() when `kubectl apply` started, and when the first 200 came. */
  t0: number;
  t200: number;
}

export type Phases = Record<"toRebuildStart" | "rebuild" | "build" | "publish" | "status" | "toAgent" | "toPushed" | "to200", number>;

/** The phases of each sample (undefined where a line is missing). */
export function criticalPath(controllerLog: string, agentLog: string, samples: Sample[]): (Phases | undefined)[] {
  const ctl = lines(controllerLog, ["rebuild done", "desired state published"]);
  const agent = lines(agentLog, ["desired state received", "pushed ahead", "config applied"]);
  const lastBefore = <T extends { t: number }>(xs: T[], t: number, f: (x: T) => boolean) => xs.filter((x) => x.t <= t && f(x)).at(-1);
  return samples.map(({ t0, t200 }) => {
    // What made it answer: the last push ahead, or config applied (a reload), before the 200.
    const made = lastBefore(agent, t200, (l) => l.message === "pushed ahead" || l.message === "config applied");
    if (!made) return undefined;
    const received = lastBefore(agent, made.t, (l) => l.message === "desired state received");
    const pub = received && lastBefore(ctl, received.t, (l) => l.message === "desired state published");
    const done = pub && ctl.find((l) => l.message === "rebuild done" && l.t >= pub.t);
    if (!received || !pub || !done) return undefined;
    const start = done.t - Number(done.durationMs);
    return {
      toRebuildStart: start - t0,
      rebuild: done.t - start,
      build: Number(done.buildMs ?? NaN),
      publish: Number(done.publishMs ?? NaN),
      status: Number(done.statusMs ?? NaN),
      toAgent: received.t - pub.t,
      toPushed: made.t - received.t,
      to200: t200 - made.t,
    };
  });
}

/** p50 of each phase over the samples that have one. */
export function phaseMedians(all: (Phases | undefined)[]): Partial<Phases> & { n: number } {
  const ok = all.filter((p): p is Phases => !!p);
  const out: Partial<Phases> & { n: number } = { n: ok.length };
  if (!ok.length) return out;
  for (const k of Object.keys(ok[0]!) as (keyof Phases)[]) {
    const v = ok
      .map((p) => p[k])
      .filter((x) => Number.isFinite(x))
      .sort((a, b) => a - b);
    if (v.length) out[k] = Math.round(percentile(v, 50));
  }
  return out;
}
