// mirror-target / mirror-host / mirror-request-body (ingress-nginx): every request of the
// Ingress's paths is copied, in the background, to mirror-target (nginx's `mirror`); the client
// gets the backend's answer, whatever the mirror answers or however long it takes. The target may
// use request variables, e.g. http://staging.shop.svc.cluster.local$request_uri (without a path
// the mirror sees the internal location's URI, as with ingress-nginx).

import { show, validateHostPort, validateUrlWithVariables, type Result } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const mirrorTarget = defineAnnotation({
  key: "mirror-target",
  field: "mirrorTarget",
  type: "url",
  scope: "ingress",
  risk: "high",
  default: "",
  doc: "URL every request of this Ingress's paths is copied to, e.g. http://staging.shop.svc.cluster.local$request_uri (request variables allowed; a host name is resolved at request time through settings.resolvers). The client gets the backend's answer; the mirror's is discarded.",
  parse: (raw, key): Result<string> => {
    const v = raw.trim();
    const err = validateUrlWithVariables(v, key);
    if (!err) return { ok: true, value: v };
    const bare = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v);
    // ingress-nginx reads a bare name as a URL without a host and mirrors nowhere useful.
    return { ok: false, error: bare ? `${key}: ${show(raw)} must be an http(s) URL, e.g. http://${v}.<namespace>.svc.cluster.local$request_uri` : err };
  },
});

export const mirrorHost = defineAnnotation({
  key: "mirror-host",
  field: "mirrorHost",
  type: "string",
  scope: "ingress",
  risk: "medium",
  default: "mirror-target's host",
  doc: "Host header of the mirrored requests (host or host:port).",
  parse: (raw, key): Result<string> => {
    const v = raw.trim();
    const err = validateHostPort(v, key);
    return err ? { ok: false, error: err } : { ok: true, value: v };
  },
});

export const mirrorRequestBody = defineAnnotation({
  key: "mirror-request-body",
  field: "mirrorRequestBody",
  type: "on/off",
  scope: "ingress",
  risk: "low",
  default: "on",
  doc: 'Whether the mirrored requests carry the request body ("on" or "off").',
  parse: (raw, key): Result<boolean> => {
    const v = raw.trim();
    if (v === "on" || v === "true") return { ok: true, value: true };
    if (v === "off" || v === "false") return { ok: true, value: false };
    return { ok: false, error: `${key}: ${show(raw)} must be "on" or "off"` };
  },
});

export const MIRROR_ANNOTATIONS = [mirrorTarget, mirrorHost, mirrorRequestBody];
