import type { RejectedAnnotationSpec } from "./types.js";

const WHY =
  "snippet annotations insert raw nginx configuration (the source of ingress-nginx's injection CVEs); Portico never accepts them — use a typed annotation or a setting instead";

const MODSECURITY_WHY =
  "raw ModSecurity rules (they can read and rewrite any request, include files and run scripts) are never accepted; use the typed settings instead: enable-modsecurity, enable-owasp-core-rules, modsecurity-transaction-id and portico.dev/modsecurity-rule-engine, -audit-engine, -remove-rule-ids, -request-body-limit, -tags";

/** Recognised so users get a clear refusal instead of a silent "unknown annotation". */
export const SNIPPETS: RejectedAnnotationSpec[] = [
  ...["configuration-snippet", "server-snippet", "stream-snippet", "auth-snippet", "location-snippet"].map((key) => ({ key, reason: WHY })),
  { key: "modsecurity-snippet", reason: MODSECURITY_WHY },
];
