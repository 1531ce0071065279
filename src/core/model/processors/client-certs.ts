// Client certificates (auth-tls-*). nginx verifies them per server, so they hold for a whole host,
// as in ingress-nginx: the oldest Ingress of the host (of the namespace that owns the host) that
// sets auth-tls-secret decides, and every path of the host is behind it. Unlike ingress-nginx, a
// later Ingress of the host that asks for different verification (another CA, CRL, mode, depth or
// CN rule) is not silently served under the first one's: its paths answer 503 with an Event, as do
// the paths of an Ingress whose Secret is missing or unusable, or that sets auth-tls on a rule
// without a host (that would be the catch-all server of every unknown name).

import type { Ingress } from "../../k8s-types.js";
import type { BuildContext } from "../context.js";
import { clientCaOf } from "../secret-material.js";
import type { AccessModel, ClientCertModel } from "../types.js";
import type { IngressWork, Processor } from "./types.js";

/** Staged per Ingress between process and commit. */
const staged = new WeakMap<IngressWork, ClientCertModel>();

export const clientCertsProcessor: Processor = {
  name: "client-certs",
  process(ctx, work) {
    const ann = work.ann;
    if (ann.authTlsSecret === undefined || work.access?.denied) return;
    const hostless = (work.ingress.spec?.rules ?? []).some((r) => !r.host) || (work.ingress.spec?.rules ?? []).length === 0;
    if (hostless)
      return deny(
        ctx,
        work,
        "auth-tls-secret on a rule without a host (or a catch-all default backend) would require client certificates on the default server of every unknown host; give the rules a host",
      );
    const files = clientCaOf(ctx, work.namespace, ann.authTlsSecret);
    if ("error" in files) return deny(ctx, work, `auth-tls-secret: ${files.error}`);
    staged.set(work, {
      ...files,
      verify: ann.authTlsVerifyClient ?? "on",
      depth: ann.authTlsVerifyDepth || 1,
      ...(ann.authTlsErrorPage !== undefined ? { errorPage: ann.authTlsErrorPage } : {}),
      ...(ann.authTlsMatchCn !== undefined ? { matchCn: ann.authTlsMatchCn } : {}),
      passCertificate: ann.authTlsPassCertificateToUpstream ?? false,
      origin: { namespace: work.namespace, name: work.ingress.metadata.name },
    });
  },
  // Runs before the paths and default-backend commits: a refusal here still reaches their locations.
  commit(ctx, work) {
    const mine = staged.get(work);
    if (!mine) return;
    for (const host of new Set(work.rules.map((r) => r.host))) {
      const h = ctx.draft(host);
      const ownerNs = ctx.hostOwners.get(host)?.namespace;
      if (!h.clientCerts && ownerNs === work.namespace) {
        h.clientCerts = mine;
        continue;
      }
      const theirs = h.clientCerts;
      const why = !theirs
        ? `host ${host} belongs to namespace ${ownerNs}, and only its Ingresses set the host's client certificates`
        : differsInVerification(ctx, mine, theirs);
      if (why === undefined) {
        const other = [
          ...(theirs!.passCertificate !== mine.passCertificate ? ["auth-tls-pass-certificate-to-upstream"] : []),
          ...(theirs!.errorPage !== mine.errorPage ? ["auth-tls-error-page"] : []),
        ];
        if (other.length)
          ctx.report(
            work.ingress,
            "ClientCertificatesConflict",
            `host ${host}: ${other.join(" and ")} ${other.length > 1 ? "are" : "is"} set per host, by Ingress ${originOf(theirs!)} (older); this Ingress's value is not used`,
          );
        continue;
      }
      denyHost(ctx, work, host, `host ${host}: ${why}`);
    }
  },
};

function originOf(c: ClientCertModel): string {
  return `${c.origin.namespace}/${c.origin.name}`;
}

/** Why `mine` would be verified more weakly, or differently, under `theirs` (undefined: same). */
function differsInVerification(ctx: BuildContext, mine: ClientCertModel, theirs: ClientCertModel): string | undefined {
  const diff: string[] = [];
  const content = (file: string | undefined) => (file === undefined ? undefined : ctx.files[file]);
  if (content(mine.caFile) !== content(theirs.caFile)) diff.push("CA certificates");
  if (content(mine.crlFile) !== content(theirs.crlFile)) diff.push("CRL");
  if (mine.verify !== theirs.verify) diff.push(`auth-tls-verify-client (${theirs.verify})`);
  if (mine.depth !== theirs.depth) diff.push(`auth-tls-verify-depth (${theirs.depth})`);
  if (mine.matchCn !== theirs.matchCn) diff.push("auth-tls-match-cn");
  if (!diff.length) return undefined;
  return `client certificates of this host are verified as Ingress ${originOf(theirs)} (older) says, which differs in ${diff.join(", ")}`;
}

function denied(why: string): AccessModel {
  return { denied: why, allow: [], deny: [], satisfyAny: false };
}

function report(ctx: BuildContext, ing: Ingress, why: string): void {
  ctx.report(ing, "AccessDenied", `${why}; its paths answer 503 until this is fixed`, "Error");
}

/** Before the paths are staged: every location of the Ingress answers 503. */
function deny(ctx: BuildContext, work: IngressWork, why: string): void {
  report(ctx, work.ingress, why);
  work.access = denied(why);
}

/** After: the staged locations of `host` (and the Ingress's default backend there) answer 503. */
function denyHost(ctx: BuildContext, work: IngressWork, host: string, why: string): void {
  report(ctx, work.ingress, why);
  const access = denied(why);
  for (const rule of work.rules) if (rule.host === host) for (const p of rule.paths) p.loc.access = access;
  work.access = access;
}
