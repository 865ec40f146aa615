/**
 * The change bus. Fans status changes out to subscribers through PostgreSQL LISTEN/NOTIFY: the transaction that
 * records a change notifies `registry_status` on commit, and every server instance on the
 * database listens on its own connection, so a change made through one instance reaches the
 * subscribers of all of them. The listening connection reconnects with backoff if it drops.
 *
 * The same connection hears `registry_changed`, which triggers in the database send on every
 * committed change to the registry's data (migration ChangeNotify): the response cache drops
 * what it holds when it hears one, and while the connection is down (when notices are lost).
 */
import pg from "pg";
import type { PubSub } from "type-graphql";
import type { Logger } from "../logger";

export interface StatusNotice {
  eventId: string;
  platformId: string;
}

type Listener = (n: StatusNotice) => void;

/** How often the listening connection is asked whether it is alive, and how long it may take to answer. */
const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;

/** Status changes are announced here by the transaction that records them (delivered on commit): `{ eventId, platformId }`. */
export const STATUS_CHANNEL = "registry_status";

/** Announced by triggers on every committed change to the registry's data; the payload is the table. */
export const CHANGE_CHANNEL = "registry_changed";

/** Announced by a trigger when a token's secret ends (revoked, rotated, expiry changed); the payload is the token's id (migration TokenGrants). */
export const TOKEN_CHANNEL = "registry_tokens";

/**
 * Hears the ends of tokens: `tokenId` when one changed, or null when notices may have been lost (the
 * connection was down) and every token in use should be checked again.
 */
export type TokenListener = (tokenId: string | null) => void;

export interface ChangeListener {
  /** data changed (the payload names the table) */
  changed(what: string): void;
  /** whether notices are being heard: false from the moment the connection drops, true once it is back (notices may have been lost meanwhile) */
  connected(up: boolean): void;
}

/**
 * Also type-graphql's PubSub (buildSchema requires one): `subscribe` yields the notices of the
 * status channel; `publish` notifies it outside any transaction (the status service notifies
 * inside its transaction instead, so that a change is announced only if it commits).
 */
export class ChangeBus implements PubSub {
  private client: pg.Client | null = null;
  private listeners = new Set<Listener>();
  private changeListeners = new Set<ChangeListener>();
  private tokenListeners = new Set<TokenListener>();
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect(0);
  }

  private async connect(attempt: number): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: "gz-innovation-registry:listen", keepAlive: true });
    client.on("notification", (msg) => {
      if (msg.channel === CHANGE_CHANNEL) {
        for (const l of this.changeListeners) l.changed(msg.payload ?? "");
        return;
      }
      if (msg.channel === TOKEN_CHANNEL) {
        if (msg.payload) for (const l of this.tokenListeners) l(msg.payload);
        return;
      }
      if (msg.channel !== STATUS_CHANNEL || !msg.payload) return;
      let notice: StatusNotice;
      try {
        notice = JSON.parse(msg.payload);
      } catch {
        return;
      }
      for (const l of this.listeners) l(notice);
    });
    client.on("error", (err) => {
      this.logger.warn({ err }, "status listener connection failed; reconnecting");
      this.scheduleReconnect(1);
    });
    client.on("end", () => {
      if (!this.stopped && this.client === client) this.scheduleReconnect(1);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${STATUS_CHANNEL}; LISTEN ${CHANGE_CHANNEL}; LISTEN ${TOKEN_CHANNEL}`);
      this.client = client;
      this.startHeartbeat(client);
      for (const l of this.changeListeners) l.connected(true);
      // notices sent while the connection was down are lost: every token in use is checked again
      if (attempt > 0) for (const l of this.tokenListeners) l(null);
    } catch (err) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      if (attempt === 0) throw err;
      this.logger.warn({ err, attempt }, "status listener could not connect; retrying");
      this.scheduleReconnect(attempt + 1);
    }
  }

  /**
   * A connection can die without a word (a dropped route, a frozen server): then no notice arrives and
   * nothing says so. Ask the server something every HEARTBEAT_MS; no answer within the timeout counts
   * as a lost connection (the response cache stops serving until it is back).
   */
  private startHeartbeat(client: pg.Client): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (this.client !== client) return;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${HEARTBEAT_TIMEOUT_MS} ms`)), HEARTBEAT_TIMEOUT_MS);
      });
      Promise.race([client.query("SELECT 1"), timeout])
        .catch((err: unknown) => {
          if (this.client !== client) return;
          this.logger.warn({ err }, "status listener connection stopped answering; reconnecting");
          this.scheduleReconnect(1);
        })
        .finally(() => clearTimeout(timer));
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private scheduleReconnect(attempt: number): void {
    if (this.stopped || this.retry) return;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    const old = this.client;
    this.client = null;
    for (const l of this.changeListeners) l.connected(false);
    old?.removeAllListeners("end");
    void old?.end().catch(() => undefined);
    const delay = Math.min(5000, 100 * 2 ** attempt);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect(attempt);
    }, delay);
  }

  /** Calls `listener` for every change until the returned function is called. */
  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hears every data change and the connection's state until the returned function is called. */
  listenChanges(listener: ChangeListener): () => void {
    this.changeListeners.add(listener);
    listener.connected(this.client !== null);
    return () => {
      this.changeListeners.delete(listener);
    };
  }

  /** Hears the ends of tokens (see TokenListener) until the returned function is called. */
  listenTokens(listener: TokenListener): () => void {
    this.tokenListeners.add(listener);
    return () => {
      this.tokenListeners.delete(listener);
    };
  }

  /** An async iterator of notices, for a GraphQL subscription; ends when the client unsubscribes. */
  iterate(): AsyncIterableIterator<StatusNotice> {
    const queue: StatusNotice[] = [];
    let wake: ((r: IteratorResult<StatusNotice>) => void) | null = null;
    let done = false;
    const unlisten = this.listen((n) => {
      if (wake) {
        const w = wake;
        wake = null;
        w({ value: n, done: false });
      } else if (queue.length < 1000) queue.push(n); // a subscriber that stops reading keeps the first 1000 unread changes; later ones are dropped
    });
    const finish = (): Promise<IteratorResult<StatusNotice>> => {
      done = true;
      unlisten();
      if (wake) wake({ value: undefined, done: true });
      wake = null;
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: finish,
      throw: (err) => {
        void finish();
        return Promise.reject(err);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  publish(routingKey: string, payload?: unknown): void {
    if (routingKey !== STATUS_CHANNEL || !this.client) return;
    void this.client.query(`SELECT pg_notify($1, $2)`, [STATUS_CHANNEL, JSON.stringify(payload)]).catch((err) => {
      this.logger.warn({ err }, "could not publish a status notice");
    });
  }

  subscribe(routingKey: string): AsyncIterable<StatusNotice> {
    if (routingKey !== STATUS_CHANNEL) throw new Error(`unknown topic ${routingKey}`);
    return this.iterate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.listeners.clear();
    const c = this.client;
    this.client = null;
    for (const l of this.changeListeners) l.connected(false);
    this.changeListeners.clear();
    this.tokenListeners.clear();
    if (c) {
      c.removeAllListeners("end");
      await c.end().catch(() => undefined);
    }
  }
}
