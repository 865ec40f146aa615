/**
 * How a search string is read: split into terms (at spaces and list punctuation); a term, or a run
 * of terms ("huangpu district"), that names a district or an industry domain becomes that filter;
 * the rest must each appear in a name, as a single search always has. Names count in any script
 * (Simplified, Traditional, English in any case), districts also in pinyin and with or without
 * 区/區/District, domains also by id ("ai", "biomed"). So `黄埔 生物` is the platforms of Huangpu
 * whose names hold 生物, and `天河 人工智能` those of Tianhe in the AI domain.
 *
 * Terms of one kind combine as a filter's list does (`黄埔 天河`: either district; a platform lies in
 * one), kinds and text terms with AND, and all of it with AND on the rest of the filter.
 */
import { pinyin } from "pinyin-pro";
import { Field, ID, ObjectType } from "type-graphql";
import type { ChangeBus } from "../../db/change-bus";
import { readWith, type Queryable } from "../../db/reader";
import { DISTRICT_TABLE } from "../district/district.entity";
import { DOMAIN_TABLE } from "../domain/domain.entity";
import { normalizeForSearch } from "./search";

export interface LexiconDistrict {
  code: string;
  nameHans: string;
  nameHant: string;
  nameEn: string;
}
export interface LexiconDomain {
  id: string;
  nameHans: string;
  nameHant: string;
  nameEn: string;
  isGroup: boolean;
}

/** What a search string asks for, ready for the filter compiler. */
export interface SearchTerms {
  /** GB/T 2260 codes named by the search: a platform in any of them */
  districts: string[];
  /** domain ids named by the search: a platform in any of them (or their subdomains) */
  domains: string[];
  /** the other terms, normalised (normalizeForSearch): each must appear in a name */
  text: string[];
}

@ObjectType({ simpleResolvers: true, description: "How the search string was read: the districts and domains it names, and the terms left to match names" })
export class SearchInterpretation {
  @Field(() => [String], { description: "GB/T 2260 codes of the districts the search names (a platform in any of them matches)" })
  districts: string[];
  @Field(() => [ID], { description: "Ids of the domains the search names (a platform in any of them, or their subdomains, matches)" })
  domains: string[];
  @Field(() => [String], { description: "The remaining terms as typed; each must appear in one of a platform's names" })
  text: string[];
  @Field({ description: "The reading in Simplified Chinese, e.g. 黄埔区 · 生物医药" })
  summaryHans: string;
  @Field({ description: "The reading in Traditional Chinese, e.g. 黃埔區 · 生物醫藥" })
  summaryHant: string;
  @Field({ description: "The reading in English, e.g. Huangpu District · Biomedicine" })
  summaryEn: string;
}

export type LexiconEntry = { kind: "district"; item: LexiconDistrict } | { kind: "domain"; item: LexiconDomain };

/** The longest run of terms that can name one thing ("new energy vehicles"). */
const MAX_RUN = 5;

const SUFFIX_HAN = /[区區]$/u;
const SUFFIX_EN = /\s+district$/i;
/** Parenthesised notes in names: "Marine economy (and marine science)", "IAB(新一代信息技术…)". */
const NOTE = /\s*[(（][^)）]*[)）]\s*/gu;

/** The names a district or domain is known by, normalised. */
function keysOf(e: LexiconEntry): string[] {
  const names: string[] = [];
  if (e.kind === "district") {
    const d = e.item;
    for (const n of [d.nameHans, d.nameHant]) names.push(n, n.replace(SUFFIX_HAN, ""));
    names.push(d.nameEn, d.nameEn.replace(SUFFIX_EN, ""), d.code);
    const base = d.nameHans.replace(SUFFIX_HAN, "");
    const syllables = pinyin(base, { toneType: "none", type: "array", nonZh: "removed", v: true }).join("");
    names.push(syllables, `${syllables}qu`);
  } else {
    const d = e.item;
    for (const n of [d.nameHans, d.nameHant, d.nameEn]) {
      names.push(n, n.replace(NOTE, ""));
      for (const part of n.replace(NOTE, "").split(/[/／]/u)) names.push(part);
    }
    names.push(d.id);
  }
  return [...new Set(names.map(normalizeForSearch).filter(Boolean))];
}

/** The districts and domains, by every normalised name they are known by. */
export class SearchLexicon {
  private readonly byKey = new Map<string, LexiconEntry>();

  constructor(districts: LexiconDistrict[], domains: LexiconDomain[]) {
    // first come, first kept: districts, then sectors, then the plan's groupings
    const entries: LexiconEntry[] = [
      ...districts.map((item) => ({ kind: "district" as const, item })),
      ...domains.filter((d) => !d.isGroup).map((item) => ({ kind: "domain" as const, item })),
      ...domains.filter((d) => d.isGroup).map((item) => ({ kind: "domain" as const, item })),
    ];
    for (const e of entries) for (const k of keysOf(e)) if (!this.byKey.has(k)) this.byKey.set(k, e);
  }

