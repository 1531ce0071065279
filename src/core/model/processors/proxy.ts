// Proxy and backend annotations on a location: proxy-* tuning, request/response headers (with the
// backend's $service_name, $namespace and $service_port expanded), service-upstream,
// custom-http-errors with default-backend, and the per-Ingress rate limits. `finish` declares the
// limit zones and gives the error/fallback upstreams their endpoints.

import { createHash } from "node:crypto";
import { PREFIXES, type AnnotationValues } from "../../annotations/registry.js";
import type { HeaderEntry } from "../../annotations/types.js";
import { expandBackendPlaceholders } from "../../annotations/upstream-vhost.js";
import type { Ingress, IngressBackend } from "../../k8s-types.js";
import { HEADER_VARIABLES, sizeBytes, validateHeaderValue, validateHostPort, type Size } from "../../nginx-values.js";
import type { BackendRef } from "../backends.js";
import type { BuildContext } from "../context.js";
import type { LimitZone, LocationLimits, LocationModel, ProxyTuning } from "../types.js";
import { backendTlsOf } from "../secret-material.js";
import type { Processor } from "./types.js";

/** Default limit-burst-multiplier, as ingress-nginx. */
export const DEFAULT_BURST_MULTIPLIER = 5;

function staticTuning(ann: AnnotationValues): ProxyTuning {
  const t: ProxyTuning = {};
  const set = <K extends keyof ProxyTuning>(k: K, v: ProxyTuning[K] | undefined) => {
    if (v !== undefined) t[k] = v;
  };
  set("bufferSize", ann.proxyBufferSize);
  set("buffersNumber", ann.proxyBuffersNumber);
  set("buffering", ann.proxyBuffering);
  set("requestBuffering", ann.proxyRequestBuffering);
  set("maxTempFileSize", ann.proxyMaxTempFileSize);
  set("clientBodyBufferSize", ann.clientBodyBufferSize);
  set("httpVersion", ann.proxyHttpVersion);
  set("nextUpstream", ann.proxyNextUpstream);
  set("nextUpstreamTries", ann.proxyNextUpstreamTries);
  set("nextUpstreamTimeout", ann.proxyNextUpstreamTimeout);
  set("cookieDomain", ann.proxyCookieDomain);
  set("cookiePath", ann.proxyCookiePath);
  set("hideResponseHeaders", ann.hideResponseHeaders);
  set("responseHeaders", ann.responseHeaders);
  set("requireRequestHeaders", ann.requireRequestHeaders);
  set("accessLog", ann.enableAccessLog);
  set("limitRate", ann.limitRate);
  set("limitRateAfter", ann.limitRateAfter);
  const ssl: NonNullable<ProxyTuning["ssl"]> = {};
  if (ann.proxySslVerify !== undefined) ssl.verify = ann.proxySslVerify;
  if (ann.proxySslVerifyDepth !== undefined) ssl.verifyDepth = ann.proxySslVerifyDepth;
  if (ann.proxySslName !== undefined) ssl.name = ann.proxySslName;
  if (ann.proxySslServerName !== undefined) ssl.serverName = ann.proxySslServerName;
  if (ann.proxySslProtocols !== undefined) ssl.protocols = ann.proxySslProtocols;
  if (ann.proxySslCiphers !== undefined) ssl.ciphers = ann.proxySslCiphers;
  if (Object.keys(ssl).length) t.ssl = ssl;
  return t;
}

/** proxy-ssl-secret's files on the location's TLS settings; an unusable Secret was refused by the
 * backend-tls processor already (the location answers 503), so it adds nothing here. */
function addBackendTlsFiles(ctx: BuildContext, ing: Ingress, ann: AnnotationValues, t: ProxyTuning): void {
  if (ann.proxySslSecret === undefined) return;
  const files = backendTlsOf(ctx, ing.metadata.namespace ?? "", ann.proxySslSecret);
  if ("error" in files) return;
  t.ssl = { ...t.ssl, ...files };
}

/** Hex id naming an Ingress's limit zones and variables. */
export function limitId(ing: Ingress): string {
  return createHash("sha256")
    .update(`${ing.metadata.namespace ?? ""}/${ing.metadata.name}`)
    .digest("hex")
    .slice(0, 16);
}

export function limitsOf(ing: Ingress, ann: AnnotationValues): LocationLimits | undefined {
  if (ann.limitRps === undefined && ann.limitRpm === undefined && ann.limitConnections === undefined) return undefined;
  const m = ann.limitBurstMultiplier ?? DEFAULT_BURST_MULTIPLIER;
  const l: LocationLimits = { id: limitId(ing), allowlist: ann.limitAllowlist ?? [] };
  if (ann.limitRps !== undefined) l.rps = { rate: ann.limitRps, burst: ann.limitRps * m };
  if (ann.limitRpm !== undefined) l.rpm = { rate: ann.limitRpm, burst: ann.limitRpm * m };
  if (ann.limitConnections !== undefined) l.connections = ann.limitConnections;
  return l;
}

/** The default-backend annotation's Service as a backend (its first port), or a reason it cannot be. */
function defaultBackendOf(ctx: BuildContext, ing: Ingress, ann: AnnotationValues): IngressBackend | string | undefined {
  if (!ann.defaultBackend) return undefined;
  const ns = ing.metadata.namespace ?? "";
  const svc = ctx.services.services.get(`${ns}/${ann.defaultBackend}`);
  const port = svc?.spec?.ports?.[0]?.port;
  if (!svc || port === undefined)
    return `default-backend: Service ${ns}/${ann.defaultBackend} ${svc ? "has no port" : "not found"}; the built-in error pages are used`;
  return { service: { name: ann.defaultBackend, port: { number: port } } };
}

