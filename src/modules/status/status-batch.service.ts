/**
 * Status changes from a spreadsheet: a CSV or .xlsx of rows like updatePlatformStatus's input (read
 * by sheet-read.ts, whatever its encoding), checked as a whole (every problem of every row reported
 * by row and column), then written in one transaction or not at all. Each row goes through the same
 * rules as a single change (status.inputs.ts and status.service.ts: input checks, scope, version,
 * lifecycle), so the page, the API and the command line cannot drift apart.
 *
 * Rows are numbered as a spreadsheet shows them: the header is row 1 (or the first row after note
 * rows that begin with "#"), the first change the row below it. A row identical to a change already
 * recorded (same platform, status, effective date and source) is reported as ALREADY_RECORDED and
 * skipped, whatever its expectedVersion: loading the same file twice adds nothing. A row that asks
 * for no change (its change columns empty, as in the pre-filled sheet) is counted and skipped.
 *
 * What officials' spreadsheets hold is taken as they write it: dates as Excel re-saves them
 * (sheet-words.ts), statuses as codes or the desk's labels, headers as codes or the template's
 * bilingual labels, a platform by id or by its exact name in any script; empty trailing columns and
 * empty rows are ignored.
 */
import { validate, type ValidationError } from "class-validator";
import type { DataSource, EntityManager } from "typeorm";
import { AppError, ErrorCode } from "../../errors";
import { markWrite } from "../../db/reader";
import type { Viewer } from "../auth/token.service";
import { checkVersion, col, lockPlatform, type LockedPlatform } from "../platform/platform.store";
import { PlatformStatus } from "../platform/platform.enums";
import { isAllowedTransition } from "./lifecycle";
import { applyStatusChange, checkStatusInput, inScope, statusChangeTouches } from "./status.service";
import { StatusSourceInput, UpdatePlatformStatusInput } from "./status.inputs";
import { parseDelimited, readSheet, sha256, SheetReadError } from "./sheet-read";
import { columnLabel, normaliseDate, parseColumn, parseStatus, statusWordList } from "./sheet-words";
import { toCsv } from "../../csv";

/** The spreadsheet's columns of a change, in the template's order. */
export const CSV_COLUMNS = ["id", "status", "effectiveDate", "note", "sourceTitle", "sourceUrl", "sourcePublishedAt", "expectedVersion"] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];
/** Columns a file must have; the others may be left out. */
const REQUIRED: readonly CsvColumn[] = ["id", "status", "effectiveDate", "sourceTitle", "expectedVersion"];
/** Columns of the pre-filled sheet that say what the platform is now: read past, never written. */
export const INFO_COLUMNS = ["nameHans", "nameEn", "district", "kind", "currentStatus"] as const;
/** The columns that ask for a change: a row with all of them empty asks for none. */
const CHANGE_COLUMNS: readonly CsvColumn[] = ["status", "effectiveDate", "note", "sourceTitle", "sourceUrl", "sourcePublishedAt"];

/** The template: the bilingual header (codes are accepted as well), with a byte-order mark. */
export const CSV_TEMPLATE = toCsv(CSV_COLUMNS.map(columnLabel), []);

/** Most change rows in one file. */
export const MAX_ROWS = 5000;

/** Where an input field's problem is shown: its column. */
const COLUMN_OF_FIELD: Record<string, CsvColumn> = {
  id: "id",
  status: "status",
  correction: "status",
  effectiveDate: "effectiveDate",
  note: "note",
  source: "sourceTitle",
  "source.title": "sourceTitle",
  "source.url": "sourceUrl",
  "source.publishedAt": "sourcePublishedAt",
  expectedVersion: "expectedVersion",
};

export type RowOutcome = "CHANGE" | "ALREADY_RECORDED" | "INVALID";

export interface BatchProblem {
  /** Spreadsheet row: 1 is the header */
  row: number;
  /** The column at fault; null when the row as a whole is */
  column: string | null;
  /** An error code of the API (BAD_USER_INPUT, FORBIDDEN, NOT_FOUND, CONFLICT) */
  code: string;
  message: string;
  /** With CONFLICT: the platform's version now */
  currentVersion: number | null;
}

export interface BatchRow {
  row: number;
  platformId: string;
  status: PlatformStatus | null;
  outcome: RowOutcome;
  /** The status before this row (CHANGE) */
  from: PlatformStatus | null;
  /** The platform's version after this row (CHANGE), or now (ALREADY_RECORDED) */
  version: number | null;
  /** The status event written (CHANGE, not in a dry run) or found (ALREADY_RECORDED, recorded before this file) */
  eventId: string | null;
  /** The row's note and source title as read: a wrong encoding shows here before anything is written */
  note: string | null;
  sourceTitle: string | null;
  effectiveDate: string | null;
}

