/**
 * Counts the SQL statements each GraphQL request runs (AsyncLocalStorage + a TypeORM logger), so
 * tests can assert that a list page runs a small fixed number of statements (no N+1). The count
 * is added to the response's extensions only when EXPOSE_SQL_COUNT is on (tests, benchmarks).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ApolloServerPlugin } from "@apollo/server";
import type { Logger as TypeOrmLogger } from "typeorm";

export const sqlCounter = new AsyncLocalStorage<{ statements: number }>();

/** A TypeORM logger that counts statements and otherwise stays silent (errors reach formatError). */
export class CountingLogger implements TypeOrmLogger {
  logQuery(): void {
    const store = sqlCounter.getStore();
    if (store) store.statements++;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

export function sqlCountPlugin<T extends object>(expose: boolean): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const store = sqlCounter.getStore();
          if (!expose || !store || response.body.kind !== "single") return;
          response.body.singleResult.extensions = { ...response.body.singleResult.extensions, sqlStatements: store.statements };
        },
      };
    },
  };
}
