/**
 * Every .xlsx the registry writes (exceljs): sheets of plain cells with a bold, frozen header row.
 * Text goes in as text cells, never as formulas, so a name beginning with "=" stays a name.
 */
import type ExcelJS from "exceljs";

/**
 * exceljs, loaded on first use: loaded at start it costs every process of the registry (the server,
 * each command) about 27 MB of memory and 0.3 s, though most never touch a workbook.
 */
export function exceljs(): typeof ExcelJS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, not at import
  return require("exceljs") as typeof ExcelJS;
}

export interface XlsxSheet {
  name: string;
  header: readonly string[];
  rows: ReadonlyArray<readonly unknown[]>;
  /** Column widths in characters; default 16 */
  widths?: readonly number[];
}

export async function toXlsx(sheets: readonly XlsxSheet[]): Promise<Buffer> {
  const wb = new (exceljs().Workbook)();
  wb.creator = "Guangzhou innovation platform registry";
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name, { views: [{ state: "frozen", ySplit: 1 }] });
    ws.columns = s.header.map((h, i) => ({ header: h, width: s.widths?.[i] ?? 16 }));
    ws.getRow(1).font = { bold: true };
    for (const r of s.rows)
      ws.addRow(r.map((v) => (v === null || v === undefined ? null : Array.isArray(v) ? v.join("|") : typeof v === "number" ? v : String(v))));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
