/**
 * The plan every record cites: its title, its date, and its text (seeds/source/plan.clean.txt,
 * pinyin annotations removed), against which every excerpt is checked verbatim at its offset.
 */
import fs from "node:fs";
import path from "node:path";
import { repoRoot } from "../../paths";

export const PLAN_TITLE = "廣州市建設國際科技産業創新中心三年行動計劃(2018—2020年)";
export const PLAN_DATE = "2018-09-14";

let text: string | undefined;
/** The plan's text (read once). */
export function planText(): string {
  return (text ??= fs.readFileSync(path.join(repoRoot(), "seeds", "source", "plan.clean.txt"), "utf8"));
}

export interface MentionRecord {
  section: string;
  excerpt: string;
  offset: number;
}

/** A mention must quote the source verbatim at its offset; the problem, naming `who`, or null. */
export function mentionProblem(source: string, who: string, m: MentionRecord): string | null {
  const nonEmpty = (v: unknown) => typeof v === "string" && v.trim().length > 0;
  if (!m || !nonEmpty(m.excerpt) || !Number.isInteger(m.offset) || !nonEmpty(m.section)) {
    return `${who}: a mention needs section, excerpt and an integer offset`;
  }
  if (source.slice(m.offset, m.offset + m.excerpt.length) !== m.excerpt) {
    return `${who}: excerpt "${m.excerpt.slice(0, 30)}…" is not found verbatim at offset ${m.offset}`;
  }
  return null;
}
