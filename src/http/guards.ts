/**
 * The request guards, defined once and applied to both transports (HTTP in src/http/app.ts,
 * graphql-ws in src/graphql/ws.ts): the readiness gate, who pays for a request, and the
 * per-minute budgets. The checks on the operation itself (size, depth, aliases, fan-out, control
 * characters) are src/graphql/limits.ts, also shared by both.
 *
 * Who pays: a request (or a WebSocket operation) that presents a token is charged to that token
 * only once the token is verified; a malformed, unknown or revoked token is refused with
 * UNAUTHENTICATED and charged to the caller's IP, so random tokens open no fresh budgets. Looking
 * up a token the server has not seen lately has its own per-address budget (RATE_LIMIT_PER_IP a
 * minute), so random tokens reach the database no faster than that. A token is looked up on the
 * primary on every request that carries it (one indexed read), so a revoked, expired or rotated-away
 * secret is refused from the next request on, reads included, on every instance; what is cached is
 * only which secrets were refused (a refusal is final: such a secret never becomes valid again) and
 * which were valid lately (to spare them the look-up budget, never the look-up).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import ipaddr from "ipaddr.js";
import { LRUCache } from "lru-cache";

import type { Config } from "../config";
import { AppError, ErrorCode, isDatabaseUnavailable, unavailable } from "../errors";
import { bearerToken } from "../modules/auth/auth";
import { hashToken, type TokenService, type Viewer } from "../modules/auth/token.service";
import { sendJson, type NodeMiddleware } from "./node";
import { currentRequest } from "../request-context";

// proxy-addr computes req.ip for Express; the WebSocket upgrade asks it the same way (its types are not installed)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxyaddr = require("proxy-addr") as (req: IncomingMessage, trust: (addr: string, i: number) => boolean) => string;

/** Why the registry is not serving yet: a stable code for clients and probes; details go to the log. */
export type NotReadyCode =
  "STARTING" | "DATABASE_UNREACHABLE" | "DATABASE_RESTARTING" | "DATABASE_LOST" | "STORAGE_FULL" | "SCHEMA_NOT_CURRENT" | "START_FAILED";

/** The short public message of each reason (details go to the log). */
export const NOT_READY_MESSAGE: Record<NotReadyCode, string> = {
  STARTING: "the registry is starting: waiting for the database",
  DATABASE_UNREACHABLE: "the database is unreachable; retry shortly",
  DATABASE_RESTARTING: "the database stopped and is being restarted; retry shortly",
  DATABASE_LOST: "the database stopped and could not be restarted; the registry needs its operator",
  STORAGE_FULL: "the database's disk is full: changes cannot be recorded",
  SCHEMA_NOT_CURRENT: "the database schema is not current",
  START_FAILED: "the registry could not start; see its log",
};

/** How long /readyz reports a full disk after the database last said so. */
const STORAGE_FULL_MS = 30_000;

export class Readiness {
  ready = false;
  code: NotReadyCode = "STARTING";
  /** Why the registry cannot recover by itself (/healthz answers 503), or null while it can. */
  failing: NotReadyCode | null = null;
  /** When the database last said its disk is full (0: never); /readyz reports it for STORAGE_FULL_MS. */
  private storageFullAt = 0;

  /** The database said its disk is full. */
  noteStorageFull(): void {
    this.storageFullAt = Date.now();
  }
  /** Whether a full disk was reported lately (reads still work; changes are refused). */
  get storageFull(): boolean {
    return this.storageFullAt > 0 && Date.now() - this.storageFullAt < STORAGE_FULL_MS;
  }

  get message(): string {
    return NOT_READY_MESSAGE[this.code];
  }
  set(ready: true): void;
  set(ready: false, code: NotReadyCode): void;
  set(ready: boolean, code: NotReadyCode = "STARTING"): void {
    this.ready = ready;
    this.code = code;
  }
  /** SERVICE_UNAVAILABLE with the reason code, or null when ready. */
  refusal(): AppError | null {
    return this.ready ? null : new AppError(ErrorCode.SERVICE_UNAVAILABLE, `service unavailable: ${this.message}`, { reason: this.code, retryAfterSeconds: 2 });
  }
}

