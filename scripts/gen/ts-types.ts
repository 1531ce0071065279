// Emits TypeScript types from the JSON schemas in schema.ts (the subset they use). Two variants:
// "input" (what a user writes: only `required` fields are mandatory) and "resolved" (after
// defaulting: fields with a `default` are present too). Pure: schema in, source text out.

type Schema = Record<string, unknown>;

export interface EmitOptions {
  resolved: boolean;
  /** Schemas emitted as a named type instead of inline (identity match). */
  named: Map<unknown, { input: string; resolved: string }>;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(k: string): string {
  return IDENT.test(k) ? k : JSON.stringify(k);
}

function doc(s: Schema, pad: string): string {
  return typeof s.description === "string" ? `${pad}/** ${s.description.replace(/\*\//g, "* /")} */\n` : "";
}

export function emitType(schema: Schema, opts: EmitOptions, indent = ""): string {
  const named = opts.named.get(schema);
  if (named) return opts.resolved ? named.resolved : named.input;
  if (schema["x-kubernetes-int-or-string"]) return "number | string";
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).map((s) => emitType(s, opts, indent)).join(" | ");
  switch (schema.type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "array": {
      const inner = emitType(schema.items as Schema, opts, indent);
      return /[|&]/.test(inner) ? `(${inner})[]` : `${inner}[]`;
    }
    case "object": {
      if (schema["x-kubernetes-preserve-unknown-fields"] && !schema.properties) return "Record<string, unknown>";
      const props = schema.properties as Record<string, Schema> | undefined;
      if (!props) {
        const ap = schema.additionalProperties;
        return `Record<string, ${ap && typeof ap === "object" ? emitType(ap as Schema, opts, indent) : "unknown"}>`;
      }
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const pad = indent + "  ";
      const lines = Object.entries(props).map(([k, s]) => {
        const present = required.has(k) || (opts.resolved && "default" in s);
        return `${doc(s, pad)}${pad}${key(k)}${present ? "" : "?"}: ${emitType(s, opts, pad)};`;
      });
      return `{\n${lines.join("\n")}\n${indent}}`;
    }
    default:
      return "unknown";
  }
}
