/**
 * The one TypeORM DataSource definition. Schema changes are migrations only: `synchronize` is
 * never on. The TypeORM CLI (`npm run typeorm`, on dist/ormconfig.js) uses the default export
 * (DATABASE_URL must be set for it; it prints TypeORM's messages); the
 * application and the tests call `buildDataSource` with the URL they resolved (the embedded
 * server's, or DATABASE_URL).
 */
import "reflect-metadata";
import { DataSource } from "typeorm";
import { District } from "./src/modules/district/district.entity";
import { Agency } from "./src/modules/agency/agency.entity";
import { Domain } from "./src/modules/domain/domain.entity";
import { Platform, PlatformAgency, PlatformDomain, PlatformMention } from "./src/modules/platform/platform.entity";
import { StatusEvent } from "./src/modules/status/status-event.entity";
import { Target } from "./src/modules/target/target.entity";
import { ApiToken, ApiTokenGrant } from "./src/modules/auth/token.entity";
import { ReportedFigure } from "./src/modules/target/reported-figure.entity";
import { PlatformName } from "./src/modules/platform/platform-name.entity";
import { CountingLogger } from "./src/request-context";
import { Init1764190000000 } from "./src/migrations/1764190000000-Init";
import { ApiTokens1764200000000 } from "./src/migrations/1764200000000-ApiTokens";
import { ChangeNotify1764300000000 } from "./src/migrations/1764300000000-ChangeNotify";
import { LocationNote1764400000000 } from "./src/migrations/1764400000000-LocationNote";
import { SearchIndexNoPendingList1764500000000 } from "./src/migrations/1764500000000-SearchIndexNoPendingList";
import { TokenGrants1764600000000 } from "./src/migrations/1764600000000-TokenGrants";
import { History1764700000000 } from "./src/migrations/1764700000000-History";
import { ChangeDetail1764800000000 } from "./src/migrations/1764800000000-ChangeDetail";
import { ArchivedIndex1764900000000 } from "./src/migrations/1764900000000-ArchivedIndex";

export const entities = [
  District,
  Agency,
  Domain,
  Platform,
  PlatformDomain,
  PlatformAgency,
  PlatformMention,
  StatusEvent,
  Target,
  ReportedFigure,
  PlatformName,
  ApiToken,
  ApiTokenGrant,
];
/** The ordered migration timeline. */
export const migrations = [
  Init1764190000000,
  ApiTokens1764200000000,
  ChangeNotify1764300000000,
  LocationNote1764400000000,
  SearchIndexNoPendingList1764500000000,
  TokenGrants1764600000000,
  History1764700000000,
  ChangeDetail1764800000000,
  ArchivedIndex1764900000000,
];

export interface DataSourceOptions {
  /** Pool size. Default 10. */
  poolMax?: number;
  /** statement_timeout for every connection, ms. Default 15000. */
  statementTimeoutMs?: number;
  /** application_name shown in pg_stat_activity. Default "gz-innovation-registry". */
  applicationName?: string;
  /** Streaming replicas for reads. Default none. Queries go to the primary unless a reader asks for a replica. */
  replicaUrls?: string[];
  /**
   * TypeORM's own messages on the console (`[X] Init...` from migration:show, each migration run)
   * instead of the counting logger, which prints nothing: the TypeORM CLI's data source. Default false.
   */
  consoleLogger?: boolean;
}

export function buildDataSource(url: string, opts: DataSourceOptions = {}): DataSource {
  return new DataSource({
    type: "postgres",
    ...(opts.replicaUrls?.length
      ? { replication: { master: { url }, slaves: opts.replicaUrls.map((u) => ({ url: u })), defaultMode: "master" as const } }
      : { url }),
    entities,
    migrations,
    migrationsTableName: "typeorm_migrations",
    migrationsTransactionMode: "each",
    synchronize: false,
    // Every statement goes to the counting logger (see src/request-context.ts); it prints nothing.
    ...(opts.consoleLogger
      ? { logging: ["schema", "migration", "error", "warn"], logger: "simple-console" as const }
      : { logging: ["query"], logger: new CountingLogger() }),
    extra: {
      max: opts.poolMax ?? 10,
      application_name: opts.applicationName ?? "gz-innovation-registry",
      statement_timeout: opts.statementTimeoutMs ?? 15000,
      connectionTimeoutMillis: 5000,
    },
  });
}

export default buildDataSource(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", { consoleLogger: true });
