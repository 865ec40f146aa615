/**
 * A deterministic generator of synthetic platforms shaped like the real ones, and its loader.
 *
 * Shape (read from seeds/data at run time, never hard-coded):
 * - kind, status, level, district (including "no district"), number of domains, number of
 *   agencies, number of mentions: the real frequencies, add-one smoothed over every allowed value
 *   so that values the 110 real platforms do not use still occur;
 * - which domains (sectors only, as the seed rules require) and agencies: real frequencies, smoothed;
 * - mentions: real mentions of the plan (verbatim excerpts with their real offsets);
 * - location: as in the real data, a platform has a point exactly when it has a district (or is
 *   an overseas office, at its city). Points cluster around the real zones, the seed platforms with
 *   APPROXIMATE locations in that district (Knowledge City, Science City, Bio Island, Pazhou, the
 *   universities, ...), or around the district's centroid where it has none; precision APPROXIMATE
 *   (75 %) or EXACT. (The real data puts most located platforms at their district's centroid,
 *   precision DISTRICT; a registry of 1M platforms at 11 identical points would be meaningless.)
 * - zone: as often as in the real data, a real zone platform of the same district;
 * - names: [place][institution?][brand][domain][kind suffix], from fragments of the real names
 *   (districts, universities and institutes the plan names, the domains' own names, the suffixes
 *   the plan uses), with a two-character brand so that names are nearly unique; Traditional by
 *   opencc-js per fragment; English from the fragments' English and the brand's pinyin.
 * - search columns (search_text, search_grams, sort_key): composed from per-fragment pieces
 *   computed with the same normalisation and pinyin options as src/modules/platform/search.ts
 *   (buildSearchDocument costs ~0.5 ms a name, 8 minutes at 1M); `verifySearchDocuments` checks
 *   the composition against buildSearchDocument itself on a sample.
 * - version 1, created/updated between the plan's date and 2025, one first status event each
 *   (from null, effective on the plan's date, citing the plan), like the seed loader writes.
 *
 * Everything comes from one seeded PRNG consumed in platform order, so a seed and a size always
 * give the same rows, and the first n rows of a larger set are the rows of the smaller one.
 */
import { dist, rootPackage } from "./dist.mjs";

// ---- PRNG ------------------------------------------------------------------------------------

