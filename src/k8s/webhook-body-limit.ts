// Pepr's admission server parses AdmissionReviews with `express.json({ limit: "2mb" })`, hard-coded
// (pepr/src/lib/controller/index.ts, no setting). An UPDATE review carries object and oldObject,
// so a TLS Secret near the API server's 1 MiB data limit makes a review of ~2.8 MB, refused with
// 413 before any Portico code runs (and then failurePolicy decides). This raises that limit by
// wrapping `express.json` before PeprModule builds its server: Pepr's own dependencies stay
// external to the module bundle (`pepr build`) and under tsx, so this is the instance Pepr uses.
// Imported first by capabilities/index.ts. The raised limit still bounds a request: two objects
// of etcd's 1.5 MiB maximum, JSON-encoded, fit.
/// <reference path="./express.d.ts" />
import express from "express";

export const WEBHOOK_BODY_LIMIT = "8mb";

type JsonOptions = { limit?: string | number } & Record<string, unknown>;
const marker = Symbol.for("portico.webhookBodyLimit");
const ex = express as unknown as { json: ((o?: JsonOptions) => unknown) & { [marker]?: true } };

if (!ex.json[marker]) {
  const original = ex.json;
  const wrapped = Object.assign((opts: JsonOptions = {}) => original({ ...opts, limit: WEBHOOK_BODY_LIMIT }), { [marker]: true as const });
  ex.json = wrapped;
}
