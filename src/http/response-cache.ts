/**
 * A cache of whole GraphQL responses for anonymous reads, in front of Apollo: a hit is answered
 * from ready bytes, with no parsing, validation, SQL or serialisation.
 *
 * Correctness rules, in order of importance:
 * - Only what anyone may read: requests without `Authorization`, without a read-your-writes LSN
 *   (header or cookie), that Apollo would accept as non-CSRF, whose operation is a `query` that
 *   answered 200 with no errors. Mutations, subscriptions, errors and token holders never touch it.
 * - Each answer is kept with what it was read from (src/reads.ts): the columns its rows, their order
 *   and its counts depend on, and the platforms it shows. A statement that did not declare what it
 *   reads makes the answer depend on everything.
 * - Every committed change drops the answers it can alter, on every instance: triggers announce each
 *   change on `registry_changed` with the platforms and columns it touched (migrations ChangeNotify,
 *   ChangeDetail), the ChangeBus's LISTEN connection hears it. A change that names no rows (a large
 *   statement, a district, domain or agency, TRUNCATE) empties the cache. The instance that wrote also
 *   drops what its write touched before the write's response is sent (as the write's service declares
 *   it; a write that does not say empties the cache), so a writer's next read on the same instance
 *   never sees the old answer, even before the notice arrives.
 * - A response computed before a change is never stored after it: an answer is stored only if no
 *   change heard since its request started can alter it.
 * - While the LISTEN connection is down notices are lost, so the cache neither serves nor stores;
 *   it is emptied again when the connection is back.
 * - With read replicas, a change's WAL position is asked of the primary when it is heard, and a
 *   miss reads from a replica only once that replica has replayed it (else from the primary):
 *   a lagging replica cannot refill the cache with the old answer.
 * - Entries also expire after RESPONSE_CACHE_TTL seconds, and the whole cache is bounded in bytes
 *   (least recently used entries go first).
 */
import type { ApolloServerPlugin } from "@apollo/server";
import type { NodeMiddleware, NodeRequest } from "./node";
import { LRUCache } from "lru-cache";
import { Counter, Gauge, type Registry } from "prom-client";
import type { DataSource } from "typeorm";
import type { Logger } from "../logger";
import { hasReplicas } from "../db/reader";
import { requestContext } from "../request-context";
import type { ChangeListener } from "../db/change-bus";
import { alters, noReads, parseChange, ReadsIndex, readsSize, type Change, type Reads } from "../reads";

interface Entry {
  body: Buffer;
  contentType: string;
  reads: Reads;
}

/** A change that names no rows: it alters every answer. */
const EVERYTHING: Change = { table: "*", platforms: null, columns: null };

/** How many recent changes are kept to check answers still being computed against; older requests are not stored. */
const RECENT_CHANGES = 1000;

export interface ResponseCacheOptions {
  maxBytes: number;
  ttlSeconds: number;
  dataSource: DataSource;
  logger: Logger;
  /** where its metrics go: lookups by result (hit, miss, bypass) and the bytes held */
  registry?: Registry;
}

export class ResponseCache implements ChangeListener {
  private readonly lru: LRUCache<string, Entry>;
  /** which answers read what: a change looks up the answers it may alter instead of checking all */
  private readonly index = new ReadsIndex();
  /** changes heard (and made here) and emptyings, numbered: an answer is stored only if none since its request started alters it */
  private seq = 0;
  private readonly recent: Array<{ seq: number; change: Change }> = [];
  /** replicas only: changes heard so far, so that only the last one's WAL position is kept */
  private changes = 0;
  private listening = false;
  /** replicas only: a change was heard and its WAL position is not known yet */
  private lsnPending = false;
  /** replicas only: the primary's WAL position after the last change heard */
  private changedAtLsn: string | undefined;
  private readonly replicas: boolean;
  private readonly lookups?: Counter<"result">;
  private readonly dropped?: Counter;
  private readonly evicted?: Counter;
  private readonly emptied?: Counter;

