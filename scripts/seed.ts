/** `npm run db:seed`: validate the plan's data set and upsert it (idempotent), on the configured database. */
import "reflect-metadata";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { buildDataSource } from "../ormconfig";
import { openDatabase } from "../src/db/database";
import { createLogger } from "../src/logger";
import { loadSeed, readSeedData, SeedValidationError } from "../src/modules/dataset/dataset";

async function main(): Promise<void> {
  // It takes no arguments: anything given is a mistake to report, not to ignore.
  try {
    parseArgs({ options: {}, strict: true, allowPositionals: false });
  } catch (err) {
    process.stderr.write(`db:seed: ${(err as Error).message}\nusage: npm run db:seed   (loads the plan's data set from seeds/ into the configured database)\n`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const data = readSeedData();
  const db = await openDatabase(config, logger, buildDataSource, { attach: true });
  try {
    const { written, heldBack } = await loadSeed(db.dataSource, data);
    const counts: Array<{ t: string; n: string }> = await db.dataSource.query(
      `SELECT 'platforms' t, count(*) n FROM platform UNION ALL SELECT 'districts', count(*) FROM district
       UNION ALL SELECT 'agencies', count(*) FROM agency UNION ALL SELECT 'domains', count(*) FROM domain
       UNION ALL SELECT 'targets', count(*) FROM target UNION ALL SELECT 'mentions', count(*) FROM platform_mention
       UNION ALL SELECT 'status events', count(*) FROM status_event UNION ALL SELECT 'reported figures', count(*) FROM reported_figure
       UNION ALL SELECT 'later names', count(*) FROM platform_name`,
    );
    const changed = Object.entries(written).filter(([, n]) => n > 0);
    process.stdout.write(
      `seed loaded: ${changed.length ? changed.map(([t, n]) => `${t} ${n}`).join(", ") + " rows written" : "nothing changed"}\n` +
        `registry now holds: ${counts.map((c) => `${c.n} ${c.t}`).join(", ")}\n` +
        heldBack
          .map(
            (e) =>
              `held back: ${e.platform} ${e.status} ${e.effectiveDate} (an official has recorded this platform's status; the data set leaves it to them)\n`,
          )
          .join(""),
    );
  } catch (err) {
    if (err instanceof SeedValidationError) {
      process.stderr.write(err.message + "\n");
      process.exitCode = 1;
    } else throw err;
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  process.stderr.write(`db:seed failed: ${(err as Error).message}\n`);
  process.exit(1);
});
