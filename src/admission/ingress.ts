// Validation of one Ingress admission request. Ingresses of other controllers' classes are approved
// untouched, with no warnings. For ours: hosts, paths per pathType, backends, annotations, TLS
// (hosts, Secret content), duplicate routes inside the Ingress and conflicts with other Ingresses of
// the same IngressController, looked up in the route index. Never renders, never scans.

import type { Ingress, IngressBackend } from "../core/k8s-types.js";
import { show } from "../core/nginx-values.js";
import { isRegexLike } from "../core/location-key.js";
import { validateHost, validatePath as validateCorePath, validateRegexPath } from "../core/validate.js";
import { checkAnnotations } from "./annotations.js";
import { PREFIXES, type AnnotationValues } from "../core/annotations/registry.js";
import { configMapRefsOf } from "../core/annotations/config-map-refs.js";
import { secretRefsOf } from "../core/annotations/secret-refs.js";
import { validateBackend } from "./backend.js";
import { groupOf, mayUseForeignCa, ourClassOf } from "./classes.js";
import type { AdmissionContext } from "./context.js";
import { ingressKey } from "./ingress-index.js";
import { validateSecretName } from "./names.js";
import { ingressOverLimits } from "../core/limits.js";
import type { AdmissionRequestLike } from "./request.js";
import { describeRoute, isCanary, regexModeOf, routesOf, type Route } from "./routes.js";
import { checkTlsSecret } from "./tls-material.js";
import { byAge } from "../core/model/classes.js";
import { checkHostOwnership } from "./host-ownership.js";
import { approve, verdict, type Verdict } from "./verdict.js";

export const CONFLICT_CHECK_SKIPPED =
  "route conflict check skipped: Portico's admission index is still loading (the controller reports any conflict as an Event)";

/** The object with its namespace filled in from the request (CREATE objects may omit it). */
function withNamespace(obj: Ingress, namespace: string | undefined): Ingress {
  if (obj.metadata.namespace) return obj;
  return { ...obj, metadata: { ...obj.metadata, namespace: namespace || "default" } };
}

export function validatePath(path: string | undefined, pathType: unknown, regexMode: boolean, field: string): string | undefined {
  if (pathType !== "Exact" && pathType !== "Prefix" && pathType !== "ImplementationSpecific") {
    return `${field}.pathType: ${show(String(pathType))} must be Exact, Prefix or ImplementationSpecific`;
  }
  if (path !== undefined && typeof path !== "string") return `${field}.path: must be a string`;
  const err = validateCorePath(path, pathType, regexMode, `${field}.path`);
  const p = path ?? "";
  if (err && !regexMode && validateRegexPath(p) === undefined && /[\^$[\]{}?|\\]/.test(p)) {
    return `${err}; regular expressions need the annotation nginx.ingress.kubernetes.io/use-regex: "true" (and pathType ImplementationSpecific)`;
  }
  return err;
}

// Regex-looking paths without use-regex are matched literally (as ingress-nginx does with an
// ImplementationSpecific path); say so, since that is rarely meant.
const LOOKS_LIKE_REGEX = /\(\.\*\)|\.\*|\.\+|\)\?|[$|^[\]]/;

function checkRules(ingress: Ingress, useRegex: boolean, reasons: string[], warnings: string[]): void {
  const rules = ingress.spec?.rules ?? [];
  rules.forEach((rule, i) => {
    if (rule.host !== undefined && rule.host !== "") {
      const err = validateHost(rule.host, `spec.rules[${i}].host`);
      if (err) reasons.push(err);
    }
    (rule.http?.paths ?? []).forEach((p, j) => {
      const field = `spec.rules[${i}].http.paths[${j}]`;
      const err = validatePath(p.path, p.pathType, useRegex, field);
      if (err) reasons.push(err);
      else if (useRegex && isRegexLike(p.pathType, p.path)) {
        warnings.push(
          `${field}.path: ${show(p.path!)} is matched as a regular expression (case-insensitive, from the start of the path) although its pathType is ${p.pathType}, as ingress-nginx did before 1.12 (1.12 and later refuse it by default, strict-validate-path-type); pathType ImplementationSpecific says so explicitly`,
        );
      } else if (!useRegex && typeof p.path === "string" && LOOKS_LIKE_REGEX.test(p.path)) {
        warnings.push(
          `${field}.path: ${show(p.path)} is matched literally; set nginx.ingress.kubernetes.io/use-regex: "true" (with pathType ImplementationSpecific) to match it as a regular expression`,
        );
      }
      reasons.push(...validateBackend(p.backend, `${field}.backend`));
    });
  });
  if (ingress.spec?.defaultBackend) reasons.push(...validateBackend(ingress.spec.defaultBackend as IngressBackend, "spec.defaultBackend"));
}