export interface BatchResult {
  dryRun: boolean;
  /** Whether the changes were written: no problems, and not a dry run */
  applied: boolean;
  /** Rows that change (or, in a dry run or with problems, would change) a status */
  changed: number;
  alreadyRecorded: number;
  /** Rows that ask for no change (their change columns are empty), skipped */
  unchanged: number;
  rows: BatchRow[];
  problems: BatchProblem[];
  /** What was read: "xlsx", "csv (UTF-8)", "csv (GB18030)", ... */
  format: string;
  /** SHA-256 of the content read: pass it back as expectedHash to record exactly what was previewed */
  contentHash: string;
}

export interface ImportOptions {
  dryRun?: boolean;
  /** The contentHash of the preview: the content must be the same, else CONFLICT and nothing is done */
  expectedHash?: string | null;
}

interface ParsedRow {
  row: number;
  cells: Record<CsvColumn, string>;
  /** The row's input as far as it could be read (status may be missing) */
  input: UpdatePlatformStatusInput;
  /** No problem found without the database: the row may be written */
  complete: boolean;
}

/** Thrown inside the transaction to roll it back when the result must not be kept. */
class RollBack extends Error {}

export class StatusBatchService {
  constructor(private readonly ds: DataSource) {}

  /** A spreadsheet file's bytes (CSV in any accepted encoding, or .xlsx): see importRecords. */
  async importFile(viewer: Viewer, bytes: Buffer, opts: ImportOptions = {}): Promise<BatchResult> {
    const hash = sha256(bytes);
    checkHash(hash, opts.expectedHash);
    try {
      const sheet = await readSheet(bytes);
      return this.importRecords(viewer, sheet.records, opts, sheet.format, hash);
    } catch (err) {
      if (!(err instanceof SheetReadError)) throw err;
      return refused(err, !!opts.dryRun, "file", hash);
    }
  }

  /** CSV that is already text (the API's `csv` argument): see importRecords. */
  async importCsv(viewer: Viewer, csv: string, opts: ImportOptions = {}): Promise<BatchResult> {
    const hash = sha256(csv);
    checkHash(hash, opts.expectedHash);
    try {
      return this.importRecords(viewer, parseDelimited(csv), opts, "csv (text)", hash);
    } catch (err) {
      if (!(err instanceof SheetReadError)) throw err;
      return refused(err, !!opts.dryRun, "csv (text)", hash);
    }
  }

  /**
   * Checks every row, then records all changes in one transaction, or none when any row has a
   * problem or `dryRun` is set (a dry run runs the same checks in a transaction that is rolled back,
   * so its answer is exactly what a real load would do). Problems are returned, not thrown: the
   * caller shows them by row and column.
   */
  private async importRecords(viewer: Viewer, records: string[][], opts: ImportOptions, format: string, contentHash: string): Promise<BatchResult> {
    const dryRun = !!opts.dryRun;
    const problems: BatchProblem[] = [];
    const { rows: parsed, unchanged } = await this.parseRows(viewer, records, problems);
    const rows: BatchRow[] = parsed.map((p) => ({
      row: p.row,
      platformId: p.input.id || p.cells.id,
      status: p.input.status ?? null,
      outcome: "INVALID",
      from: null,
      version: null,
      eventId: null,
      note: p.input.note ?? null,
      sourceTitle: p.input.source?.title || null,
      effectiveDate: p.cells.effectiveDate || null,
    }));
    // Events this load writes: never cited unless the load is kept
    const written = new Set<string>();
    const checkable = parsed.filter((p) => p.input.id);
    if (checkable.length) {
      try {
        await this.ds.transaction(async (m) => {
          await lockInOrder(
            m,
            checkable.map((p) => p.input.id),
          );
          for (const p of checkable)
            await this.applyRow(
              m,
              viewer,
              p,
              rows.find((r) => r.row === p.row)!,
              problems,
              written,
            );
          if (problems.length || dryRun) throw new RollBack();
        });
        markWrite(rows.filter((r) => r.eventId !== null && written.has(r.eventId)).flatMap((r) => statusChangeTouches(r.platformId)));
      } catch (err) {
        if (!(err instanceof RollBack)) throw err;
      }
    }
    problems.sort((a, b) => a.row - b.row || columnOrder(a.column) - columnOrder(b.column));
    for (const r of rows) if (problems.some((p) => p.row === r.row)) r.outcome = "INVALID";
    const applied = !dryRun && problems.length === 0 && rows.length > 0;
    if (!applied) for (const r of rows) if (r.eventId && written.has(r.eventId)) r.eventId = null;
    return {
      dryRun,
      applied,
      changed: rows.filter((r) => r.outcome === "CHANGE").length,
      alreadyRecorded: rows.filter((r) => r.outcome === "ALREADY_RECORDED").length,
      unchanged,
      rows,
      problems,
      format,
      contentHash,
    };
  }

