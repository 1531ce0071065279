// The agent's JSON logs (winston). Level from PORTICO_LOG_LEVEL (default info).
import winston from "winston";

export type Logger = winston.Logger;

export function createLogger(level = process.env.PORTICO_LOG_LEVEL ?? "info"): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { component: "agent" },
    transports: [new winston.transports.Console({ stderrLevels: ["error", "warn", "info", "debug"] })],
  });
}

/** A logger that drops everything (tests that do not want output). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
