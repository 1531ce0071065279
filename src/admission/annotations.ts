// Annotations of one of our Ingresses, through the shared registry: invalid values and snippet
// annotations are denied, unknown `portico.dev/*` keys are denied (they can only be typos of ours),
// unknown `nginx.ingress.kubernetes.io/*` keys are warned about (ingress-nginx features Portico does
// not implement: the Ingress still works, without them; or keys ingress-nginx does not read either).

import { ignoredByIngressNginxToo, notIngressNginxHint } from "../core/annotations/ingress-nginx-keys.js";
import { parseAnnotations, PREFERRED_PREFIX, REJECTED_ANNOTATIONS, type ParsedAnnotations } from "../core/annotations/registry.js";

const REJECTED_KEYS = new Set(REJECTED_ANNOTATIONS.map((a) => a.key));

export interface AnnotationFindings {
  parsed: ParsedAnnotations;
  errors: string[];
  warnings: string[];
}

/** `metadata.annotations[<key>]` as the field of a message that starts with the key. */
function field(key: string, message: string): string {
  const rest = message.startsWith(`${key}:`) ? message.slice(key.length + 1).trimStart() : message;
  return `metadata.annotations[${key}]: ${rest}`;
}

function shortKey(fullKey: string): string {
  return fullKey.slice(fullKey.indexOf("/") + 1);
}

export function checkAnnotations(annotations: Record<string, string> | undefined): AnnotationFindings {
  const parsed = parseAnnotations(annotations);
  const errors = parsed.errors.map((e) => {
    const msg = field(e.key, e.message);
    // Say plainly what class of attack this is: ingress-nginx's CVE-2025-1974 chain injected
    // configuration through annotations into a config that admission then ran `nginx -t` on.
    return REJECTED_KEYS.has(shortKey(e.key)) ? `${msg} (config injection risk, the CVE-2025-1974 class)` : msg;
  });
  const warnings = parsed.warnings.map((w) => field(w.key, w.message));
  for (const key of parsed.unknown) {
    if (key.startsWith(PREFERRED_PREFIX)) errors.push(`metadata.annotations[${key}]: unknown Portico annotation`);
    else if (ignoredByIngressNginxToo(shortKey(key))) {
      const hint = notIngressNginxHint(shortKey(key));
      warnings.push(`metadata.annotations[${key}]: not an ingress-nginx annotation (ingress-nginx ignores it too); ignored${hint ? `; ${hint}` : ""}`);
    } else warnings.push(`metadata.annotations[${key}]: not supported by Portico; ignored`);
  }
  return { parsed, errors, warnings };
}
