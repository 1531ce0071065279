// The composition root: the controller, the operator, admission's state and handlers, the
// informers and the API writers are made here, once per process, and handed to the capability
// factories (capabilities/). Making a Runtime does no I/O; start() starts what this process's
// role needs, read from the environment Pepr sets:
//   watcher  (PEPR_WATCH_MODE=true, or PEPR_MODE=dev): informers feeding the store, the operator
//   admission (PEPR_WATCH_MODE=false, or PEPR_MODE=dev): informers feeding admission's state
//   neither (PEPR_MODE=build, tests, tools): nothing; admission starts its informers on first use.
// The watcher serves the controller's metrics on PORTICO_CONTROLLER_METRICS_PORT (unset or 0: off).
import { admissionHandlers, type AdmissionHandlers, type AdmissionSource } from "../admission/handlers.js";
import { AdmissionState } from "../admission/state.js";
import { Controller } from "../controller/controller.js";
import { logger } from "../log.js";
import { Operator } from "../operator/operator.js";
import { apiControllerWriters } from "./controller-writers.js";
import { kubeApi } from "../k8s/api.js";
import { Informers } from "./informers.js";
import { serveMetrics } from "./metrics-server.js";

export interface Roles {
  watcher: boolean;
  admission: boolean;
}

export function rolesFromEnv(env: NodeJS.ProcessEnv = process.env): Roles {
  if (env.PEPR_MODE === "build") return { watcher: false, admission: false };
  if (env.PEPR_MODE === "dev") return { watcher: true, admission: true };
  return { watcher: env.PEPR_WATCH_MODE === "true", admission: env.PEPR_WATCH_MODE === "false" };
}

export interface Runtime {
  readonly roles: Roles;
  readonly controller: Controller;
  readonly operator: Operator;
  readonly admission: AdmissionHandlers;
  /** Starts what the roles need; idempotent. */
  start(): void;
  stop(): void;
}

export function createRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  const roles = rolesFromEnv(env);
  const api = kubeApi();
  const controller = new Controller(apiControllerWriters(logger("writer"), api), logger("controller"), {
    holdOffMs: Number(env.PORTICO_HOLD_OFF_MS ?? 50),
    maxDelayMs: Number(env.PORTICO_MAX_DELAY_MS ?? 500),
  });
  const operatorLog = logger("operator");
  const operator = new Operator({ log: operatorLog, api });
  const admissionState = new AdmissionState();
  // One set of informers per process: in dev mode the same watches feed the store and admission.
  // The watcher pod answers no admission request: it keeps no admission state.
  const admissionTarget = roles.watcher && !roles.admission ? undefined : admissionState;
  const informers = new Informers({ controller: roles.watcher ? controller : undefined, admission: admissionTarget }, logger("informers"));
  const admissionSource: AdmissionSource = {
    state: admissionState,
    ready: (ms) => informers.ready(ms),
  };
  const admission = admissionHandlers(() => {
    informers.start(); // first request in a process without a role: start listing now
    return admissionSource;
  }, logger("admission"));
  let started = false;
  let metricsServer: { close(): void } | undefined;
  return {
    roles,
    controller,
    operator,
    admission,
    start() {
      if (started) return;
      started = true;
      if (roles.watcher || roles.admission) informers.start();
      if (roles.watcher) void operator.start().catch((err) => operatorLog.error("operator watches failed to start", { error: String(err) }));
      const metricsPort = Number(env.PORTICO_CONTROLLER_METRICS_PORT ?? 0);
      if (roles.watcher && metricsPort > 0) {
        serveMetrics(controller.metrics.registry, metricsPort).then(
          (server) => (metricsServer = server),
          (err) => logger("controller").error("controller metrics server did not start", { port: metricsPort, error: String(err) }),
        );
      }
    },
    stop() {
      metricsServer?.close();
      informers.stop();
      operator.stop();
      controller.stop();
    },
  };
}
