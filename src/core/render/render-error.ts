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

/** Marks `directive` as rendered from `origin`'s Ingress (the printer maps its lines back to it). */
export function sourced(origin: Origin | undefined, directive: Directive): Directive {
  return origin ? { ...directive, source: `${origin.namespace}/${origin.name}` } : directive;
}
