/**
 * `npm run token -- create --role admin|editor [--grant <agency>@<district>|<agency>|<district>]...
 *    [--agency <id>]... [--district <code>]... [--expires <90d|12h|30s|2027-06-30>] --name <label>`
 *   prints who the token is and how many platforms it may change, then the token once, alone on the last line;
 * `npm run token -- list [--json]`; `npm run token -- revoke <id>`; `npm run token -- rotate <id>`.
 * Works on the configured database (DATABASE_URL, or the embedded one under DATA_DIR, also while
 * the registry is running on it).
 *
 * Exit codes: 0 done; 1 refused (an unknown id, a token already revoked or expired, bad values:
 * nothing was written); 2 a usage mistake (unknown command or flag, a missing value or argument).
 */
import "reflect-metadata";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { buildDataSource } from "../ormconfig";
import { openDatabase } from "../src/db/database";
import { AppError } from "../src/errors";
import { createLogger } from "../src/logger";
import { seedIfEmpty } from "../src/bootstrap";
import { formatGrant, parseGrant, type Grant } from "../src/modules/auth/scope";
import { parseExpiry, TokenService, type Role, type ScopeReach, type TokenInfo } from "../src/modules/auth/token.service";

const USAGE = `usage:
  npm run token -- create --role admin|editor --name <label>
                          [--grant <agency>@<district> | --grant <agency> | --grant <district>]...
                          [--agency <id>]... [--district <code>]... [--expires <30s|12h|90d|2027-06-30>]
  npm run token -- list [--json]
  npm run token -- revoke <id>
  npm run token -- rotate <id>`;

/** The service names the input's fields; these are the flags that carry them. */
const FLAG_OF: Record<string, string> = { name: "--name", role: "--role", grants: "--grant", expires: "--expires" };

/** A service message in this command's words: field names become the flags that set them. */
function inFlags(err: AppError): string {
  const field = err.extensions.field;
  if (typeof field !== "string" || !FLAG_OF[field]) return err.message;
  const message = err.message.replace(new RegExp(`^${field}\\b`), FLAG_OF[field]);
  return message.startsWith("an editor needs a scope") ? `${message}: give --grant, --agency or --district` : message;
}

const OPTIONS = {
  create: {
    role: { type: "string" },
    grant: { type: "string", multiple: true },
    agency: { type: "string", multiple: true },
    district: { type: "string", multiple: true },
    expires: { type: "string" },
    name: { type: "string" },
  },
  list: { json: { type: "boolean" } },
  revoke: {},
  rotate: {},
} as const;
const POSITIONALS = { create: 0, list: 0, revoke: 1, rotate: 1 } as const;

class UsageError extends Error {}

interface Values {
  role?: string;
  grant?: string[];
  agency?: string[];
  district?: string[];
  expires?: string;
  name?: string;
  json?: boolean;
}

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
    throw new UsageError(POSITIONALS[cmd] ? `${cmd} takes one token id` : `${cmd} takes no arguments (got "${parsed.positionals.join(" ")}")`);
  }
  return { cmd, values: parsed.values as Values, positionals: parsed.positionals };
}

type Districts = Map<string, { nameHans: string; nameEn: string }>;

/** "8 platforms: 440112 黄埔区 Huangpu 8" — what a scope reaches, in words. */
function describeReach(reach: ScopeReach, districts: Districts): string {
  const n = reach.platformCount;
  const head = `may change ${n} platform${n === 1 ? "" : "s"}`;
  if (!n) return `${head} (no platform is in its grants' scope yet)`;
  const parts = reach.byDistrict.map((d) => {
    const name = d.districtCode ? districts.get(d.districtCode) : null;
    return d.districtCode ? `${d.districtCode} ${name?.nameHans ?? ""} ${name?.nameEn ?? ""} ${d.count}`.replace(/\s+/g, " ") : `no district ${d.count}`;
  });
  return `${head}: ${parts.join("; ")}`;
}