  /** Reads the header and checks each row on its own (the database only to find platforms by name). */
  private async parseRows(viewer: Viewer, records: string[][], problems: BatchProblem[]): Promise<{ rows: ParsedRow[]; unchanged: number }> {
    const problem = (row: number, column: string | null, message: string, code: string = ErrorCode.BAD_USER_INPUT) =>
      problems.push({ row, column, code, message, currentVersion: null });
    const none = { rows: [], unchanged: 0 };
    while (records.length && isBlank(records[records.length - 1])) records.pop();
    // Note rows above the header (the pre-filled sheet's list of status words) begin with "#"
    let h = 0;
    while (h < records.length && (isBlank(records[h]) || records[h][0]?.startsWith("#"))) h++;
    if (h >= records.length) {
      problem(1, null, `the file is empty: the first row names the columns (${CSV_COLUMNS.join(", ")})`);
      return none;
    }
    const headerRow = h + 1;
    const header = records[h];
    const body = records.slice(h + 1);
    // Excel writes empty columns after the last one used: a column without a name is ignored while it is empty
    const columnAt = new Map<number, string>();
    const seen = new Set<string>();
    header.forEach((name, i) => {
      if (!name) {
        const used = body.findIndex((r) => (r[i] ?? "") !== "");
        if (used >= 0) problem(headerRow, null, `column ${letter(i)} has no name in the header but holds data (row ${headerRow + 1 + used})`);
        return;
      }
      const code = parseColumn(name);
      if (!code) problem(headerRow, name, `unknown column "${name}"; the columns are ${CSV_COLUMNS.join(", ")} (or the template's labels)`);
      else if (seen.has(code)) problem(headerRow, code, `column "${code}" appears twice`);
      else {
        seen.add(code);
        if ((CSV_COLUMNS as readonly string[]).includes(code)) columnAt.set(i, code);
      }
    });
    for (const c of REQUIRED) if (!seen.has(c)) problem(headerRow, c, `column "${c}" is missing`);
    if (problems.length) return none;
    if (body.every(isBlank)) {
      problem(headerRow, null, "the file has no rows below the header");
      return none;
    }
    const count = body.filter((r) => !isBlank(r)).length;
    if (count > MAX_ROWS) {
      problem(headerRow, null, `the file has ${count} rows; at most ${MAX_ROWS} at a time: split it into several files`);
      return none;
    }

    const out: ParsedRow[] = [];
    let unchanged = 0;
    for (let i = 0; i < body.length; i++) {
      const row = headerRow + 1 + i;
      const rec = body[i];
      if (isBlank(rec)) continue; // an empty spreadsheet row
      const cells = Object.fromEntries(CSV_COLUMNS.map((c) => [c, ""])) as Record<CsvColumn, string>;
      for (const [idx, code] of columnAt) cells[code as CsvColumn] = rec[idx] ?? "";
      if (CHANGE_COLUMNS.every((c) => !cells[c])) {
        unchanged++; // the pre-filled sheet's rows left as they came
        continue;
      }
      const before = problems.length;
      const extra = rec.findIndex((c, idx) => idx >= header.length && c !== "");
      if (extra >= 0) problem(row, null, `the row has data in column ${letter(extra)}, beyond the header's last column`);
      if (!cells.id) problem(row, "id", "id is required (the platform's id or its exact name)");
      const status = cells.status ? parseStatus(cells.status) : null;
      if (!cells.status) problem(row, "status", `status is required: one of ${statusWordList()}`);
      else if (!status) problem(row, "status", `"${cells.status}" is not a status; write one of ${statusWordList()}`);
      if (!/^[1-9]\d{0,8}$/.test(cells.expectedVersion))
        problem(row, "expectedVersion", "expectedVersion must be a whole number from 1 (the version you read)");
      if (!cells.effectiveDate) problem(row, "effectiveDate", "effectiveDate is required (YYYY-MM-DD)");
      cells.effectiveDate = normaliseDate(cells.effectiveDate);
      cells.sourcePublishedAt = normaliseDate(cells.sourcePublishedAt);
      const hasSource = !!(cells.sourceTitle || cells.sourceUrl || cells.sourcePublishedAt);
      const input = Object.assign(new UpdatePlatformStatusInput(), {
        id: cells.id,
        status: status as PlatformStatus,
        effectiveDate: cells.effectiveDate,
        note: cells.note || null,
        source: hasSource
          ? Object.assign(new StatusSourceInput(), { title: cells.sourceTitle, url: cells.sourceUrl || null, publishedAt: cells.sourcePublishedAt || null })
          : null,
        expectedVersion: Number(cells.expectedVersion) || 1,
        correction: false,
      });
      const faulty = () => new Set(problems.slice(before).map((p) => p.column));
      // The input type's own rules (lengths, URL, date shapes, readable text), as the API applies them
      for (const f of flatten(await validate(input, { forbidUnknownValues: false }))) {
        const column = COLUMN_OF_FIELD[f.field] ?? null;
        if (!column || !faulty().has(column) || /wrong encoding/.test(f.message)) problem(row, column, f.message);
      }
      for (const err of statusInputProblems(viewer, input)) {
        const p = toProblem(row, err);
        if (!faulty().has(p.column)) problems.push(p);
      }
      out.push({ row, cells, input, complete: problems.length === before });
    }
    await this.resolveNames(out, problems);
    return { rows: out, unchanged };
  }

