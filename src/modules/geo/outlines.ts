/**
 * District outlines from a file the operator supplies (DISTRICT_OUTLINES=path.geojson): the registry
 * ships none, because no openly licensed set could be shipped with it. Read and checked once at start:
 * a GeoJSON FeatureCollection (RFC 7946, checked by @placemarkio/check-geojson), each feature a Polygon
 * or MultiPolygon in WGS-84, naming its district by a `code`, `adcode` or (OpenStreetMap's) `ref:admin:CN`
 * property (GB/T 2260) or by a name in any script (`name`, `nameHans`, `nameEn`, `shapeName`, ...). A file that cannot be read or is
 * not such a collection stops the start; features naming no district of the registry, and districts
 * with no outline, are only reported. Served as the OGC collection `districts` and drawn by /map.
 */
import fs from "node:fs";
import { getIssues } from "@placemarkio/check-geojson";
import type { DistrictService } from "../district/district.service";
import type { SearchInterpreter } from "../platform/search-interpretation";
import { normalizeForSearch } from "../platform/search";

export type OutlineGeometry = { type: "Polygon"; coordinates: number[][][] } | { type: "MultiPolygon"; coordinates: number[][][][] };

/** One feature of the file, checked, before it is matched to a district. */
export interface OutlineInput {
  /** position in the file's features, from 0 */
  index: number;
  /** what names its district: a code, or names to look up */
  code: string | null;
  names: string[];
  geometry: OutlineGeometry;
  bbox: [number, number, number, number];
}

export interface DistrictOutline {
  type: "Feature";
  id: string;
  geometry: OutlineGeometry;
  properties: { code: string; nameHans: string; nameHant: string; nameEn: string };
  bbox: [number, number, number, number];
}

export class OutlinesError extends Error {
  constructor(file: string, problem: string) {
    super(`DISTRICT_OUTLINES: ${file} ${problem}`);
    this.name = "OutlinesError";
  }
}

const CODE = /^\d{6}$/;
const NAME_PROPERTIES = ["name", "nameHans", "nameHant", "nameEn", "name_zh", "name:zh", "name_en", "name:en", "NAME", "shapeName", "fullname"];
const CRS84 = [
  "urn:ogc:def:crs:OGC:1.3:CRS84",
  "urn:ogc:def:crs:OGC::CRS84",
  "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
  "urn:ogc:def:crs:EPSG::4326",
  "EPSG:4326",
];

/** Line and column of a character offset, for messages. */
function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

/** Reads and checks the file; throws OutlinesError naming the file and the first problems. */
export function readOutlines(file: string): OutlineInput[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new OutlinesError(file, `cannot be read: ${(err as Error).message}`);
  }
  const issues = getIssues(text);
  if (issues.length) {
    const shown = issues.slice(0, 3).map((i) => `${i.message} (at ${lineCol(text, i.from)})`);
    throw new OutlinesError(file, `is not valid GeoJSON: ${shown.join("; ")}${issues.length > 3 ? `; and ${issues.length - 3} more` : ""}`);
  }
  const doc = JSON.parse(text) as {
    type: string;
    crs?: { properties?: { name?: string } };
    features?: Array<{ geometry: { type: string; coordinates: unknown } | null; properties: Record<string, unknown> | null }>;
  };
  if (doc.type !== "FeatureCollection") throw new OutlinesError(file, `must be a FeatureCollection, not a ${doc.type}`);
  const crs = doc.crs?.properties?.name;
  if (crs !== undefined && !CRS84.includes(crs)) throw new OutlinesError(file, `is in ${crs}; the outlines must be in WGS-84 (longitude, latitude)`);
  return doc.features!.map((f, index) => {
    const where = `feature ${index}`;
    const g = f.geometry;
    if (!g || (g.type !== "Polygon" && g.type !== "MultiPolygon"))
      throw new OutlinesError(file, `${where} is a ${g ? g.type : "feature without geometry"}; each outline must be a Polygon or MultiPolygon`);
    const geometry = g as OutlineGeometry;
    const rings = geometry.type === "Polygon" ? geometry.coordinates : geometry.coordinates.flat();
    const bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [lng, lat] of rings.flat()) {
      if (!(lng >= -180 && lng <= 180 && lat >= -90 && lat <= 90)) {
        throw new OutlinesError(file, `${where} has the position [${lng}, ${lat}], outside WGS-84 longitude -180..180 and latitude -90..90`);
      }
      bbox[0] = Math.min(bbox[0], lng);
      bbox[1] = Math.min(bbox[1], lat);
      bbox[2] = Math.max(bbox[2], lng);
      bbox[3] = Math.max(bbox[3], lat);
    }
    const p = f.properties ?? {};
    const given = p.code ?? p.adcode ?? p["ref:admin:CN"];
    const code = given === undefined || given === null ? null : String(given).trim();
    if (code !== null && !CODE.test(code)) throw new OutlinesError(file, `${where} has the code "${code}"; a GB/T 2260 code is 6 digits, such as 440112`);
    const names = NAME_PROPERTIES.map((k) => p[k]).filter((v): v is string => typeof v === "string" && v.trim() !== "");
    if (code === null && !names.length) throw new OutlinesError(file, `${where} names no district: give it a code or adcode property (GB/T 2260), or a name`);
    return { index, code, names, geometry, bbox };
  });
}

export interface OutlineMatch {
  outlines: DistrictOutline[];
  /** features that name no district of the registry (or one already outlined) */
  unknown: Array<{ index: number; named: string }>;
  /** districts of the registry with no outline */
  missing: string[];
}

/** The file's outlines, matched to the registry's districts the first time they are asked for. */
export class DistrictOutlineService {
  private matched: Promise<OutlineMatch> | undefined;

  constructor(
    private readonly inputs: OutlineInput[],
    private readonly districts: DistrictService,
    private readonly search: SearchInterpreter,
    /** the credit the file's licence asks for (DISTRICT_OUTLINES_ATTRIBUTION), or null */
    readonly attribution: string | null = null,
  ) {}

  match(): Promise<OutlineMatch> {
    this.matched ??= this.matchNow();
    this.matched.catch(() => (this.matched = undefined));
    return this.matched;
  }

  private async matchNow(): Promise<OutlineMatch> {
    const [districts, lexicon] = await Promise.all([this.districts.list(), this.search.lexicon()]);
    const byCode = new Map(districts.map((d) => [d.code, d]));
    const outlines = new Map<string, DistrictOutline>();
    const unknown: OutlineMatch["unknown"] = [];
    for (const f of this.inputs) {
      let code = f.code !== null && byCode.has(f.code) ? f.code : null;
      for (const name of code || f.code !== null ? [] : f.names) {
        const e = lexicon.lookup(normalizeForSearch(name));
        if (e?.kind === "district") {
          code = e.item.code;
          break;
        }
      }
      if (!code || outlines.has(code)) {
        unknown.push({ index: f.index, named: f.code ?? f.names.join(" / ") });
        continue;
      }
      const d = byCode.get(code)!;
      outlines.set(code, {
        type: "Feature",
        id: code,
        geometry: f.geometry,
        properties: { code, nameHans: d.nameHans, nameHant: d.nameHant, nameEn: d.nameEn },
        bbox: f.bbox,
      });
    }
    return {
      outlines: [...outlines.values()].sort((a, b) => a.id.localeCompare(b.id)),
      unknown,
      missing: districts.filter((d) => !outlines.has(d.code)).map((d) => d.code),
    };
  }
}
