// One model location -> one `location` block.

import {
  bodyToken,
  int,
  lit,
  pathToken,
  redirectUrlToken,
  regexToken,
  rewritePatternToken,
  rewriteTargetToken,
  seconds,
  upstreamNameToken,
  type Token,
} from "../nginx-values.js";
import type { LocationModel } from "../model/types.js";
import { accessPhase, accessRewrite, type LocationContext } from "./access.js";
import type { PlacedLocation } from "./locations.js";
import { b, d, type Directive } from "./writer.js";

export const NOT_FOUND_BODY =
  "<html>\n<head><title>404 Not Found</title></head>\n<body>\n<center><h1>404 Not Found</h1></center>\n<hr><center>portico</center>\n</body>\n</html>\n";

/** `return 404 "<page>"` with a text/html type; our own constant text. */
export function notFoundDirectives(): Directive[] {
  return [d("default_type", lit("text/html")), d("return", int(404), bodyToken(NOT_FOUND_BODY.replace(/\n/g, " ")))];
}

export function sslRedirectDirective(httpsPort: number): Directive {
  const target = httpsPort === 443 ? "https://$host$request_uri" : `https://$host:${httpsPort}$request_uri`;
  return b("if", [lit("($scheme"), lit("="), lit("http)")], [d("return", int(308), lit(target))]);
}

export function locationBlock(p: PlacedLocation, lc: LocationContext): Directive {
  const loc = p.loc;
  const args: Token[] = [];
  if (p.modifier) args.push(lit(p.modifier));
  if (p.modifier === "~" || p.modifier === "~*") args.push(regexToken(p.pattern.slice(1)));
  else args.push(pathToken(p.pattern));
  return b("location", args, locationBody(loc, lc));
}

function locationBody(loc: LocationModel, lc: LocationContext): Directive[] {
  const body: Directive[] = [];
  if (loc.sslRedirect) body.push(sslRedirectDirective(lc.httpsPort));
  if (loc.access) body.push(...accessRewrite(loc.access));
  if (loc.access?.denied) return body;
  const action = loc.action;
  if (action.kind === "notFound") return [...body, ...notFoundDirectives()];
  if (action.kind === "redirect") return [...body, d("return", int(action.code), redirectUrlToken(action.url))];
  const grpc = action.protocol === "GRPC" || action.protocol === "GRPCS";
  const px = grpc ? "grpc" : "proxy";
  if (loc.access) body.push(...accessPhase(loc.access, action.upstream, grpc, lc));
  if (loc.bodySize !== undefined) body.push(d("client_max_body_size", loc.bodySize));
  if (loc.connectTimeout !== undefined) body.push(d(`${px}_connect_timeout`, seconds(loc.connectTimeout)));
  if (loc.readTimeout !== undefined) body.push(d(`${px}_read_timeout`, seconds(loc.readTimeout)));
  if (loc.sendTimeout !== undefined) body.push(d(`${px}_send_timeout`, seconds(loc.sendTimeout)));
  body.push(d("set", lit("$portico_upstream"), upstreamNameToken(action.upstream)));
  if (loc.rewrite) body.push(d("rewrite", rewritePatternToken(loc.rewrite.pattern), rewriteTargetToken(loc.rewrite.target), lit("break")));
  const scheme = { HTTP: "http", HTTPS: "https", GRPC: "grpc", GRPCS: "grpcs" }[action.protocol];
  body.push(d(grpc ? "grpc_pass" : "proxy_pass", lit(`${scheme}://portico_upstream`)));
  return body;
}
