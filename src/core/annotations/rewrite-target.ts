import { validateRewriteTarget } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const rewriteTarget = defineAnnotation({
  key: "rewrite-target",
  field: "rewriteTarget",
  type: "string",
  scope: "location",
  risk: "high",
  default: "",
  doc: "Rewrite the request URI before proxying. Implies use-regex (ImplementationSpecific paths, and Prefix/Exact paths written with regex operators, are regexes); `$1`..`$9` refer to the path's capture groups (e.g. path `/api(/|$)(.*)`, target `/$2`). No other `$` is allowed.",
  parse: (raw, key) => {
    const value = raw.trim();
    const err = validateRewriteTarget(value, key);
    return err ? { ok: false, error: err } : { ok: true, value };
  },
});
