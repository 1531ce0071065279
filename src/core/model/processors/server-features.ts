// Host-level annotations: server-alias, from-to-www-redirect, host-redirects, and the paths nginx
// answers itself (fixed-responses, deny-paths). Exact and prefix entries become locations of the
// Ingress's hosts (staged before its own paths, so they take precedence on the same path); regex
// entries are checked by the server before any location. Names another Ingress serves as a host
// stay that Ingress's, and a name another namespace owns (processors/ownership.ts) is dropped with
// HostNotOwned even when it is not served: aliases and www twins never take a host away. Runs after the servers
// processor (its finish decorates the servers that one made).

import type { FixedResponse } from "../../annotations/types.js";
import type { LocationModel } from "../types.js";
import { wwwTwinOf } from "../../annotations/server-alias.js";
import { show } from "../../nginx-values.js";
import { foreignOwner, ownedBy } from "./ownership.js";
import { applyProxyAnnotations } from "./proxy.js";
import type { Processor } from "./types.js";

function fixedLocation(r: FixedResponse, origin: LocationModel["origin"]): LocationModel {
  return {
    path: r.path,
    match: r.match,
    caseInsensitive: r.caseInsensitive,
    action: {
      kind: "fixed",
      status: r.status,
      ...(r.contentType !== undefined ? { contentType: r.contentType } : {}),
      ...(r.body !== undefined ? { body: r.body } : {}),
    },
    origin,
    sslRedirect: false,
  };
}

export const serverFeaturesProcessor: Processor = {
  name: "server-features",
  process(ctx, work) {
    const ann = work.ann;
    const entries = [...(ann.fixedResponses ?? []), ...(ann.denyPaths ?? [])];
    if (!entries.length) return;
    const origin = { namespace: work.namespace, name: work.ingress.metadata.name };
    for (const staged of work.rules) {
      const own = entries
        .filter((r) => r.match !== "regex")
        .map((r) => {
          const loc = fixedLocation(r, origin);
          applyProxyAnnotations(ctx, work.ingress, ann, loc, undefined);
          return {
            key: `${loc.match}|${loc.path}`,
            loc,
            what: `fixed response ${show(r.path)} on host ${show(staged.host || "*")}`,
            field: "metadata.annotations",
          };
        });
      staged.paths.unshift(...own);
      if (staged.host === "" && entries.some((r) => r.match === "regex")) {
        ctx.report(work.ingress, "AnnotationIgnored", "regex deny-paths and fixed-responses apply to rule hosts only, not to hostless rules");
      }
    }
  },
  commit(ctx, work) {
    const ann = work.ann;
    const regexes = [...(ann.fixedResponses ?? []), ...(ann.denyPaths ?? [])].filter((r) => r.match === "regex");
    if (!regexes.length && !ann.serverAlias && !ann.fromToWwwRedirect && !ann.hostRedirects) return;
    // The hosts of the rules that survived (a canary's were taken out: it serves no host of its own).
    const hosts = [...new Set(work.rules.map((r) => r.host))].filter((h) => h !== "");
    const origin = { namespace: work.namespace, name: work.ingress.metadata.name };
    for (const host of hosts) {
      const h = ctx.draft(host);
      if (regexes.length) (h.denyRegexes ??= []).push(...regexes.map((r) => ({ ...r, origin })));
      for (const name of ann.serverAlias ?? []) if (name !== host) (h.aliases ??= []).push({ name, ingress: work.ingress });
      if (ann.fromToWwwRedirect && !h.wwwRedirect) h.wwwRedirect = work.ingress;
    }
    for (const r of ann.hostRedirects ?? []) {
      if (!hosts.includes(r.host)) {
        ctx.report(work.ingress, "AnnotationIgnored", `host-redirects: ${show(r.host)} is not a rule host of this Ingress; entry ignored`);
        continue;
      }
      const h = ctx.draft(r.host);
      if (!h.redirect) h.redirect = { code: ann.hostRedirectCode ?? 301, target: r.target, origin };
    }
  },
  finish(ctx, model) {
    const taken = new Set(model.servers.map((s) => s.host));
    for (const s of model.servers) {
      const h = ctx.hosts.get(s.host)!;
      if (h.redirect) s.redirect = h.redirect;
      if (h.denyRegexes?.length) s.denyRegexes = h.denyRegexes;
      for (const a of h.aliases ?? []) {
        const owner = foreignOwner(ctx, a.name, a.ingress.metadata.namespace ?? "");
        if (owner) {
          ctx.report(a.ingress, "HostNotOwned", `server-alias ${show(a.name)}: ${ownedBy(a.name, owner)}; alias ignored`);
          continue;
        }
        if (taken.has(a.name)) {
          ctx.report(a.ingress, "ServerAliasConflict", `server-alias ${show(a.name)} is already served (as a host or an alias); alias ignored`);
          continue;
        }
        taken.add(a.name);
        (s.aliases ??= []).push({ name: a.name, origin: { namespace: a.ingress.metadata.namespace ?? "", name: a.ingress.metadata.name } });
      }
    }
    for (const s of model.servers) {
      const ing = ctx.hosts.get(s.host)!.wwwRedirect;
      if (!ing) continue;
      const twin = wwwTwinOf(s.host);
      if (!twin || taken.has(twin)) continue; // served by an Ingress of its own (or an alias): left alone, as ingress-nginx
      const owner = foreignOwner(ctx, twin, ing.metadata.namespace ?? "");
      if (owner) {
        ctx.report(ing, "HostNotOwned", `from-to-www-redirect ${show(twin)}: ${ownedBy(twin, owner)}; redirect not served`);
        continue;
      }
      taken.add(twin);
      (model.redirectServers ??= []).push({
        host: twin,
        tls: s.tls,
        target: s.host,
        origin: { namespace: ing.metadata.namespace ?? "", name: ing.metadata.name },
      });
    }
    model.redirectServers?.sort((a, b) => (a.host < b.host ? -1 : 1));
  },
};