/** Who a request is charged to. */
export interface Caller {
  /** the budget's key: `t:<token id>` or `ip:<address>` */
  key: string;
  ip: string;
  /** the verified token's id, or null for an anonymous caller */
  tokenId: string | null;
  /** who the verified token stands for (read on this request), or null for an anonymous caller */
  viewer: Viewer | null;
}

/**
 * The key an address is counted under: an IPv4 address as it is (an IPv4-mapped IPv6 address as
 * its IPv4 address), an IPv6 address by its /64, the block one subscriber usually holds whole:
 * keyed by the full address, every address of the /64 would open a fresh budget.
 */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  let a = ipaddr.parse(ip);
  if (a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  if (a.kind() === "ipv4") return a.toString();
  return `${(a as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(":")}::/64`;
}

/** A caller without a token: charged to its address (an IPv6 address by its /64). */
const anonymousCaller = (ip: string): Caller => ({ key: `ip:${addressKey(ip)}`, ip, tokenId: null, viewer: null });

/**
 * Caps the open connections (HTTP keep-alive and WebSocket alike: an upgrade keeps its TCP
 * connection) one address may hold, counted by addressKey; a connection over the cap is closed
 * before anything is read from it. Connections from a trusted proxy are not capped: the clients
 * behind it are many.
 */
export function capConnections(server: Server, limit: number, trust: (addr: string, i: number) => boolean): void {
  if (!limit) return;
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const addr = socket.remoteAddress ?? "";
    if (trust(addr, 0)) return;
    const key = addressKey(addr);
    const n = (open.get(key) ?? 0) + 1;
    if (n > limit) return void socket.destroy();
    open.set(key, n);
    socket.once("close", () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}

export class RequestGuards {
  readonly readiness = new Readiness();
  private readonly budgets = new FixedWindows(60_000);
  /** sha256 of secrets refused before: malformed, unknown, revoked, expired or rotated away (final) */
  private readonly refused = new LRUCache<string, true>({ max: 10_000 });
  /** sha256 of secrets valid within the last minute: they skip the look-up budget, not the look-up */
  private readonly recentlyValid = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });

  constructor(
    private readonly config: Pick<Config, "rateLimitPerIp" | "rateLimitPerToken">,
    private readonly tokens: TokenService,
  ) {}

  /**
   * Who pays for a request with this Authorization value from this address, with the token's viewer
   * as the database has it now; UNAUTHENTICATED for a token that is not valid (any more).
   */
  async identify(authorization: string | undefined, ip: string): Promise<Caller> {
    const token = bearerToken(authorization);
    if (token === null) return anonymousCaller(ip);
    const hash = token ? hashToken(token) : "";
    let viewer: Viewer | null = null;
    if (token && !this.refused.has(hash)) {
      // Looking a token up has a budget of its own per address, so that anonymous traffic from a
      // shared address cannot lock an official out, and random tokens cannot reach the database
      // faster than that budget. A token valid lately is looked up without it.
      if (!this.recentlyValid.has(hash)) this.chargeNow({ key: `verify:${addressKey(ip)}`, ip, tokenId: null, viewer: null });
      viewer = await this.tokens.authenticate(token);
      if (viewer) this.recentlyValid.set(hash, true);
      else {
        this.refused.set(hash, true);
        this.recentlyValid.delete(hash);
      }
    }
    if (!viewer) {
      // a bad token is the caller's request all the same: it counts against the address's budget
      this.chargeNow(anonymousCaller(ip));
      throw new AppError(ErrorCode.UNAUTHENTICATED, "the token is malformed, unknown, revoked, expired or rotated away; send a valid token or none", {
        http: { status: 401 },
      });
    }
    return { key: `t:${viewer.tokenId}`, ip, tokenId: viewer.tokenId, viewer };
  }

  /** Counts one request against the caller's budget; RATE_LIMITED (with retryAfterSeconds) when it is spent. */
  async charge(caller: Caller): Promise<void> {
    this.chargeNow(caller);
  }

  /** charge, counted and refused in the same tick (a synchronous throw). */
  private chargeNow(caller: Caller): void {
    const limit = caller.tokenId ? this.config.rateLimitPerToken : this.config.rateLimitPerIp;
    if (limit === 0) return;
    const { hits, resetAt } = this.budgets.hit(caller.key);
    if (hits > limit) {
      const seconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
      throw new AppError(ErrorCode.RATE_LIMITED, `too many requests; retry in ${seconds} s`, { retryAfterSeconds: seconds, limit });
    }
  }

  /**
   * The HTTP door's middleware: the readiness gate, then identify and charge the caller; refusals as
   * GraphQL-shaped JSON. Plain Node (req, res, next): Express runs it for its routes, and the POST
   * /graphql path runs it without Express (src/http/app.ts). `trust` is TRUST_PROXY as Express compiles it.
   */
  http(trust: (addr: string, i: number) => boolean): NodeMiddleware {
    return (req, res, next) => {
      const refusal = this.readiness.refusal();
      if (refusal) return sendRefusal(res, refusal);
      const ip = clientIp(req, trust);
      if (bearerToken(req.headers.authorization) === null) {
        // no token, so anonymous (as identify answers it): charged without waiting for a promise (most requests)
        try {
          this.chargeNow(anonymousCaller(ip));
        } catch (err) {
          return err instanceof AppError ? sendRefusal(res, err) : next(err);
        }
        return next();
      }
      const caller = this.identify(req.headers.authorization, ip);
      caller
        .then((c) => {
          this.chargeNow(c);
          const state = currentRequest();
          if (state) state.viewer = c.viewer;
        })
        .then(
          () => next(),
          // a token that cannot be looked up because the database is down: the same 503 as without a token
          (err: unknown) => (err instanceof AppError ? sendRefusal(res, err) : isDatabaseUnavailable(err) ? sendRefusal(res, unavailable()) : next(err)),
        );
    };
  }

  stop(): void {
    this.budgets.stop();
  }
}