  /**
   * A platform may be named by id or by its exact name (Simplified, Traditional or English, as the
   * registry holds them). A name that fits several platforms is a problem listing them.
   */
  private async resolveNames(rows: ParsedRow[], problems: BatchProblem[]): Promise<void> {
    const names = [...new Set(rows.map((r) => r.input.id).filter(Boolean))];
    if (!names.length) return;
    const found: Array<{ id: string; nameHans: string; nameHant: string; nameEn: string }> = await this.ds.query(
      `SELECT p.id, p.${col.nameHans} AS "nameHans", p.${col.nameHant} AS "nameHant", p.${col.nameEn} AS "nameEn" FROM platform p
       WHERE p.id = ANY($1::text[]) OR p.${col.nameHans} = ANY($1::text[]) OR p.${col.nameHant} = ANY($1::text[]) OR lower(p.${col.nameEn}) = ANY($2::text[])
       ORDER BY p.id`,
      [names, names.map((n) => n.toLowerCase())],
    );
    for (const r of rows) {
      const name = r.input.id;
      if (!name || found.some((f) => f.id === name)) continue;
      const fits = found.filter((f) => f.nameHans === name || f.nameHant === name || f.nameEn?.toLowerCase() === name.toLowerCase());
      if (fits.length === 1) r.input.id = fits[0].id;
      else if (fits.length > 1) {
        problems.push({
          row: r.row,
          column: "id",
          code: ErrorCode.BAD_USER_INPUT,
          currentVersion: null,
          message: `"${name}" is the name of ${fits.length} platforms: ${fits.map((f) => `${f.id} (${f.nameHans})`).join(", ")}; write the id`,
        });
        r.complete = false;
        r.input.id = "";
      }
    }
  }

  /**
   * One row inside the batch's transaction: the platform, scope, already recorded, archive, version
   * and lifecycle, each reported (a row with several faults gets all of them); then, for a row
   * without any, the single change itself (applyStatusChange runs the same rules again).
   */
  private async applyRow(m: EntityManager, viewer: Viewer, p: ParsedRow, result: BatchRow, problems: BatchProblem[], written: Set<string>): Promise<void> {
    const input = p.input;
    result.platformId = input.id;
    let locked: LockedPlatform;
    try {
      locked = await lockPlatform(m, input.id);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      problems.push(toProblem(p.row, err));
      return;
    }
    const before = problems.length;
    const refuse = (err: AppError) => problems.push(toProblem(p.row, err));
    if (!inScope(viewer, locked)) refuse(new AppError(ErrorCode.FORBIDDEN, `platform ${locked.id} is outside this token's scope`, { id: locked.id }));
    else if (p.complete) {
      const [recorded]: Array<{ id: string }> = await m.query(
        `SELECT id FROM status_event
         WHERE platform_id = $1 AND to_status = $2 AND effective_date = $3::date
           AND source_title IS NOT DISTINCT FROM $4 AND source_url IS NOT DISTINCT FROM $5
           AND source_published_at IS NOT DISTINCT FROM $6::date
         ORDER BY id DESC LIMIT 1`,
        [input.id, input.status, input.effectiveDate, input.source?.title ?? null, input.source?.url ?? null, input.source?.publishedAt ?? null],
      );
      if (recorded) {
        Object.assign(result, { outcome: "ALREADY_RECORDED", version: locked.version, eventId: String(recorded.id) });
        return;
      }
    }
    if (locked.archivedAt) refuse(new AppError(ErrorCode.BAD_USER_INPUT, `platform ${locked.id} is archived`, { id: locked.id }));
    if (/^[1-9]\d{0,8}$/.test(p.cells.expectedVersion)) {
      try {
        checkVersion(locked, input.expectedVersion);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        refuse(err);
      }
    }
    if (input.status && locked.status === input.status)
      refuse(new AppError(ErrorCode.BAD_USER_INPUT, `platform ${locked.id} is already ${locked.status}`, { field: "status" }));
    else if (input.status && !isAllowedTransition(locked.status, input.status)) {
      refuse(
        new AppError(ErrorCode.BAD_USER_INPUT, `${locked.status} → ${input.status} is not a lifecycle step; an admin may record it as a correction`, {
          field: "status",
        }),
      );
    }
    if (!p.complete || problems.length > before) return;
    try {
      const done = await applyStatusChange(m, viewer, input, locked);
      written.add(done.eventId);
      Object.assign(result, { outcome: "CHANGE", from: locked.status, version: done.version, eventId: done.eventId });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      refuse(err);
    }
  }
}

