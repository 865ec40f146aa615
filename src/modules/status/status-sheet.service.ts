/**
 * Spreadsheets the registry hands out for status work:
 *
 * - the pre-filled sheet (CSV and .xlsx): one row per platform the caller's token may change
 *   (inScope, the rule every write applies; archived platforms are left out), with what it is now
 *   (id, names, district, kind, current status, version as expectedVersion) and empty columns for
 *   the change. Returned as it came, it asks for no change; filled in, it is a status import.
 * - the status history (CSV and .xlsx): who recorded what, when, from which status to which, the
 *   effective date and the source, for every platform.
 *
 * CSV goes through src/csv.ts (BOM, formula-like cells neutralised), .xlsx through src/xlsx.ts.
 */
import type { DataSource } from "typeorm";
import { toCsv } from "../../csv";
import { toXlsx } from "../../xlsx";
import type { Viewer } from "../auth/token.service";
import { col } from "../platform/platform.store";
import type { PlatformStatus } from "../platform/platform.enums";
import { allowedTransitions } from "./lifecycle";
import { INFO_COLUMNS, CSV_COLUMNS, MAX_ROWS } from "./status-batch.service";
import { SHEET_NAME } from "./sheet-read";
import { columnLabel, STATUS_WORDS, statusWordList } from "./sheet-words";
import { inScope } from "./status.service";

/** The pre-filled sheet's columns: what the platform is, then the change. */
export const SHEET_COLUMNS = ["id", ...INFO_COLUMNS, "expectedVersion", ...CSV_COLUMNS.filter((c) => c !== "id" && c !== "expectedVersion")] as const;

/** The status history's columns. */
export const HISTORY_COLUMNS = [
  "eventId",
  "platformId",
  "nameHans",
  "actor",
  "recordedAt",
  "from",
  "to",
  "effectiveDate",
  "sourceTitle",
  "sourceUrl",
  "sourcePublishedAt",
  "note",
  "correction",
] as const;

/** The note above the CSV sheet's header (the .xlsx has it as a second sheet). */
export const SHEET_NOTE =
  `# 只填写要变更的行，其余行保持原样 Fill in only the rows that change; leave the others as they are. ` +
  `新状态 status: ${statusWordList()}. 日期 dates: YYYY-MM-DD, YYYY/M/D, YYYY年M月D日. 每次最多 at most ${MAX_ROWS} rows.`;

interface SheetPlatform {
  id: string;
  nameHans: string;
  nameEn: string;
  districtCode: string | null;
  district: string | null;
  kind: string;
  status: PlatformStatus;
  version: number;
  agencies: string[];
}

export class StatusSheetService {
  constructor(private readonly ds: DataSource) {}

  /** The platforms `viewer` may change, by id: read from the primary, so versions are those a write will check. */
  async platformsToChange(viewer: Viewer): Promise<SheetPlatform[]> {
    const rows: SheetPlatform[] = await this.ds.query(
      `SELECT p.id, p.${col.nameHans} AS "nameHans", p.${col.nameEn} AS "nameEn", p.${col.districtCode} AS "districtCode",
         d.name_hans AS district, p.${col.kind} AS kind, p.${col.status} AS status, p.${col.version} AS version,
         coalesce((SELECT array_agg(pa.agency_id) FROM platform_agency pa WHERE pa.platform_id = p.id), '{}') AS agencies
       FROM platform p LEFT JOIN district d ON d.code = p.${col.districtCode}
       WHERE p.${col.archivedAt} IS NULL ORDER BY p.id`,
    );
    return rows.filter((p) => inScope(viewer, p));
  }

  private async sheetRows(viewer: Viewer): Promise<unknown[][]> {
    return (await this.platformsToChange(viewer)).map((p) => [
      p.id,
      p.nameHans,
      p.nameEn,
      p.district ?? "",
      p.kind,
      `${STATUS_WORDS[p.status].hans} ${p.status}`,
      p.version,
      "",
      "",
      "",
      "",
      "",
      "",
    ]);
  }

  /** The pre-filled sheet as CSV: a note row with the status words, the bilingual header, the rows. */
  async sheetCsv(viewer: Viewer): Promise<string> {
    return toCsv(SHEET_COLUMNS.map(columnLabel), await this.sheetRows(viewer), [[SHEET_NOTE]]);
  }

  /** The pre-filled sheet as .xlsx: the sheet, then a sheet of the status words and the lifecycle. */
  async sheetXlsx(viewer: Viewer): Promise<Buffer> {
    const next = new Map(allowedTransitions().map((t) => [t.from, t.to]));
    return toXlsx([
      {
        name: SHEET_NAME,
        header: SHEET_COLUMNS.map(columnLabel),
        rows: await this.sheetRows(viewer),
        widths: [40, 30, 40, 10, 18, 24, 10, 20, 14, 30, 30, 30, 14],
      },
      {
        name: "状态词 statuses",
        header: ["status", "简体", "繁體", "English", "可改为 may become (lifecycle)"],
        rows: Object.entries(STATUS_WORDS).map(([code, w]) => [code, w.hans, w.hant, w.en, (next.get(code as PlatformStatus) ?? []).join(", ")]),
        widths: [22, 10, 10, 20, 60],
      },
    ]);
  }

  private async historyRows(): Promise<unknown[][]> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT e.id, e.platform_id, p.${col.nameHans} AS name_hans, e.actor, to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS recorded_at,
         e.from_status, e.to_status, e.effective_date::text AS effective_date, e.source_title, e.source_url,
         e.source_published_at::text AS source_published_at, e.note, e.correction
       FROM status_event e JOIN platform p ON p.id = e.platform_id ORDER BY e.recorded_at, e.id`,
    );
    return rows.map((r) => [
      String(r.id),
      r.platform_id,
      r.name_hans,
      r.actor,
      r.recorded_at,
      r.from_status,
      r.to_status,
      r.effective_date,
      r.source_title,
      r.source_url,
      r.source_published_at,
      r.note,
      r.correction ? "correction" : "",
    ]);
  }

  /** Every status change, oldest first, as CSV. */
  async historyCsv(): Promise<string> {
    return toCsv(HISTORY_COLUMNS, await this.historyRows());
  }

  /** Every status change, oldest first, as .xlsx. */
  async historyXlsx(): Promise<Buffer> {
    return toXlsx([
      { name: "status history", header: HISTORY_COLUMNS, rows: await this.historyRows(), widths: [8, 40, 30, 20, 21, 20, 20, 12, 40, 40, 12, 40, 10] },
    ]);
  }
}
