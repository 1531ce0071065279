// Portico's own JSON logs (winston). Pepr logs through pino on its own; ours carry a component field.
import winston from "winston";

const level = process.env.PORTICO_LOG_LEVEL ?? "info";

const root = winston.createLogger({
  level,
  format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
  transports: [new winston.transports.Console({ stderrLevels: ["error", "warn", "info", "debug"] })],
});

export type Logger = Pick<winston.Logger, "info" | "warn" | "error" | "debug">;

export function logger(component: string): Logger {
  return root.child({ component });
}