const describeGrants = (info: Pick<TokenInfo, "role" | "grants">) => (info.role === "ADMIN" ? "everything" : info.grants.map(formatGrant).join(", "));
const iso = (d: Date | null) => (d ? d.toISOString().replace(/\.\d{3}Z$/, "Z") : "-");

/** Display width in a terminal: CJK and other wide characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s)
    w += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\u{20000}-\u{3FFFD}]/u.test(ch) ? 2 : 1;
  return w;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i] - width(c))))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
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
  const db = await openDatabase(config, logger, buildDataSource, { attach: true });
  try {
    // A fresh registry gets the plan's data first, as `npm start` would: grants name its agencies and districts.
    if (config.seedOnEmpty) await seedIfEmpty(db, logger);
    const tokens = new TokenService(db.dataSource);
    const districts: Districts = new Map(
      ((await db.dataSource.query(`SELECT code, name_hans, name_en FROM district`)) as Array<{ code: string; name_hans: string; name_en: string }>).map((d) => [
        d.code,
        { nameHans: d.name_hans, nameEn: d.name_en },
      ]),
    );
    if (cmd === "create") {
      const grants: Grant[] = (values.grant ?? []).map(parseGrant);
      const { token, info } = await tokens.create({
        name: values.name ?? "",
        role: (values.role ?? "").toUpperCase() as Role,
        agencies: values.agency,
        districts: values.district,
        grants,
        expiresAt: values.expires === undefined ? null : parseExpiry(values.expires),
      });
      const reach = await tokens.reach(info);
      process.stdout.write(
        `created token ${info.tokenId} "${info.name}" (${info.role.toLowerCase()}; grants: ${describeGrants(info)}; expires: ${info.expiresAt ? iso(info.expiresAt) : "never"})\n`,
      );
      process.stdout.write(`it ${describeReach(reach, districts)}\n`);
      process.stdout.write(`it is shown once; send it as Authorization: Bearer <token>\n${token}\n`);
    } else if (cmd === "list") {
      const all = await tokens.list();
      const now = Date.now();
      const state = (t: TokenInfo) => (t.revokedAt ? "revoked" : t.expiresAt && t.expiresAt.getTime() <= now ? "expired" : "active");
      if (values.json) {
        const out = all.map((t) => ({
          id: t.tokenId,
          name: t.name,
          role: t.role,
          state: state(t),
          grants: t.grants.map(formatGrant),
          createdAt: t.createdAt.toISOString(),
          expiresAt: t.expiresAt?.toISOString() ?? null,
          lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
          revokedAt: t.revokedAt?.toISOString() ?? null,
          rotatedAt: t.rotatedAt?.toISOString() ?? null,
        }));
        process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      } else {
        if (!all.length) process.stderr.write("no tokens yet (npm run token -- create ...)\n");
        else {
          process.stdout.write(
            table(
              ["ID", "NAME", "ROLE", "STATE", "GRANTS", "CREATED", "EXPIRES", "LAST USED", "REVOKED"],
              all.map((t) => [
                t.tokenId,
                t.name,
                t.role.toLowerCase(),
                state(t),
                describeGrants(t),
                iso(t.createdAt),
                iso(t.expiresAt),
                iso(t.lastUsedAt),
                iso(t.revokedAt),
              ]),
            ),
          );
        }
      }
    } else if (cmd === "revoke") {
      const t = await tokens.revoke(positionals[0]);
      process.stdout.write(`revoked token ${t.tokenId} "${t.name}"; it is refused from the next request on\n`);
    } else {
      const { token, info } = await tokens.rotate(positionals[0]);
      process.stdout.write(
        `rotated token ${info.tokenId} "${info.name}" (same grants: ${describeGrants(info)}); the old secret is refused from the next request on\n`,
      );
      process.stdout.write(`the new one is shown once; send it as Authorization: Bearer <token>\n${token}\n`);
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
