// The migration audit of one Ingress (pure): converted to v1 with Portico's class, each annotation
// classified (supported, supported with a different default, refused with the reason, ignored),
// each snippet translated to typed annotations where it can be, and the migrated objects built
// (the snippet replaced by its typed form, plus one-path Ingresses for per-path redirects/rewrites).

import { checkAnnotations } from "../admission/annotations.js";
import { ignoredByIngressNginxToo } from "../core/annotations/ingress-nginx-keys.js";
import { parseAnnotations, PREFIXES, REJECTED_ANNOTATIONS } from "../core/annotations/registry.js";
import type { Ingress } from "../core/k8s-types.js";
import { convertIngress } from "./convert.js";
import { translateSnippet, type SnippetTranslation } from "./snippets.js";

export type AnnotationStatus =
  | "supported"
  | "different-default"
  | "refused"
  | "ignored"
  /** Ignored, and ingress-nginx did not read it either: the Ingress behaves as it did. */
  | "not-ingress-nginx"
  | "snippet-translated"
  | "snippet-refused";

export interface AnnotationAudit {
  key: string;
  status: AnnotationStatus;
  /** Why (refused, ignored), which default differs, or what replaces a snippet. */
  detail: string;
  translation?: SnippetTranslation;
}

export interface IngressAudit {
  namespace?: string;
  name: string;
  changes: string[];
  annotations: AnnotationAudit[];
  /** Every annotation honoured as it was meant (snippets by their typed form). */
  migrates: boolean;
  /** The converted Ingress (snippets replaced where fully expressible) and any extra Ingresses. */
  objects: Ingress[];
}

/** ingress-nginx defaults that Portico does not share, said where the annotation is used. */
export const DIFFERENT_DEFAULTS: Record<string, string> = {
  "proxy-buffering": "unset, Portico buffers responses (nginx's on); ingress-nginx's default is off",
  "custom-http-errors": "without default-backend, the code's answer is nginx's own error page (ingress-nginx: its default backend)",
  "proxy-ssl-verify": '"on" verifies against the system CA bundle; proxy-ssl-secret (a CA of your own) is refused',
  "limit-rps": "limited clients get 503 (ingress-nginx's limit-req-status-code default); set per Ingress, not per controller",
  "proxy-next-upstream-tries": "counts every attempt, the first included (nginx's meaning)",
  "custom-headers":
    "the header names need no global-allowed-response-headers list; values with '\"', '\\' or '$' are refused (ingress-nginx sent them literally)",
};

const SNIPPET_KEYS = new Set(REJECTED_ANNOTATIONS.map((r) => r.key));

function shortKey(full: string): string | undefined {
  const p = PREFIXES.find((x) => full.startsWith(x));
  return p ? full.slice(p.length) : undefined;
}