function checkTls(ingress: Ingress, ctx: AdmissionContext, reasons: string[], warnings: string[]): void {
  const ns = ingress.metadata.namespace ?? "default";
  const ruleHosts = new Set((ingress.spec?.rules ?? []).map((r) => (r.host ?? "").toLowerCase()).filter(Boolean));
  (ingress.spec?.tls ?? []).forEach((tls, t) => {
    const hosts = tls.hosts ?? [];
    hosts.forEach((h, k) => {
      const field = `spec.tls[${t}].hosts[${k}]`;
      const err = validateHost(h, field);
      if (err) reasons.push(err);
      else if (!ruleHosts.has(h.toLowerCase())) warnings.push(`${field}: ${show(h)} is not the host of any rule, so no server uses this certificate for it`);
    });
    if (tls.secretName === undefined || tls.secretName === "") return; // the default certificate is served
    const field = `spec.tls[${t}].secretName`;
    const err = validateSecretName(tls.secretName, field);
    if (err) return void reasons.push(err);
    const secret = ctx.secret(ns, tls.secretName);
    if (!secret) {
      if (ctx.synced)
        warnings.push(`${field}: Secret "${ns}/${tls.secretName}" of type kubernetes.io/tls not found; the default certificate is served until it exists`);
      return;
    }
    const found = checkTlsSecret(secret, hosts.length ? hosts : [...ruleHosts], ctx.now, `${field}: Secret "${ns}/${tls.secretName}"`);
    reasons.push(...found.errors);
    warnings.push(...found.warnings);
  });
}

/**
 * A route declared twice inside one Ingress: the first declaration serves it, as in ingress-nginx
 * (and the build). Refused only when the two name different backends and are written differently
 * (another pathType, or Prefix "/api" beside "/api/"): ingress-nginx makes two locations of such a
 * pair, or one duplicate location its nginx -t refuses, so which backend is meant is not clear.
 */
function checkDuplicates(routes: Route[], reasons: string[], warnings: string[]): Map<string, Route> {
  const first = new Map<string, Route>();
  for (const r of routes) {
    const prev = first.get(r.key);
    if (!prev) {
      first.set(r.key, r);
      continue;
    }
    if (prev.backend !== r.backend && prev.written !== r.written) {
      reasons.push(
        `${r.field}: ${describeRoute(r)} duplicates ${prev.field} with another backend (${r.backend}, not ${prev.backend}), written as ${r.written} beside ${prev.written}: ingress-nginx serves such a pair as two locations or refuses it (duplicate location), so which backend is meant is ambiguous; declare the path once`,
      );
    } else {
      const unused = prev.backend === r.backend ? "" : ` (its backend, ${r.backend}, is not used)`;
      warnings.push(
        `${r.field}: ${describeRoute(r)} is declared again; ${prev.field} serves it and this declaration is ignored${unused}, as ingress-nginx does`,
      );
    }
  }
  return first;
}

/**
 * Routes other Ingresses of the same IngressController hold. Within one namespace the oldest
 * Ingress serves the route (as the build orders them, and as ingress-nginx's controller does) and
 * the other is admitted with a warning: one team's own two Ingresses. From another namespace it
 * is refused: that would be a takeover once the older one goes.
 */
function checkRoutes(ingress: Ingress, old: Ingress | undefined, useRegex: boolean, ctx: AdmissionContext, reasons: string[], warnings: string[]): void {
  const first = checkDuplicates(routesOf(ingress, useRegex), reasons, warnings);
  if (isCanary(ingress)) return;
  if (!ctx.synced) return void warnings.push(CONFLICT_CHECK_SKIPPED);
  const self = ingressKey(ingress);
  const ns = ingress.metadata.namespace ?? "default";
  const group = groupOf(ingress, ctx.classes);
  // On update, only newly claimed routes are checked, so a pre-existing conflict (from before
  // Portico was installed) never blocks unrelated edits of the Ingress.
  const held = new Set(old && groupOf(old, ctx.classes) === group ? routesOf(old).map((r) => r.key) : []);
  // (routesOf(old) re-reads old's annotations, so a change of use-regex is seen as new routes.)
  for (const r of first.values()) {
    if (held.has(r.key)) continue;
    const others = [...ctx.index.owners(r.key)].filter(
      (o) => o.key !== self && !o.canary && !o.ingress.metadata.deletionTimestamp && groupOf(o.ingress, ctx.classes) === group,
    );
    const foreign = others.find((o) => (o.ingress.metadata.namespace ?? "default") !== ns);
    if (foreign) {
      reasons.push(
        `${r.field}: ${describeRoute(r)} is already served by Ingress "${foreign.key}"; an Ingress of another namespace cannot declare the same route`,
      );
      continue;
    }
    if (!others.length) continue;
    const server = [ingress, ...others.map((o) => o.ingress)].sort(byAge)[0]!;
    const names = others.map((o) => `"${o.key}"`).join(", ");
    warnings.push(
      server === ingress
        ? `${r.field}: ${describeRoute(r)} is also declared by Ingress ${names} of this namespace; this Ingress is older, so it serves the route and the other's declaration is ignored`
        : `${r.field}: ${describeRoute(r)} is already served by Ingress "${ingressKey(server)}" of this namespace (older); this declaration is ignored while that one declares it, as ingress-nginx serves the oldest`,
    );
  }
}

