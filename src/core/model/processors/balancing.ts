// Balancing: per-upstream policies (affinity, upstream-hash-by, load-balance) and canaries, as
// ingress-nginx sets them on its backends: upstream-wide, each setting from the oldest Ingress
// that sets it, and a canary Ingress's host+path pairs adding its backend as the alternative of
// the main Ingress's backend there. The result goes into model.balancing, pushed with the
// endpoints (never into nginx.conf), so none of it reloads nginx.
//
// A canary Ingress serves no route of its own: its staged rules and default backend are taken out
// in `process` (so no later processor commits them) and matched against the main routes in `finish`.

import type { AnnotationValues } from "../../annotations/registry.js";
import type { CanaryPolicy, CookieAffinity, UpstreamBalancing } from "../../contract.js";
import type { BuildContext } from "../context.js";
import type { LocationModel, Model } from "../types.js";
import type { IngressWork, Processor, StagedRule } from "./types.js";

const DEFAULT_COOKIE_NAME = "INGRESSCOOKIE";

interface CanaryDraft {
  work: IngressWork;
  rules: StagedRule[];
}

interface BuildState {
  /** Non-canary Ingresses in commit order (oldest first): their age decides who sets a policy. */
  rank: Map<string, number>;
  canaries: CanaryDraft[];
}

// Per-build state, keyed by the build's context (builds are synchronous and independent).
const states = new WeakMap<BuildContext, BuildState>();
const stateOf = (ctx: BuildContext): BuildState => {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = { rank: new Map(), canaries: [] }));
  return s;
};

const CANARY_KEYS = ["canaryByHeader", "canaryByHeaderValue", "canaryByHeaderPattern", "canaryByCookie", "canaryWeight"] as const;

export const balancingProcessor: Processor = {
  name: "balancing",
  process(ctx, work) {
    const ann = work.ann;
    if (ann.canary !== true) {
      // ingress-nginx refuses canary rules without canary: "true"; they would silently do nothing.
      const stray = CANARY_KEYS.filter((k) => ann[k] !== undefined && !(k === "canaryWeight" && ann[k] === 0));
      if (stray.length) ctx.report(work.ingress, "CanaryNotEnabled", `canary settings (${stray.join(", ")}) without canary: "true" are ignored`);
      return;
    }
    if (work.defaultBackend) {
      ctx.report(work.ingress, "CanaryUnsupported", "spec.defaultBackend of a canary Ingress is not supported (only host+path rules); ignored");
      work.defaultBackend = undefined;
    }
    stateOf(ctx).canaries.push({ work, rules: work.rules });
    work.rules = [];
  },
  commit(ctx, work) {
    if (work.ann.canary === true) return;
    const s = stateOf(ctx);
    s.rank.set(work.key, s.rank.size);
  },
  finish(ctx, model) {
    const s = stateOf(ctx);
    model.balancing = balancingOf(ctx, model, s);
    states.delete(ctx);
  },
};

interface Use {
  host: string;
  loc: LocationModel;
  rank: number;
  ann: AnnotationValues;
}

function balancingOf(ctx: BuildContext, model: Model, s: BuildState): Record<string, UpstreamBalancing> {
  // Every proxied location (and host fallback) by upstream, oldest Ingress first.
  const uses = new Map<string, Use[]>();
  const add = (host: string, loc: LocationModel, owner: string | undefined, ann: AnnotationValues) => {
    if (loc.action.kind !== "proxy" || owner === undefined) return;
    const list = uses.get(loc.action.upstream) ?? [];
    list.push({ host, loc, rank: s.rank.get(owner) ?? Number.MAX_SAFE_INTEGER, ann });
    uses.set(loc.action.upstream, list);
  };
  for (const [host, h] of ctx.hosts) for (const { loc, owner, ann } of h.locations.values()) add(host, loc, owner, ann);
  const fallbacks: [string, LocationModel][] = [
    ...model.servers.map((sv) => [sv.host, sv.fallback] as [string, LocationModel]),
    ["", model.defaultServer.fallback],
  ];
  for (const [host, loc] of fallbacks) {
    const fb = host === "" ? ctx.catchAll : ctx.hosts.get(host)?.fallback;
    if (fb) add(host, loc, `${fb.ingress.metadata.namespace ?? ""}/${fb.ingress.metadata.name}`, fb.ann);
  }

  const out: Record<string, UpstreamBalancing> = {};
  for (const [upstream, list] of uses) {
    list.sort((a, b) => a.rank - b.rank);
    const b: UpstreamBalancing = {};
    const lb = list.find((u) => u.ann.loadBalance !== undefined)?.ann.loadBalance;
    if (lb && lb !== "round_robin") b.loadBalance = lb;
    const hasher = list.find((u) => u.ann.upstreamHashBy !== undefined)?.ann;
    if (hasher?.upstreamHashBy) {
      b.hashBy = hasher.upstreamHashBy;
      if (hasher.upstreamHashBySubset) b.hashSubsetSize = hasher.upstreamHashBySubsetSize ?? 3;
    }
    const sticky = list.filter((u) => u.ann.affinity === "cookie");
    if (sticky.length) b.affinity = affinityOf(sticky);
    if (Object.keys(b).length) out[upstream] = b;
  }

  for (const c of s.canaries) mergeCanary(ctx, model, c, out);
  return out;
}

