import { validateHeaderValue } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const xForwardedPrefix = defineAnnotation({
  key: "x-forwarded-prefix",
  field: "xForwardedPrefix",
  type: "string",
  scope: "location",
  risk: "low",
  default: "",
  doc: "Value of the X-Forwarded-Prefix header sent to the backend (usually the path prefix a rewrite removed).",
  parse: (raw, key) => {
    const v = raw.trim();
    const err = v === "" ? `${key}: must not be empty` : validateHeaderValue(v, key);
    return err ? { ok: false, error: err } : { ok: true, value: v };
  },
});
