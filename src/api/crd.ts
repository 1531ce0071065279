// Builds the IngressController CustomResourceDefinition from schema.ts. Pure. The only difference
// from the ajv schema: Kubernetes structural schemas forbid `additionalProperties` beside
// `properties` (unknown fields are pruned, or refused under strict field validation), so those
// `additionalProperties: false` are dropped here.

import { GROUP, KIND, PLURAL, SHORT_NAMES, SINGULAR, VERSION, ingressControllerSchema, printerColumns } from "./schema.js";

type Json = unknown;

type Branch = { type?: string; minimum?: number; maximum?: number; enum?: unknown[]; pattern?: string };

/** CEL rule + message equivalent to an int-or-string anyOf: structural schemas allow only the bare
 * `anyOf: [{type: integer}, {type: string}]`, so the branches' constraints move into CEL. */
export function intOrStringRule(branches: Branch[]): { rule: string; message: string } {
  const rules: string[] = [];
  const words: string[] = [];
  for (const b of branches) {
    if (b.type === "integer") {
      const c = ["type(self) == int"];
      if (b.minimum !== undefined) c.push(`self >= ${b.minimum}`);
      if (b.maximum !== undefined) c.push(`self <= ${b.maximum}`);
      rules.push(`(${c.join(" && ")})`);
      words.push(
        b.minimum !== undefined && b.maximum !== undefined
          ? `an integer between ${b.minimum} and ${b.maximum}`
          : b.minimum !== undefined
            ? `an integer >= ${b.minimum}`
            : "an integer",
      );
    } else if (b.type === "string") {
      const c = ["type(self) == string"];
      if (b.enum) c.push(`(${b.enum.map((v) => `self == ${JSON.stringify(v)}`).join(" || ")})`);
      if (b.pattern) c.push(`self.matches(${JSON.stringify(b.pattern)})`);
      rules.push(`(${c.join(" && ")})`);
      words.push(b.enum ? `one of ${b.enum.join(", ")}` : b.pattern ? `a string matching ${b.pattern}` : "a string");
    }
  }
  return { rule: rules.join(" || "), message: `must be ${words.join(" or ")}` };
}

/** Deep copy of a schema in Kubernetes structural form. */
export function toStructural(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(toStructural);
  if (!schema || typeof schema !== "object") return schema;
  const src = schema as Record<string, Json>;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === "additionalProperties" && v === false) continue;
    if (k === "anyOf" && src["x-kubernetes-int-or-string"]) {
      out.anyOf = [{ type: "integer" }, { type: "string" }];
      out["x-kubernetes-validations"] = [intOrStringRule(v as Branch[])];
      continue;
    }
    out[k] = k === "default" || k === "enum" ? structuredClone(v) : toStructural(v);
  }
  return out;
}

export function buildCrd() {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${PLURAL}.${GROUP}`,
      labels: { "app.kubernetes.io/name": "portico", "app.kubernetes.io/part-of": "portico" },
    },
    spec: {
      group: GROUP,
      scope: "Namespaced",
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES, categories: ["portico"] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns,
          schema: { openAPIV3Schema: toStructural(ingressControllerSchema) },
        },
      ],
    },
  };
}
