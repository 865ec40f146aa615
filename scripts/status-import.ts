/**
 * `npm run status:import -- <updates.csv|.xlsx> --as <token id> [--dry-run]`: status changes from a
 * spreadsheet (columns id, status, effectiveDate, note, sourceTitle, sourceUrl, sourcePublishedAt,
 * expectedVersion, or the template's labels; CSV in UTF-8, UTF-16 or GB18030/GBK, or .xlsx; the
 * pre-filled sheet from the desk as it comes), on the configured database as
 * `npm run token` works (DATABASE_URL, or the embedded one under DATA_DIR, also while the registry
 * runs on it). The changes are recorded as the token `--as` names (its name is the actor, its scope
 * applies per row); the token itself is not needed, only its id (`npm run token -- list`).
 *
 * The rules and the transaction are importStatusUpdates's (src/modules/status/status-batch.service.ts):
 * every problem is printed by row and column and nothing is written; otherwise all rows are recorded
 * at once. Exit code: 0 when the file is good (recorded, already recorded, nothing to change, or a clean dry run),
 * 1 when it has problems, 2 for a usage mistake.
 */
import "reflect-metadata";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { buildDataSource } from "../ormconfig";
import { openDatabase } from "../src/db/database";
import { createLogger } from "../src/logger";
import { TokenService } from "../src/modules/auth/token.service";
import { StatusBatchService, type BatchResult } from "../src/modules/status/status-batch.service";

const USAGE = "usage: npm run status:import -- <updates.csv|updates.xlsx> --as <token id> [--dry-run]\n";

function report(r: BatchResult): string {
  const lines: string[] = [`read ${r.format}`];
  if (r.problems.length) {
    lines.push(`${r.problems.length} problem(s); nothing was written:`);
    for (const p of r.problems) lines.push(`  row ${p.row}${p.column ? `, column ${p.column}` : ""}: ${p.code}: ${p.message}`);
    return lines.join("\n") + "\n";
  }
  for (const row of r.rows) {
    const what =
      row.outcome === "CHANGE"
        ? `${row.from} → ${row.status}, version ${row.version}`
        : `already recorded${row.eventId ? ` (event ${row.eventId})` : " (as an earlier row of this file)"}, skipped`;
    lines.push(`  row ${row.row}: ${row.platformId}: ${what}`);
  }
  const verb = r.dryRun ? "would record" : "recorded";
  if (!r.changed && !r.alreadyRecorded) {
    lines.push(`nothing to change: the file's ${r.unchanged} row(s) ask for no change; nothing was written`);
    return lines.join("\n") + "\n";
  }
  const skipped = r.unchanged ? `; ${r.unchanged} row(s) ask for no change` : "";
  lines.push(
    `${r.dryRun ? "dry run: " : ""}${verb} ${r.changed} change(s); ${r.alreadyRecorded} row(s) already recorded${skipped}${r.dryRun ? "; nothing was written" : ""}`,
  );
  return lines.join("\n") + "\n";
}

async function main(): Promise<number> {
  let values: { "dry-run"?: boolean; as?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ allowPositionals: true, options: { "dry-run": { type: "boolean", default: false }, as: { type: "string" } } }));
  } catch (err) {
    process.stderr.write(`status:import: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (positionals.length !== 1 || !values.as) {
    process.stderr.write(USAGE);
    return 2;
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(positionals[0]);
  } catch (err) {
    process.stderr.write(`status:import: cannot read ${positionals[0]}: ${(err as Error).message}\n`);
    return 1;
  }
  const config = loadConfig();
  const db = await openDatabase(config, createLogger("warn"), buildDataSource, { attach: true });
  try {
    const viewer = await new TokenService(db.dataSource).byId(values.as);
    if (!viewer) {
      process.stderr.write(`status:import: no active token with id ${values.as} (see npm run token -- list)\n`);
      return 1;
    }
    const result = await new StatusBatchService(db.dataSource).importFile(viewer, bytes, { dryRun: values["dry-run"] });
    (result.problems.length ? process.stderr : process.stdout).write(report(result));
    return result.problems.length ? 1 : 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`status:import failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
