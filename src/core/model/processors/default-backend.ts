// spec.defaultBackend: the catch-all of the default server when the Ingress has no rules,
// otherwise what its hosts answer for unmatched paths. Oldest wins in both cases.

import { keyOf } from "../classes.js";
import { foreignOwner, ownedBy } from "./ownership.js";
import type { Processor } from "./types.js";

export const defaultBackendProcessor: Processor = {
  name: "default-backend",
  process(ctx, work) {
    const db = work.ingress.spec?.defaultBackend;
    if (!db) return;
    const ref = ctx.upstreams.refOf(work.namespace, db, "spec.defaultBackend");
    if (typeof ref === "string") {
      ctx.report(work.ingress, "BackendInvalid", `${ref}; default backend ignored`);
      return;
    }
    const catchAll = (work.ingress.spec?.rules ?? []).length === 0;
    const owner = catchAll ? foreignOwner(ctx, "", work.namespace) : undefined;
    if (owner) return ctx.report(work.ingress, "HostNotOwned", `spec.defaultBackend: ${ownedBy("", owner)}; default backend ignored`);
    work.defaultBackend = { backend: db, catchAll };
  },
  commit(ctx, work) {
    const db = work.defaultBackend;
    if (!db) return;
    const fb = { backend: db.backend, ingress: work.ingress, ann: work.ann, access: work.access };
    if (db.catchAll) {
      if (ctx.catchAll)
        ctx.report(
          work.ingress,
          "DefaultBackendConflict",
          `the default backend is already set by Ingress ${keyOf(ctx.catchAll.ingress)} (older); spec.defaultBackend ignored`,
        );
      else ctx.catchAll = fb;
      return;
    }
    for (const host of work.ruleHosts) {
      if (host === "") {
        if (!ctx.catchAll) ctx.catchAll = fb;
      } else {
        const h = ctx.draft(host);
        if (!h.fallback) h.fallback = fb;
      }
    }
  },
};
