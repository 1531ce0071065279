// The admission limits, enforced again by the build: an Ingress over them is dropped whole.

import { ingressOverLimits } from "../../limits.js";
import { drop, type Processor } from "./types.js";

export const limitsProcessor: Processor = {
  name: "limits",
  process(_ctx, work) {
    const why = ingressOverLimits(work.ingress.spec);
    if (why) drop("LimitExceeded", why);
  },
};