  lookup(normalized: string): LexiconEntry | undefined {
    return this.byKey.get(normalized);
  }
}

/** Splits a search into terms: at white space (the ideographic space too) and list punctuation. */
export function splitTerms(search: string): string[] {
  return search.split(/[\s,，、;；]+/u).filter((t) => normalizeForSearch(t) !== "");
}

/**
 * Reads a search string. Null when it holds no letter or digit at all (the compiler then refuses
 * it, as before). Runs of terms are tried longest first, so "huangpu district" is one district.
 */
export function interpretSearch(search: string, lexicon: SearchLexicon): { terms: SearchTerms; interpretation: SearchInterpretation } | null {
  const raw = splitTerms(search);
  if (!raw.length) return null;
  const districts: LexiconDistrict[] = [],
    domains: LexiconDomain[] = [],
    text: string[] = [];
  for (let i = 0; i < raw.length;) {
    let matched = 0;
    for (let n = Math.min(MAX_RUN, raw.length - i); n >= 1 && !matched; n--) {
      const e = lexicon.lookup(normalizeForSearch(raw.slice(i, i + n).join("")));
      if (!e) continue;
      if (e.kind === "district" && !districts.includes(e.item)) districts.push(e.item);
      if (e.kind === "domain" && !domains.includes(e.item)) domains.push(e.item);
      matched = n;
    }
    if (!matched) text.push(raw[i]);
    i += matched || 1;
  }
  const summary = (pick: (x: LexiconDistrict | LexiconDomain) => string, joinPlaces: string) =>
    [districts.map(pick).join(joinPlaces), domains.map(pick).join(joinPlaces), ...text].filter(Boolean).join(" · ");
  return {
    terms: { districts: districts.map((d) => d.code), domains: domains.map((d) => d.id), text: text.map(normalizeForSearch) },
    interpretation: Object.assign(new SearchInterpretation(), {
      districts: districts.map((d) => d.code),
      domains: domains.map((d) => d.id),
      text,
      summaryHans: summary((x) => x.nameHans.replace(NOTE, ""), "、"),
      summaryHant: summary((x) => x.nameHant.replace(NOTE, ""), "、"),
      summaryEn: summary((x) => x.nameEn.replace(NOTE, ""), ", "),
    }),
  };
}

/**
 * Reads a filter's search against the registry's districts and domains. Their lexicon is read once
 * and kept while the change bus is heard and reports no change to either table, so a search costs no
 * statement of its own; without a bus (or while it is not heard) it is read for every search.
 */
export class SearchInterpreter {
  private cached: Promise<SearchLexicon> | undefined;
  private heard = false;

  constructor(
    private readonly ds: Queryable,
    bus?: Pick<ChangeBus, "listenChanges">,
  ) {
    bus?.listenChanges({
      changed: (table) => {
        if (table === "district" || table === "domain" || table === "") this.cached = undefined;
      },
      connected: (up) => {
        this.heard = up;
        this.cached = undefined; // notices may have been lost
      },
    });
  }

  /** The districts and domains as the lexicon knows them. */
  lexicon(): Promise<SearchLexicon> {
    if (this.cached) return this.cached;
    const read = this.read0();
    if (this.heard) {
      this.cached = read;
      read.catch(() => (this.cached = undefined));
    }
    return read;
  }

  private async read0(): Promise<SearchLexicon> {
    const [r]: Array<{ districts: LexiconDistrict[] | null; domains: LexiconDomain[] | null }> = await readWith(
      this.ds,
      { columns: [...DISTRICT_TABLE.reads(), ...DOMAIN_TABLE.reads()] },
      `SELECT (SELECT json_agg(json_build_object('code', code, 'nameHans', name_hans, 'nameHant', name_hant, 'nameEn', name_en) ORDER BY code) FROM district) AS districts,
              (SELECT json_agg(json_build_object('id', id, 'nameHans', name_hans, 'nameHant', name_hant, 'nameEn', name_en, 'isGroup', is_group) ORDER BY id) FROM domain) AS domains`,
    );
    return new SearchLexicon(r.districts ?? [], r.domains ?? []);
  }

  /** The filter's search, read; null without a search (or with one the compiler will refuse). */
  async read(filter: { search?: string | null } | null | undefined): Promise<{ terms: SearchTerms; interpretation: SearchInterpretation } | null> {
    const search = filter?.search;
    if (search === undefined || search === null || !splitTerms(search).length) return null;
    return interpretSearch(search, await this.lexicon());
  }
}
