// The README's "Who may do what" tables, from identities.ts and the data plane's Role generator.
import { dataPlaneRbac } from "../../src/operator/children/rbac.js";
import { IDENTITIES, PEPR_NAMESPACE, serviceAccountName, type Grant, type Scope } from "./identities.js";

const SCOPE: Record<Scope, string> = {
  cluster: "cluster",
  controllerNamespaces: "release ns + `rbac.extraNamespaces`",
  peprNamespace: PEPR_NAMESPACE,
};

const code = (xs: string[]) => xs.map((x) => `\`${x || "core"}\``).join(", ");

function row(g: Grant): string {
  const names = g.resourceNames === "ingressClasses" ? "`rbac.ingressClasses` (rule omitted when empty)" : g.resourceNames ? code(g.resourceNames) : "any";
  return `| ${SCOPE[g.scope]} | ${code(g.apiGroups)} | ${code(g.resources)} | ${g.verbs.join(", ")} | ${names} | ${g.why} |`;
}

/** `x-0` .. `x-15` shown as `x-{0..15}`. */
function shards(names: string[]): string[] {
  const groups = new Map<string, number[]>();
  const out: string[] = [];
  for (const n of names) {
    const m = /^(.*)-(\d+)$/.exec(n);
    if (!m) out.push(n);
    else groups.set(m[1], [...(groups.get(m[1]) ?? []), Number(m[2])]);
  }
  for (const [prefix, ns] of groups) out.push(`${prefix}-{${Math.min(...ns)}..${Math.max(...ns)}}`);
  return out;
}

export function identitiesMarkdown(): string {
  const out: string[] = [];
  for (const id of IDENTITIES) {
    out.push(`**\`${PEPR_NAMESPACE}/${serviceAccountName(id.id)}\`** — ${id.runs}.`, "");
    out.push("| where | API group | resources | verbs | names | why |", "|---|---|---|---|---|---|", ...id.grants.map(row), "");
    out.push(
      `Denied (tested): ${id.denied.map((d) => `${d.verb} \`${d.resource}${d.name ? `/${d.name}` : ""}\`${d.namespace ? ` in ${d.namespace}` : ""}`).join("; ")}.`,
      "",
    );
  }
  const owner = { name: "<controller>", namespace: "<namespace>", uid: "x", generation: 1 };
  const role = dataPlaneRbac({ owner } as never).find((m) => m.kind === "Role") as unknown as {
    rules: { apiGroups: string[]; resources: string[]; resourceNames: string[]; verbs: string[] }[];
  };
  out.push("**`<namespace>/<controller>-nginx`** — the agent in each NGINX pod (created by the reconciler; nginx itself gets no token).", "");
  out.push("| where | API group | resources | verbs | names |", "|---|---|---|---|---|");
  for (const r of role.rules)
    out.push(`| the controller's namespace | ${code(r.apiGroups)} | ${code(r.resources)} | ${r.verbs.join(", ")} | ${code(shards(r.resourceNames))} |`);
  return out.join("\n");
}
