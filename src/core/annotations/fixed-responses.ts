// portico.dev typed replacements for the location snippets: paths nginx answers itself, with a
// status and optionally a body (robots.txt, .well-known files), and paths denied outright.
import { show, validateBodyText, validateContentType, validatePlainPath, validateRegexPath, type Result } from "../nginx-values.js";
import { reservedPathReason } from "../location-key.js";
import { defineAnnotation, type FixedResponse } from "./types.js";

/** `= /exact`, `/prefix`, `~ /regex` (case-sensitive) or `~* /regex` (case-insensitive). */
export function parseMatcher(text: string, field: string): Result<Pick<FixedResponse, "match" | "path" | "caseInsensitive">> {
  const m = /^(=|~\*|~)?\s*(\S+)$/.exec(text.trim());
  if (!m) return { ok: false, error: `${field}: ${show(text)} must be "/path", "= /path", "~ /regex" or "~* /regex"` };
  const [, op, path] = m;
  if (op === "~" || op === "~*") {
    const err = validateRegexPath(path!, field) ?? reservedPathReason("regex", path!, field);
    return err ? { ok: false, error: err } : { ok: true, value: { match: "regex", path: path!, caseInsensitive: op === "~*" } };
  }
  const err = validatePlainPath(path!, field) ?? reservedPathReason("prefix", path!, field);
  if (err) return { ok: false, error: err };
  return { ok: true, value: { match: op === "=" ? "exact" : "prefix", path: op === "=" ? path! : path!.replace(/\/+$/, "") || "/", caseInsensitive: false } };
}

function parseStatus(v: unknown, field: string, min: number, max: number): Result<number> {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    return { ok: false, error: `${field}: status ${show(String(v))} must be an integer ${min}..${max}` };
  return { ok: true, value: v };
}

export const fixedResponses = defineAnnotation({
  key: "fixed-responses",
  field: "fixedResponses",
  type: "json",
  scope: "ingress",
  risk: "medium",
  default: "",
  doc: 'Paths of the Ingress\'s hosts that nginx answers itself: a JSON list of {"path": "= /robots.txt", "status": 200, "contentType": "text/plain", "body": "User-agent: *\\nDisallow: /"}. path is "/prefix", "= /exact", "~ /regex" or "~* /regex"; body is printable ASCII without "$"; regex entries take a status only.',
  parse: (raw, key) => {
    let list: unknown;
    try {
      list = JSON.parse(raw);
    } catch (e) {
      return { ok: false, error: `${key}: not valid JSON: ${(e as Error).message}` };
    }
    if (!Array.isArray(list) || list.length === 0 || list.length > 64) return { ok: false, error: `${key}: must be a JSON list of 1..64 entries` };
    const out: FixedResponse[] = [];
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as Record<string, unknown>;
      const f = `${key}[${i}]`;
      if (!e || typeof e !== "object" || Array.isArray(e)) return { ok: false, error: `${f}: must be an object` };
      const extra = Object.keys(e).filter((k) => !["path", "status", "contentType", "body"].includes(k));
      if (extra.length) return { ok: false, error: `${f}: unknown field ${show(extra[0]!)} (path, status, contentType, body)` };
      if (typeof e.path !== "string") return { ok: false, error: `${f}.path: missing` };
      const m = parseMatcher(e.path, `${f}.path`);
      if (!m.ok) return m;
      const s = parseStatus(e.status, `${f}.status`, 200, 599);
      if (!s.ok) return s;
      const r: FixedResponse = { ...m.value, status: s.value };
      if (e.contentType !== undefined) {
        const err = typeof e.contentType === "string" ? validateContentType(e.contentType, `${f}.contentType`) : `${f}.contentType: must be a string`;
        if (err) return { ok: false, error: err };
        r.contentType = e.contentType as string;
      }
      if (e.body !== undefined) {
        const err = typeof e.body === "string" ? validateBodyText(e.body, `${f}.body`) : `${f}.body: must be a string`;
        if (err) return { ok: false, error: err };
        r.body = e.body as string;
      }
      if (r.match === "regex" && (r.body !== undefined || r.contentType !== undefined))
        return { ok: false, error: `${f}: regex paths take a status only (no body or contentType)` };
      if (r.status >= 300 && r.status < 400) return { ok: false, error: `${f}: use permanent-redirect or temporal-redirect for redirects` };
      out.push(r);
    }
    return { ok: true, value: out };
  },
});

export const denyPaths = defineAnnotation({
  key: "deny-paths",
  field: "denyPaths",
  type: "lines",
  scope: "ingress",
  risk: "medium",
  default: "",
  doc: 'Paths of the Ingress\'s hosts answered with an error instead of the backend, one per line: "<path> [status]" where path is "/prefix", "= /exact", "~ /regex" or "~* /regex" and status is 400..599 (default 403). Regex paths are checked before every location.',
  parse: (raw, key) => {
    const out: FixedResponse[] = [];
    const lines = raw
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    if (lines.length === 0 || lines.length > 64) return { ok: false, error: `${key}: must hold 1..64 lines` };
    for (const line of lines) {
      const m = /^([\s\S]*?)(?:\s+([0-9]{3}))?$/.exec(line)!;
      const matcher = parseMatcher(m[1]!, key);
      if (!matcher.ok) return matcher;
      if (matcher.value.match === "prefix" && matcher.value.path === "/")
        return { ok: false, error: `${key}: denying "/" denies every path; remove the Ingress (or its rule) instead` };
      const s = parseStatus(m[2] === undefined ? 403 : Number(m[2]), key, 400, 599);
      if (!s.ok) return s;
      out.push({ ...matcher.value, status: s.value });
    }
    return { ok: true, value: out };
  },
});
