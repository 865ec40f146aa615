/**
 * `npm run export -- --format json|csv|geojson [--out FILE]`: the whole registry as a versioned
 * dump (json, importable), or its platforms for spreadsheets (csv) and GIS tools (geojson).
 * Writes to stdout unless --out is given; progress goes to stderr.
 */
import "reflect-metadata";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/database";
import { createLogger } from "../src/logger";
import { exportDump, platformsCsv, platformsGeoJson } from "../src/modules/transfer/dump";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { format: { type: "string", default: "json" }, out: { type: "string" } } });
  const format = values.format!;
  if (!["json", "csv", "geojson"].includes(format)) {
    process.stderr.write("usage: npm run export -- --format json|csv|geojson [--out FILE]\n");
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase(config, createLogger("warn"), { attach: true });
  try {
    const dump = await exportDump(db.dataSource, (table, n) => process.stderr.write(`exported ${n} ${table}\n`));
    const text = format === "json" ? JSON.stringify(dump, null, 1) + "\n" : format === "csv" ? platformsCsv(dump) : platformsGeoJson(dump);
    if (values.out) fs.writeFileSync(values.out, text);
    else process.stdout.write(text);
    process.stderr.write(`wrote ${format}${values.out ? ` to ${values.out}` : ""}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

main().then((code) => process.exit(code), (err) => {
  process.stderr.write(`export failed: ${(err as Error).message}\n`);
  process.exit(1);
});
