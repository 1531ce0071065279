// Access: the annotations that decide who may use an Ingress's locations (address lists, basic
// and external authentication, satisfy) and CORS, resolved into one AccessModel shared by its
// locations. Secrets they name are read here; what cannot be honoured (a missing or unusable
// Secret, another namespace's Secret) makes the locations answer 503 with an Event, never
// serves them unprotected.

import { createHash } from "node:crypto";
import { DEFAULT_AUTH_CACHE_DURATION } from "../../annotations/auth-external.js";
import { CORS_DEFAULTS } from "../../annotations/cors.js";
import type { AnnotationValues } from "../../annotations/registry.js";
import type { Secret } from "../../k8s-types.js";
import type { Settings } from "../../settings.js";
import type { BuildContext } from "../context.js";
import type { AccessModel, ExternalAuthModel } from "../types.js";
import { HEADER_VARIABLES } from "../../nginx-values.js";
import { configMapHeaders } from "../../annotations/custom-headers.js";
import { ownConfigMap } from "./config-maps.js";
import type { Processor } from "./types.js";

export const accessProcessor: Processor = {
  name: "access",
  process(ctx, work) {
    if (work.access?.denied) return; // refused annotations: already 503
    const ann = work.ann;
    const access: AccessModel = {
      allow: ann.allowlistSourceRange ?? ann.whitelistSourceRange ?? [],
      deny: ann.denylistSourceRange ?? [],
      satisfyAny: ann.satisfy === "any",
    };
    const denied = (why: string) => {
      ctx.report(work.ingress, "AccessDenied", `${why}; its paths answer 503 until this is fixed`, "Error");
      work.access = { ...access, denied: why };
    };
    if (ann.authType === "basic" && ann.authSecret !== undefined) {
      const r = htpasswdFile(ctx, work.namespace, ann.authSecret, ann.authSecretType ?? "auth-file");
      if ("error" in r) return denied(`auth-secret: ${r.error}`);
      access.basic = { realm: ann.authRealm ?? "", file: r.file };
    }
    const external = externalAuthOf(ann, ctx.settings);
    if (external && ann.authUrl && ann.authProxySetHeaders !== undefined) {
      const cm = ownConfigMap(ctx, work.namespace, ann.authProxySetHeaders, "auth-proxy-set-headers");
      if ("error" in cm) return denied(cm.error);
      const headers = configMapHeaders(cm.data, `auth-proxy-set-headers: ConfigMap ${work.namespace}/${cm.metadata.name}`, HEADER_VARIABLES);
      if (!headers.ok) return denied(headers.error);
      external.proxySetHeaders = headers.value;
    }
    if (external) access.external = external;
    if (ann.enableCors) {
      access.cors = {
        origins: ann.corsAllowOrigin ?? ["*"],
        methods: ann.corsAllowMethods ?? CORS_DEFAULTS.methods,
        headers: ann.corsAllowHeaders ?? CORS_DEFAULTS.headers,
        ...(ann.corsExposeHeaders ? { exposeHeaders: ann.corsExposeHeaders } : {}),
        credentials: ann.corsAllowCredentials ?? CORS_DEFAULTS.credentials,
        maxAge: ann.corsMaxAge ?? CORS_DEFAULTS.maxAge,
      };
    }
    if (access.allow.length || access.deny.length || access.basic || access.external || access.cors) work.access = access;
  },
};

/** The Ingress's own auth-url, else the global one (settings.globalAuthUrl) unless enable-global-auth is false. */
function externalAuthOf(ann: AnnotationValues, s: Settings): ExternalAuthModel | undefined {
  if (ann.authUrl) {
    return {
      url: ann.authUrl,
      ...(ann.authMethod ? { method: ann.authMethod } : {}),
      ...(ann.authSignin ? { signin: ann.authSignin } : {}),
      signinRedirectParam: ann.authSigninRedirectParam ?? "rd",
      responseHeaders: ann.authResponseHeaders ?? [],
      ...(ann.authRequestRedirect ? { requestRedirect: ann.authRequestRedirect } : {}),
      alwaysSetCookie: ann.authAlwaysSetCookie ?? false,
      ...(ann.authCacheKey ? { cache: { key: ann.authCacheKey, valid: ann.authCacheDuration ?? DEFAULT_AUTH_CACHE_DURATION } } : {}),
    };
  }
  if (s.globalAuthUrl && ann.enableGlobalAuth !== false) {
    return {
      url: s.globalAuthUrl,
      ...(s.globalAuthMethod ? { method: s.globalAuthMethod } : {}),
      ...(s.globalAuthSignin ? { signin: s.globalAuthSignin } : {}),
      signinRedirectParam: "rd",
      responseHeaders: s.globalAuthResponseHeaders,
      alwaysSetCookie: false,
    };
  }
  return undefined;
}

const USER = /^[^:\s#][^:\s]{0,255}$/;

/** The htpasswd file for an auth-secret: its name in Model.files, or why it cannot be used. */
function htpasswdFile(ctx: BuildContext, ingressNamespace: string, ref: string, type: "auth-file" | "auth-map"): { file: string } | { error: string } {
  const [ns, name] = ref.includes("/") ? (ref.split("/", 2) as [string, string]) : [ingressNamespace, ref];
  if (ns !== ingressNamespace) return { error: `Secret ${ref} is in another namespace; an Ingress may only use Secrets of its own namespace` };
  const secret = ctx.secret(ns, name);
  if (!secret) return { error: `Secret ${ns}/${name} not found` };
  const content = type === "auth-file" ? authFileContent(secret) : authMapContent(secret);
  if (content.startsWith("!")) return { error: `Secret ${ns}/${name}: ${content.slice(1)}` };
  const file = `htpasswd-${ns}-${name}-${createHash("sha256").update(content).digest("hex").slice(0, 12)}`;
  ctx.files[file] = content;
  return { file };
}

const decode = (v: string | undefined) => (v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8"));

/** Content of an htpasswd file, or "!<why>" when the Secret cannot be used. */
function authFileContent(secret: Secret): string {
  const text = decode(secret.data?.auth);
  if (text === undefined) return "!has no key `auth` (the htpasswd file)";
  return checkLines(text.split(/\r?\n/).filter((l) => l.trim() !== ""));
}

function authMapContent(secret: Secret): string {
  const lines = Object.keys(secret.data ?? {})
    .sort()
    .map((user) => `${user}:${decode(secret.data![user])!.trim()}`);
  return checkLines(lines);
}

function checkLines(lines: string[]): string {
  if (lines.length === 0) return "!lists no users";
  if (lines.length > 10000) return "!lists more than 10000 users";
  for (const [i, l] of lines.entries()) {
    const colon = l.indexOf(":");
    if (colon < 1 || !USER.test(l.slice(0, colon)) || !/^[\x21-\x7e]+$/.test(l.slice(colon + 1))) return `!line ${i + 1} is not user:password-hash`;
  }
  return lines.join("\n") + "\n";
}
