// Servers: the committed host drafts become server models (sorted by host), each with its
// fallback (the Ingress default backend or the 404 page) and per-location ssl-redirect; every
// upstream a surviving location uses gets its endpoints ([] when nothing is ready).

import type { BackendRef } from "../backends.js";
import { cmp } from "../classes.js";
import type { BuildContext, FallbackDraft, HostDraft } from "../context.js";
import type { LocationModel } from "../types.js";
import { effectiveSslRedirect, locationTuning } from "./annotations.js";
import { applyProxyAnnotations } from "./proxy.js";
import type { Processor } from "./types.js";

export const serversProcessor: Processor = {
  name: "servers",
  finish(ctx, model) {
    for (const host of [...ctx.hosts.keys()].sort()) {
      if (host === "") continue;
      const h = ctx.hosts.get(host)!;
      const locations = finishLocations(ctx, h);
      model.servers.push({
        host,
        tls: h.tls,
        locations,
        regexMode: locations.some((l) => l.match === "regex"),
        appRoot: h.appRoot,
        appRootOrigin: h.appRootOrigin,
        fallback: fallbackOf(ctx, h.fallback, h.tls),
        ...(h.clientCerts ? { clientCerts: h.clientCerts } : {}),
      });
    }
    const locations = finishLocations(ctx, ctx.hosts.get("")!);
    model.defaultServer = { locations, regexMode: locations.some((l) => l.match === "regex"), fallback: fallbackOf(ctx, ctx.catchAll, false) };

    const use = (loc: LocationModel) => {
      if (loc.action.kind === "proxy") model.endpoints[loc.action.upstream] = ctx.upstreams.resolved.get(loc.action.upstream)?.endpoints ?? [];
    };
    for (const s of model.servers) {
      s.locations.forEach(use);
      use(s.fallback);
    }
    model.defaultServer.locations.forEach(use);
    use(model.defaultServer.fallback);
  },
};

function notFound(sslRedirect: boolean): LocationModel {
  return { path: "/", match: "prefix", caseInsensitive: false, action: { kind: "notFound" }, sslRedirect };
}

function fallbackOf(ctx: BuildContext, fb: FallbackDraft | undefined, tls: boolean): LocationModel {
  if (!fb) return notFound(tls && ctx.settings.sslRedirect);
  const ref = ctx.upstreams.refOf(fb.ingress.metadata.namespace ?? "", fb.backend, "spec.defaultBackend") as BackendRef;
  const loc: LocationModel = {
    ...notFound(effectiveSslRedirect(fb.ann, tls, ctx.settings.sslRedirect)),
    action: { kind: "proxy", upstream: ctx.upstreams.use(fb.ingress, ref), protocol: fb.ann.backendProtocol ?? "HTTP" },
    origin: { namespace: fb.ingress.metadata.namespace ?? "", name: fb.ingress.metadata.name },
    ...locationTuning(fb.ann),
    ...(fb.access ? { access: fb.access } : {}),
  };
  applyProxyAnnotations(ctx, fb.ingress, fb.ann, loc, ref);
  return loc;
}

function finishLocations(ctx: BuildContext, h: HostDraft): LocationModel[] {
  const out: LocationModel[] = [];
  for (const { loc, ann } of h.locations.values()) {
    loc.sslRedirect = effectiveSslRedirect(ann, h.tls, ctx.settings.sslRedirect); // locations are ours to finish
    out.push(loc);
  }
  return out.length > 1 ? out.sort((a, b) => cmp(a.match, b.match) || cmp(a.path, b.path)) : out;
}
