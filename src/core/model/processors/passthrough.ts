// ssl-passthrough (ingress-nginx semantics): a host whose `/` path belongs to an Ingress with
// `ssl-passthrough: "true"` has its TLS connections passed, unterminated, to that path's backend.
// The render puts an SNI router (stream, ssl_preread) in front of HTTPS for these hosts. Debian has
// no stream Lua module, so the passthrough endpoints are static in nginx.conf: their changes reload.

import type { Processor } from "./types.js";

export const passthroughProcessor: Processor = {
  name: "passthrough",
  finish(ctx, model) {
    for (const [host, h] of [...ctx.hosts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const root = h.locations.get("prefix|/") ?? h.locations.get("exact|/");
      if (!root?.ann.sslPassthrough) continue;
      const ing = ctx.snapshot.ingresses.find((i) => `${i.metadata.namespace ?? ""}/${i.metadata.name}` === root.owner);
      if (host === "") {
        if (ing) ctx.report(ing, "PassthroughInvalid", "ssl-passthrough needs a host (TLS is routed by SNI); ignored for the rule without host");
        continue;
      }
      if (root.loc.action.kind !== "proxy") {
        if (ing) ctx.report(ing, "PassthroughInvalid", `ssl-passthrough on host ${host}: the / path does not proxy to a Service; ignored`);
        continue;
      }
      const upstream = root.loc.action.upstream;
      model.passthrough.push({
        host,
        ...(root.loc.origin ? { origin: root.loc.origin } : {}),
        upstream,
        endpoints: ctx.upstreams.resolved.get(upstream)?.endpoints ?? [],
      });
    }
    // Fail loudly where it cannot apply: TLS of that host is terminated by nginx instead.
    const applied = new Set(model.passthrough.map((p) => p.host));
    const told = new Set<string>();
    for (const [host, h] of ctx.hosts) {
      if (applied.has(host)) continue;
      for (const { owner, ann } of h.locations.values()) {
        if (!ann.sslPassthrough || told.has(`${owner}|${host}`)) continue;
        told.add(`${owner}|${host}`);
        const ing = ctx.snapshot.ingresses.find((i) => `${i.metadata.namespace ?? ""}/${i.metadata.name}` === owner);
        if (ing && host !== "")
          ctx.report(
            ing,
            "PassthroughNotApplied",
            `ssl-passthrough applies to a host whose / path the Ingress serves; this Ingress does not serve host ${host}'s / path, so that host's TLS is terminated by nginx`,
          );
      }
    }
  },
};
