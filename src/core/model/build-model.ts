// Snapshot -> Model. Ingresses are processed oldest first, so on a conflicting host+path the oldest
// wins and later ones are reported. A bad rule, path, backend or annotation drops only itself.

import { parseAnnotations, type AnnotationValues } from "../annotations/registry.js";
import type { Diagnostic, Snapshot, UpstreamEndpoint } from "../contract.js";
import type { HTTPIngressPath, Ingress, IngressBackend } from "../k8s-types.js";
import { normalizeHost, show, validateHost, validatePlainPath, validateRegexPath } from "../nginx-values.js";
import { backendRef, indexServices, resolveBackend, UpstreamNames, type BackendRef, type ResolvedBackend } from "./backends.js";
import { cmp, keyOf, selectIngresses } from "./classes.js";
import { checkTlsSecret } from "./tls.js";
import { streamServers } from "./stream.js";
import type { Action, LocationModel, Model, ServerModel } from "./types.js";

/** Key under which the default certificate override (spec.defaultTLSSecret) appears in sniCertificates. */
export const DEFAULT_SNI_KEY = "*";

interface HostDraft {
  locations: Map<string, { loc: LocationModel; owner: string; ann: AnnotationValues }>;
  tls: boolean;
  appRoot?: string;
  fallback?: { backend: IngressBackend; ingress: Ingress; ann: AnnotationValues };
}

export interface ModelOptions {
  /** Ports used by the HTTP side; tcp/udp-services must not take them. */
  reservedPorts: number[];
  httpsPort: number;
}