/** A preview's hash that is not the content's: the file changed since it was checked. */
function checkHash(hash: string, expected: string | null | undefined): void {
  if (expected && expected !== hash) {
    throw new AppError(ErrorCode.CONFLICT, "this is not the file that was previewed: check and preview it again before recording", {
      contentHash: hash,
      expectedHash: expected,
    });
  }
}

/** The answer for a file that could not be read at all. */
function refused(err: SheetReadError, dryRun: boolean, format: string, contentHash: string): BatchResult {
  return {
    dryRun,
    applied: false,
    changed: 0,
    alreadyRecorded: 0,
    unchanged: 0,
    rows: [],
    format,
    contentHash,
    problems: [{ row: err.row, column: null, code: ErrorCode.BAD_USER_INPUT, message: err.message, currentVersion: null }],
  };
}

/**
 * Every fault checkStatusInput finds, not only the first: it throws one, so the field it names is
 * set aside and the check runs again on the rest. One set of rules, every fault at once.
 */
function statusInputProblems(viewer: Viewer, input: UpdatePlatformStatusInput): AppError[] {
  const out: AppError[] = [];
  const probe = Object.assign(new UpdatePlatformStatusInput(), input, { source: input.source ? { ...input.source } : null });
  for (let i = 0; i < 6; i++) {
    try {
      checkStatusInput(viewer, probe);
      break;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      out.push(err);
      const field = (err.extensions as { field?: string }).field;
      if (field === "effectiveDate") probe.effectiveDate = "2000-01-01";
      else if (field === "source.publishedAt" && probe.source) probe.source.publishedAt = null;
      else if (field === "source") probe.source = Object.assign(new StatusSourceInput(), { title: "-" });
      else if (probe.correction) probe.correction = false;
      else break;
    }
  }
  return out;
}

/** A..Z, AA..: the spreadsheet's name of a column index from 0. */
function letter(i: number): string {
  let s = "";
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function columnOrder(column: string | null): number {
  const i = CSV_COLUMNS.indexOf(column as CsvColumn);
  return i < 0 ? -1 : i;
}

/** Locks every platform the file names, in one order, so two loads at once cannot deadlock. */
async function lockInOrder(m: EntityManager, ids: string[]): Promise<void> {
  await m.query(`SELECT id FROM platform WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [[...new Set(ids)]]);
}

const isBlank = (rec: string[]) => rec.every((c) => c === "");

function toProblem(row: number, err: AppError): BatchProblem {
  const ext = err.extensions as { field?: string; currentVersion?: number };
  let column: string | null = ext.field ? (COLUMN_OF_FIELD[ext.field] ?? null) : null;
  if (err.code === ErrorCode.CONFLICT) column = "expectedVersion";
  else if (err.code === ErrorCode.NOT_FOUND || (err.code === ErrorCode.FORBIDDEN && !column)) column = "id";
  else if (!column && /archived/.test(err.message)) column = "id";
  return { row, column, code: err.code, message: err.message, currentVersion: typeof ext.currentVersion === "number" ? ext.currentVersion : null };
}

function flatten(errors: ValidationError[], prefix = ""): Array<{ field: string; message: string }> {
  const out: Array<{ field: string; message: string }> = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ field, message });
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}
