// tcp-services / udp-services of the controller (not per Ingress; see ../stream.ts).

import { streamServers } from "../stream.js";
import type { Processor } from "./types.js";

export const streamProcessor: Processor = {
  name: "stream",
  finish(ctx, model) {
    const reserved = new Set(ctx.options.reservedPorts);
    model.stream.push(
      ...streamServers("tcp", ctx.snapshot.tcpServices, ctx.services, reserved, ctx.diagnostics),
      ...streamServers("udp", ctx.snapshot.udpServices, ctx.services, reserved, ctx.diagnostics),
    );
  },
};
