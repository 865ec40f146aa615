/**
 * Opaque cursors for every keyset-paged list: base64url of a JSON array (a tag, then the sort
 * keys as text). Decoding checks the tag and that every key reads as its SQL type, so a cursor
 * the server did not issue (wrong shape or wrong value types) is the client's mistake,
 * BAD_USER_INPUT, and never reaches a SQL cast.
 */
import { badInput } from "../errors";

/** SQL types a cursor key may have. */
export type CursorKeyType = "text" | "int" | "bigint" | "float8" | "timestamptz";

const INT = /^-?\d{1,10}$/;
const BIGINT = /^\d{1,19}$/;
const FLOAT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
// what PostgreSQL writes for timestamptz::text, and ISO 8601
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)?$/;

function fits(type: CursorKeyType, v: string): boolean {
  switch (type) {
    case "text":
      return v.length <= 10_000;
    case "int":
      return INT.test(v) && Math.abs(Number(v)) <= 2 ** 31 - 1;
    case "bigint":
      return BIGINT.test(v) && BigInt(v) <= 2n ** 63n - 1n;
    case "float8":
      return FLOAT.test(v) && Number.isFinite(Number(v));
    case "timestamptz":
      return TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v.replace(" ", "T").replace(/([+-]\d{2})$/, "$1:00")));
  }
}

export function encodeCursor(tag: string, keys: readonly string[]): string {
  return Buffer.from(JSON.stringify([tag, ...keys]), "utf8").toString("base64url");
}

/**
 * The keys of a cursor issued with `tag` for keys of `types`; BAD_USER_INPUT naming `field`
 * (and `hint`, what the client should do instead) for anything else.
 */
export function decodeCursor(cursor: string, tag: string, types: readonly CursorKeyType[], field: string, hint = "a cursor of this list"): string[] {
  let parsed: unknown = null;
  try {
    if (/^[A-Za-z0-9_-]*$/.test(cursor)) parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = null;
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.length === types.length + 1 &&
    parsed[0] === tag &&
    parsed.slice(1).every((v, i) => typeof v === "string" && fits(types[i], v));
  if (!ok) throw badInput(`${field} is not ${hint}`, { field });
  return (parsed as string[]).slice(1);
}
