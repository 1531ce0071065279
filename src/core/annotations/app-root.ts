import { validatePlainPath } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const appRoot = defineAnnotation({
  key: "app-root",
  field: "appRoot",
  type: "path",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Redirect requests for `/` on this Ingress's hosts to this path with 302 (e.g. /app).",
  parse: (raw, key) => {
    const value = raw.trim();
    const err = validatePlainPath(value, key);
    if (err) return { ok: false, error: err };
    if (value === "/") return { ok: false, error: `${key}: "/" would redirect to itself` };
    return { ok: true, value };
  },
});
