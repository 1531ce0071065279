// ModSecurity -> directives. The module is loaded only when some location enables it: loaded, it
// costs every location of the config a rules object even where it is off (measured in
// docs/architecture.md). Rules parsed at http level are parsed once and shared by reference, so
// the base rules and the Core Rule Set (16-20 MB and ~0.3 s to parse each time) live there, and
// each location that enables ModSecurity adds `modsecurity on` and its own typed settings. A
// location without enable-owasp-core-rules removes the CRS rules (their ids) when another
// location loaded them. Every rule line is built here, from constants and validated values.

import { int, lit, modsecurityRulesToken, modsecurityTransactionIdToken } from "../nginx-values.js";
import type { LocationModel, Model, WafModel } from "../model/types.js";
import { d, type Directive } from "./writer.js";

/** Debian's libnginx-mod-http-modsecurity (bookworm and trixie alike). */
export const MODSECURITY_MODULE = "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so";

/** Portico's base ModSecurity configuration (ingress-nginx's default semantics: detection only,
 * request bodies inspected, malformed bodies refused, relevant transactions audited). The audit
 * log goes to nginx's stderr as JSON: the container's log, nothing written under its root. */
const BASE_RULES: readonly string[] = [
  "SecRuleEngine DetectionOnly",
  "SecRequestBodyAccess On",
  'SecRule REQUEST_HEADERS:Content-Type "^(?:application(?:/soap\\+|/)|text/)xml" "id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"',
  'SecRule REQUEST_HEADERS:Content-Type "^application/json" "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"',
  "SecRequestBodyLimit 13107200",
  "SecRequestBodyNoFilesLimit 131072",
  "SecRequestBodyLimitAction Reject",
  'SecRule REQBODY_ERROR "!@eq 0" "id:200002,phase:2,t:none,log,deny,status:400,msg:\'Failed to parse request body\'"',
  'SecRule MULTIPART_STRICT_ERROR "!@eq 0" "id:200003,phase:2,t:none,log,deny,status:400,msg:\'Multipart request body failed strict validation\'"',
  'SecRule MULTIPART_UNMATCHED_BOUNDARY "@eq 1" "id:200004,phase:2,t:none,log,deny,msg:\'Multipart parser detected a possible unmatched boundary\'"',
  "SecPcreMatchLimit 1000",
  "SecPcreMatchLimitRecursion 1000",
  "SecResponseBodyAccess On",
  "SecResponseBodyMimeType text/plain text/html text/xml",
  "SecResponseBodyLimit 524288",
  "SecResponseBodyLimitAction ProcessPartial",
  "SecAuditEngine RelevantOnly",
  'SecAuditLogRelevantStatus "^(?:5|4(?!04))"',
  "SecAuditLogParts ABIJDEFHZ",
  "SecAuditLogType Serial",
  "SecAuditLogFormat JSON",
  "SecAuditLog /dev/stderr",
  "SecArgumentSeparator &",
  "SecCookieFormat 0",
  "SecUnicodeMapFile /etc/nginx/unicode.mapping 20127",
];

/** Debian's modsecurity-crs, in the order its own loader uses. */
const CRS_INCLUDES: readonly string[] = [
  "Include /etc/modsecurity/crs/crs-setup.conf",
  "Include /etc/modsecurity/crs/REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf",
  "Include /usr/share/modsecurity-crs/rules/*.conf",
  "Include /etc/modsecurity/crs/RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf",
];

/** The CRS's rule ids (rules 900000-999999, application exclusions 9000000-9999999). */
const CRS_IDS = "900000-999999 9000000-9999999";

export interface WafUsage {
  /** Some location enables ModSecurity: the module is loaded. */
  any: boolean;
  /** Some location enables the Core Rule Set: it is loaded at http level. */
  crs: boolean;
}

export function wafUsage(m: Model): WafUsage {
  const all: LocationModel[] = [...m.servers.flatMap((s) => [...s.locations, s.fallback]), ...m.defaultServer.locations, m.defaultServer.fallback];
  let any = false;
  let crs = false;
  for (const l of all) {
    if (!l.waf) continue;
    any = true;
    if (l.waf.crs) crs = true;
  }
  return { any, crs };
}

/** http-level rules, parsed once (nothing when no location enables ModSecurity). */
export function modsecurityHttpDirectives(u: WafUsage): Directive[] {
  if (!u.any) return [];
  const out = [d("modsecurity_rules", modsecurityRulesToken(BASE_RULES))];
  if (u.crs) out.push(d("modsecurity_rules", modsecurityRulesToken(CRS_INCLUDES)));
  return out;
}

/** The typed settings of one location as rule lines (values validated by the annotation specs). */
export function locationRuleLines(w: WafModel, crsLoaded: boolean): string[] {
  const lines: string[] = [];
  if (!w.crs && crsLoaded) lines.push(`SecRuleRemoveById ${CRS_IDS}`);
  if (w.ruleEngine) lines.push(`SecRuleEngine ${oneOf(w.ruleEngine, ["On", "DetectionOnly", "Off"])}`);
  if (w.auditEngine) lines.push(`SecAuditEngine ${oneOf(w.auditEngine, ["On", "RelevantOnly", "Off"])}`);
  if (w.requestBodyLimit !== undefined) lines.push(`SecRequestBodyLimit ${int(w.requestBodyLimit)}`);
  const ids = (w.removeRuleIds ?? []).map((r) => (r.from === r.to ? int(r.from) : `${int(r.from)}-${int(r.to)}`));
  for (let i = 0; i < ids.length; i += 50) lines.push(`SecRuleRemoveById ${ids.slice(i, i + 50).join(" ")}`);
  if (w.tags?.length) {
    const tags = w.tags.map((t) => `tag:'${tagText(t)}'`).join(",");
    for (const phase of [1, 2]) lines.push(`SecDefaultAction "phase:${phase},log,auditlog,pass,${tags}"`);
  }
  return lines;
}

export function wafDirectives(w: WafModel | undefined, crsLoaded: boolean): Directive[] {
  if (!w) return [];
  const out = [d("modsecurity", lit("on"))];
  const lines = locationRuleLines(w, crsLoaded);
  if (lines.length) out.push(d("modsecurity_rules", modsecurityRulesToken(lines)));
  if (w.transactionId !== undefined) out.push(d("modsecurity_transaction_id", modsecurityTransactionIdToken(w.transactionId)));
  return out;
}

function oneOf<T extends string>(v: T, allowed: readonly T[]): T {
  if (!allowed.includes(v)) throw new Error(`modsecurity: ${JSON.stringify(v)} is not one of ${allowed.join(", ")}`);
  return v;
}

/** Last guard: a tag inside tag:'...' (the annotation allows only these characters). */
function tagText(t: string): string {
  if (!/^[A-Za-z0-9_.:=\/-]{1,128}$/.test(t)) throw new Error(`modsecurity: ${JSON.stringify(t)} is not a tag`);
  return t;
}
