/**
 * Spreadsheet files made at test time, as the programs officials use write them: CSV in UTF-8 (with
 * and without a byte-order mark), GB18030 (Excel's "CSV" on Chinese Windows), UTF-16 with a BOM
 * (Excel's "Unicode text", tab-separated), and .xlsx written by exceljs, the library the registry
 * reads it with. iconv-lite writes the encodings Node cannot.
 */
import ExcelJS from "exceljs";
import iconv from "iconv-lite";

export type Encoding = "utf8" | "utf8-bom" | "gb18030" | "utf16le-bom" | "utf16be-bom";

/** Rows of cells as CSV (quoted where needed), CRLF line ends. */
export function csvText(rows: ReadonlyArray<ReadonlyArray<string | number>>, delimiter = ","): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n\t]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(delimiter)).join("\r\n") + "\r\n";
}

/** Text in the given encoding, with a byte-order mark where the name says so. */
export function encode(text: string, encoding: Encoding): Buffer {
  switch (encoding) {
    case "utf8":
      return Buffer.from(text, "utf8");
    case "utf8-bom":
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);
    case "gb18030":
      return iconv.encode(text, "gb18030");
    case "utf16le-bom":
      return Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, "utf16le")]);
    case "utf16be-bom":
      return Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, "utf16be")]);
  }
}

/** A CSV file's bytes (tab-separated for UTF-16, as Excel's "Unicode text" is). */
export function csvFile(rows: ReadonlyArray<ReadonlyArray<string | number>>, encoding: Encoding): Buffer {
  return encode(csvText(rows, encoding.startsWith("utf16") ? "\t" : ","), encoding);
}

/** An .xlsx of one sheet (or more), cells as given: Date objects become date cells, numbers number cells. */
export async function xlsxFile(sheets: Array<{ name: string; rows: ReadonlyArray<ReadonlyArray<ExcelJS.CellValue>> }>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    for (const r of s.rows) ws.addRow([...r]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The rows of an .xlsx's sheet as exceljs reads them (values, not text). */
export async function xlsxRows(bytes: Buffer, sheet?: string): Promise<ExcelJS.CellValue[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as any);
  const ws = sheet ? wb.getWorksheet(sheet)! : wb.worksheets[0];
  const out: ExcelJS.CellValue[][] = [];
  ws.eachRow({ includeEmpty: true }, (row) => {
    out.push((row.values as ExcelJS.CellValue[]).slice(1));
  });
  return out;
}

/** Workbook sheet names, in order. */
export async function xlsxSheetNames(bytes: Buffer): Promise<string[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as any);
  return wb.worksheets.map((w) => w.name);
}

/** Fills cells of an .xlsx's first sheet (row and column from 1) and returns the new file. */
export async function editXlsx(bytes: Buffer, edits: Array<{ row: number; col: number; value: ExcelJS.CellValue }>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as any);
  const ws = wb.worksheets[0];
  for (const e of edits) ws.getRow(e.row).getCell(e.col).value = e.value;
  return Buffer.from(await wb.xlsx.writeBuffer());
}
