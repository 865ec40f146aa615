/**
 * `npm run token -- create --role admin|editor [--agency <id>]... [--district <code>]... --name <label>`
 *   prints the new token once, alone on the last line;
 * `npm run token -- list`; `npm run token -- revoke <id>`.
 * Works on the configured database (DATABASE_URL, or the embedded one under DATA_DIR, also while
 * the registry is running on it).
 */
import "reflect-metadata";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/database";
import { AppError } from "../src/errors";
import { createLogger } from "../src/logger";
import { seedIfEmpty } from "../src/bootstrap";
import { TokenService, type Role } from "../src/modules/auth/token.service";

const USAGE = `usage:
  npm run token -- create --role admin|editor [--agency <id>]... [--district <code>]... --name <label>
  npm run token -- list
  npm run token -- revoke <id>`;

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (!["create", "list", "revoke"].includes(command ?? "")) {
    process.stderr.write(USAGE + "\n");
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      role: { type: "string" },
      agency: { type: "string", multiple: true },
      district: { type: "string", multiple: true },
      name: { type: "string" },
    },
  });
  const config = loadConfig();
  const logger = createLogger("warn");
  const db = await openDatabase(config, logger, { attach: true });
  try {
    // A fresh registry gets the plan's data first, as `npm start` would: scopes name its agencies and districts.
    if (config.seedOnEmpty) await seedIfEmpty(db, logger);
    const tokens = new TokenService(db.dataSource);
    if (command === "create") {
      const { token, info } = await tokens.create({
        name: values.name ?? "",
        role: (values.role ?? "").toUpperCase() as Role,
        agencies: values.agency,
        districts: values.district,
      });
      const scope = info.role === "ADMIN" ? "everything" : `agencies [${info.agencies.join(", ")}] districts [${info.districts.join(", ")}]`;
      process.stdout.write(`created token ${info.tokenId} "${info.name}" (${info.role.toLowerCase()}, scope: ${scope})\n`);
      process.stdout.write(`it is shown once; send it as Authorization: Bearer <token>\n${token}\n`);
    } else if (command === "list") {
      for (const t of await tokens.list()) {
        process.stdout.write(
          `${t.tokenId}\t${t.role.toLowerCase()}\t${t.revokedAt ? "revoked" : "active"}\t${t.name}\tagencies=${t.agencies.join(",") || "-"}\tdistricts=${t.districts.join(",") || "-"}\tcreated=${t.createdAt.toISOString()}\n`,
        );
      }
    } else {
      if (positionals.length !== 1) {
        process.stderr.write(USAGE + "\n");
        return 2;
      }
      const t = await tokens.revoke(positionals[0]);
      process.stdout.write(`revoked token ${t.tokenId} "${t.name}"\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`token: ${err.message}\n`);
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
    process.stderr.write(`token: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