  constructor(private readonly opts: ResponseCacheOptions) {
    this.lru = new LRUCache<string, Entry>({
      maxSize: opts.maxBytes,
      maxEntrySize: Math.max(1024, Math.floor(opts.maxBytes / 4)),
      sizeCalculation: (v, k) => v.body.length + k.length * 2 + readsSize(v.reads),
      ttl: opts.ttlSeconds * 1000,
      dispose: (v, k, reason) => {
        this.index.remove(k, v.reads);
        if (reason === "evict") this.evicted?.inc();
      },
    });
    this.replicas = hasReplicas(opts.dataSource);
    if (opts.registry) {
      const registers = [opts.registry];
      this.lookups = new Counter({
        name: "registry_response_cache_total",
        help: "Response cache lookups: hit, miss (stored if it may be), bypass",
        labelNames: ["result"] as const,
        registers,
      });
      this.dropped = new Counter({ name: "registry_response_cache_dropped_total", help: "Answers dropped because a change could alter them", registers });
      this.evicted = new Counter({
        name: "registry_response_cache_evicted_total",
        help: "Answers evicted to make room (RESPONSE_CACHE_MAX_BYTES), least recently used first",
        registers,
      });
      this.emptied = new Counter({
        name: "registry_response_cache_emptied_total",
        help: "Times the response cache was emptied: a change that names no rows, a write that does not say what it changed, the change listener down or back",
        registers,
      });
      const lru = this.lru;
      new Gauge({
        name: "registry_response_cache_bytes",
        help: "Bytes of answers held by the response cache",
        registers,
        collect() {
          this.set(lru.calculatedSize);
        },
      });
      new Gauge({
        name: "registry_response_cache_entries",
        help: "Answers held by the response cache",
        registers,
        collect() {
          this.set(lru.size);
        },
      });
    }
  }

  /** Forget everything; responses being computed now will not be stored. */
  invalidate(): void {
    this.record(EVERYTHING);
    this.emptied?.inc();
    this.lru.clear();
    this.index.clear();
  }

  /** Drops the answers `change` can alter; answers being computed are checked against it before they are stored. */
  apply(change: Change): void {
    if (change.platforms === null) return this.invalidate();
    this.record(change);
    let altered = 0;
    for (const key of this.index.candidates(change)) {
      const entry = this.lru.peek(key, { allowStale: true });
      if (entry && alters(change, entry.reads)) {
        this.lru.delete(key);
        altered++;
      }
    }
    this.dropped?.inc(altered);
  }

  private record(change: Change): void {
    this.recent.push({ seq: ++this.seq, change });
    if (this.recent.length > RECENT_CHANGES) this.recent.splice(0, this.recent.length - RECENT_CHANGES);
  }

  /** Whether an answer read from `reads` by a request that started at `since` is still true: no change heard since alters it. */
  private unchangedSince(since: number, reads: Reads): boolean {
    if (since === this.seq) return true;
    const first = this.recent[0]?.seq ?? this.seq + 1;
    if (first > since + 1) return false; // some changes since are no longer kept
    for (let i = since + 1 - first; i < this.recent.length; i++) if (alters(this.recent[i].change, reads)) return false;
    return true;
  }

  changed(what: string): void {
    this.apply(parseChange(what));
    if (!this.replicas) return;
    this.lsnPending = true;
    // Counted apart from `seq`: the writer's own invalidate() (or any other) while this position is
    // being asked must not discard it, or the cache would bypass until the next change.
    const change = ++this.changes;
    this.opts.dataSource.query(`SELECT pg_current_wal_lsn()::text AS lsn`).then(
      ([{ lsn }]: Array<{ lsn: string }>) => {
        if (this.changes !== change) return; // a later change asks for its own
        this.changedAtLsn = lsn;
        this.lsnPending = false;
        this.invalidate(); // what was computed while the position was unknown is not stored
      },
      (err: unknown) => this.opts.logger.warn({ err }, "response cache: could not read the WAL position; not caching until the next change"),
    );
  }

  /** Down: stop serving (changes would go unheard). Back up: start empty (notices may have been lost). */
  connected(up: boolean): void {
    this.listening = up;
    this.invalidate();
  }

