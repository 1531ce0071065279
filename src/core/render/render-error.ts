// A value the renderer refused, attributed to the Ingress it came from: build() drops that Ingress
// and renders again, so one bad value never stops the rest.

import type { Origin } from "../model/types.js";
import type { Directive } from "./writer.js";

export class RenderError extends Error {
  constructor(
    /** namespace/name of the Ingress */
    readonly origin: string,
    message: string,
  ) {
    super(message);
  }
}

/** Runs `f`; a throw becomes a RenderError of `origin` (when known). */
export function attributed<T>(origin: Origin | undefined, f: () => T): T {
  if (!origin) return f();
  try {
    return f();
  } catch (err) {
    if (err instanceof RenderError) throw err;
    throw new RenderError(`${origin.namespace}/${origin.name}`, err instanceof Error ? err.message : String(err));
  }
}

export const originKey = (o: Origin): string => `${o.namespace}/${o.name}`;

/** Marks `directive` as rendered from the input of these Ingresses (the printer maps its lines back
 * to them); sorted, without duplicates. */
export function sourced(origins: Origin | readonly (Origin | undefined)[] | undefined, directive: Directive): Directive {
  const list = Array.isArray(origins) ? origins : [origins];
  const keys = [...new Set(list.filter((o): o is Origin => o !== undefined).map(originKey))].sort();
  return keys.length ? { ...directive, sources: keys } : directive;
}

/** Each directive marked as rendered from these Ingresses (sourced). */
export const allSourced = (origins: Origin | readonly (Origin | undefined)[] | undefined, directives: Directive[]): Directive[] =>
  directives.map((dir) => sourced(origins, dir));
