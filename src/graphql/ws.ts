/**
 * The WebSocket server: graphql-ws on /graphql. Every operation takes the steps of
 * src/graphql/operation.ts, as over HTTP: ready, caller (the token looked up again, the budget
 * charged: each operation counts like a request), bounds, parse, validate, cost, context, then runs
 * inside its own request state. Besides: the readiness gate and the token check at `connection_init`,
 * a message size limit equal to BODY_LIMIT, connections per IP and operations per connection.
 *
 * A connection opened with a token is only as good as the token: each operation looks it up again,
 * and when the token ends (revoked, rotated away: heard on the change bus from any instance; expired:
 * a timer) the connection is closed with 4401, ending its subscriptions.
 */
import type http from "node:http";
import { execute, GraphQLError, subscribe, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { Config } from "../config";
import type { Services } from "../context";
import { AppError, ErrorCode, isDatabaseUnavailable, unavailable } from "../errors";
import { addressKey, clientIp, type Caller, type RequestGuards } from "../http/guards";
import type { OperationSteps } from "./operation";

export interface WsOptions {
  httpServer: http.Server;
  schema: GraphQLSchema;
  services: Services;
  guards: RequestGuards;
  steps: OperationSteps;
  config: Pick<Config, "bodyLimitBytes" | "wsConnectionsPerIp" | "wsOperationsPerConnection">;
  /** Express's trust function for X-Forwarded-For (TRUST_PROXY). */
  trust: (addr: string, i: number) => boolean;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

interface Extra extends Record<PropertyKey, unknown> {
  socket: WebSocket;
  request: http.IncomingMessage;
  caller?: Caller;
  authorization?: string;
  ip?: string;
  operations?: Set<string>;
  /** a check of the token at its expiry (or later, for an expiry beyond a timer's reach) */
  expiry?: NodeJS.Timeout;
}

/** WebSocket close code for "try again later" (RFC 6455 registry): the registry is not ready. */
const TRY_AGAIN_LATER = 1013;
const TOKEN_ENDED = "Unauthorized: the token was revoked, expired or rotated away";
/** setTimeout's longest delay; a later expiry is checked again then */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createWsServer(o: WsOptions): { dispose(): Promise<void> } {
  const connectionsPerIp = new Map<string, number>();
  const wsServer = new WebSocketServer({
    server: o.httpServer,
    path: "/graphql",
    maxPayload: o.config.bodyLimitBytes,
    verifyClient: ({ req }, done) => {
      const limit = o.config.wsConnectionsPerIp;
      if (limit && (connectionsPerIp.get(addressKey(clientIp(req, o.trust))) ?? 0) >= limit) {
        done(false, 429, `too many WebSocket connections from this address (at most ${limit})`, { "Retry-After": "60" });
      } else done(true);
    },
  });
  wsServer.on("connection", (socket, req) => {
    const ip = addressKey(clientIp(req, o.trust));
    connectionsPerIp.set(ip, (connectionsPerIp.get(ip) ?? 0) + 1);
    socket.once("close", () => {
      const n = (connectionsPerIp.get(ip) ?? 1) - 1;
      if (n > 0) connectionsPerIp.set(ip, n);
      else connectionsPerIp.delete(ip);
    });
  });

  // Connections opened with a token, by token id: closed when the token ends.
  const byToken = new Map<string, Set<Extra>>();
  const track = (extra: Extra): void => {
    const id = extra.caller?.tokenId;
    if (!id) return;
    let set = byToken.get(id);
    if (!set) byToken.set(id, (set = new Set()));
    set.add(extra);
    scheduleExpiry(extra);
    extra.socket.once("close", () => {
      clearTimeout(extra.expiry);
      set.delete(extra);
      if (!set.size && byToken.get(id) === set) byToken.delete(id);
    });
  };
  const scheduleExpiry = (extra: Extra): void => {
    clearTimeout(extra.expiry);
    const at = extra.caller?.viewer?.expiresAt;
    if (!at) return;
    extra.expiry = setTimeout(() => void recheck(extra), Math.min(MAX_TIMER_MS, Math.max(0, at.getTime() - Date.now()) + 10));
    extra.expiry.unref();
  };
  /** Looks the connection's token up again: closes the connection if it ended; retries shortly if the database did not answer. */
  const recheck = async (extra: Extra): Promise<void> => {
    if (extra.socket.readyState !== extra.socket.OPEN) return;
    try {
      extra.caller = await o.guards.identify(extra.authorization, extra.ip!);
      scheduleExpiry(extra);
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.UNAUTHENTICATED) extra.socket.close(CloseCode.Unauthorized, TOKEN_ENDED);
      else {
        const retry = setTimeout(() => void recheck(extra), 2000);
        retry.unref();
      }
    }
  };
  const unlistenTokens = o.services.hub.listenTokens((tokenId) => {
    const targets = tokenId ? [...(byToken.get(tokenId) ?? [])] : [...byToken.values()].flatMap((set) => [...set]);
    for (const extra of targets) void recheck(extra);
  });

  const format = (errors: readonly GraphQLError[]) => errors.map((e) => o.formatError(e.toJSON(), e));
  const refuse = (err: unknown): readonly GraphQLError[] => [
    err instanceof GraphQLError ? err : new AppError(ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error"),
  ];

  const server = useServer<Record<string, unknown>, Extra>(
    {
      schema: o.schema,
      async onConnect(ctx) {
        const { socket, request } = ctx.extra;
        const refusal = o.steps.ready();
        if (refusal) {
          socket.close(TRY_AGAIN_LATER, refusal.message.slice(0, 120));
          return false;
        }
        const fromParams = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const authorization = typeof fromParams === "string" ? fromParams : request.headers.authorization;
        ctx.extra.ip = clientIp(request, o.trust);
        try {
          ctx.extra.caller = await o.guards.identify(authorization, ctx.extra.ip);
        } catch (err) {
          if (err instanceof AppError && err.code === ErrorCode.UNAUTHENTICATED) {
            socket.close(CloseCode.Unauthorized, "Unauthorized: the token is malformed, unknown or revoked");
          } else if (err instanceof AppError && err.code === ErrorCode.RATE_LIMITED) {
            socket.close(CloseCode.TooManyInitialisationRequests, "too many requests; retry later");
          } else if (isDatabaseUnavailable(err)) {
            // the token could not be looked up: try again later, as over HTTP (503)
            socket.close(TRY_AGAIN_LATER, unavailable().message.slice(0, 120));
          } else throw err;
          return false;
        }
        ctx.extra.authorization = authorization;
        ctx.extra.operations = new Set();
        track(ctx.extra);
        return true;
      },
      async onSubscribe(ctx, id, payload) {
        const ops = ctx.extra.operations!;
        if (ops.size >= o.config.wsOperationsPerConnection) {
          return [new AppError(ErrorCode.RATE_LIMITED, `at most ${o.config.wsOperationsPerConnection} operations at once on one connection`)];
        }
        // the slot is taken before anything is awaited, so operations sent together are counted together
        ops.add(id);
        const refused = await admit(ctx.extra, payload, id);
        if (Array.isArray(refused)) ops.delete(id);
        return refused;
      },
      onComplete(ctx, id) {
        ctx.extra.operations?.delete(id);
      },
      // each operation runs inside its own request state (its statements counted, its writes read back from the primary)
      execute: (args) => o.steps.inRequest(args.contextValue, () => execute(args)),
      subscribe: (args) => o.steps.inRequest(args.contextValue, () => subscribe(args)),
      // the same error masking as HTTP: coded errors pass, internals do not leak
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : result),
    },
    wsServer,
  );

  /** The steps for one operation (src/graphql/operation.ts): its execution arguments, or the refusal. */
  async function admit(
    extra: Extra,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null; extensions?: Record<string, unknown> | null },
    id: string,
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const refusal = o.steps.ready();
    if (refusal) return [refusal];
    let caller = extra.caller!;
    try {
      // a token is looked up again for every operation: one that ended since the connection opened is refused, and the connection closed
      extra.caller = caller = await o.steps.recharge(caller, extra.authorization);
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.UNAUTHENTICATED) setImmediate(() => extra.socket.close(CloseCode.Unauthorized, TOKEN_ENDED));
      return refuse(isDatabaseUnavailable(err) ? unavailable() : err);
    }
    return o.steps.admit(caller, payload, `ws:${id}`);
  }
  return {
    async dispose() {
      unlistenTokens();
      await server.dispose();
    },
  };
}