function affinityOf(sticky: Use[]): CookieAffinity {
  const a = sticky[0]!.ann; // the oldest Ingress with affinity sets the cookie
  const locations: Record<string, string[]> = {};
  for (const u of sticky) {
    const p = u.loc.match === "regex" ? "~" : u.loc.path;
    const list = (locations[u.host] ??= []);
    if (!list.includes(p)) list.push(p);
  }
  for (const list of Object.values(locations)) list.sort();
  const c: CookieAffinity = { mode: a.affinityMode ?? "balanced", name: a.sessionCookieName ?? DEFAULT_COOKIE_NAME, locations };
  if (a.sessionCookiePath !== undefined) c.path = a.sessionCookiePath;
  if (a.sessionCookieDomain !== undefined) c.domain = a.sessionCookieDomain;
  if (a.sessionCookieExpires !== undefined) c.expires = a.sessionCookieExpires;
  if (a.sessionCookieMaxAge !== undefined) c.maxAge = a.sessionCookieMaxAge;
  if (a.sessionCookieSameSite !== undefined) c.sameSite = a.sessionCookieSameSite;
  if (a.sessionCookieConditionalSameSiteNone) c.conditionalSameSiteNone = true;
  if (a.sessionCookieSecure !== undefined) c.secure = a.sessionCookieSecure;
  if (a.sessionCookieChangeOnFailure) c.changeOnFailure = true;
  return c;
}

function mergeCanary(ctx: BuildContext, model: Model, c: CanaryDraft, out: Record<string, UpstreamBalancing>): void {
  const ing = c.work.ingress;
  const ann = c.work.ann;
  for (const rule of c.rules) {
    for (const p of rule.paths) {
      const where = `${p.what} (${p.field})`;
      if (p.loc.action.kind !== "proxy") {
        ctx.report(ing, "CanaryInvalid", `${where}: a canary must proxy to a Service (redirect annotations do not apply); ignored`);
        continue;
      }
      const alt = p.loc.action.upstream;
      const main = ctx.hosts.get(rule.host)?.locations.get(p.key);
      if (!main || main.loc.action.kind !== "proxy") {
        ctx.report(ing, "CanaryWithoutMain", `${where}: no main Ingress serves this host and path with a Service; the canary is ignored there`);
        continue;
      }
      const primary = main.loc.action.upstream;
      if (primary === alt) {
        ctx.report(ing, "CanaryInvalid", `${where}: the canary's backend is the main Ingress's own backend; ignored`);
        continue;
      }
      const b = (out[primary] ??= {});
      if (b.canary) {
        if (b.canary.upstream !== alt)
          ctx.report(ing, "CanaryConflict", `${where}: backend ${primary} already has canary ${b.canary.upstream} (one canary per backend); ignored`);
        continue;
      }
      b.canary = canaryPolicy(alt, ann);
      // The canary's endpoints travel with the primary's (the balancer routes to them).
      model.endpoints[alt] = ctx.upstreams.resolved.get(alt)?.endpoints ?? [];
      // As ingress-nginx: the canary shares the primary's affinity, so sessions stay on their side.
      if (b.affinity && ann.affinityCanaryBehavior !== "legacy") out[alt] = { ...out[alt], affinity: b.affinity };
    }
  }
}

function canaryPolicy(upstream: string, ann: AnnotationValues): CanaryPolicy {
  // ingress-nginx: totals below 100 count as 100; a weight above the total always picks the canary.
  const weightTotal = ann.canaryWeightTotal !== undefined && ann.canaryWeightTotal > 100 ? ann.canaryWeightTotal : 100;
  const p: CanaryPolicy = { upstream, weight: Math.min(ann.canaryWeight ?? 0, weightTotal), weightTotal };
  if (ann.canaryByHeader !== undefined) {
    p.header = ann.canaryByHeader;
    if (ann.canaryByHeaderValue !== undefined) p.headerValue = ann.canaryByHeaderValue;
    else if (ann.canaryByHeaderPattern !== undefined) p.headerPattern = ann.canaryByHeaderPattern;
  }
  if (ann.canaryByCookie !== undefined) p.cookie = ann.canaryByCookie;
  return p;
}
