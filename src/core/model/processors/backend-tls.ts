// proxy-ssl-secret: an Ingress whose Secret is missing, in another namespace or unusable (no ca.crt,
// no matching tls.crt/tls.key) has its paths answer 503 with an Event, never proxied with weaker
// TLS than asked. The files themselves are added per location by proxy.ts (applyProxyAnnotations).

import { backendTlsOf } from "../secret-material.js";
import type { Processor } from "./types.js";

export const backendTlsProcessor: Processor = {
  name: "backend-tls",
  process(ctx, work) {
    const ref = work.ann.proxySslSecret;
    if (ref === undefined || work.access?.denied) return;
    const files = backendTlsOf(ctx, work.namespace, ref);
    if (!("error" in files)) return;
    const why = `proxy-ssl-secret: ${files.error}`;
    ctx.report(work.ingress, "AccessDenied", `${why}; its paths answer 503 until this is fixed`, "Error");
    work.access = { denied: why, allow: [], deny: [], satisfyAny: false };
  },
};
