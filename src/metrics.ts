/**
 * Prometheus metrics at /metrics: HTTP requests, GraphQL operations and their latency by
 * operation, errors by code, and the connection pool. One registry per server (not the global
 * default), so several servers in one process (tests) keep separate counts.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DataSource } from "typeorm";

export interface Metrics {
  registry: Registry;
  http: Counter<"method" | "route" | "status">;
  plugin<T extends object>(): ApolloServerPlugin<T>;
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export function createMetrics(dataSource: DataSource): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "registry_" });
  const http = new Counter({ name: "registry_http_requests_total", help: "HTTP requests", labelNames: ["method", "route", "status"] as const, registers: [registry] });
  const ops = new Counter({ name: "registry_graphql_operations_total", help: "GraphQL operations", labelNames: ["operation", "type"] as const, registers: [registry] });
  const latency = new Histogram({
    name: "registry_graphql_operation_duration_seconds",
    help: "GraphQL operation latency",
    labelNames: ["operation", "type"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({ name: "registry_graphql_errors_total", help: "GraphQL errors by code", labelNames: ["code"] as const, registers: [registry] });
  const pool = (): PgPool | undefined => (dataSource.isInitialized ? ((dataSource.driver as unknown as { master?: PgPool }).master ?? undefined) : undefined);
  new Gauge({ name: "registry_db_pool_connections", help: "Pool connections", registers: [registry], collect() { this.set(pool()?.totalCount ?? 0); } });
  new Gauge({ name: "registry_db_pool_idle", help: "Idle pool connections", registers: [registry], collect() { this.set(pool()?.idleCount ?? 0); } });
  new Gauge({ name: "registry_db_pool_waiting", help: "Requests waiting for a connection", registers: [registry], collect() { this.set(pool()?.waitingCount ?? 0); } });

  return {
    registry,
    http,
    plugin<T extends object>(): ApolloServerPlugin<T> {
      return {
        async requestDidStart() {
          const t0 = process.hrtime.bigint();
          return {
            async willSendResponse({ operationName, operation, errors: errs }) {
              const labels = { operation: operationName ?? "anonymous", type: operation?.operation ?? "unknown" };
              ops.inc(labels);
              latency.observe(labels, Number(process.hrtime.bigint() - t0) / 1e9);
              for (const e of errs ?? []) errors.inc({ code: String(e.extensions?.code ?? "INTERNAL_SERVER_ERROR") });
            },
          };
        },
      };
    },
  };
}
