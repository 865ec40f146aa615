/**
 * Every CSV the registry writes goes through here: UTF-8 with a byte-order mark (Excel on Chinese
 * Windows reads UTF-8 without one as the local code page, and every Chinese name turns to mojibake),
 * CRLF line ends, and OWASP's CSV-injection rule: a text cell that begins with `=`, `+`, `-`, `@`,
 * a tab or a carriage return is written with a leading `'`, so a spreadsheet shows it as text and
 * never runs it as a formula. Only the file is changed; the data stays as stored. Numbers are
 * written as numbers (a negative number is not a formula).
 */
import { stringify } from "csv-stringify/sync";

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell as it must be written: `'` before a formula-like beginning. */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return neutralise(v.join("|"));
  return neutralise(String(v));
}

/**
 * A CSV file: the BOM, any `lead` rows (a note above the header), the header row, then one row per
 * record. Lists are joined by `|`.
 */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>, lead: ReadonlyArray<readonly unknown[]> = []): string {
  return stringify([...lead.map((r) => r.map(cell)), header.map(cell), ...rows.map((r) => r.map(cell))], { bom: true, record_delimiter: "windows" });
}
