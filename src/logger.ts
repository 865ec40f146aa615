import pino, { type Logger } from "pino";
import type { LogLevel } from "./config";
import { requestContext } from "./request-context";

/** Structured JSON logs on stdout. Authorization headers are never logged. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: "gz-innovation-registry" },
    redact: { paths: ["req.headers.authorization", "headers.authorization", "token", "*.token", "connectionParams.authorization"], censor: "[redacted]" },
    // every line written while serving a request carries its id
    mixin: () => {
      const store = requestContext.getStore();
      return store ? { reqId: store.requestId } : {};
    },
  });
}
export type { Logger };
