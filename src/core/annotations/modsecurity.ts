// ModSecurity (the WAF) with ingress-nginx's semantics: enable-modsecurity turns it on for the
// Ingress's locations with Portico's base configuration (the engine in DetectionOnly, as
// ingress-nginx's default modsecurity.conf), enable-owasp-core-rules adds the OWASP Core Rule Set,
// modsecurity-transaction-id names the transaction. modsecurity-snippet (raw rules) is refused; the
// portico.dev/ keys below are the typed forms of what such snippets do. Every value is validated
// here and rendered by src/core/render/modsecurity.ts through nginx-values.ts.

import { parseBool, parseSize, show, type Result } from "../nginx-values.js";
import { defineAnnotation, type AnnotationRisk, type AnnotationValues } from "./types.js";

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const GUARDS = "it configures the ModSecurity web application firewall; serving the Ingress without it would weaken the protection its owner asked for";
const fail = <T>(error: string): Result<T> => ({ ok: false, error });

export const enableModsecurity = defineAnnotation({
  key: "enable-modsecurity",
  field: "enableModsecurity",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "false",
  doc: "Runs ModSecurity on the Ingress's paths with Portico's base rules (request body checks, engine DetectionOnly, audit log of relevant transactions to nginx's stderr as JSON). The module is loaded only while some Ingress enables it.",
  parse: (raw, key) => parseBool(raw, key),
});

export const enableOwaspCoreRules = defineAnnotation({
  key: "enable-owasp-core-rules",
  field: "enableOwaspCoreRules",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "false",
  doc: 'Adds the OWASP Core Rule Set (Debian\'s modsecurity-crs, anomaly scoring). Needs enable-modsecurity "true"; it blocks only with modsecurity-rule-engine "On".',
  parse: (raw, key) => parseBool(raw, key),
});

/** Variables a transaction id may use: nginx defines them for every request (an unknown one would fail the whole config). */
export const TRANSACTION_ID_VARIABLES = [
  "request_id",
  "remote_addr",
  "remote_port",
  "connection",
  "msec",
  "host",
  "server_name",
  "server_port",
  "pid",
] as const;
const TRANSACTION_ID = /^(?:[A-Za-z0-9_-]|\$(?:[a-z0-9_]+|\{[a-z0-9_]+\}))+$/;

export const modsecurityTransactionId = defineAnnotation({
  key: "modsecurity-transaction-id",
  field: "modsecurityTransactionId",
  type: "string",
  scope: "ingress",
  risk: "medium",
  default: "ModSecurity's own",
  doc: `ModSecurity's transaction id, e.g. $request_id: letters, digits, '-', '_' and the variables ${TRANSACTION_ID_VARIABLES.map((v) => `$${v}`).join(", ")}, or $http_<header>.`,
  parse: (raw, key) => {
    const v = raw.trim();
    if (v.length === 0 || v.length > 256 || !TRANSACTION_ID.test(v)) return fail(`${key}: ${show(raw)} must be letters, digits, '-', '_' and $variables`);
    for (const m of v.matchAll(/\$\{?([a-z0-9_]+)\}?/g)) {
      const name = m[1]!;
      if (!(TRANSACTION_ID_VARIABLES as readonly string[]).includes(name) && !/^http_[a-z0-9_]+$/.test(name))
        return fail(`${key}: $${name} is not one of ${TRANSACTION_ID_VARIABLES.map((x) => `$${x}`).join(", ")} or $http_<header>`);
    }
    return ok(v);
  },
});

// --- portico.dev typed forms of modsecurity-snippet ---------------------------------------------

/** An enum annotation whose values are matched case-insensitively and stored in their SecLang
 * spelling (the rule engine and the audit engine). */
function engineAnnotation<K extends "modsecurityRuleEngine" | "modsecurityAuditEngine">(spec: {
  key: string;
  field: K;
  risk: AnnotationRisk;
  values: readonly NonNullable<AnnotationValues[K]>[];
  default: NonNullable<AnnotationValues[K]>;
  doc: string;
}) {
  const byLower = new Map(spec.values.map((v) => [v.toLowerCase(), v]));
  return defineAnnotation({
    key: spec.key,
    guards: GUARDS,
    field: spec.field,
    type: "enum",
    scope: "ingress",
    risk: spec.risk,
    default: spec.default,
    doc: spec.doc,
    parse: (raw, key): Result<NonNullable<AnnotationValues[K]>> => {
      const v = byLower.get(raw.trim().toLowerCase());
      return v ? ok(v) : fail(`${key}: ${show(raw)} must be ${spec.values.slice(0, -1).join(", ")} or ${spec.values.at(-1)}`);
    },
  });
}

export const modsecurityRuleEngine = engineAnnotation({
  key: "modsecurity-rule-engine",
  field: "modsecurityRuleEngine",
  risk: "medium",
  values: ["On", "DetectionOnly", "Off"],
  default: "DetectionOnly",
  doc: 'SecRuleEngine for the Ingress: "On" (block), "DetectionOnly" (log only) or "Off". Needs enable-modsecurity "true".',
});

