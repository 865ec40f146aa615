/**
 * One normalisation for names and queries, so that a Simplified query finds a Traditional name
 * and the reverse, English is case-insensitive, and pinyin works in full ("nansha") and by
 * initials ("gzgjswd"). Used by the seed loader and by every write that changes a name, and by
 * the query path for the search box.
 */
import { pinyin } from "pinyin-pro";

// opencc-js is typed as ESM; it ships CommonJS too.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const OpenCC = require("opencc-js") as typeof import("opencc-js", { with: { "resolution-mode": "import" } });

const toSimplified = OpenCC.Converter({ from: "t", to: "cn" });
const HAN = /\p{Script=Han}/u;

/** NFKC, lower case, Traditional → Simplified, and nothing but letters and digits. */
export function normalizeForSearch(text: string): string {
  return toSimplified(text.normalize("NFKC").toLowerCase()).replace(/[^\p{L}\p{N}]+/gu, "");
}

function pinyinForms(text: string): string[] {
  if (!HAN.test(text)) return [];
  const syllables = pinyin(text, { toneType: "none", type: "array", nonZh: "removed", v: true });
  const initials = pinyin(text, { pattern: "first", toneType: "none", type: "array", nonZh: "removed" });
  return [syllables.join(""), initials.join("")];
}

export interface SearchDocument {
  /** Normalised variants joined by '|' (no variant contains '|'). */
  text: string;
  /** Distinct unigrams and bigrams of every variant. */
  grams: string[];
  /** Sort key: the Simplified name in pinyin, spaced. */
  sortKey: string;
}

/** Character unigrams and bigrams of one normalised string. */
export function gramsOf(normalized: string): string[] {
  const chars = Array.from(normalized);
  const out = new Set<string>(chars);
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  return [...out];
}

/**
 * For a query, the bigrams (or the single character) that any matching variant must contain:
 * the index narrows with these, LIKE confirms.
 */
export function queryGrams(normalized: string): string[] {
  const chars = Array.from(normalized);
  if (chars.length === 1) return chars;
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  return [...out];
}

export function buildSearchDocument(names: { nameHans: string; nameHant: string; nameEn: string; aliases: string[] }): SearchDocument {
  const raw = [names.nameHans, names.nameHant, names.nameEn, ...names.aliases];
  const variants = new Set<string>();
  for (const r of raw) {
    const n = normalizeForSearch(r);
    if (n) variants.add(n);
    for (const p of pinyinForms(toSimplified(r))) if (p) variants.add(p);
  }
  const list = [...variants];
  const grams = new Set<string>();
  for (const v of list) for (const g of gramsOf(v)) grams.add(g);
  const sortKey = HAN.test(names.nameHans)
    ? pinyin(names.nameHans, { toneType: "num", type: "array", nonZh: "consecutive" }).join(" ").toLowerCase()
    : names.nameHans.toLowerCase();
  return { text: list.join("|"), grams: [...grams], sortKey };
}
