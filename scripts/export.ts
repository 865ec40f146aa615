/**
 * `npm run export -- --format json|csv|geojson|history-csv|history-xlsx [--out FILE]`: the whole
 * registry as a versioned dump (json, importable), its platforms for spreadsheets (csv) and GIS tools
 * (geojson), or the status history (who, when, from, to, effective date, source) as CSV or .xlsx.
 * Writes to stdout unless --out is given; progress goes to stderr.
 */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { buildDataSource } from "../ormconfig";
import { openDatabase } from "../src/db/database";
import { createLogger } from "../src/logger";
import { exportDump, platformsCsv, platformsGeoJson } from "../src/modules/transfer/dump";
import { StatusSheetService } from "../src/modules/status/status-sheet.service";

const FORMATS = ["json", "csv", "geojson", "history-csv", "history-xlsx"];

async function main(): Promise<number> {
  const usage = `usage: npm run export -- --format ${FORMATS.join("|")} [--out FILE]`;
  let values;
  try {
    ({ values } = parseArgs({ strict: true, allowPositionals: false, options: { format: { type: "string", default: "json" }, out: { type: "string" } } }));
  } catch (err) {
    // node:util's message names the flag: "Unknown option '--fromat'", "Option '--out <value>' argument missing"
    process.stderr.write(`export: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  const format = values.format!;
  if (!FORMATS.includes(format)) {
    process.stderr.write(`export: unknown format "${format}"\n${usage}\n`);
    return 2;
  }
  if (values.out !== undefined) {
    // Refuse before reading the database: a folder that does not exist, or a path that is not writable.
    const dir = path.dirname(path.resolve(values.out));
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      if (fs.existsSync(values.out) && fs.statSync(values.out).isDirectory()) throw new Error("it is a folder");
    } catch (err) {
      process.stderr.write(
        `export: cannot write ${values.out}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? `no folder ${dir}` : (err as Error).message}\n`,
      );
      return 1;
    }
  }
  const config = loadConfig();
  const db = await openDatabase(config, createLogger("warn"), buildDataSource, { attach: true });
  try {
    let text: string | Buffer;
    if (format.startsWith("history-")) {
      const history = new StatusSheetService(db.dataSource);
      text = format === "history-csv" ? await history.historyCsv() : await history.historyXlsx();
    } else {
      const dump = await exportDump(db.dataSource, (table, n) => process.stderr.write(`exported ${n} ${table}\n`));
      text = format === "json" ? JSON.stringify(dump, null, 1) + "\n" : format === "csv" ? platformsCsv(dump) : platformsGeoJson(dump);
    }
    if (values.out) fs.writeFileSync(values.out, text);
    // to a pipe stdout is written asynchronously: wait for it, or process.exit would cut the dump short
    else await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
    process.stderr.write(`wrote ${format}${values.out ? ` to ${values.out}` : ""}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`export failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
