// What a modsecurity-snippet does, as Portico's typed ModSecurity settings (pure). SecLang lines
// are read (continuations joined, comments dropped); the directives the corpus's snippets use have
// typed forms (engine, audit engine, removed rules, body limit, tags through SecDefaultAction);
// anything else (SecRule, SecRuleUpdateTargetById, SecMarker, audit log targets...) is reported
// with the reason it has none. The caller validates what is written with the registry.

export interface ModsecurityDraft {
  /** Short keys (no prefix) -> value. */
  annotations: Record<string, string>;
  unsupported: string[];
  notes: string[];
}

/** SecLang statements: one per logical line, arguments unquoted. */
export function secLangStatements(body: string): string[][] | string {
  const logical: string[] = [];
  let cur = "";
  for (const raw of body.split("\n")) {
    const line = raw.trim();
    if (cur === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      cur += line.slice(0, -1) + " ";
      continue;
    }
    logical.push(cur + line);
    cur = "";
  }
  if (cur) logical.push(cur);
  const out: string[][] = [];
  for (const l of logical) {
    const args: string[] = [];
    let i = 0;
    while (i < l.length) {
      if (l[i] === " " || l[i] === "\t") {
        i++;
        continue;
      }
      if (l[i] === '"') {
        let s = "";
        i++;
        while (i < l.length && l[i] !== '"') {
          if (l[i] === "\\" && i + 1 < l.length) i++;
          s += l[i++];
        }
        if (i >= l.length) return `unbalanced quote in ${JSON.stringify(l.slice(0, 60))}`;
        i++;
        args.push(s);
      } else {
        let s = "";
        while (i < l.length && l[i] !== " " && l[i] !== "\t") s += l[i++];
        args.push(s);
      }
    }
    out.push(args);
  }
  return out;
}

const ENGINE = /^(On|DetectionOnly|Off)$/i;
const AUDIT = /^(On|RelevantOnly|Off)$/i;
const SIZE = /^[0-9]{1,10}$/;

/** SecDefaultAction "phase:N,pass,log,tag:..." -> its tags, or why it has no typed form. */
function defaultActionTags(actions: string): string[] | string {
  const tags: string[] = [];
  for (const a of actions.split(",").map((x) => x.trim())) {
    if (/^phase:(1|2|request)$/.test(a) || ["pass", "log", "auditlog", "nolog", "noauditlog"].includes(a)) continue;
    const t = /^tag:'?([^']*)'?$/.exec(a);
    if (t) {
      tags.push(t[1]!);
      continue;
    }
    return `SecDefaultAction action ${JSON.stringify(a)}: only tags on pass/log default actions of phases 1 and 2 have a typed form (portico.dev/modsecurity-tags)`;
  }
  return tags;
}

export function translateModsecuritySnippet(body: string, ingress: { modsecurity: boolean; crs: boolean }): ModsecurityDraft {
  const d: ModsecurityDraft = { annotations: {}, unsupported: [], notes: [] };
  const stmts = secLangStatements(body);
  if (typeof stmts === "string") {
    d.unsupported.push(`not valid ModSecurity syntax: ${stmts}`);
    return d;
  }
  const removed: string[] = [];
  const tags: string[] = [];
  for (const [name, ...args] of stmts) {
    const one = args.length === 1 ? args[0]! : undefined;
    switch (name) {
      case "SecRuleEngine":
        if (one && ENGINE.test(one)) d.annotations["modsecurity-rule-engine"] = one;
        else d.unsupported.push(`SecRuleEngine ${args.join(" ")}: not On, DetectionOnly or Off`);
        break;
      case "SecAuditEngine":
        if (one && AUDIT.test(one)) d.annotations["modsecurity-audit-engine"] = one;
        else d.unsupported.push(`SecAuditEngine ${args.join(" ")}: not On, RelevantOnly or Off`);
        break;
      case "SecRuleRemoveById":
        if (args.length && args.every((a) => /^[0-9]+(-[0-9]+)?$/.test(a))) removed.push(...args);
        else d.unsupported.push(`SecRuleRemoveById ${args.join(" ")}: only ids and id ranges have a typed form`);
        break;
      case "SecRequestBodyLimit":
        if (one && SIZE.test(one)) d.annotations["modsecurity-request-body-limit"] = one;
        else d.unsupported.push(`SecRequestBodyLimit ${args.join(" ")}: not a number of bytes`);
        break;
      case "SecRequestBodyAccess":
        if (one?.toLowerCase() === "on") d.notes.push("SecRequestBodyAccess On is Portico's base configuration");
        else d.unsupported.push(`SecRequestBodyAccess ${args.join(" ")}: Portico always inspects request bodies`);
        break;
      case "SecDefaultAction": {
        const t = one === undefined ? "SecDefaultAction needs one quoted list of actions" : defaultActionTags(one);
        if (typeof t === "string") d.unsupported.push(t);
        else {
          tags.push(...t);
          d.notes.push("SecDefaultAction: its tags are written on phases 1 and 2 with log,auditlog,pass (portico.dev/modsecurity-tags)");
        }
        break;
      }
      default:
        d.unsupported.push(
          name === "SecRule" || name === "SecAction" || name?.startsWith("SecRuleUpdate") || name === "SecMarker"
            ? `${name}: rules of your own are raw ModSecurity configuration, which Portico never accepts (no typed form)`
            : `${name}: no typed form (Portico sets the audit log, its format and the other engine settings itself)`,
        );
    }
  }
  if (removed.length) d.annotations["modsecurity-remove-rule-ids"] = [...new Set(removed)].join(",");
  if (tags.length) d.annotations["modsecurity-tags"] = [...new Set(tags)].join(",");
  if (!ingress.modsecurity) {
    d.annotations["enable-modsecurity"] = "true";
    d.notes.push(
      'enable-modsecurity: "true" added: ingress-nginx applied this snippet only where ModSecurity was on (for this Ingress, globally in its ConfigMap); Portico has no global switch',
    );
  }
  d.unsupported = [...new Set(d.unsupported)];
  if (!ingress.crs)
    d.notes.push(
      'the OWASP Core Rule Set is not enabled by this Ingress; if ingress-nginx loaded it globally (enable-owasp-modsecurity-crs), add enable-owasp-core-rules: "true"',
    );
  return d;
}