/** sfc32, seeded from a string (xmur3). */
export function makeRng(seed) {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const next = () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  let a = next(),
    b = next(),
    c = next(),
    d = next();
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** A sampler over weighted values. */
function categorical(weights) {
  const values = [...weights.keys()];
  const cum = [];
  let s = 0;
  for (const v of values) cum.push((s += weights.get(v)));
  return (rng) => {
    const x = rng() * s;
    let lo = 0,
      hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return values[lo];
  };
}

/** Counts of f(x) over xs, plus `smooth` for every value in `all`. */
function counts(xs, f, all = [], smooth = 1) {
  const m = new Map(all.map((v) => [v, smooth]));
  for (const x of xs) for (const v of [].concat(f(x))) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

function gaussian(rng) {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

// ---- name fragments (from the real names) ----------------------------------------------------

const NO_DISTRICT_PLACES = [
  ["广州", "Guangzhou"],
  ["华南", "South China"],
  ["粤港", "Guangdong-Hong Kong"],
  ["穗港", "Guangzhou-Hong Kong"],
  ["中新", "Sino-Singapore"],
];
const INSTITUTIONS = [
  ["中山大学", "Sun Yat-sen University"],
  ["华南理工大学", "South China University of Technology"],
  ["暨南大学", "Jinan University"],
  ["华南师范大学", "South China Normal University"],
  ["广州大学", "Guangzhou University"],
  ["广州医科大学", "Guangzhou Medical University"],
  ["广州中医药大学", "Guangzhou University of Chinese Medicine"],
  ["中科院", "CAS"],
  ["清华大学", "Tsinghua University"],
  ["浙江大学", "Zhejiang University"],
  ["香港科技大学", "HKUST"],
];
/** Characters of real institution and company names in the plan (华, 南, 科, 达, 安, 金, 发, ...) and common brand characters. */
// (no 一 or 不: their tone changes with the next syllable, so per-fragment pinyin would not compose)
const BRAND_CHARS = "华南科达安金发冠昊创谷讯飞拓思合新明珠瑞康信恒泰盛德宏嘉和锐博卓越睿捷远航星辰海川峰云天晟鼎光正成立通汇融凯美佳奥威诚维源智联";
const DOMAIN_TERMS = {
  fintech: ["智能金融", "Intelligent Finance"],
  "rail-transit": ["轨道交通", "Rail Transit"],
  marine: ["海洋", "Marine"],
  "high-end-equipment": ["高端装备", "High-end Equipment"],
  "cloud-big-data": ["大数据", "Big Data"],
  "civil-engineering": ["结构工程", "Structural Engineering"],
  "modern-services": ["科技服务", "Technology Services"],
  "energy-saving-env": ["节能环保", "Energy Saving"],
  "green-low-carbon": ["绿色低碳", "Green Low-carbon"],
};
const GENERIC_TERM = ["科技", "Science and Technology"];
const SUFFIXES = {
  LABORATORY: [
    ["实验室", "Laboratory"],
    ["联合实验室", "Joint Laboratory"],
    ["重点实验室", "Key Laboratory"],
  ],
  BIG_SCIENCE_FACILITY: [
    ["研究设施", "Research Facility"],
    ["观测装置", "Observation Facility"],
    ["大科学装置", "Big Science Facility"],
  ],
  UNIVERSITY: [
    ["学院", "College"],
    ["研究生院", "Graduate School"],
  ],
  RESEARCH_INSTITUTE: [
    ["研究院", "Research Institute"],
    ["工业技术研究院", "Industrial Technology Research Institute"],
    ["研究所", "Institute"],
  ],
  INNOVATION_CENTER: [
    ["创新中心", "Innovation Center"],
    ["产业创新中心", "Industry Innovation Center"],
  ],
  TESTING_CENTER: [
    ["质量监督检验中心", "Quality Supervision and Inspection Center"],
    ["检测中心", "Testing Center"],
  ],
  INNOVATION_ZONE: [
    ["创新集聚区", "Innovation Cluster"],
    ["创新示范区", "Innovation Demonstration Zone"],
  ],
  HIGH_TECH_PARK: [
    ["科技园", "Science Park"],
    ["产业园", "Industrial Park"],
  ],
  SCIENCE_TOWN: [
    ["科技小镇", "Technology Town"],
    ["科技城", "Science City"],
  ],
  INCUBATOR: [
    ["孵化器", "Incubator"],
    ["创新创业基地", "Innovation and Entrepreneurship Base"],
  ],
  TECH_TRANSFER: [
    ["技术转移中心", "Technology Transfer Center"],
    ["成果转化基地", "Achievement Transformation Base"],
  ],
  INTERNATIONAL_COOPERATION: [
    ["国际联合研究院", "International Joint Research Institute"],
    ["国际合作基地", "International Cooperation Base"],
  ],
  OVERSEAS_OFFICE: [["科技创新合作办事处", "Science and Technology Innovation Cooperation Office"]],
  OTHER: [
    ["服务平台", "Service Platform"],
    ["基地", "Base"],
  ],
};
const OVERSEAS_PLACES = [
  ["硅谷", "Silicon Valley", "San Jose", "US", -121.886, 37.338],
  ["波士顿", "Boston", "Boston", "US", -71.058, 42.36],
  ["特拉维夫", "Tel Aviv", "Tel Aviv", "IL", 34.781, 32.085],
];

const KINDS = [
  "LABORATORY",
  "BIG_SCIENCE_FACILITY",
  "UNIVERSITY",
  "RESEARCH_INSTITUTE",
  "INNOVATION_CENTER",
  "TESTING_CENTER",
  "INNOVATION_ZONE",
  "HIGH_TECH_PARK",
  "SCIENCE_TOWN",
  "INCUBATOR",
  "TECH_TRANSFER",
  "INTERNATIONAL_COOPERATION",
  "OVERSEAS_OFFICE",
  "OTHER",
];
const STATUSES = ["PLANNED", "PREPARING", "UNDER_CONSTRUCTION", "TRIAL_OPERATION", "OPERATIONAL", "SUSPENDED", "CANCELLED"];
const LEVELS = [null, "NATIONAL", "PROVINCIAL", "MUNICIPAL", "DISTRICT"];

// ---- search pieces, with the registry's own normalisation --------------------------------------

function searchTools() {
  const search = dist("src/modules/platform/search.js");
  const { pinyin } = rootPackage("pinyin-pro");
  const OpenCC = rootPackage("opencc-js");
  const toTraditional = OpenCC.Converter({ from: "cn", to: "tw" });
  const toSimplified = OpenCC.Converter({ from: "t", to: "cn" });
  const cache = new Map();
  /** Pieces of one fragment that concatenate into the whole name's search variants. */
  const piece = (hans, en) => {
    const key = hans + "\u0000" + en;
    let p = cache.get(key);
    if (!p) {
      const hant = toTraditional(hans);
      p = {
        hans,
        hant,
        en,
        nHans: search.normalizeForSearch(hans),
        nHant: search.normalizeForSearch(hant),
        full: pinyin(hans, { toneType: "none", type: "array", nonZh: "removed", v: true }).join(""),
        initials: pinyin(hans, { pattern: "first", toneType: "none", type: "array", nonZh: "removed" }).join(""),
        // pinyin forms of the Traditional name after conversion back (buildSearchDocument adds them too)
        fullT: pinyin(toSimplified(hant), { toneType: "none", type: "array", nonZh: "removed", v: true }).join(""),
        initialsT: pinyin(toSimplified(hant), { pattern: "first", toneType: "none", type: "array", nonZh: "removed" }).join(""),
        nEn: search.normalizeForSearch(en),
        sort: pinyin(hans, { toneType: "num", type: "array", nonZh: "consecutive" }).join(" ").toLowerCase(),
      };
      cache.set(key, p);
    }
    return p;
  };
  return { search, piece, pinyin };
}

/** The search document of a name made of pieces, as buildSearchDocument would compute it. */
function composeSearch(pieces, gramsOf) {
  const cat = (k) => pieces.map((p) => p[k]).join("");
  const variants = [...new Set([cat("nHans"), cat("full"), cat("initials"), cat("nHant"), cat("fullT"), cat("initialsT"), cat("nEn")].filter(Boolean))];
  const grams = new Set();
  for (const v of variants) for (const g of gramsOf(v)) grams.add(g);
  return { text: variants.join("|"), grams: [...grams], sortKey: pieces.map((p) => p.sort).join(" ") };
}

// ---- the generator ---------------------------------------------------------------------------

/**
 * Returns `next()`, which yields one synthetic platform per call, deterministic for `seed`.
 * `real` is the seed data set (readSeedData()).
 */
export function createGenerator(real, seed = "gz-bench-1") {
  const rng = makeRng(seed);
  const tools = searchTools();
  const { search, piece, pinyin } = tools;
  const ps = real.platforms;

  const districtCodes = real.districts.map((d) => d.code);
  const pickKind = categorical(counts(ps, (p) => p.kind, KINDS));
  const pickStatus = categorical(counts(ps, (p) => p.status, STATUSES));
  const pickLevel = categorical(counts(ps, (p) => p.level, LEVELS));
  const pickDistrict = categorical(
    counts(
      ps.filter((p) => !p.overseas),
      (p) => p.district,
      [null, ...districtCodes],
    ),
  );
  const pickNDomains = categorical(counts(ps, (p) => p.domains.length));
  const pickNAgencies = categorical(counts(ps, (p) => p.agencies.length));
  const pickNMentions = categorical(counts(ps, (p) => p.mentions.length));
  const sectors = real.domains.filter((d) => !d.isGroup).map((d) => d.id);
  const pickDomain = categorical(counts(ps, (p) => p.domains, sectors));
  const pickAgency = categorical(
    counts(
      ps,
      (p) => p.agencies,
      real.agencies.map((a) => a.id),
    ),
  );
  const mentions = ps.flatMap((p) => p.mentions);
  const zoneShare = ps.filter((p) => p.zone).length / ps.length;
  const zoneIds = [...new Set(ps.map((p) => p.zone).filter(Boolean))];
  const districtOf = new Map(ps.map((p) => [p.id, p.district]));
  const zonesByDistrict = new Map();
  for (const z of zoneIds) {
    const d = districtOf.get(z) ?? null;
    if (!zonesByDistrict.has(d)) zonesByDistrict.set(d, []);
    zonesByDistrict.get(d).push(z);
  }
  // Cluster centres: the real platforms with APPROXIMATE points, by district.
  const centres = new Map();
  for (const p of ps) {
    if (p.location?.precision === "APPROXIMATE" && p.district) {
      if (!centres.has(p.district)) centres.set(p.district, []);
      centres.get(p.district).push([p.location.lng, p.location.lat]);
    }
  }
  const centroid = new Map(real.districts.map((d) => [d.code, [d.centroid.lng, d.centroid.lat]]));
  const placeOf = new Map(real.districts.map((d) => [d.code, [d.nameHans.replace(/区$/, ""), d.nameEn.replace(/ District$/, "")]]));
  const domainTerm = new Map(real.domains.map((d) => [d.id, DOMAIN_TERMS[d.id] ?? [d.nameHans, d.nameEn.replace(/\s*\(.*\)$/, "")]]));
  const BBOX = { minLng: 112.9, minLat: 22.5, maxLng: 114.1, maxLat: 23.95 }; // seeds/loader GUANGZHOU_BBOX
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const day = 86400_000;
  const planDate = Date.parse("2018-09-14T00:00:00Z");
  const brandChars = Array.from(BRAND_CHARS);
  const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
  const brandEn = new Map();
  const slugOf = (s) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "");

  let i = 0;
  return function next() {
    i++;
    const kind = pickKind(rng);
    const status = pickStatus(rng);
    const level = pickLevel(rng);
    const overseasPlace = kind === "OVERSEAS_OFFICE" ? OVERSEAS_PLACES[Math.floor(rng() * OVERSEAS_PLACES.length)] : null;
    const district = overseasPlace ? null : pickDistrict(rng);
    const nDomains = pickNDomains(rng);
    const domains = [];
    for (let k = 0; k < nDomains * 4 && domains.length < nDomains; k++) {
      const d = pickDomain(rng);
      if (!domains.includes(d)) domains.push(d);
    }
    const nAgencies = pickNAgencies(rng);
    const agencies = [];
    for (let k = 0; k < nAgencies * 4 && agencies.length < nAgencies; k++) {
      const a = pickAgency(rng);
      if (!agencies.includes(a)) agencies.push(a);
    }
    const nMentions = pickNMentions(rng);
    const ms = [];
    for (let k = 0; k < nMentions; k++) ms.push(mentions[Math.floor(rng() * mentions.length)]);

    let lng = null,
      lat = null,
      precision = null;
    if (overseasPlace) {
      lng = +(overseasPlace[4] + gaussian(rng) * 0.05).toFixed(6);
      lat = +(overseasPlace[5] + gaussian(rng) * 0.05).toFixed(6);
      precision = "CITY";
    } else if (district) {
      const cs = centres.get(district);
      let c, sigma;
      if (cs && rng() < 0.7) {
        c = cs[Math.floor(rng() * cs.length)];
        sigma = 0.015;
      } else {
        c = centroid.get(district);
        sigma = 0.035;
      }
      lng = +clamp(c[0] + gaussian(rng) * sigma, BBOX.minLng, BBOX.maxLng).toFixed(6);
      lat = +clamp(c[1] + gaussian(rng) * sigma, BBOX.minLat, BBOX.maxLat).toFixed(6);
      precision = rng() < 0.75 ? "APPROXIMATE" : "EXACT";
    }
    let zone = null;
    if (rng() < zoneShare) {
      const zs = zonesByDistrict.get(district) ?? (district === null ? null : zonesByDistrict.get(null));
      if (zs?.length) zone = zs[Math.floor(rng() * zs.length)];
    }

    // name
    const pieces = [];
    if (overseasPlace) {
      pieces.push(piece("广州驻", "Guangzhou"), piece(overseasPlace[0], overseasPlace[1]));
    } else {
      const place = district ? placeOf.get(district) : NO_DISTRICT_PLACES[Math.floor(rng() * NO_DISTRICT_PLACES.length)];
      pieces.push(piece(place[0], place[1]));
      if (rng() < 0.3) {
        const inst = INSTITUTIONS[Math.floor(rng() * INSTITUTIONS.length)];
        pieces.push(piece(inst[0], inst[1]));
      }
    }
    const brand = brandChars[Math.floor(rng() * brandChars.length)] + brandChars[Math.floor(rng() * brandChars.length)];
    let be = brandEn.get(brand);
    if (!be) brandEn.set(brand, (be = cap(pinyin(brand, { toneType: "none", type: "array" }).join(""))));
    pieces.push(piece(brand, be));
    const term = domains.length ? domainTerm.get(domains[0]) : GENERIC_TERM;
    pieces.push(piece(term[0], term[1]));
    const suffixes = SUFFIXES[kind];
    const suffix = suffixes[Math.floor(rng() * suffixes.length)];
    pieces.push(piece(suffix[0], suffix[1]));
    const nameHans = pieces.map((p) => p.hans).join("");
    const nameHant = pieces.map((p) => p.hant).join("");
    const nameEn = pieces.map((p) => p.en).join(" ");
    const doc = composeSearch(pieces, search.gramsOf);
    const tail = `-${i.toString(36)}`;
    const id = `${slugOf(pieces[0].en)}-${slugOf(be)}-${domains[0] ?? "st"}-${slugOf(suffix[1])}`.slice(0, 96 - tail.length).replace(/-+$/, "") + tail;

    const created = planDate + Math.floor(rng() * 2600) * day + Math.floor(rng() * day);
    const updated = Math.min(created + Math.floor(rng() * 200 * day), Date.parse("2025-12-31T00:00:00Z"));
    return {
      id,
      nameHans,
      nameHant,
      nameEn,
      nameEnEstablished: false,
      aliases: [],
      kind,
      level,
      status,
      district,
      zone,
      overseasCity: overseasPlace?.[2] ?? null,
      overseasCountry: overseasPlace?.[3] ?? null,
      lng,
      lat,
      precision,
      note: null,
      search: doc,
      domains,
      agencies,
      mentions: ms,
      version: 1,
      createdAt: new Date(created).toISOString(),
      updatedAt: new Date(updated).toISOString(),
      brand,
    };
  };
}

/**
 * Compares the composed search documents of the first `n` generated platforms with the
 * registry's buildSearchDocument. Returns the number that differ (text, gram set or sort key).
 */
export function verifySearchDocuments(real, n = 300, seed = "gz-bench-1") {
  const next = createGenerator(real, seed);
  const { buildSearchDocument } = dist("src/modules/platform/search.js");
  const diffs = [];
  for (let k = 0; k < n; k++) {
    const p = next();
    const ref = buildSearchDocument({ nameHans: p.nameHans, nameHant: p.nameHant, nameEn: p.nameEn, aliases: [] });
    const same =
      ref.text === p.search.text &&
      ref.sortKey === p.search.sortKey &&
      ref.grams.length === p.search.grams.length &&
      ref.grams.every((g) => p.search.grams.includes(g));
    if (!same) diffs.push({ name: p.nameHans, ref, got: p.search });
  }
  return diffs;
}

// ---- COPY ------------------------------------------------------------------------------------

const esc = (v) => {
  if (v === null || v === undefined) return "\\N";
  const s = typeof v === "string" ? v : String(v);
  return s.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
};
const arr = (xs) => "{" + xs.map((x) => '"' + x.replace(/[\\"]/g, (c) => "\\" + c) + '"').join(",") + "}";
const line = (fields) => fields.map(esc).join("\t") + "\n";

export const COPY_TABLES = {
  platform: `platform (id, name_hans, name_hant, name_en, name_en_established, aliases, kind, level, status, district_code, zone_id,
    overseas_city, overseas_country, lng, lat, precision, note, search_text, search_grams, sort_key, version, archived_at, created_at, updated_at)`,
  platform_domain: "platform_domain (platform_id, domain_id)",
  platform_agency: "platform_agency (platform_id, agency_id, position)",
  platform_mention: `platform_mention (platform_id, section, excerpt, "offset", position)`,
  status_event: `status_event (platform_id, from_status, to_status, effective_date, recorded_at, actor, note, source_title, source_url,
    source_published_at, correction, token_id)`,
};

const PLAN_TITLE = "廣州市建設國際科技産業創新中心三年行動計劃(2018—2020年)";

/** The COPY lines of one platform, per table. */
export function copyLines(p) {
  return {
    platform: line([
      p.id,
      p.nameHans,
      p.nameHant,
      p.nameEn,
      p.nameEnEstablished ? "t" : "f",
      arr(p.aliases),
      p.kind,
      p.level,
      p.status,
      p.district,
      p.zone,
      p.overseasCity,
      p.overseasCountry,
      p.lng,
      p.lat,
      p.precision,
      p.note,
      p.search.text,
      arr(p.search.grams),
      p.search.sortKey,
      p.version,
      null,
      p.createdAt,
      p.updatedAt,
    ]),
    platform_domain: p.domains.map((d) => line([p.id, d])).join(""),
    platform_agency: p.agencies.map((a, k) => line([p.id, a, k + 1])).join(""),
    platform_mention: p.mentions.map((m, k) => line([p.id, m.section, m.excerpt, m.offset, k + 1])).join(""),
    status_event: line([
      p.id,
      null,
      p.status,
      "2018-09-14",
      p.createdAt,
      "bench-generator",
      "Synthetic platform (benchmark data); status as generated",
      PLAN_TITLE,
      null,
      "2018-09-14",
      "f",
      null,
    ]),
  };
}