export function auditIngress(doc: Record<string, unknown>, className: string): IngressAudit {
  const { ingress, changes } = convertIngress(doc, className);
  const annotations = { ...(ingress.metadata.annotations ?? {}) };
  const hosts = [...new Set((ingress.spec?.rules ?? []).map((r) => r.host ?? "").filter(Boolean))];
  const waf = parseAnnotations(annotations).values;
  const ctx = { hosts, tls: (ingress.spec?.tls ?? []).length > 0, modsecurity: waf.enableModsecurity === true, crs: waf.enableOwaspCoreRules === true };
  const out: AnnotationAudit[] = [];
  const added: Record<string, string> = {};
  const extra: Ingress[] = [];
  const removed: string[] = [];

  // Snippets first: what they translate to is then checked like any other annotation.
  for (const [full, body] of Object.entries(annotations)) {
    const key = shortKey(full);
    if (!key || !SNIPPET_KEYS.has(key)) continue;
    const t = translateSnippet(key, String(body), ctx);
    const written = [...Object.keys(t.annotations), ...t.extraPaths.map((e) => `an Ingress for ${e.path}${e.host ? ` on ${e.host}` : ""}`)];
    if (t.unsupported.length === 0) {
      out.push({ key: full, status: "snippet-translated", detail: written.length ? `replaced by ${written.join(", ")}` : "nothing to carry", translation: t });
      Object.assign(added, t.annotations);
      removed.push(full);
      for (const e of t.extraPaths) extra.push(extraIngress(ingress, e, extra.length));
    } else {
      out.push({ key: full, status: "snippet-refused", detail: `no complete typed form: ${t.unsupported.join("; ")}`, translation: t });
    }
  }
  for (const k of removed) delete annotations[k];
  for (const [k, v] of Object.entries(added)) annotations[k] = mergeValue(annotations[k], v);

  const findings = checkAnnotations(annotations);
  const errors = new Map<string, string>();
  for (const e of findings.errors) {
    const m = /^metadata\.annotations\[([^\]]+)\]: (.*)$/s.exec(e);
    if (m) errors.set(m[1]!, m[2]!);
  }
  for (const full of Object.keys(annotations).sort()) {
    const key = shortKey(full);
    if (!key || SNIPPET_KEYS.has(key)) continue;
    if (added[full] !== undefined && !errors.has(full)) continue; // written by a snippet translation
    if (errors.has(full)) out.push({ key: full, status: "refused", detail: errors.get(full)! });
    else if (findings.parsed.unknown.includes(full))
      out.push({ key: full, status: ignoredByIngressNginxToo(key) ? "not-ingress-nginx" : "ignored", detail: ignoredDetail(findings.warnings, full) });
    else if (DIFFERENT_DEFAULTS[key]) out.push({ key: full, status: "different-default", detail: DIFFERENT_DEFAULTS[key]! });
    else out.push({ key: full, status: "supported", detail: defaultedDetail(findings.parsed.warnings, full) });
  }
  const migrated: Ingress = { ...ingress, metadata: { ...ingress.metadata, annotations } };
  if (Object.keys(annotations).length === 0) delete migrated.metadata.annotations;
  const migrates = out.every(
    (a) => a.status === "supported" || a.status === "different-default" || a.status === "not-ingress-nginx" || a.status === "snippet-translated",
  );
  return { namespace: ingress.metadata.namespace, name: ingress.metadata.name, changes, annotations: out, migrates, objects: [migrated, ...extra] };
}

/** Admission's warning for an ignored key (it says whether ingress-nginx ignores the key too). */
function ignoredDetail(warnings: string[], full: string): string {
  const head = `metadata.annotations[${full}]: `;
  const w = warnings.find((x) => x.startsWith(head));
  return `${w ? w.slice(head.length) : "not supported by Portico; ignored"} (admission warns)`;
}

/** A value read as its default, as ingress-nginx read it: supported, and the warning says the fix. */
function defaultedDetail(warnings: { key: string; message: string }[], full: string): string {
  const w = warnings.find((x) => x.key === full);
  return w ? `${w.message.startsWith(`${full}:`) ? w.message.slice(full.length + 1).trim() : w.message} (admission warns)` : "";
}

function mergeValue(existing: string | undefined, v: string): string {
  return existing === undefined || existing === v ? v : `${existing}\n${v}`;
}

/** A one-path Ingress beside the original: same class, hosts and first backend, the path's own annotations. */
function extraIngress(base: Ingress, e: { host: string; path: string; pathType: "Exact" | "Prefix"; annotations: Record<string, string> }, n: number): Ingress {
  const rules = (base.spec?.rules ?? []).filter((r) => r.host && (e.host === "" || r.host === e.host));
  const backend = base.spec?.rules?.flatMap((r) => r.http?.paths ?? []).find((p) => p.backend)?.backend ?? base.spec?.defaultBackend;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name: `${base.metadata.name}-path-${n + 1}`,
      ...(base.metadata.namespace ? { namespace: base.metadata.namespace } : {}),
      annotations: e.annotations,
    },
    spec: {
      ingressClassName: base.spec?.ingressClassName,
      ...(base.spec?.tls ? { tls: base.spec.tls } : {}),
      rules: rules.map((r) => ({ host: r.host, http: { paths: [{ path: e.path, pathType: e.pathType, backend: backend! }] } })),
    },
  };
}
