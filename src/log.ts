// Portico's own JSON logs (winston), the one logger factory of the controller side and the agent.
// Pepr logs through pino on its own; ours carry a component field. Level from PORTICO_LOG_LEVEL
// (default info), read when the first logger of a process is made, not at import.
import winston from "winston";

export type Logger = Pick<winston.Logger, "info" | "warn" | "error" | "debug">;

const roots = new Map<string, winston.Logger>();

function root(level: string): winston.Logger {
  let r = roots.get(level);
  if (!r) {
    r = winston.createLogger({
      level,
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      transports: [new winston.transports.Console({ stderrLevels: ["error", "warn", "info", "debug"] })],
    });
    roots.set(level, r);
  }
  return r;
}

export function logger(component: string, level = process.env.PORTICO_LOG_LEVEL ?? "info"): Logger {
  return root(level).child({ component });
}

/** A logger that drops everything (tests that do not want output). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
