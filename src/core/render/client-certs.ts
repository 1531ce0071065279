// A host's client certificates (ClientCertModel) -> server-level directives: the CA, CRL, mode and
// depth nginx verifies with during the handshake, the error page of a missing or bad certificate
// (495/496 are raised before any location is chosen, so only the server's error_page applies), the
// CN check, and the ssl-client-* headers every location of the host sends to its backend.

import { configFileToken, ifClientDnMismatchArgs, int, lit, litQuoted, redirectUrlToken, verifyClientToken, type Token } from "../nginx-values.js";
import type { ClientCertModel } from "../model/types.js";
import type { LocationContext } from "./access.js";
import { sslRedirectDirective } from "./location.js";
import { b, d, type Directive } from "./writer.js";

export function clientCertDirectives(cc: ClientCertModel, httpsPort: number): Directive[] {
  const out: Directive[] = [
    d("ssl_client_certificate", configFileToken(cc.caFile)),
    d("ssl_verify_client", verifyClientToken(cc.verify)),
    d("ssl_verify_depth", int(cc.depth)),
  ];
  if (cc.crlFile) out.push(d("ssl_crl", configFileToken(cc.crlFile)));
  if (cc.errorPage !== undefined) out.push(d("error_page", int(495), int(496), lit("="), redirectUrlToken(cc.errorPage)));
  // Plain HTTP carries no certificate: a host that asks for one is served over HTTPS only.
  if (cc.verify !== "off") out.push(sslRedirectDirective(httpsPort));
  if (cc.matchCn !== undefined) out.push(b("if", ifClientDnMismatchArgs(cc.matchCn), [d("return", int(403))]));
  return out;
}

/** The request headers of the host's locations: the http-level ones and the ssl-client-* ones. A
 * client's own ssl-client-cert is cleared when the certificate is not passed on. */
export function withClientCertHeaders(lc: LocationContext, cc: ClientCertModel): LocationContext {
  const headers: [string, Token][] = [
    ["ssl-client-cert", cc.passCertificate ? lit("$ssl_client_escaped_cert") : litQuoted("")],
    ["ssl-client-verify", lit("$ssl_client_verify")],
    ["ssl-client-subject-dn", lit("$ssl_client_s_dn")],
    ["ssl-client-issuer-dn", lit("$ssl_client_i_dn")],
  ];
  return {
    ...lc,
    proxyHeaders: [...lc.proxyHeaders, ...headers.map(([h, v]) => d("proxy_set_header", lit(h), v))],
    grpcHeaders: [...lc.grpcHeaders, ...headers.map(([h, v]) => d("grpc_set_header", lit(h), v))],
  };
}