export const modsecurityAuditEngine = engineAnnotation({
  key: "modsecurity-audit-engine",
  field: "modsecurityAuditEngine",
  risk: "low",
  values: ["On", "RelevantOnly", "Off"],
  default: "RelevantOnly",
  doc: 'SecAuditEngine for the Ingress: "On" (every transaction), "RelevantOnly" (5xx and 4xx other than 404, and rule matches) or "Off". The audit log is JSON on nginx\'s stderr.',
});

/** A rule id (1..9999999999) or an inclusive range "a-b". */
export interface RuleIdRange {
  from: number;
  to: number;
}

export const modsecurityRemoveRuleIds = defineAnnotation({
  key: "modsecurity-remove-rule-ids",
  guards: GUARDS,
  field: "modsecurityRemoveRuleIds",
  type: "list",
  scope: "ingress",
  risk: "medium",
  default: "",
  doc: "Rules switched off for the Ingress (SecRuleRemoveById): ids or inclusive ranges, comma- or space-separated, e.g. 942100, 920000-920999.",
  parse: (raw, key) => {
    const items = raw.split(/[\s,]+/).filter(Boolean);
    if (items.length === 0) return fail(`${key}: must list at least one rule id`);
    if (items.length > 500) return fail(`${key}: more than 500 entries`);
    const out: RuleIdRange[] = [];
    for (const item of items) {
      const m = /^([0-9]{1,10})(?:-([0-9]{1,10}))?$/.exec(item);
      if (!m) return fail(`${key}: ${show(item)} is not a rule id (digits) or a range of ids (a-b)`);
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Number(m[2]);
      if (from < 1 || to < from) return fail(`${key}: ${show(item)}: ids start at 1 and a range must not run backwards`);
      out.push({ from, to });
    }
    return ok(out);
  },
});

/** ModSecurity buffers the body in memory: bounded so one Ingress cannot ask for gigabytes per request. */
export const MAX_MODSECURITY_BODY_BYTES = 1024 * 1024 * 1024;

export const modsecurityRequestBodyLimit = defineAnnotation({
  key: "modsecurity-request-body-limit",
  guards: GUARDS,
  field: "modsecurityRequestBodyLimit",
  type: "size",
  scope: "ingress",
  risk: "low",
  default: "12.5m (13107200 bytes)",
  doc: "SecRequestBodyLimit: the largest request body ModSecurity accepts (bytes, or with k/m/g), larger bodies are refused (ModSecurity v3 answers 403); at most 1g.",
  parse: (raw, key) => {
    const r = parseSize(raw.trim(), key);
    if (!r.ok) return r;
    const m = /^([0-9]+)([kmg]?)$/i.exec(r.value);
    if (!m) return fail(`${key}: ${show(raw)} is not a size`);
    const bytes = Number(m[1]) * { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
    if (bytes < 1 || bytes > MAX_MODSECURITY_BODY_BYTES) return fail(`${key}: ${show(raw)} must be between 1 byte and 1g`);
    return ok(bytes);
  },
});

const TAG = /^[A-Za-z0-9_.:=\/-]{1,128}$/;

export const modsecurityTags = defineAnnotation({
  key: "modsecurity-tags",
  guards: GUARDS,
  field: "modsecurityTags",
  type: "list",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Tags added to every rule match of the Ingress in the logs (SecDefaultAction tag:), comma- or space-separated, e.g. github_team=platform, namespace=shop; letters, digits and . : = / _ -.",
  parse: (raw, key) => {
    const items = raw.split(/[\s,]+/).filter(Boolean);
    if (items.length === 0) return fail(`${key}: must list at least one tag`);
    if (items.length > 32) return fail(`${key}: more than 32 tags`);
    for (const t of items) if (!TAG.test(t)) return fail(`${key}: ${show(t)}: a tag is 1-128 letters, digits or . : = / _ -`);
    return ok([...new Set(items)]);
  },
});

/** Keys that mean nothing unless enable-modsecurity is "true" (refused alone: the owner expected a WAF). */
export const NEEDS_MODSECURITY = [
  "enable-owasp-core-rules",
  "modsecurity-transaction-id",
  "modsecurity-rule-engine",
  "modsecurity-audit-engine",
  "modsecurity-remove-rule-ids",
  "modsecurity-request-body-limit",
  "modsecurity-tags",
] as const;

/** Every ModSecurity annotation, in the registry's order (one list, as auth-tls.ts keeps its own). */
export const MODSECURITY_ANNOTATIONS = [
  enableModsecurity,
  enableOwaspCoreRules,
  modsecurityAuditEngine,
  modsecurityRemoveRuleIds,
  modsecurityRequestBodyLimit,
  modsecurityRuleEngine,
  modsecurityTags,
  modsecurityTransactionId,
];
