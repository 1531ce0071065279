// Paths: each path of a staged rule becomes a location (validated for its pathType, with its
// action: a redirect annotation or the proxied backend). At commit, a host+path already taken by
// an older Ingress (or twice by this one) keeps the first and reports the later (a Warning; as
// ingress-nginx, which serves the oldest Ingress's, and an Ingress's first, declaration).

import type { AnnotationValues } from "../../annotations/registry.js";
import type { HTTPIngressPath, Ingress } from "../../k8s-types.js";
import { show } from "../../nginx-values.js";
import { validatePath } from "../../validate.js";
import { LIMITS } from "../../limits.js";
import { escapeLiteral } from "../../regex-grammar.js";
import type { LocationModel } from "../types.js";
import { locationKey, locationMatch, locationPath, usesRegex } from "../../location-key.js";
import { locationTuning, redirectOf } from "./annotations.js";
import { applyProxyAnnotations } from "./proxy.js";
import type { Processor } from "./types.js";

export const pathsProcessor: Processor = {
  name: "paths",
  process(ctx, work) {
    const ing = work.ingress;
    const rules = ing.spec?.rules ?? [];
    for (const staged of work.rules) {
      (rules[staged.index]?.http?.paths ?? []).forEach((p, pi) => {
        const field = `spec.rules[${staged.index}].http.paths[${pi}]`;
        const loc = locationOf(ing, p, field, work.ann, (msg) => ctx.report(ing, "PathInvalid", `${msg}; path ignored`));
        if (!loc) return;
        const ref = p.backend ? ctx.upstreams.refOf(work.namespace, p.backend, `${field}.backend`) : `${field}.backend: missing backend`;
        if (typeof ref === "string") {
          ctx.report(ing, "BackendInvalid", `${ref}; path ignored`);
          return;
        }
        if (work.access) loc.access = work.access;
        loc.action = redirectOf(work.ann) ?? { kind: "proxy", upstream: ctx.upstreams.use(ing, ref), protocol: work.ann.backendProtocol ?? "HTTP" };
        applyProxyAnnotations(ctx, ing, work.ann, loc, ref);
        const what = `${p.pathType} path ${show(p.path ?? "/")} on host ${show(staged.host || "*")}`;
        staged.paths.push({ key: locationKey(loc.match, loc.path), loc, what, field });
      });
    }
  },
  commit(ctx, work) {
    for (const staged of work.rules) {
      const h = ctx.draft(staged.host);
      if (work.ann.appRoot && staged.host !== "" && h.appRoot === undefined) {
        h.appRoot = work.ann.appRoot;
        h.appRootOrigin = { namespace: work.namespace, name: work.ingress.metadata.name };
      }
      for (const p of staged.paths) {
        const existing = h.locations.get(p.key);
        if (existing) {
          ctx.report(
            work.ingress,
            "PathConflict",
            existing.owner === work.key
              ? `${p.field}: ${p.what} is declared again; ${existing.field} serves it and this declaration is ignored`
              : `${p.field}: ${p.what} is already served by Ingress ${existing.owner} (older, ${existing.field}); this declaration is ignored`,
          );
          continue;
        }
        if (p.loc.match === "regex") {
          if (h.regexPaths >= LIMITS.regexPathsPerHost) {
            ctx.report(
              work.ingress,
              "RegexLimitExceeded",
              `${p.what}: host already has ${LIMITS.regexPathsPerHost} regex paths (the limit per host); this path is ignored`,
            );
            continue;
          }
          h.regexPaths++;
        }
        h.locations.set(p.key, { loc: p.loc, owner: work.key, ann: work.ann, field: p.field });
      }
    }
  },
};

/** One Ingress path -> a location (action filled in by the caller), or undefined after reporting. */
function locationOf(ing: Ingress, p: HTTPIngressPath, field: string, ann: AnnotationValues, bad: (m: string) => void): LocationModel | undefined {
  const type = p.pathType;
  if (type !== "Exact" && type !== "Prefix" && type !== "ImplementationSpecific") {
    bad(`${field}.pathType: ${show(String(type))} must be Exact, Prefix or ImplementationSpecific`);
    return undefined;
  }
  const raw = p.path === undefined || p.path === "" ? (type === "ImplementationSpecific" ? "/" : "") : p.path;
  const match = locationMatch(type, usesRegex(ann), raw);
  const regex = match === "regex";
  const err = validatePath(raw, type, usesRegex(ann), `${field}.path`);
  if (err) {
    bad(err);
    return undefined;
  }
  const path = locationPath(match, raw);
  const loc: LocationModel = {
    path,
    match,
    caseInsensitive: regex,
    action: { kind: "notFound" },
    origin: { namespace: ing.metadata.namespace ?? "", name: ing.metadata.name },
    sslRedirect: false,
    ...locationTuning(ann),
  };
  if (ann.rewriteTarget !== undefined) {
    loc.rewrite = { pattern: regex ? raw : escapeLiteral(path), target: ann.rewriteTarget };
  }
  return loc;
}
