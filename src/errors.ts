/**
 * One error module: the codes clients can rely on, one base class, and the one formatError.
 * A coded error passes through to the client with its code and extensions; anything else is
 * an unexpected failure and reaches the client as INTERNAL_SERVER_ERROR with a fixed message,
 * never SQL, stack traces or file paths (those go to the log).
 */
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { ArgumentValidationError } from "type-graphql";
import type { Logger } from "pino";

export enum ErrorCode {
  BAD_USER_INPUT = "BAD_USER_INPUT",
  NOT_FOUND = "NOT_FOUND",
  CONFLICT = "CONFLICT",
  UNAUTHENTICATED = "UNAUTHENTICATED",
  FORBIDDEN = "FORBIDDEN",
  QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX",
  SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE",
  /** A write whose COMMIT got no answer (the connection was lost): it may or may not be recorded. */
  OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN",
  /** The database's disk is full: nothing can be recorded until space is freed. */
  STORAGE_FULL = "STORAGE_FULL",
  RATE_LIMITED = "RATE_LIMITED",
  PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE",
  INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR",
}

/** Codes that Apollo Server itself assigns to request errors; they carry no internals. */
const APOLLO_REQUEST_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

export class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...extensions, code } });
    this.name = "AppError";
  }
}

export const badInput = (message: string, extensions: Record<string, unknown> = {}) => new AppError(ErrorCode.BAD_USER_INPUT, message, extensions);
export const notFound = (message: string, extensions: Record<string, unknown> = {}) => new AppError(ErrorCode.NOT_FOUND, message, extensions);

const INTERNAL_MESSAGE = "Internal server error";

/** Seconds a client is asked to wait (Retry-After) when the database is unavailable. */
export const RETRY_AFTER_SECONDS = 2;

/** The database's disk is full (PostgreSQL's disk_full, or a write that hit ENOSPC). */
export function isStorageFull(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return !!e && (e.code === "53100" || /No space left on device/i.test(e.message ?? ""));
}

/** The coded errors of the database's faults, as clients get them. */
export const unavailable = () =>
  new AppError(ErrorCode.SERVICE_UNAVAILABLE, "the database is unavailable; retry shortly", { retryAfterSeconds: RETRY_AFTER_SECONDS });
export const storageFull = () =>
  new AppError(ErrorCode.STORAGE_FULL, "the database's disk is full: nothing was recorded; the registry's operator must free space");

/**
 * The HTTP status of a GraphQL answer whose errors say the database failed: 503 with Retry-After
 * for an outage (with or without a token), 507 for a full disk. Other answers keep Apollo's status.
 */
export function errorStatusPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== "single") return;
          const codes = new Set((response.body.singleResult.errors ?? []).map((e) => e.extensions?.code));
          if (codes.has(ErrorCode.STORAGE_FULL)) response.http.status = 507;
          else if (codes.has(ErrorCode.SERVICE_UNAVAILABLE)) {
            response.http.status = 503;
            response.http.headers.set("retry-after", String(RETRY_AFTER_SECONDS));
          }
        },
      };
    },
  };
}

/**
 * Builds Apollo's formatError: coded errors pass, the rest is logged and masked. `onStorageFull`
 * hears every full-disk error (readiness reports it).
 */
export function makeFormatError(logger: Logger, onStorageFull: () => void = () => undefined) {
  return function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: original.extensions };
    }
    if (original instanceof ArgumentValidationError) {
      const fields = original.extensions.validationErrors as
        Array<{ property: string; constraints?: Record<string, string>; children?: unknown[] }> | undefined;
      const details = flattenValidation(fields ?? []);
      return {
        message: details.length ? `Invalid input: ${details.map((d) => `${d.field}: ${d.messages.join("; ")}`).join(" | ")}` : "Invalid input",
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: ErrorCode.BAD_USER_INPUT, fields: details },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && APOLLO_REQUEST_CODES.has(code)) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
    }
    // A GraphQLError raised by graphql-js itself while coercing variables or values
    // (no original error behind it) is the user's mistake and says nothing internal.
    if (error instanceof GraphQLError && !error.originalError && !formatted.path) {
      return { message: formatted.message, locations: formatted.locations, extensions: { code: ErrorCode.BAD_USER_INPUT } };
    }
    if (isDatabaseUnavailable(original)) {
      logger.warn({ err: original, path: formatted.path }, "database unavailable during a request");
      const e = unavailable();
      return { message: e.message, path: formatted.path, extensions: e.extensions };
    }
    if (isStorageFull(original)) {
      logger.error({ err: original, path: formatted.path }, "the database's disk is full");
      onStorageFull();
      const e = storageFull();
      return { message: e.message, path: formatted.path, extensions: e.extensions };
    }
    if ((original as { code?: string })?.code === "57014") {
      return {
        message: "the query took too long and was cancelled",
        path: formatted.path,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryAfterSeconds: RETRY_AFTER_SECONDS },
      };
    }
    logger.error({ err: original, path: formatted.path }, "unexpected error in GraphQL request");
    return { message: INTERNAL_MESSAGE, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/** Connection-level failures (server restarting, unreachable, pool timeout): transient, not a bug. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string } | null;
  if (!e) return false;
  // TypeORM's words for a connection that died between two statements of a transaction: it
  // releases the transaction's query runner on the connection's error, and the next statement
  // (QueryRunnerAlreadyReleasedError) or the next transaction on its manager (…Provider…) finds it gone
  if (e.name === "QueryRunnerAlreadyReleasedError" || e.name === "QueryRunnerProviderAlreadyReleasedError") return true;
  // connection exceptions and operator intervention (shutdown, crash, cannot connect now); not 08P01 (protocol violation: a bug)
  if (e.code && ["08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03"].includes(e.code)) return true;
  if (e.code && ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT"].includes(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|not queryable/i.test(
    e.message ?? "",
  );
}

interface FieldError {
  field: string;
  messages: string[];
}

function flattenValidation(errors: Array<{ property: string; constraints?: Record<string, string>; children?: unknown[] }>, prefix = ""): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out.push({ field, messages: Object.values(e.constraints) });
    if (e.children?.length) out.push(...flattenValidation(e.children as typeof errors, field));
  }
  return out;
}
