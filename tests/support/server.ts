/**
 * The test server: the real bootstrap (migrations, seed, Express, Apollo) on a fresh database,
 * listening on a free port; tests talk to it over real HTTP.
 */
import "reflect-metadata";
import pino from "pino";
import { loadConfig } from "../../src/config";
import { start, type Running } from "../../src/bootstrap";
import { createTestDatabase, type TestDatabase } from "./db";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }>;
  extensions?: Record<string, any>;
}

export interface TestServer {
  url: string;
  running: Running;
  db: TestDatabase;
  /** POSTs an operation to /graphql; `headers` adds to (or overrides) the JSON content type. */
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    opts?: { headers?: Record<string, string>; token?: string },
  ): Promise<GraphQLResponse<T> & { headers: Headers }>;
  /**
   * Changes data with SQL, behind the API's back, and waits until the server has heard of it
   * (the response cache is emptied by the database's notice, milliseconds after the commit).
   */
  write(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export async function startTestServer(opts: { seed?: boolean; env?: Record<string, string> } = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORT: "0",
    HOST: "127.0.0.1",
    SEED_ON_EMPTY: opts.seed === false ? "false" : "true",
    LOG_LEVEL: "silent",
    DB_POOL_MAX: "10",
    EXPOSE_SQL_COUNT: "true",
    RATE_LIMIT_PER_IP: "0", // the tests send thousands of requests from one address; limits have their own test
    CONNECTIONS_PER_IP: "0", // and many at once (the graphql-http audits); the cap has its own test
    ...opts.env,
  });
  const running = await start(config, pino({ level: "silent" }));
  const url = `http://127.0.0.1:${running.port}`;
  return {
    url,
    running,
    db,
    async gql(query, variables, opts = {}) {
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...opts.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: any; extensions?: any };
      return { status: res.status, data: body.data, errors: body.errors, extensions: body.extensions, headers: res.headers };
    },
    async write(sql, params) {
      let off = (): void => undefined;
      const heard = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the server did not hear the change within 5 s: ${sql}`)), 5000);
        off = running.server.hub.listenChanges({
          changed: () => {
            clearTimeout(timer);
            resolve();
          },
          connected: () => undefined,
        });
      });
      try {
        await running.db.dataSource.query(sql, params);
        await heard;
      } finally {
        off();
      }
    },
    async close() {
      await running.shutdown();
      await db.drop();
    },
  };
}
