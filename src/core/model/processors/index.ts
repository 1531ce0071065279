// The processors of a build, in the order they run. Add a concern as a new processor here (or a
// step inside the one that owns it); see types.ts for the contract.

import { accessProcessor } from "./access.js";
import { annotationsProcessor } from "./annotations.js";
import { backendsProcessor } from "./backends.js";
import { backendTlsProcessor } from "./backend-tls.js";
import { clientCertsProcessor } from "./client-certs.js";
import { configMapsProcessor } from "./config-maps.js";
import { balancingProcessor } from "./balancing.js";
import { defaultBackendProcessor } from "./default-backend.js";
import { hostsProcessor } from "./hosts.js";
import { limitsProcessor } from "./limits.js";
import { ownershipProcessor } from "./ownership.js";
import { passthroughProcessor } from "./passthrough.js";
import { pathsProcessor } from "./paths.js";
import { proxyProcessor } from "./proxy.js";
import { serverFeaturesProcessor } from "./server-features.js";
import { serversProcessor } from "./servers.js";
import { streamProcessor } from "./stream.js";
import { tlsProcessor } from "./tls.js";
import type { Processor } from "./types.js";

export const PROCESSORS: readonly Processor[] = [
  backendsProcessor,
  limitsProcessor,
  annotationsProcessor,
  configMapsProcessor,
  accessProcessor,
  clientCertsProcessor,
  backendTlsProcessor,
  hostsProcessor,
  ownershipProcessor,
  pathsProcessor,
  defaultBackendProcessor,
  tlsProcessor,
  serversProcessor,
  serverFeaturesProcessor,
  proxyProcessor,
  // After paths and default-backend have staged (it takes a canary's routes out before commit) and
  // after servers have finished (it reads the finished fallbacks and endpoints).
  balancingProcessor,
  passthroughProcessor,
  streamProcessor,
];
