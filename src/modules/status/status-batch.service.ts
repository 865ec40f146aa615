/**
 * Status changes from a spreadsheet: a CSV of rows like updatePlatformStatus's input, checked as a
 * whole (every problem reported by row and column), then written in one transaction or not at all.
 * Each row goes through the same rules as a single change (status.service.ts: input checks, scope,
 * version, lifecycle), so the page, the API and the command line cannot drift apart.
 *
 * Rows are numbered as a spreadsheet shows them: the header is row 1, the first change row 2.
 * A row identical to a change already recorded (same platform, status, effective date and source)
 * is reported as ALREADY_RECORDED and skipped, whatever its expectedVersion: loading the same file
 * twice adds nothing.
 */
import { parse } from "csv-parse/sync";
import { validate, type ValidationError } from "class-validator";
import type { DataSource, EntityManager } from "typeorm";
import { AppError, ErrorCode } from "../../errors";
import { markWrite } from "../../db/reader";
import type { Viewer } from "../auth/token.service";
import { PlatformStatus } from "../platform/platform.enums";
import { applyStatusChange, checkStatusInput, inScope, lockPlatform } from "./status.service";
import { StatusSourceInput, UpdatePlatformStatusInput } from "./status.inputs";

/** The spreadsheet's columns, in the template's order. */
export const CSV_COLUMNS = ["id", "status", "effectiveDate", "note", "sourceTitle", "sourceUrl", "sourcePublishedAt", "expectedVersion"] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

/** The template: a byte-order mark (so spreadsheet programs read UTF-8) and the header. */
export const CSV_TEMPLATE = "\ufeff" + CSV_COLUMNS.join(",") + "\r\n";

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
  /** The status event written (CHANGE, not in a dry run) or found (ALREADY_RECORDED) */
  eventId: string | null;
}

export interface BatchResult {
  dryRun: boolean;
  /** Whether the changes were written: no problems, and not a dry run */
  applied: boolean;
  /** Rows that change (or, in a dry run or with problems, would change) a status */
  changed: number;
  alreadyRecorded: number;
  rows: BatchRow[];
  problems: BatchProblem[];
}

interface ParsedRow {
  row: number;
  cells: Record<CsvColumn, string>;
  input: UpdatePlatformStatusInput | null;
}

/** Thrown inside the transaction to roll it back when the result must not be kept. */
class RollBack extends Error {}

export class StatusBatchService {
  constructor(private readonly ds: DataSource) {}

  /**
   * Checks every row of `csv`, then records all changes in one transaction, or none when any row
   * has a problem or `dryRun` is set (a dry run runs the same checks in a transaction that is
   * rolled back, so its answer is exactly what a real load would do). Problems are returned, not
   * thrown: the caller shows them by row and column.
   */
  async importCsv(viewer: Viewer, csv: string, opts: { dryRun?: boolean } = {}): Promise<BatchResult> {
    const dryRun = !!opts.dryRun;
    const problems: BatchProblem[] = [];
    const parsed = await this.parseRows(viewer, csv, problems);
    const rows: BatchRow[] = parsed.map((p) => ({
      row: p.row, platformId: p.cells.id, status: (p.input?.status ?? null), outcome: "INVALID", from: null, version: null, eventId: null,
    }));
    const checkable = parsed.filter((p) => p.input);
    if (checkable.length) {
      try {
        await this.ds.transaction(async (m) => {
          await lockInOrder(m, checkable.map((p) => p.input!.id));
          for (const p of checkable) await this.applyRow(m, viewer, p, rows.find((r) => r.row === p.row)!, problems);
          if (problems.length || dryRun) throw new RollBack();
        });
        markWrite();
      } catch (err) {
        if (!(err instanceof RollBack)) throw err;
      }
    }
    problems.sort((a, b) => a.row - b.row || CSV_COLUMNS.indexOf(a.column as CsvColumn) - CSV_COLUMNS.indexOf(b.column as CsvColumn));
    for (const r of rows) if (problems.some((p) => p.row === r.row)) r.outcome = "INVALID";
    const applied = !dryRun && problems.length === 0 && rows.length > 0;
    if (!applied) for (const r of rows) r.eventId = r.outcome === "ALREADY_RECORDED" ? r.eventId : null;
    return {
      dryRun,
      applied,
      changed: rows.filter((r) => r.outcome === "CHANGE").length,
      alreadyRecorded: rows.filter((r) => r.outcome === "ALREADY_RECORDED").length,
      rows,
      problems,
    };
  }

