// The proxy-* directives of one location. nginx inherits proxy_set_header, add_header and
// proxy_hide_header only into blocks that set none of their own, so a location that sets one
// repeats the http-level list (with its overrides) instead of silently losing it.

import {
  cipherListToken,
  configFileToken,
  cookieDomainToken,
  cookiePathToken,
  filePathToken,
  headerNameToken,
  headerValueToken,
  int,
  kilobytes,
  lit,
  onOff,
  proxyRedirectToken,
  seconds,
  tlsProtocolToken,
  hostPortToken,
  HEADER_VARIABLES,
  type Token,
} from "../nginx-values.js";
import { createHash } from "node:crypto";
import type { HeaderEntry } from "../annotations/types.js";
import type { ProxyTuning } from "../model/types.js";
import type { LocationContext } from "./access.js";
import { d, type Directive } from "./writer.js";

/** CA bundle of the image (Debian's ca-certificates) for proxy-ssl-verify without a CA in proxy-ssl-secret. */
export const SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

export function addedResponseHeaders(headers: HeaderEntry[] | undefined, c: LocationContext): Directive[] {
  if (!headers?.length) return [];
  return [...c.addHeaders, ...headers.map((h) => d("add_header", headerNameToken(h.name), headerValueToken(h.value), lit("always")))];
}

export function proxyTuningDirectives(px: ProxyTuning, grpc: boolean, c: LocationContext): Directive[] {
  const pfx = grpc ? "grpc" : "proxy";
  const out: Directive[] = [];
  if (px.clientBodyBufferSize !== undefined) out.push(d("client_body_buffer_size", px.clientBodyBufferSize));
  if (!grpc) {
    if (px.buffering !== undefined) out.push(d("proxy_buffering", onOff(px.buffering)));
    if (px.requestBuffering !== undefined) out.push(d("proxy_request_buffering", onOff(px.requestBuffering)));
    if (px.bufferSize !== undefined) out.push(d("proxy_buffer_size", px.bufferSize));
    if (px.bufferSize !== undefined || px.buffersNumber !== undefined) {
      // nginx's default busy size (two buffers) must stay below all buffers but one: with one
      // buffer's size it holds for every admitted number (3..1024).
      out.push(d("proxy_buffers", int(px.buffersNumber ?? 4), px.bufferSize ?? lit("4k")), d("proxy_busy_buffers_size", px.bufferSize ?? lit("4k")));
    }
    if (px.maxTempFileSize !== undefined) out.push(d("proxy_max_temp_file_size", px.maxTempFileSize));
    if (px.httpVersion !== undefined) out.push(d("proxy_http_version", lit(px.httpVersion)));
    if (px.redirect) {
      const r = px.redirect;
      out.push(
        r.from === "default" || r.from === "off"
          ? d("proxy_redirect", lit(r.from))
          : d("proxy_redirect", proxyRedirectToken(r.from, false), proxyRedirectToken(r.to, true)),
      );
    }
    if (px.cookieDomain) out.push(d("proxy_cookie_domain", cookieDomainToken(px.cookieDomain[0]), cookieDomainToken(px.cookieDomain[1])));
    if (px.cookiePath) out.push(d("proxy_cookie_path", cookiePathToken(px.cookiePath[0]), cookiePathToken(px.cookiePath[1])));
  }
  if (px.nextUpstream) out.push(d(`${pfx}_next_upstream`, ...px.nextUpstream));
  if (px.nextUpstreamTries !== undefined) out.push(d(`${pfx}_next_upstream_tries`, int(px.nextUpstreamTries)));
  if (px.nextUpstreamTimeout !== undefined) out.push(d(`${pfx}_next_upstream_timeout`, seconds(px.nextUpstreamTimeout)));
  if (px.limitRate !== undefined) out.push(d("limit_rate", kilobytes(px.limitRate)));
  if (px.limitRateAfter !== undefined) out.push(d("limit_rate_after", kilobytes(px.limitRateAfter)));
  for (const h of px.hideResponseHeaders ?? []) out.push(d(`${pfx}_hide_header`, headerNameToken(h)));
  if (px.requestHeaders?.length) {
    const own = new Map(px.requestHeaders.map((h) => [h.name.toLowerCase(), h]));
    for (const h of grpc ? c.grpcHeaders : c.proxyHeaders) {
      const name = String(h.args[0]).toLowerCase();
      const o = own.get(name);
      out.push(o ? d(h.name, h.args[0]!, requestHeaderValue(o)) : h);
      own.delete(name);
    }
    for (const h of px.requestHeaders) if (own.has(h.name.toLowerCase())) out.push(d(`${pfx}_set_header`, headerNameToken(h.name), requestHeaderValue(h)));
  }
  const ssl = px.ssl;
  if (ssl) {
    const s = grpc ? "grpc_ssl" : "proxy_ssl";
    if (ssl.verify !== undefined) out.push(d(`${s}_verify`, onOff(ssl.verify)));
    if (ssl.verify) out.push(d(`${s}_trusted_certificate`, ssl.trustedCaFile ? configFileToken(ssl.trustedCaFile) : filePathToken(SYSTEM_CA_BUNDLE)));
    if (ssl.verifyDepth !== undefined) out.push(d(`${s}_verify_depth`, int(ssl.verifyDepth)));
    if (ssl.name !== undefined) out.push(d(`${s}_name`, hostPortToken(ssl.name)));
    if (ssl.serverName !== undefined) out.push(d(`${s}_server_name`, onOff(ssl.serverName)));
    if (ssl.protocols) out.push(d(`${s}_protocols`, ...ssl.protocols.map(tlsProtocolToken)));
    if (ssl.ciphers !== undefined) out.push(d(`${s}_ciphers`, cipherListToken(ssl.ciphers)));
    if (ssl.certificateFile && ssl.keyFile)
      out.push(d(`${s}_certificate`, configFileToken(ssl.certificateFile)), d(`${s}_certificate_key`, configFileToken(ssl.keyFile)));
  }
  return out;
}

