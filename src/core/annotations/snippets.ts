import type { RejectedAnnotationSpec } from "./types.js";

const WHY =
  "snippet annotations insert raw nginx configuration (the source of ingress-nginx's injection CVEs); Portico never accepts them — use a typed annotation or a setting instead";

/** Recognised so users get a clear refusal instead of a silent "unknown annotation". */
export const SNIPPETS: RejectedAnnotationSpec[] = [
  "configuration-snippet",
  "server-snippet",
  "stream-snippet",
  "auth-snippet",
  "modsecurity-snippet",
  "location-snippet",
].map((key) => ({ key, reason: WHY }));
