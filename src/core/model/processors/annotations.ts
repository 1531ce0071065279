// Annotations: parsed once per Ingress (invalid values are reported and left unset), and the one
// place where annotation values become location fields, redirects and the ssl-redirect decision.

import { parseAnnotations, type AnnotationValues } from "../../annotations/registry.js";
import type { Action, LocationModel, WafModel } from "../types.js";
import type { Processor } from "./types.js";

export const annotationsProcessor: Processor = {
  name: "annotations",
  // Fail closed: an Ingress with an access-control annotation Portico cannot honour (unknown to
  // it, or with an invalid value) or a snippet keeps its paths, answering 503: served without the
  // protection would expose it, and dropped its paths would fall to other routes of the host.
  process(ctx, work) {
    const parsed = parseAnnotations(work.ingress.metadata.annotations);
    const refused: string[] = [];
    for (const e of parsed.errors) {
      if (e.dropsIngress) {
        refused.push(e.key);
        ctx.report(work.ingress, "AnnotationRefused", `${e.message}; its paths answer 503 until it changes`, "Error");
      } else ctx.report(work.ingress, "AnnotationInvalid", `${e.message} (annotation ignored)`);
    }
    for (const w of parsed.warnings) ctx.report(work.ingress, "DefaultUsed", w.message);
    work.ann = parsed.values;
    if (refused.length) work.access = { denied: `refused annotations: ${refused.join(", ")}`, allow: [], deny: [], satisfyAny: false };
  },
};

/** Per-location effects of annotations (body size, timeouts...). */
export function locationTuning(ann: AnnotationValues): Partial<LocationModel> {
  const t: Partial<LocationModel> = {};
  if (ann.proxyBodySize !== undefined) t.bodySize = ann.proxyBodySize;
  if (ann.proxyConnectTimeout !== undefined) t.connectTimeout = ann.proxyConnectTimeout;
  if (ann.proxyReadTimeout !== undefined) t.readTimeout = ann.proxyReadTimeout;
  if (ann.proxySendTimeout !== undefined) t.sendTimeout = ann.proxySendTimeout;
  if (ann.enableModsecurity === true) t.waf = wafOf(ann);
  if (ann.mirrorTarget !== undefined)
    t.mirror = { target: ann.mirrorTarget, ...(ann.mirrorHost ? { host: ann.mirrorHost } : {}), requestBody: ann.mirrorRequestBody ?? true };
  return t;
}

function wafOf(ann: AnnotationValues): WafModel {
  const w: WafModel = { crs: ann.enableOwaspCoreRules === true };
  if (ann.modsecurityTransactionId !== undefined) w.transactionId = ann.modsecurityTransactionId;
  if (ann.modsecurityRuleEngine !== undefined) w.ruleEngine = ann.modsecurityRuleEngine;
  if (ann.modsecurityAuditEngine !== undefined) w.auditEngine = ann.modsecurityAuditEngine;
  if (ann.modsecurityRemoveRuleIds !== undefined) w.removeRuleIds = ann.modsecurityRemoveRuleIds;
  if (ann.modsecurityRequestBodyLimit !== undefined) w.requestBodyLimit = ann.modsecurityRequestBodyLimit;
  if (ann.modsecurityTags !== undefined) w.tags = ann.modsecurityTags;
  return w;
}

/** permanent-redirect / temporal-redirect replace proxying. */
export function redirectOf(ann: AnnotationValues): Action | undefined {
  // ingress-nginx's order: temporal first.
  if (ann.temporalRedirect) return { kind: "redirect", code: ann.temporalRedirectCode ?? 302, url: ann.temporalRedirect };
  if (ann.permanentRedirect) return { kind: "redirect", code: ann.permanentRedirectCode ?? 301, url: ann.permanentRedirect };
  return undefined;
}

export function effectiveSslRedirect(ann: AnnotationValues, tls: boolean, global: boolean): boolean {
  return ann.forceSslRedirect === true || (tls && (ann.sslRedirect ?? global));
}

export { usesRegex } from "../../location-key.js";
