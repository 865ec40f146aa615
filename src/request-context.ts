/**
 * What the process knows about the request it is serving, wherever the code is (AsyncLocalStorage):
 * its id (on every log line), and the SQL statements it ran (counted by a TypeORM logger, so tests
 * can assert that a list page runs a small fixed number of statements; added to the response's
 * extensions only when EXPOSE_SQL_COUNT is on).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger as TypeOrmLogger } from "typeorm";

export interface RequestStore {
  requestId: string;
  statements: number;
  /** the request wrote: its reads go to the primary (see db/reader.ts) */
  wrote?: boolean;
  /** the WAL position the client last wrote at, sent back for read-your-writes */
  minLsn?: string;
  /** whether the replica has replayed minLsn (asked once per request) */
  replicaCaughtUp?: boolean;
  /** the answer may go into the response cache (a query that succeeded; see http/response-cache.ts) */
  cacheable?: boolean;
}

export const requestContext = new AsyncLocalStorage<RequestStore>();

/** Counts one SQL statement against the request being served (TypeORM's and the pg Pool reader's). */
export function countStatement(): void {
  const store = requestContext.getStore();
  if (store) store.statements++;
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
