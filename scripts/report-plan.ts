/**
 * `npm run report:plan`: prints "What became of the plan" (status counts on the plan's date, at its
 * end and now; the plan's figures against the city's) from the configured database. With --write,
 * replaces the block between the report's markers in README.md; with --check, exits 1 when README.md's
 * block differs from the output.
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { buildDataSource } from "../ormconfig";
import { openDatabase } from "../src/db/database";
import { createLogger } from "../src/logger";
import { repoRoot } from "../src/paths";
import { planReport, reportIn, withReport } from "../src/modules/target/plan-report";

async function main(): Promise<void> {
  let values: { write?: boolean; check?: boolean };
  try {
    ({ values } = parseArgs({ options: { write: { type: "boolean" }, check: { type: "boolean" } }, strict: true, allowPositionals: false }));
  } catch (err) {
    process.stderr.write(`report:plan: ${(err as Error).message}\nusage: npm run report:plan [-- --write | --check]\n`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const db = await openDatabase(config, logger, buildDataSource, { attach: true });
  try {
    const report = await planReport(db.dataSource);
    const file = path.join(repoRoot(), "README.md");
    if (values.write) {
      fs.writeFileSync(file, withReport(fs.readFileSync(file, "utf8"), report));
      process.stdout.write(`README.md: report written (${report.split("\n").length - 1} lines)\n`);
    } else if (values.check) {
      if (reportIn(fs.readFileSync(file, "utf8")) !== report) {
        process.stderr.write("README.md's report differs from the registry's: run npm run report:plan -- --write\n");
        process.exitCode = 1;
      } else process.stdout.write("README.md's report is current\n");
    } else process.stdout.write(report);
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  process.stderr.write(`report:plan failed: ${(err as Error).message}\n`);
  process.exit(1);
});
