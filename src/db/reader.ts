/**
 * Where a read goes. Without replicas: the primary, always. With DATABASE_REPLICA_URLS: a
 * streaming replica (TypeORM picks one per query), except
 * - within a request that wrote (its own reads must see its write), and
 * - for a client that just wrote, while no replica has replayed its write yet: every write
 *   answers with `X-Registry-LSN` (and a short-lived `registry_lsn` cookie); a client that sends
 *   it back (`X-Registry-Min-LSN` header or the cookie) reads from a replica only once that
 *   replica has caught up to it, else from the primary. Read-your-writes with no state on the
 *   server, so instances behind a load balancer stay interchangeable.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import type { Pool } from "pg";
import type { DataSource } from "typeorm";
import { countStatement, requestContext } from "../request-context";
import type { Change, ReadDecl } from "../reads";

/** What read services need: a DataSource qualifies, and so does the replica-aware reader. */
export interface Queryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeORM's own query<T = any>, which a DataSource must satisfy
  query<T = any>(sql: string, params?: unknown[]): Promise<T>;
}

/**
 * The rows a statement's RETURNING gave, whoever ran it: TypeORM answers an UPDATE or DELETE with
 * [rows, rowCount], a pg client (the benchmark's floor, the pool reader) with the rows alone.
 */
export function returnedRows<T>(result: unknown): T[] {
  const r = result as unknown[];
  return (r.length === 2 && Array.isArray(r[0]) && typeof r[1] === "number" ? r[0] : r) as T[];
}

export const LSN = /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i;

export function hasReplicas(ds: DataSource): boolean {
  return !!(ds.options as { replication?: unknown }).replication;
}

/**
 * Reads on the primary straight from the driver's pg Pool: the same connections and settings as
 * the DataSource, without TypeORM's query runner around each statement.
 * Statements are counted as TypeORM's are (countStatement). Reads only: the rows, as DataSource.query
 * answers a SELECT.
 *
 * Each distinct SQL text (values are always parameters, so there are few: one per filter and
 * selection shape) becomes a named prepared statement on each connection that runs it, so that
 * PostgreSQL parses and analyses it once per connection instead of on every request
 *. At most PREPARED_TEXTS texts get a name; any further text runs
 * unnamed, so a client that invents shapes cannot grow the server's memory. PREPARED_STATEMENTS=false
 * runs every read unnamed (for a pooler in transaction mode, which cannot keep a statement per client).
 */
const PREPARED_TEXTS = 500;

function poolReader(ds: DataSource, prepared: boolean): Queryable {
  const driver = ds.driver as unknown as { master: Pool };
  const names = new Map<string, string>();
  const nameOf = (sql: string): string | undefined => {
    if (!prepared) return undefined;
    let name = names.get(sql);
    if (name === undefined && names.size < PREPARED_TEXTS) names.set(sql, (name = `registry_read_${names.size + 1}`));
    return name;
  };
  return {
    async query(sql, params) {
      countStatement(true);
      // the pool is read at each call: the driver creates it when the DataSource initialises
      const r = await driver.master.query({ text: sql, values: params as unknown[] | undefined, name: nameOf(sql) });
      return r.rows as never;
    },
  };
}

export function createReader(ds: DataSource, { preparedStatements = true }: { preparedStatements?: boolean } = {}): Queryable {
  if (!hasReplicas(ds)) return poolReader(ds, preparedStatements);
  return {
    async query(sql, params) {
      const store = requestContext.getStore();
      if (store?.wrote) return ds.query(sql, params);
      const qr = ds.createQueryRunner("slave");
      try {
        if (store?.minLsn) {
          store.replicaCaughtUp ??= (await qr.query(`SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, true) AS ok`, [store.minLsn]))[0].ok;
          if (!store.replicaCaughtUp) return await ds.query(sql, params);
        }
        return await qr.query(sql, params);
      } finally {
        await qr.release();
      }
    },
  };
}

/**
 * Runs a read and declares what its answer depends on (see src/reads.ts). The declaration is set and
 * the statement sent in the same tick, so the pool reader takes it with this statement and no other;
 * through any other Queryable (TypeORM, replicas) it is not taken, and the answer depends on everything.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as Queryable.query's own
export function readWith<T = any>(q: Queryable, reads: ReadDecl, sql: string, params?: unknown[]): Promise<T> {
  const store = requestContext.getStore();
  if (store) store.nextReads = reads;
  return q.query<T>(sql, params);
}

/** Adds platforms whose rows the answer shows, known once a declared read's rows are back. */
export function readPlatforms(ids: Iterable<string>): void {
  const reads = requestContext.getStore()?.reads;
  if (reads) for (const id of ids) reads.platforms.add(id);
}

/**
 * Marks the current request as one that wrote (its later reads go to the primary; its response
 * carries the LSN). `changes`: what the write changed, as the database's triggers announce it
 * (src/reads.ts), so that this instance's response cache drops only what it touched before the
 * response is sent; without it (or after any write that did not say), the cache is emptied.
 */
export function markWrite(changes?: Change[]): void {
  const store = requestContext.getStore();
  if (!store) return;
  store.changes = changes && store.changes !== null ? [...(store.changes ?? []), ...changes] : null;
  store.wrote = true;
}

/**
 * After a request that wrote: tell the client the primary's WAL position, to send back on its next
 * reads. Installed only with replicas (src/graphql/apollo.ts): without them every read is the primary's.
 */
export function lsnPlugin<T extends object>(ds: DataSource): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const store = requestContext.getStore();
          if (!store?.wrote) return;
          const [{ lsn }] = await ds.query(`SELECT pg_current_wal_lsn()::text AS lsn`);
          response.http.headers.set("x-registry-lsn", lsn);
          response.http.headers.set("set-cookie", `registry_lsn=${lsn}; Max-Age=60; Path=/; HttpOnly; SameSite=Lax`);
        },
      };
    },
  };
}

/** The LSN a client sent back, from the header or the cookie. */
export function minLsnOf(headers: { [k: string]: string | string[] | undefined }): string | undefined {
  const h = headers["x-registry-min-lsn"];
  if (typeof h === "string" && LSN.test(h)) return h;
  const cookie = typeof headers.cookie === "string" ? /(?:^|;\s*)registry_lsn=([0-9A-Fa-f/]+)/.exec(headers.cookie)?.[1] : undefined;
  return cookie && LSN.test(cookie) ? cookie : undefined;
}
