// Basic authentication against an htpasswd Secret (ingress-nginx's auth-type/auth-secret family).
// Digest is refused: Debian's nginx has no digest-auth module.

import { show, validateRealm, type Result } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: string): Result<T> => ({ ok: false, error });

/** "name" or "namespace/name" of a Secret (DNS-1123 names). */
export function parseSecretRef(raw: string, key: string): Result<string> {
  const v = raw.trim();
  const name = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?";
  if (!new RegExp(`^(${name}/)?${name}$`).test(v)) return fail(`${key}: ${show(raw)} must be a Secret name or namespace/name`);
  return ok(v);
}

export const authType = defineAnnotation({
  key: "auth-type",
  field: "authType",
  type: "enum",
  scope: "location",
  risk: "low",
  default: "",
  doc: 'Authentication the paths require: "basic" (htpasswd from auth-secret). "digest" is refused: Debian\'s nginx has no digest-auth module.',
  parse: (raw, key) => {
    const v = raw.trim().toLowerCase();
    if (v === "basic") return ok("basic" as const);
    if (v === "digest") return fail(`${key}: "digest" is not supported: Debian's nginx has no digest-auth module; use "basic" over TLS or auth-url`);
    return fail(`${key}: ${show(raw)} must be "basic"`);
  },
});

export const authSecret = defineAnnotation({
  key: "auth-secret",
  field: "authSecret",
  type: "string",
  scope: "location",
  risk: "medium",
  default: "",
  doc: "Secret (name, or namespace/name in the Ingress's own namespace) with the htpasswd users: key `auth` (auth-file) or one key per user (auth-map). A missing or unusable Secret makes the paths answer 503.",
  parse: parseSecretRef,
});

export const authSecretType = defineAnnotation({
  key: "auth-secret-type",
  field: "authSecretType",
  type: "enum",
  scope: "location",
  risk: "low",
  default: "auth-file",
  doc: "auth-file: the Secret's `auth` key is an htpasswd file; auth-map: each key is a user and its value the password hash.",
  parse: (raw, key) => {
    const v = raw.trim();
    return v === "auth-file" || v === "auth-map" ? ok(v) : fail(`${key}: ${show(raw)} must be auth-file or auth-map`);
  },
});

export const authRealm = defineAnnotation({
  key: "auth-realm",
  field: "authRealm",
  type: "string",
  scope: "location",
  risk: "medium",
  default: "",
  doc: "Realm shown by the browser's basic-auth prompt.",
  parse: (raw, key) => {
    const err = validateRealm(raw, key);
    return err ? fail(err) : ok(raw);
  },
});
