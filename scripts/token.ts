/**
 * `npm run token -- create --role admin|editor [--agency <id>]... [--district <code>]... --name <label>`
 *   prints the new token once, alone on the last line;
 * `npm run token -- list`; `npm run token -- revoke <id>`.
 * Works on the configured database (DATABASE_URL, or the embedded one under DATA_DIR, also while
 * the registry is running on it).
 *
 * Exit codes: 0 done; 1 refused (an unknown id, a token already revoked, bad values: nothing was
 * written); 2 a usage mistake (unknown command or flag, a missing value or argument).
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

/** The service names the input's fields; these are the flags that carry them. */
const FLAG_OF: Record<string, string> = { name: "--name", role: "--role", agencies: "--agency", districts: "--district" };

/** A service message in this command's words: field names become the flags that set them. */
function inFlags(err: AppError): string {
  if (err.extensions.field === undefined) return err.message;
  return err.message.replace(/\b(name|role|agencies|districts)\b/g, (w) => FLAG_OF[w]);
}

const OPTIONS = {
  create: {
    role: { type: "string" },
    agency: { type: "string", multiple: true },
    district: { type: "string", multiple: true },
    name: { type: "string" },
  },
  list: {},
  revoke: {},
} as const;
const POSITIONALS = { create: 0, list: 0, revoke: 1 } as const;

class UsageError extends Error {}

function parse(argv: string[]) {
  const [command, ...rest] = argv;
  if (!command || !(command in OPTIONS)) throw new UsageError(command ? `unknown command "${command}"` : "no command given");
  const cmd = command as keyof typeof OPTIONS;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS[cmd], allowPositionals: true, strict: true });
  } catch (err) {
    // node:util's messages name the flag: "Unknown option '--nmae'", "Option '--role <value>' argument missing"
    throw new UsageError(`${cmd}: ${(err as Error).message}`);
  }
  if (parsed.positionals.length !== POSITIONALS[cmd]) {
    throw new UsageError(
      POSITIONALS[cmd] ? `${cmd} takes one token id` : `${cmd} takes no arguments (got "${parsed.positionals.join(" ")}")`,
    );
  }
  return { cmd, values: parsed.values as { role?: string; agency?: string[]; district?: string[]; name?: string }, positionals: parsed.positionals };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`token: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  const { cmd, values, positionals } = args;
  const config = loadConfig();
  const logger = createLogger("warn");
  const db = await openDatabase(config, logger, { attach: true });
  try {
    // A fresh registry gets the plan's data first, as `npm start` would: scopes name its agencies and districts.
    if (config.seedOnEmpty) await seedIfEmpty(db, logger);
    const tokens = new TokenService(db.dataSource);
    if (cmd === "create") {
      const { token, info } = await tokens.create({
        name: values.name ?? "",
        role: (values.role ?? "").toUpperCase() as Role,
        agencies: values.agency,
        districts: values.district,
      });
      const scope = info.role === "ADMIN" ? "everything" : `agencies [${info.agencies.join(", ")}] districts [${info.districts.join(", ")}]`;
      process.stdout.write(`created token ${info.tokenId} "${info.name}" (${info.role.toLowerCase()}, scope: ${scope})\n`);
      process.stdout.write(`it is shown once; send it as Authorization: Bearer <token>\n${token}\n`);
    } else if (cmd === "list") {
      const all = await tokens.list();
      if (!all.length) process.stderr.write("no tokens yet (npm run token -- create ...)\n");
      for (const t of all) {
        process.stdout.write(
          `${t.tokenId}\t${t.role.toLowerCase()}\t${t.revokedAt ? "revoked" : "active"}\t${t.name}\tagencies=${t.agencies.join(",") || "-"}\tdistricts=${t.districts.join(",") || "-"}\tcreated=${t.createdAt.toISOString()}\n`,
        );
      }
    } else {
      const t = await tokens.revoke(positionals[0]);
      process.stdout.write(`revoked token ${t.tokenId} "${t.name}"; it is refused from the next request on\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      process.stderr.write(`token: ${inFlags(err)}\n`);
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