export function buildModel(snapshot: Snapshot, options: ModelOptions): Model {
  const settings = snapshot.settings;
  const diagnostics: Diagnostic[] = [];
  const report = (ing: Ingress, reason: string, message: string, severity: Diagnostic["severity"] = "Warning") =>
    diagnostics.push({ object: { kind: "Ingress", namespace: ing.metadata.namespace, name: ing.metadata.name }, severity, reason, message });
  // Fail closed: an Ingress with an access-control annotation Portico cannot honour (unknown to
  // it, or with an invalid value) is not served at all, rather than served without the protection.
  const ingresses = selectIngresses(snapshot).filter((ing) => {
    const refused = parseAnnotations(ing.metadata.annotations).errors.filter((e) => e.dropsIngress);
    for (const e of refused) report(ing, "AnnotationRefused", `${e.message}; this Ingress is not served until it changes`, "Error");
    return refused.length === 0;
  });
  const index = indexServices(snapshot.services, snapshot.endpointSlices);

  // Pre-pass: all backend references, so colliding upstream names are known before naming.
  const names = new UpstreamNames();
  const refs = new Map<IngressBackend, BackendRef | string>(); // reused by the main pass
  const refOf = (ns: string, b: IngressBackend, field: string): BackendRef | string => {
    let r = refs.get(b);
    if (r === undefined) refs.set(b, (r = backendRef(ns, b, field)));
    return typeof r === "string" ? r.replace(/^backend/, field) : r;
  };
  for (const ing of ingresses) {
    const ns = ing.metadata.namespace ?? "";
    const db = ing.spec?.defaultBackend;
    if (db) {
      const ref = refOf(ns, db, "backend");
      if (typeof ref !== "string") names.add(ref);
    }
    for (const r of ing.spec?.rules ?? []) {
      for (const p of r.http?.paths ?? []) {
        if (!p.backend) continue;
        const ref = refOf(ns, p.backend, "backend");
        if (typeof ref !== "string") names.add(ref);
      }
    }
  }

  const resolved = new Map<string, ResolvedBackend>();
  const endpoints: Record<string, UpstreamEndpoint[]> = {};
  const proxyTo = (ing: Ingress, ref: BackendRef, ann: AnnotationValues): Action => {
    const upstream = names.nameOf(ref);
    let r = resolved.get(upstream);
    if (!r) resolved.set(upstream, (r = resolveBackend(ref, index)));
    if (r.problem) report(ing, r.problem.reason, r.problem.message);
    return { kind: "proxy", upstream, protocol: ann.backendProtocol ?? "HTTP" };
  };

  const hosts = new Map<string, HostDraft>(); // "" = the default server (hostless rules)
  const draft = (host: string): HostDraft => {
    let h = hosts.get(host);
    if (!h) hosts.set(host, (h = { locations: new Map(), tls: false }));
    return h;
  };
  draft("");
  let catchAll: { backend: IngressBackend; ingress: Ingress; ann: AnnotationValues } | undefined;

  for (const ing of ingresses) {
    const ns = ing.metadata.namespace ?? "";
    const owner = keyOf(ing);
    const parsed = parseAnnotations(ing.metadata.annotations);
    for (const e of parsed.errors) report(ing, "AnnotationInvalid", `${e.message} (annotation ignored)`);
    const ann = parsed.values;
    const rules = ing.spec?.rules ?? [];
    const ruleHosts: string[] = [];

    rules.forEach((rule, ri) => {
      let host = "";
      if (rule.host) {
        const err = validateHost(rule.host, `spec.rules[${ri}].host`);
        if (err) {
          report(ing, "HostInvalid", `${err}; rule ignored`);
          return;
        }
        host = normalizeHost(rule.host);
      }
      if (!ruleHosts.includes(host)) ruleHosts.push(host);
      const h = draft(host);
      if (ann.appRoot && host !== "" && h.appRoot === undefined) h.appRoot = ann.appRoot;
      (rule.http?.paths ?? []).forEach((p, pi) => {
        const field = `spec.rules[${ri}].http.paths[${pi}]`;
        const loc = locationOf(ing, p, field, ann, (msg) => report(ing, "PathInvalid", `${msg}; path ignored`));
        if (!loc) return;
        const ref = p.backend ? refOf(ns, p.backend, `${field}.backend`) : `${field}.backend: missing backend`;
        if (typeof ref === "string") {
          report(ing, "BackendInvalid", `${ref}; path ignored`);
          return;
        }
        const key = `${loc.match}|${loc.path}`;
        const existing = h.locations.get(key);
        if (existing) {
          const what = `${p.pathType} path ${show(p.path ?? "/")} on host ${show(host || "*")}`;
          report(
            ing,
            "PathConflict",
            existing.owner === owner
              ? `${what} is declared twice in ${field}; the first declaration is used`
              : `${what} is already served by Ingress ${existing.owner} (older); this path is ignored`,
          );
          return;
        }
        loc.action = redirectOf(ann) ?? proxyTo(ing, ref, ann);
        h.locations.set(key, { loc, owner, ann });
      });
    });

    // spec.defaultBackend: catch-all of the default server when the Ingress has no rules,
    // otherwise what its hosts answer for unmatched paths. Oldest wins in both cases.
    const db = ing.spec?.defaultBackend;
    if (db) {
      const ref = refOf(ns, db, "spec.defaultBackend");
      if (typeof ref === "string") report(ing, "BackendInvalid", `${ref}; default backend ignored`);
      else if (rules.length === 0) {
        if (catchAll)
          report(
            ing,
            "DefaultBackendConflict",
            `the default backend is already set by Ingress ${keyOf(catchAll.ingress)} (older); spec.defaultBackend ignored`,
          );
        else catchAll = { backend: db, ingress: ing, ann };
      } else {
        for (const host of ruleHosts) {
          const h = draft(host);
          if (host === "") {
            if (!catchAll) catchAll = { backend: db, ingress: ing, ann };
          } else if (!h.fallback) h.fallback = { backend: db, ingress: ing, ann };
        }
      }
    }
  }

  // TLS: hosts listed in spec.tls (all rule hosts when the list is empty), certificate by SNI.
  const secretsByKey = new Map(snapshot.secrets.map((sec) => [`${sec.metadata.namespace ?? ""}/${sec.metadata.name}`, sec]));
  const sniCertificates: Record<string, string> = {};
  const certificates: Model["certificates"] = {};
  for (const ing of ingresses) {
    if (!ing.spec?.tls?.length) continue;
    const ruleHosts = (ing.spec?.rules ?? []).flatMap((r) => (r.host && !validateHost(r.host) ? [normalizeHost(r.host)] : []));
    (ing.spec?.tls ?? []).forEach((tls, ti) => {
      const listed: string[] = [];
      (tls.hosts?.length ? tls.hosts : ruleHosts).forEach((raw, hi) => {
        const err = validateHost(raw, `spec.tls[${ti}].hosts[${hi}]`);
        if (err) report(ing, "HostInvalid", `${err}; TLS host ignored`);
        else listed.push(normalizeHost(raw));
      });
      if (listed.length === 0) return;
      for (const host of listed) {
        const h = hosts.get(host);
        if (h) h.tls = true;
      }
      let certId: string | undefined;
      const name = tls.secretName;
      if (!name) {
        report(ing, "TLSSecretNotFound", `spec.tls[${ti}].secretName is empty; hosts ${listed.join(", ")} use the default certificate`);
      } else {
        const secret = secretsByKey.get(`${ing.metadata.namespace ?? ""}/${name}`);
        if (!secret) {
          report(
            ing,
            "TLSSecretNotFound",
            `spec.tls[${ti}]: Secret ${ing.metadata.namespace}/${name} not found; hosts ${listed.join(", ")} use the default certificate`,
          );
        } else {
          const check = checkTlsSecret(secret);
          if (!check.ok) report(ing, "TLSSecretInvalid", `spec.tls[${ti}]: ${check.message}; hosts ${listed.join(", ")} use the default certificate`);
          else {
            certId = check.id;
            certificates[check.id] = check.pair;
          }
        }
      }
      if (certId) for (const host of listed) if (!(host in sniCertificates)) sniCertificates[host] = certId;
    });
  }
  if (snapshot.defaultCertificate) {
    const check = checkTlsSecret(snapshot.defaultCertificate);
    if (check.ok) {
      certificates[check.id] = check.pair;
      sniCertificates[DEFAULT_SNI_KEY] = check.id;
    } else {
      const s = snapshot.defaultCertificate.metadata;
      diagnostics.push({
        object: { kind: "Secret", namespace: s.namespace, name: s.name },
        severity: "Warning",
        reason: "TLSSecretInvalid",
        message: `${check.message}; the generated default certificate is used`,
      });
    }
  }

  const notFound = (sslRedirect: boolean): LocationModel => ({ path: "/", match: "prefix", caseInsensitive: false, action: { kind: "notFound" }, sslRedirect });
  const fallbackOf = (fb: HostDraft["fallback"], tls: boolean): LocationModel => {
    if (!fb) return notFound(tls && settings.sslRedirect);
    const ref = backendRef(fb.ingress.metadata.namespace ?? "", fb.backend, "spec.defaultBackend") as BackendRef;
    return {
      ...notFound(effectiveSslRedirect(fb.ann, tls, settings.sslRedirect)),
      action: proxyTo(fb.ingress, ref, fb.ann),
      origin: { namespace: fb.ingress.metadata.namespace ?? "", name: fb.ingress.metadata.name },
      ...tuning(fb.ann),
    };
  };

  const finish = (h: HostDraft): LocationModel[] => {
    const out: LocationModel[] = [];
    for (const { loc, ann } of h.locations.values()) {
      loc.sslRedirect = effectiveSslRedirect(ann, h.tls, settings.sslRedirect); // locations are ours to finish
      out.push(loc);
    }
    return out.length > 1 ? out.sort((a, b) => cmp(a.match, b.match) || cmp(a.path, b.path)) : out;
  };

  const servers: ServerModel[] = [];
  for (const host of [...hosts.keys()].sort()) {
    if (host === "") continue;
    const h = hosts.get(host)!;
    const locations = finish(h);
    servers.push({
      host,
      tls: h.tls,
      locations,
      regexMode: locations.some((l) => l.match === "regex"),
      appRoot: h.appRoot,
      fallback: fallbackOf(h.fallback, h.tls),
    });
  }
  const d = hosts.get("")!;
  const defaultLocations = finish(d);
  const defaultServer = {
    locations: defaultLocations,
    regexMode: defaultLocations.some((l) => l.match === "regex"),
    fallback: fallbackOf(catchAll, false),
  };

  // Every upstream a surviving location uses is a key of endpoints ([] when nothing is ready).
  const use = (loc: LocationModel) => {
    if (loc.action.kind === "proxy") endpoints[loc.action.upstream] = resolved.get(loc.action.upstream)?.endpoints ?? [];
  };
  for (const s of servers) {
    s.locations.forEach(use);
    use(s.fallback);
  }
  defaultServer.locations.forEach(use);
  use(defaultServer.fallback);

  const reserved = new Set(options.reservedPorts);
  const stream = [
    ...streamServers("tcp", snapshot.tcpServices, index, reserved, diagnostics),
    ...streamServers("udp", snapshot.udpServices, index, reserved, diagnostics),
  ];

  return {
    servers,
    defaultServer,
    endpoints: sortRecord(endpoints),
    sniCertificates: sortRecord(sniCertificates),
    certificates: sortRecord(certificates),
    stream,
    diagnostics: dedupe(diagnostics),
    servedIngresses: ingresses.map(keyOf).sort(),
  };
}