/**
 * The upstream block a location proxies through. nginx keeps idle upstream connections per upstream
 * block and per peer address only, so a connection opened under one location's backend TLS settings
 * (verified or not, against which CA, with which client certificate) would be reused by another
 * location with other settings to the same address: each distinct backend TLS setting gets a pool of
 * its own (same Lua balancer, its own keepalive cache).
 */
export function upstreamPool(ssl: ProxyTuning["ssl"]): string {
  if (!ssl) return "portico_upstream";
  return `portico_upstream_tls_${createHash("sha256").update(JSON.stringify(ssl)).digest("hex").slice(0, 16)}`;
}

/** Placeholders were expanded by the model; what is left are runtime variables, or empty (removes the header). */
function requestHeaderValue(h: HeaderEntry): Token {
  return headerValueToken(h.value, HEADER_VARIABLES);
}

/**
 * One proxy_set_header / grpc_set_header per header name (the last value wins, at the place of the
 * first) and no repeated add_header: several features of a location (request-headers, external
 * auth) each repeat the http-level list, which nginx would otherwise send twice.
 */
export function dedupeHeaderDirectives(body: Directive[]): Directive[] {
  const lastSet = new Map<string, Directive>();
  for (const x of body)
    if ((x.name === "proxy_set_header" || x.name === "grpc_set_header") && !x.block) lastSet.set(`${x.name} ${String(x.args[0]).toLowerCase()}`, x);
  const seen = new Set<string>();
  const out: Directive[] = [];
  for (const x of body) {
    let key: string | undefined;
    if ((x.name === "proxy_set_header" || x.name === "grpc_set_header") && !x.block) key = `${x.name} ${String(x.args[0]).toLowerCase()}`;
    else if (x.name === "add_header" && !x.block) key = `add_header ${x.args.join(" ")}`;
    if (key === undefined) {
      out.push(x);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(x.name === "add_header" ? x : lastSet.get(key)!);
  }
  return out;
}
