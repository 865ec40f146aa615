/**
 * A request's state, one object per request (an HTTP request, or one operation on a WebSocket):
 * its id (on every log line), who its token stands for, whether it wrote, the SQL statements it ran
 * (counted by a TypeORM logger, so tests can assert that a list page runs a small fixed number of
 * statements; added to the response's extensions only when EXPOSE_SQL_COUNT is on), and what the
 * replica routing and the response cache decided for it.
 *
 * The door that receives the request makes it (newRequestState) and runs the request inside it
 * (requestContext.run): the GraphQL context carries it explicitly (Context.request), and the layers
 * below the context (the replica reader, the statement counter, the logger) find it through
 * AsyncLocalStorage.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger as TypeOrmLogger } from "typeorm";
import { addReads, type Change, type ReadDecl, type Reads } from "./reads";

export interface RequestState<V = unknown> {
  requestId: string;
  /** who the request's token stands for, as the guards read it on this request; null without a token */
  viewer: V | null;
  statements: number;
  /** the request wrote: its reads go to the primary (see db/reader.ts) */
  wrote?: boolean;
  /** the WAL position the client last wrote at, sent back for read-your-writes */
  minLsn?: string;
  /** whether the replica has replayed minLsn (asked once per request) */
  replicaCaughtUp?: boolean;
  /** the answer may go into the response cache (a query that succeeded; see http/response-cache.ts) */
  cacheable?: boolean;
  /** the response cache may keep this answer (a miss it will record): its reads are recorded, else not */
  recordReads?: boolean;
  /** what the request's answer was read from, statement by statement (see src/reads.ts), when recordReads */
  reads?: Reads;
  /** what the next statement of the pool reader reads, declared just before it runs (src/reads.ts) */
  nextReads?: ReadDecl;
  /** what the request's writes changed, as their services declared it (db/reader.ts markWrite); null: a write did not say */
  changes?: Change[] | null;
}

export const requestContext = new AsyncLocalStorage<RequestState>();

/** A request's state as it starts: nothing run, nothing written, no viewer yet. */
export function newRequestState(requestId: string, minLsn?: string): RequestState {
  return { requestId, viewer: null, statements: 0, minLsn };
}

/** The state of the request being served, or undefined outside one. */
export function currentRequest(): RequestState | undefined {
  return requestContext.getStore();
}

/**
 * Counts one SQL statement against the request being served (TypeORM's and the pg Pool reader's).
 * `declared`: the statement is the pool reader's, which takes what was declared for it; any other
 * statement is one whose reads nobody declared, so the answer depends on everything.
 */
export function countStatement(declared = false): void {
  const store = requestContext.getStore();
  if (!store) return;
  store.statements++;
  const decl = declared ? store.nextReads : undefined;
  store.nextReads = undefined;
  if (store.recordReads) store.reads = addReads(store.reads, decl);
}

/** A TypeORM logger that counts statements and otherwise stays silent (errors reach formatError). */
export class CountingLogger implements TypeOrmLogger {
  logQuery(): void {
    countStatement();
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** Adds the request's statement count to the response's extensions (installed only with EXPOSE_SQL_COUNT). */
export function sqlCountPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const store = requestContext.getStore();
          if (!store || response.body.kind !== "single") return;
          response.body.singleResult.extensions = { ...response.body.singleResult.extensions, sqlStatements: store.statements };
        },
      };
    },
  };
}
