/**
 * The words a spreadsheet may use for a status, a column and a date, as officials write them: the
 * code in any case, or the label the desk shows (English, Simplified, Traditional), or both side by
 * side as the template writes them ("在建 · Under construction", "生效日期 effectiveDate").
 */
import { PlatformStatus as S } from "../platform/platform.enums";

export interface Words {
  en: string;
  hans: string;
  hant: string;
}

/** The labels for each status that the desk and the map show (src/modules/i18n/i18n.js has the same). */
export const STATUS_WORDS: Record<S, Words> = {
  [S.PLANNED]: { en: "Planned", hans: "规划", hant: "規劃" },
  [S.PREPARING]: { en: "Preparing", hans: "筹建", hant: "籌建" },
  [S.UNDER_CONSTRUCTION]: { en: "Under construction", hans: "在建", hant: "在建" },
  [S.TRIAL_OPERATION]: { en: "Trial operation", hans: "试运行", hant: "試運行" },
  [S.OPERATIONAL]: { en: "Operational", hans: "运行", hant: "運行" },
  [S.SUSPENDED]: { en: "Suspended", hans: "暂停", hant: "暫停" },
  [S.CANCELLED]: { en: "Cancelled", hans: "取消", hant: "取消" },
};

/** Columns of the status spreadsheets and the labels the template and the pre-filled sheet show. */
export const COLUMN_WORDS: Record<string, Words> = {
  id: { en: "Platform id", hans: "平台编号", hant: "平台編號" },
  nameHans: { en: "Name (Simplified)", hans: "平台名称", hant: "平台名稱" },
  nameEn: { en: "Name (English)", hans: "英文名称", hant: "英文名稱" },
  district: { en: "District", hans: "所在区", hant: "所在區" },
  kind: { en: "Kind", hans: "类型", hant: "類型" },
  currentStatus: { en: "Current status", hans: "当前状态", hant: "當前狀態" },
  expectedVersion: { en: "Version", hans: "版本", hant: "版本" },
  status: { en: "New status", hans: "新状态", hant: "新狀態" },
  effectiveDate: { en: "Effective date", hans: "生效日期", hant: "生效日期" },
  note: { en: "Note", hans: "备注", hant: "備註" },
  sourceTitle: { en: "Source title", hans: "来源标题", hant: "來源標題" },
  sourceUrl: { en: "Source URL", hans: "来源网址", hant: "來源網址" },
  sourcePublishedAt: { en: "Source publication date", hans: "来源发布日期", hant: "來源發佈日期" },
};

/** The template's bilingual header cell: "生效日期 effectiveDate". */
export const columnLabel = (code: string): string => `${COLUMN_WORDS[code]?.hans ?? ""} ${code}`.trim();

const norm = (s: string) =>
  s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s_\-.]+/g, "");
// CJK runs and Latin runs of a cell: "在建 · Under construction" → 在建, Under construction
const RUNS = /[\u3400-\u9fff\uf900-\ufaff\u{20000}-\u{3ffff}]+|[A-Za-z][A-Za-z0-9 _\-.()]*[A-Za-z0-9)]|[A-Za-z]/gu;

function lookup(table: Map<string, string>, cell: string): string | null {
  const whole = table.get(norm(cell));
  if (whole) return whole;
  const runs = cell.normalize("NFKC").match(RUNS) ?? [];
  let found: string | null = null;
  for (const run of runs) {
    const key = table.get(norm(run)) ?? table.get(norm(run.replace(/\(.*\)$/, "")));
    if (!key || (found && found !== key)) return null;
    found = key;
  }
  return found;
}

function tableOf(words: Record<string, Words>): Map<string, string> {
  const t = new Map<string, string>();
  for (const [code, w] of Object.entries(words)) for (const s of [code, w.en, w.hans, w.hant]) t.set(norm(s), code);
  return t;
}

const STATUS_TABLE = tableOf(STATUS_WORDS);
const COLUMN_TABLE = tableOf(COLUMN_WORDS);

/** A status cell to its code, or null when it is not one of the accepted words. */
export function parseStatus(cell: string): S | null {
  return (lookup(STATUS_TABLE, cell) as S | null) ?? null;
}

/** A header cell to its column code, or null. */
export function parseColumn(cell: string): string | null {
  return lookup(COLUMN_TABLE, cell);
}

/** The accepted words of each status, for messages and the sheet's note: "OPERATIONAL (运行, 運行, Operational)". */
export function statusWordList(): string {
  return Object.entries(STATUS_WORDS)
    .map(([code, w]) => `${code} (${[...new Set([w.hans, w.hant])].join("/")}, ${w.en})`)
    .join("; ");
}

/**
 * Dates as Excel writes them back, to YYYY-MM-DD: 2021-06-01, 2021/6/1, 2021.6.1, 2021年6月1日,
 * with or without a time of 0:00. Anything else is returned as it is, for the date checks to refuse.
 */
export function normaliseDate(cell: string): string {
  const m = /^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$/.exec(cell.trim());
  return m ? `${m[1]}-${m[2].padStart(2, "0")}-${m[3].padStart(2, "0")}` : cell;
}
