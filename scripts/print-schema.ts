/** `npm run schema:print` writes schema/schema.graphql (sorted); `npm run schema:check` fails when it is stale. */
import "reflect-metadata";
import fs from "node:fs";
import path from "node:path";
import { lexicographicSortSchema, printSchema } from "graphql";
import { createSchema } from "../src/schema";
import { ChangeBus } from "../src/db/change-bus";
import { createLogger } from "../src/logger";

async function main(): Promise<void> {
  const file = path.join(__dirname, "..", ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? [".."] : []), "schema", "schema.graphql");
  // A hub that is never started: printing the schema subscribes to nothing.
  const hub = new ChangeBus("postgres://localhost/unused", createLogger("silent"));
  const sdl = printSchema(lexicographicSortSchema(await createSchema(hub))) + "\n";
  if (process.argv.includes("--check")) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    if (current !== sdl) {
      process.stderr.write("schema/schema.graphql is stale: run `npm run schema:print` and commit it\n");
      process.exit(1);
    }
    process.stdout.write("schema/schema.graphql is current\n");
  } else {
    fs.writeFileSync(file, sdl);
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  }
}
void main();
