// The ajv validator of IngressController objects, compiled from schema.ts. It applies the schema's
// defaults first (as the API server does before validating), so it accepts exactly what the CRD
// accepts, and returns the defaulted object the generators work from. Messages name the field:
// `spec.replicas: must be >= 0`.

import Ajv, { type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import { validCidr } from "../core/nginx-values.js";
import { ingressControllerSchema } from "./schema.js";
import type { IngressControllerSpec, ResolvedIngressControllerSpec } from "./types.generated.js";

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

const ajv = new Ajv({ allErrors: true, useDefaults: true, strictTypes: false, strictTuples: false });
addFormats(ajv);
// Kubernetes' "cidr" format (net.ParseCIDR): address/prefix; core's validCidr is the nginx-side check.
ajv.addFormat("cidr", (s: string) => s.includes("/") && validCidr(s));
for (const k of ["x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-list-type", "x-kubernetes-list-map-keys"]) {
  ajv.addKeyword(k);
}
const check = ajv.compile(ingressControllerSchema);

/** "/spec/tolerations/0/key" -> "spec.tolerations[0].key" */
export function fieldPath(pointer: string, child?: string): string {
  const parts = pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (child !== undefined) parts.push(child);
  let out = "";
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  return out || "(root)";
}

function describe(e: ErrorObject): { path: string; message: string } {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { path: fieldPath(e.instancePath, String(params.missingProperty)), message: "is required" };
    case "additionalProperties":
      return { path: fieldPath(e.instancePath, String(params.additionalProperty)), message: "is not a known field" };
    case "enum":
      return { path: fieldPath(e.instancePath), message: `must be one of ${(params.allowedValues as unknown[]).join(", ")}` };
    case "pattern":
      return { path: fieldPath(e.instancePath), message: `has an invalid format (must match ${String(params.pattern)})` };
    default:
      return { path: fieldPath(e.instancePath), message: e.message ?? "is invalid" };
  }
}

/** One message per field; the alternatives of an anyOf (int-or-string) are joined with "or". */
export function formatErrors(errors: ErrorObject[]): string[] {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => fieldPath(e.instancePath)));
  const byPath = new Map<string, string[]>();
  for (const e of errors) {
    if (e.keyword === "anyOf") continue;
    const { path, message } = describe(e);
    const list = byPath.get(path) ?? [];
    if (!list.includes(message)) list.push(message);
    byPath.set(path, list);
  }
  return [...byPath].map(([path, msgs]) => `${path}: ${msgs.join(anyOfPaths.has(path) ? " or " : "; ")}`);
}

export interface IngressControllerLike {
  metadata?: { name?: string; namespace?: string };
  spec?: IngressControllerSpec;
}

/** Validates a whole IngressController (as admission sees it); returns the defaulted spec. */
export function validateIngressController(obj: unknown): Validation<ResolvedIngressControllerSpec> {
  const copy = structuredClone(obj ?? {}) as { spec?: unknown };
  if (!check(copy)) return { ok: false, errors: formatErrors(check.errors ?? []) };
  return { ok: true, value: copy.spec as ResolvedIngressControllerSpec };
}

/** The spec with every schema default applied. Throws (naming the fields) if it is invalid. */
export function resolveSpec(obj: IngressControllerLike): ResolvedIngressControllerSpec {
  const r = validateIngressController({ metadata: obj.metadata ? { name: obj.metadata.name } : undefined, spec: obj.spec ?? {} });
  if (!r.ok) throw new Error(`invalid IngressController: ${r.errors.join("; ")}`);
  return r.value;
}