/** Tenancy: an annotation may name only Secrets of the Ingress's own namespace, but a CA Secret
 * (auth-tls-secret: only ca.crt and ca.crl are read) unless the IngressController says otherwise;
 * the build refuses the same, answering 503 on the paths. */
function foreignSecretRefs(ingress: Ingress, values: AnnotationValues, foreignCa: boolean): string[] {
  const ns = ingress.metadata.namespace ?? "default";
  const annotations = ingress.metadata.annotations ?? {};
  return secretRefsOf(values, ns)
    .filter((r) => r.namespace !== ns && !(r.caOnly && foreignCa))
    .map((r) => {
      const key =
        [...PREFIXES]
          .reverse()
          .map((p) => p + r.key)
          .find((k) => k in annotations) ?? r.key;
      const why = r.caOnly
        ? `this IngressController reads CA Secrets of the Ingress's own namespace only (spec.crossNamespaceCASecrets: false)`
        : `an Ingress may only use Secrets of its own namespace ("${ns}") for credentials (only auth-tls-secret, CA data, may name another namespace's)`;
      return `metadata.annotations[${key}]: Secret "${r.namespace}/${r.name}" is in another namespace; ${why}`;
    });
}

/** Tenancy, as for Secrets: an annotation may name only ConfigMaps of the Ingress's own namespace. */
function foreignConfigMapRefs(ingress: Ingress, values: AnnotationValues): string[] {
  const ns = ingress.metadata.namespace ?? "default";
  const annotations = ingress.metadata.annotations ?? {};
  return configMapRefsOf(values, ns)
    .filter((r) => r.namespace !== ns)
    .map((r) => {
      const key = [...PREFIXES].reverse().find((p) => p + r.key in annotations) ?? "";
      return `metadata.annotations[${key}${r.key}]: ConfigMap "${r.namespace}/${r.name}" is in another namespace; an Ingress may only use ConfigMaps of its own namespace ("${ns}")`;
    });
}

function checkLimits(ingress: Ingress): string | undefined {
  return ingressOverLimits(ingress.spec);
}

function isIngressShape(o: unknown): o is Ingress {
  return !!o && typeof o === "object" && !!(o as Ingress).metadata && typeof (o as Ingress).metadata === "object";
}

export function validateIngress(req: AdmissionRequestLike, ctx: AdmissionContext): Verdict {
  if (req.operation !== "CREATE" && req.operation !== "UPDATE") return approve();
  if (!isIngressShape(req.object)) return verdict(["request.object: not an Ingress (no metadata)"], []);
  const ingress = withNamespace(req.object, req.namespace);
  if (ourClassOf(ingress, ctx.classes) === undefined) return approve(); // another controller's: untouched
  const old = req.operation === "UPDATE" && isIngressShape(req.oldObject) ? withNamespace(req.oldObject, req.namespace) : undefined;

  const limit = checkLimits(ingress);
  if (limit) return verdict([limit], []);
  const reasons: string[] = [];
  const warnings: string[] = [];
  const ann = checkAnnotations(ingress.metadata.annotations);
  reasons.push(...ann.errors);
  warnings.push(...ann.warnings);
  reasons.push(...foreignSecretRefs(ingress, ann.parsed.values, mayUseForeignCa(ctx.classes, groupOf(ingress, ctx.classes))));
  reasons.push(...foreignConfigMapRefs(ingress, ann.parsed.values));
  const useRegex = regexModeOf(ann.parsed.values);
  checkRules(ingress, useRegex, reasons, warnings);
  checkTls(ingress, ctx, reasons, warnings);
  if (reasons.length === 0) checkRoutes(ingress, old, useRegex, ctx, reasons, warnings);
  if (reasons.length === 0 && ctx.synced)
    checkHostOwnership(ingress, old, ctx, reasons, ann.parsed.values, old ? checkAnnotations(old.metadata.annotations).parsed.values : {});
  return verdict(reasons, warnings);
}