  /** Parses the file and checks each row on its own (no database): shape, values, dates, source. */
  private async parseRows(viewer: Viewer, csv: string, problems: BatchProblem[]): Promise<ParsedRow[]> {
    const problem = (row: number, column: string | null, message: string, code: string = ErrorCode.BAD_USER_INPUT) =>
      problems.push({ row, column, code, message, currentVersion: null });
    let records: string[][];
    try {
      // Blank lines are kept (and skipped below) so that row numbers stay those of the spreadsheet
      records = parse(csv, { bom: true, relax_column_count: true, skip_empty_lines: false, trim: true });
    } catch (err) {
      const e = err as { message: string; lines?: number };
      problem(e.lines ?? 1, null, `the file is not valid CSV: ${e.message}`);
      return [];
    }
    while (records.length && isBlank(records[records.length - 1])) records.pop();
    if (!records.length) {
      problem(1, null, `the file is empty: the first row names the columns (${CSV_COLUMNS.join(", ")})`);
      return [];
    }
    const header = records[0];
    const known = new Set<string>(CSV_COLUMNS);
    const seen = new Set<string>();
    for (const name of header) {
      if (!known.has(name)) problem(1, name, `unknown column "${name}"; the columns are ${CSV_COLUMNS.join(", ")}`);
      else if (seen.has(name)) problem(1, name, `column "${name}" appears twice`);
      seen.add(name);
    }
    for (const c of CSV_COLUMNS) if (!seen.has(c)) problem(1, c, `column "${c}" is missing`);
    if (problems.length) return [];
    if (records.slice(1).every(isBlank)) {
      problem(1, null, "the file has no rows below the header");
      return [];
    }
    if (records.length - 1 > MAX_ROWS) {
      problem(1, null, `the file has ${records.length - 1} rows; at most ${MAX_ROWS} at a time`);
      return [];
    }

    const out: ParsedRow[] = [];
    for (let i = 1; i < records.length; i++) {
      const row = i + 1;
      const rec = records[i];
      if (isBlank(rec)) continue; // an empty spreadsheet row
      const cells = Object.fromEntries(CSV_COLUMNS.map((c) => [c, rec[header.indexOf(c)] ?? ""])) as Record<CsvColumn, string>;
      const before = problems.length;
      if (rec.length !== header.length) problem(row, null, `the row has ${rec.length} cells; the header has ${header.length}`);
      if (!cells.id) problem(row, "id", "id is required (the platform's id)");
      const status = cells.status.toUpperCase();
      if (!(Object.values(PlatformStatus) as string[]).includes(status)) {
        problem(row, "status", `status must be one of ${Object.values(PlatformStatus).join(", ")}`);
      }
      if (!/^[1-9]\d{0,8}$/.test(cells.expectedVersion)) problem(row, "expectedVersion", "expectedVersion must be a whole number from 1 (the version you read)");
      if (!cells.effectiveDate) problem(row, "effectiveDate", "effectiveDate is required (YYYY-MM-DD)");
      if (problems.length > before) {
        out.push({ row, cells, input: null });
        continue;
      }
      const hasSource = !!(cells.sourceTitle || cells.sourceUrl || cells.sourcePublishedAt);
      const input = Object.assign(new UpdatePlatformStatusInput(), {
        id: cells.id,
        status: status as PlatformStatus,
        effectiveDate: cells.effectiveDate,
        note: cells.note || null,
        source: hasSource
          ? Object.assign(new StatusSourceInput(), { title: cells.sourceTitle, url: cells.sourceUrl || null, publishedAt: cells.sourcePublishedAt || null })
          : null,
        expectedVersion: Number(cells.expectedVersion),
        correction: false,
      });
      // The input type's own rules (lengths, URL, date shapes), as the API applies them
      for (const f of flatten(await validate(input, { forbidUnknownValues: false }))) {
        problem(row, COLUMN_OF_FIELD[f.field] ?? null, f.message);
      }
      if (problems.length === before) {
        try {
          checkStatusInput(viewer, input);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          problems.push(toProblem(row, err));
        }
      }
      out.push({ row, cells, input: problems.length > before ? null : input });
    }
    return out;
  }

  /** One row inside the batch's transaction: scope, already recorded, then the single-change rules. */
  private async applyRow(m: EntityManager, viewer: Viewer, p: ParsedRow, result: BatchRow, problems: BatchProblem[]): Promise<void> {
    const input = p.input!;
    try {
      const locked = await lockPlatform(m, input.id);
      if (!inScope(viewer, locked)) throw new AppError(ErrorCode.FORBIDDEN, `platform ${locked.id} is outside this token's scope`, { id: locked.id });
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
      const done = await applyStatusChange(m, viewer, input, locked);
      Object.assign(result, { outcome: "CHANGE", from: locked.status, version: done.version, eventId: done.eventId });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      problems.push(toProblem(p.row, err));
    }
  }
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
