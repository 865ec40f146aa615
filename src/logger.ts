import pino, { type Logger } from "pino";
import type { LogLevel } from "./config";

/** Structured JSON logs on stdout. Authorization headers are never logged. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: "gz-innovation-registry" },
    redact: { paths: ["req.headers.authorization", "headers.authorization", "token"], censor: "[redacted]" },
  });
}
export type { Logger };