function effectiveSslRedirect(ann: AnnotationValues, tls: boolean, global: boolean): boolean {
  return ann.forceSslRedirect === true || (tls && (ann.sslRedirect ?? global));
}

function tuning(ann: AnnotationValues): Partial<LocationModel> {
  const t: Partial<LocationModel> = {};
  if (ann.proxyBodySize !== undefined) t.bodySize = ann.proxyBodySize;
  if (ann.proxyConnectTimeout !== undefined) t.connectTimeout = ann.proxyConnectTimeout;
  if (ann.proxyReadTimeout !== undefined) t.readTimeout = ann.proxyReadTimeout;
  if (ann.proxySendTimeout !== undefined) t.sendTimeout = ann.proxySendTimeout;
  return t;
}

function redirectOf(ann: AnnotationValues): Action | undefined {
  if (ann.permanentRedirect) return { kind: "redirect", code: ann.permanentRedirectCode ?? 301, url: ann.permanentRedirect };
  if (ann.temporalRedirect) return { kind: "redirect", code: 302, url: ann.temporalRedirect };
  return undefined;
}

/** One Ingress path -> a location (action filled in by the caller), or undefined after reporting. */
function locationOf(ing: Ingress, p: HTTPIngressPath, field: string, ann: AnnotationValues, bad: (m: string) => void): LocationModel | undefined {
  const type = p.pathType;
  if (type !== "Exact" && type !== "Prefix" && type !== "ImplementationSpecific") {
    bad(`${field}.pathType: ${show(String(type))} must be Exact, Prefix or ImplementationSpecific`);
    return undefined;
  }
  const raw = p.path === undefined || p.path === "" ? (type === "ImplementationSpecific" ? "/" : "") : p.path;
  const regex = type === "ImplementationSpecific" && (ann.useRegex === true || ann.rewriteTarget !== undefined);
  const err = regex ? validateRegexPath(raw, `${field}.path`) : validatePlainPath(raw, `${field}.path`);
  if (err) {
    bad(err);
    return undefined;
  }
  const path = regex || type === "Exact" ? raw : raw.replace(/\/+$/, "") || "/";
  const loc: LocationModel = {
    path,
    match: regex ? "regex" : type === "Exact" ? "exact" : "prefix",
    caseInsensitive: regex,
    action: { kind: "notFound" },
    origin: { namespace: ing.metadata.namespace ?? "", name: ing.metadata.name },
    sslRedirect: false,
    ...tuning(ann),
  };
  if (ann.rewriteTarget !== undefined) {
    loc.rewrite = { pattern: regex ? raw : escapeRegex(path), target: ann.rewriteTarget };
  }
  return loc;
}

function escapeRegex(path: string): string {
  return path.replace(/[.*+?()[\]{}^$|]/g, (c) => `\\${c}`);
}

function sortRecord<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of ds) {
    const k = JSON.stringify(d);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out.sort(
    (a, b) =>
      cmp(a.object.kind, b.object.kind) ||
      cmp(a.object.namespace ?? "", b.object.namespace ?? "") ||
      cmp(a.object.name, b.object.name) ||
      cmp(a.reason, b.reason) ||
      cmp(a.message, b.message),
  );
}
