/**
 * `npm run import -- <file> [--dry-run]`: load a JSON dump (from `npm run export -- --format json`).
 * --dry-run validates it and reports every problem by row, writing nothing. A real import is one
 * transaction and idempotent (a second run changes nothing).
 */
import "reflect-metadata";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { buildDataSource } from "../ormconfig";
import { openDatabase } from "../src/db/database";
import { createLogger } from "../src/logger";
import { DumpValidationError, importDump, validateDump, type Dump } from "../src/modules/transfer/dump";

async function main(): Promise<number> {
  const usage = "usage: npm run import -- <dump.json> [--dry-run]";
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, strict: true, options: { "dry-run": { type: "boolean", default: false } } });
  } catch (err) {
    process.stderr.write(`import: ${(err as Error).message}\n${usage}\n`); // names the flag: "Unknown option '--dryrun'"
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    process.stderr.write(`import: ${positionals.length ? `one dump file, not ${positionals.length}` : "no dump file given"}\n${usage}\n`);
    return 2;
  }
  let dump: Dump;
  try {
    dump = JSON.parse(fs.readFileSync(positionals[0], "utf8"));
  } catch (err) {
    process.stderr.write(`import: cannot read ${positionals[0]} as JSON: ${(err as Error).message}\n`);
    return 1;
  }
  const problems = validateDump(dump);
  if (values["dry-run"]) {
    if (problems.length) {
      process.stdout.write(`${problems.length} problem(s); nothing was written:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
      return 1;
    }
    process.stdout.write(`valid: ${dump.platforms.length} platforms, ${dump.statusEvents.length} status events; nothing was written (dry run)\n`);
    return 0;
  }
  const config = loadConfig();
  const db = await openDatabase(config, createLogger("warn"), buildDataSource, { attach: true });
  try {
    const written = await importDump(db.dataSource, dump, (table, n) => process.stderr.write(`imported ${n} ${table}\n`));
    const changed = Object.entries(written).filter(([, n]) => n > 0);
    process.stdout.write(`import done: ${changed.length ? changed.map(([t, n]) => `${t} ${n}`).join(", ") + " rows written" : "nothing changed"}\n`);
    return 0;
  } catch (err) {
    if (err instanceof DumpValidationError) {
      process.stderr.write(err.message + "\n");
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`import failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