/**
 * Per-key request counts in fixed windows, counted synchronously: a count is read in the same
 * tick it is taken, so operations arriving together (a burst on one socket) cannot all read the
 * same total (express-rate-limit's MemoryStore hands back a shared object after an await).
 * Counts live in this instance's memory: behind a load balancer each instance enforces its share.
 */
class FixedWindows {
  private readonly windows = new Map<string, { hits: number; resetAt: number }>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly windowMs: number) {
    this.sweep = setInterval(() => {
      const now = Date.now();
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    }, windowMs);
    this.sweep.unref();
  }

  hit(key: string): { hits: number; resetAt: number } {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { hits: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.hits++;
    return { hits: w.hits, resetAt: w.resetAt };
  }

  stop(): void {
    clearInterval(this.sweep);
  }
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.STORAGE_FULL]: 507,
};

/** A guard's refusal over HTTP: the status, Retry-After where it applies, and the error as GraphQL clients read it. */
export function sendRefusal(res: ServerResponse, err: AppError): void {
  const extensions = { ...err.extensions } as Record<string, unknown>;
  delete extensions.http;
  const retry = extensions.retryAfterSeconds;
  if (typeof retry === "number") res.setHeader("Retry-After", String(retry));
  if (err.code === ErrorCode.UNAUTHENTICATED) res.setHeader("WWW-Authenticate", 'Bearer error="invalid_token"');
  sendJson(res, STATUS[err.code] ?? 400, { errors: [{ message: err.message, extensions }] });
}

/** The client's address of an upgrade request, as Express computes req.ip (honouring TRUST_PROXY). */
export function clientIp(req: IncomingMessage, trust: (addr: string, i: number) => boolean): string {
  return proxyaddr(req, trust);
}