  /** The GraphQL route's step after body parsing and before Apollo (plain Node, see src/http/node.ts). */
  middleware(): NodeMiddleware {
    return (req, res, next) => {
      const store = requestContext.getStore();
      const key = this.listening && !this.lsnPending && store && !store.minLsn ? keyOf(req) : undefined;
      if (!key || !store) {
        this.lookups?.inc({ result: "bypass" });
        res.setHeader("X-Cache", "BYPASS");
        return next();
      }
      const hit = this.lru.get(key);
      if (hit) {
        this.lookups?.inc({ result: "hit" });
        res.statusCode = 200;
        res.setHeader("Content-Type", hit.contentType);
        res.setHeader("Content-Length", hit.body.length);
        res.setHeader("X-Cache", "HIT");
        // as on a computed answer (src/graphql/http.ts): for this cache only, never for HTTP caches
        res.setHeader("Cache-Control", "no-store");
        res.end(hit.body);
        return;
      }
      this.lookups?.inc({ result: "miss" });
      res.setHeader("X-Cache", "MISS");
      if (this.replicas && this.changedAtLsn) store.minLsn = this.changedAtLsn;
      // only an answer this cache may keep needs what it was read from (a GeoJSON answer: every platform it shows)
      store.recordReads = true;
      const since = this.seq;
      // Apollo's Express integration answers a single result with one res.end(body).
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
      res.end = ((...args: unknown[]) => {
        const chunk = args[0];
        if (store.cacheable && !store.wrote && res.statusCode === 200 && this.listening && (typeof chunk === "string" || Buffer.isBuffer(chunk))) {
          const contentType = res.getHeader("Content-Type");
          const reads = store.reads ?? noReads();
          if (typeof contentType === "string" && this.unchangedSince(since, reads)) {
            const entry = { body: Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), contentType, reads };
            this.lru.set(key, entry);
            // an answer larger than an entry may be is not kept
            if (this.lru.peek(key) === entry) this.index.add(key, reads);
          }
        }
        return end(...args);
      }) as typeof res.end;
      next();
    };
  }

  /** Marks answers that may be cached, and drops what a write touched before its response is sent. */
  plugin<T extends object>(): ApolloServerPlugin<T> {
    return {
      requestDidStart: async () => ({
        willSendResponse: async ({ operation, response }) => {
          const store = requestContext.getStore();
          if (!store) return;
          if (store.wrote) {
            if (store.changes) for (const change of store.changes) this.apply(change);
            else this.invalidate();
            return;
          }
          store.cacheable =
            operation?.operation === "query" && response.body.kind === "single" && !response.body.singleResult.errors && (response.http.status ?? 200) === 200;
        },
      }),
    };
  }
}

/**
 * The cache key of a request, or undefined when it must not be cached: the operation, its name,
 * variables and extensions as sent, and the Accept header (which decides the response's type).
 */
function keyOf(req: NodeRequest): string | undefined {
  if (req.headers.authorization !== undefined) return undefined;
  let op: { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown };
  if (req.method === "POST") {
    const type = req.headers["content-type"]?.split(";")[0].trim().toLowerCase();
    if (type !== "application/json" || typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) return undefined;
    op = req.body;
  } else if (req.method === "GET") {
    // Apollo's rules for a GET, so that a warm cache never answers what Apollo would refuse: a content
    // type, if any, is application/json (else 415); the request is preflighted (CSRF): by that content
    // type or a non-empty apollo-require-preflight / x-apollo-operation-name; each parameter at most once.
    const contentType = req.headers["content-type"];
    if (contentType !== undefined && !/^application\/json\s*(;[^]*)?$/i.test(contentType)) return undefined;
    const preflighted = contentType !== undefined || !!req.headers["apollo-require-preflight"] || !!req.headers["x-apollo-operation-name"];
    if (!preflighted) return undefined;
    const params = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
    const once = (name: string): string | null | false => {
      const all = params.getAll(name);
      return all.length > 1 ? false : (all[0] ?? null);
    };
    const [query, operationName, variables, extensions] = ["query", "operationName", "variables", "extensions"].map(once);
    if (query === false || operationName === false || variables === false || extensions === false) return undefined;
    op = { query: query ?? undefined, operationName, variables, extensions };
  } else return undefined;
  if (typeof op.query !== "string") return undefined;
  return JSON.stringify([req.method, req.headers.accept ?? "", op.query, op.operationName ?? null, op.variables ?? null, op.extensions ?? null]);
}
