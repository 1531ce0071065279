// Backends: every reference of every selected Ingress is registered before any is named, so
// colliding `<ns>-<svc>-<port>` names are disambiguated the same way whatever the order.

import type { Processor } from "./types.js";

export const backendsProcessor: Processor = {
  name: "backends",
  prepare(ctx, ingresses) {
    for (const ing of ingresses) {
      const ns = ing.metadata.namespace ?? "";
      ctx.upstreams.register(ns, ing.spec?.defaultBackend);
      for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) ctx.upstreams.register(ns, p.backend);
    }
  },
};