/**
 * Applies the proxy and backend annotations of `ann` to a location whose action is already set.
 * `ref` is the location's backend (absent for redirects and fixed responses).
 */
export function applyProxyAnnotations(ctx: BuildContext, ing: Ingress, ann: AnnotationValues, loc: LocationModel, ref: BackendRef | undefined): void {
  const t = staticTuning(ann);
  addBackendTlsFiles(ctx, ing, ann, t);
  const cap = ctx.settings.proxyMaxTempFileSize as Size;
  if (t.maxTempFileSize !== undefined && sizeBytes(t.maxTempFileSize) > sizeBytes(cap)) {
    // Temp files share the pod's bounded /tmp volume: one Ingress may not claim more than the setting.
    // The message quotes what the user wrote (1g), not the form nginx is given (1024m).
    const written = PREFIXES.map((p) => ing.metadata.annotations?.[`${p}proxy-max-temp-file-size`]).find((v) => v !== undefined) ?? t.maxTempFileSize;
    ctx.report(ing, "AnnotationClamped", `proxy-max-temp-file-size: ${written} is above settings.proxyMaxTempFileSize (${cap}); ${cap} is used`);
    t.maxTempFileSize = cap;
  }
  const limits = limitsOf(ing, ann);
  if (limits) loc.limits = limits;
  if (loc.action.kind === "proxy" && ref) {
    const vars = { service_name: ref.service, namespace: ref.namespace, service_port: String(ref.port.number ?? ref.port.name) };
    const headers: HeaderEntry[] = [];
    if (ann.upstreamVhost !== undefined) {
      const host = expandBackendPlaceholders(ann.upstreamVhost, vars);
      const err = validateHostPort(host, "upstream-vhost");
      if (err) ctx.report(ing, "AnnotationInvalid", `${err} (annotation ignored)`);
      else headers.push({ name: "Host", value: host });
    }
    if (ann.xForwardedPrefix !== undefined) headers.push({ name: "X-Forwarded-Prefix", value: ann.xForwardedPrefix });
    for (const h of ann.requestHeaders ?? []) {
      const value = expandBackendPlaceholders(h.value, vars);
      const err = validateHeaderValue(value, `request-headers (${h.name})`, HEADER_VARIABLES);
      if (err) {
        ctx.report(ing, "AnnotationInvalid", `${err} (header ignored)`);
        continue;
      }
      const i = headers.findIndex((x) => x.name.toLowerCase() === h.name.toLowerCase());
      if (i >= 0) headers.splice(i, 1);
      headers.push({ name: h.name, value });
    }
    if (headers.length) t.requestHeaders = headers;
    if (ann.proxyRedirectFrom !== undefined) {
      if (ann.proxyRedirectFrom === "default" || ann.proxyRedirectFrom === "off") t.redirect = { from: ann.proxyRedirectFrom, to: "" };
      else if (ann.proxyRedirectTo !== undefined) t.redirect = { from: ann.proxyRedirectFrom, to: ann.proxyRedirectTo };
      else ctx.report(ing, "AnnotationInvalid", "proxy-redirect-from needs proxy-redirect-to (annotation ignored)");
    }
    if (ann.serviceUpstream === true) loc.action = { ...loc.action, upstream: ctx.upstreams.useServiceAddress(ing, ref) };
    const db = defaultBackendOf(ctx, ing, ann);
    if (typeof db === "string") ctx.report(ing, "DefaultBackendNotFound", db);
    const dbRef = db && typeof db !== "string" ? ctx.upstreams.refOf(ing.metadata.namespace ?? "", db, "default-backend") : undefined;
    const dbUpstream = dbRef && typeof dbRef !== "string" ? ctx.upstreams.use(ing, dbRef) : undefined;
    if (dbUpstream) loc.fallbackUpstream = dbUpstream;
    if (ann.customHttpErrors) {
      loc.errors = {
        codes: ann.customHttpErrors,
        ...(dbUpstream ? { upstream: dbUpstream } : {}),
        namespace: ref.namespace,
        ingress: ing.metadata.name,
        service: ref.service,
        port: vars.service_port,
      };
    }
  }
  if (Object.keys(t).length) loc.proxy = t;
}

export const proxyProcessor: Processor = {
  name: "proxy",
  prepare(ctx, ingresses) {
    // default-backend Services take part in upstream naming like every other backend.
    for (const ing of ingresses) {
      const ann = (ing.metadata.annotations ?? {}) as Record<string, string>;
      const name = ann["portico.dev/default-backend"] ?? ann["nginx.ingress.kubernetes.io/default-backend"];
      if (!name) continue;
      const db = defaultBackendOf(ctx, ing, { defaultBackend: name.trim() });
      if (db && typeof db !== "string") ctx.upstreams.register(ing.metadata.namespace ?? "", db);
    }
  },
  finish(ctx, model) {
    const zones = new Map<string, LimitZone>();
    const all = [...model.servers.flatMap((s) => [...s.locations, s.fallback]), ...model.defaultServer.locations, model.defaultServer.fallback];
    for (const loc of all) {
      for (const u of [loc.errors?.upstream, loc.fallbackUpstream, loc.action.kind === "proxy" ? loc.action.upstream : undefined]) {
        if (u !== undefined && !(u in model.endpoints)) model.endpoints[u] = ctx.upstreams.resolved.get(u)?.endpoints ?? [];
      }
      const l = loc.limits;
      if (l && !zones.has(l.id))
        zones.set(l.id, {
          id: l.id,
          ...(loc.origin ? { origin: loc.origin } : {}),
          rps: l.rps?.rate,
          rpm: l.rpm?.rate,
          connections: l.connections !== undefined,
          allowlist: l.allowlist,
        });
    }
    if (zones.size) model.limitZones = [...zones.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  },
};
