/**
 * A status spreadsheet's bytes to rows of text cells, whatever program wrote it: one reader for the
 * command line, the API and the desk.
 *
 * - Text (CSV, or tab-separated "Unicode text"): UTF-8 with or without a byte-order mark, UTF-16
 *   with one, else GB18030 when the bytes are not valid UTF-8 (Excel on Chinese Windows saves
 *   "CSV" in the local code page, GBK). The `gb18030` label, never `gbk`: GBK's decoder turns
 *   characters outside GBK (𠮷) into garbage, GB18030 covers GBK and all of Unicode.
 * - `.xlsx` (exceljs): the sheet named like the template's, else the first; date cells as
 *   YYYY-MM-DD, numbers without float noise, formulas by their result, rich text as its text.
 * - `.xls`, `.ods`, PDF and other binaries: one sentence saying what to save the file as.
 */
import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";
import type ExcelJS from "exceljs";
import { exceljs } from "../../xlsx";

/** The name of the template's sheet; a workbook with a sheet of this name is read from it. */
export const SHEET_NAME = "状态更新 status";

export interface SheetText {
  /** Rows of trimmed cells, as the spreadsheet shows them: records[0] is row 1 */
  records: string[][];
  /** What was read: "xlsx", or "csv" with its encoding */
  format: string;
  /** SHA-256 of the bytes as received (hex): what a preview was made from */
  hash: string;
}

/** A file that cannot be read as a status spreadsheet; the message says what to do. */
export class SheetReadError extends Error {
  constructor(
    message: string,
    readonly row = 1,
  ) {
    super(message);
  }
}

const SAVE_AS = 'save it in Excel as "Excel Workbook (*.xlsx)" or "CSV UTF-8 (逗号分隔)(*.csv)" and upload that file';

export function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Reads a status spreadsheet (CSV in any of the encodings above, or .xlsx). Throws SheetReadError. */
export async function readSheet(bytes: Buffer): Promise<SheetText> {
  const hash = sha256(bytes);
  const head = bytes.subarray(0, 8);
  if (head.equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) {
    throw new SheetReadError(`this is an Excel 97-2003 workbook (.xls), which the registry does not read: ${SAVE_AS}`);
  }
  if (bytes.subarray(0, 4).equals(Buffer.from("PK\x03\x04", "latin1"))) {
    if (bytes.subarray(0, 120).includes("application/vnd.oasis.opendocument")) {
      throw new SheetReadError(`this is an OpenDocument file (.ods), which the registry does not read: ${SAVE_AS}`);
    }
    return { records: await readXlsx(bytes), format: "xlsx", hash };
  }
  if (bytes.subarray(0, 5).toString("latin1") === "%PDF-") throw new SheetReadError(`this is a PDF, not a spreadsheet: ${SAVE_AS}`);
  const { text, encoding } = decodeText(bytes);
  return { records: parseDelimited(text), format: `csv (${encoding})`, hash };
}

/** Text bytes to a string: byte-order mark first, then strict UTF-8, then GB18030. */
export function decodeText(bytes: Uint8Array): { text: string; encoding: string } {
  const b = bytes;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { text: new TextDecoder("utf-8").decode(b.subarray(3)), encoding: "UTF-8" };
  if (b[0] === 0xff && b[1] === 0xfe) return { text: new TextDecoder("utf-16le").decode(b.subarray(2)), encoding: "UTF-16LE" };
  if (b[0] === 0xfe && b[1] === 0xff) return { text: new TextDecoder("utf-16be").decode(b.subarray(2)), encoding: "UTF-16BE" };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(b), encoding: "UTF-8" };
  } catch {
    // Not UTF-8: Excel's "CSV" on Chinese Windows (GBK, which GB18030 contains)
    return { text: new TextDecoder("gb18030").decode(b), encoding: "GB18030" };
  }
}

/** CSV, or tab-separated when the first line has tabs and no commas (Excel's "Unicode text"). */
export function parseDelimited(text: string): string[][] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes("\u0000")) throw new SheetReadError(`the file holds binary data, not text: ${SAVE_AS}`);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes("\t") && !firstLine.includes(",") ? "\t" : ",";
  try {
    // Blank lines are kept (and skipped later) so that row numbers stay those of the spreadsheet
    return parse(text, { delimiter, relax_column_count: true, skip_empty_lines: false, trim: true });
  } catch (err) {
    const e = err as { message: string; lines?: number };
    throw new SheetReadError(`the file is not valid CSV: ${e.message}`, e.lines ?? 1);
  }
}

async function readXlsx(bytes: Buffer): Promise<string[][]> {
  const wb = new (exceljs().Workbook)();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw new SheetReadError(`the file is a ZIP archive but not an Excel workbook (.xlsx) that can be read: ${SAVE_AS}`);
  }
  const sheet = wb.worksheets.find((w) => w.name === SHEET_NAME) ?? wb.worksheets[0];
  if (!sheet) throw new SheetReadError("the workbook has no sheet");
  const records: string[][] = [];
  for (let r = 1; r <= sheet.rowCount; r++) {
    const row = sheet.getRow(r);
    const cells: string[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellText(row.getCell(c).value).trim());
    records.push(cells);
  }
  return records;
}

/** One cell's value as text: what the official sees in it. */
export function cellText(v: ExcelJS.CellValue | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return numberText(v);
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (v instanceof Date) return v.toISOString().slice(0, 10); // exceljs reads date serials as UTC midnight
  if (typeof v === "object") {
    if ("richText" in v) return v.richText.map((t) => t.text).join("");
    if ("formula" in v || "sharedFormula" in v) return cellText((v as { result?: ExcelJS.CellValue }).result);
    if ("hyperlink" in v) return typeof v.text === "string" ? v.text : cellText(v.text as ExcelJS.CellValue);
    if ("error" in v) return String(v.error);
  }
  return String(v);
}

/** A number as written, without binary float noise (0.1 + 0.2 is 0.3, 3 is "3"). */
export function numberText(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(15)));
}
