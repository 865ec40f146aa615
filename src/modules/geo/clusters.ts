/**
 * Platforms grouped for a map at a zoom level, in SQL: the view's box is cut into square cells of
 * about CELL_PX pixels at that zoom (Web Mercator tiles of 256 pixels), and each cell that holds
 * platforms answers once: how many, their mean point and their extent, and the platform itself when
 * it is alone. A map of any size thus asks for at most a few hundred cells per view, however many
 * platforms match (platformsGeoJSON stops at MAX_GEOJSON_FEATURES).
 */
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { readWith, type Queryable } from "../../db/reader";
import { badInput } from "../../errors";
import type { PlatformFilter } from "../platform/platform.inputs";
import { compileFilter } from "../platform/platform.query";
import { col, PLATFORM } from "../platform/platform.tables";
import type { SearchInterpreter } from "../platform/search-interpretation";
import { CoordinateSystem, project } from "./crs";

/** A cell's side in pixels: a map's cluster markers are about this far apart. */
export const CELL_PX = 80;
/** The most cells one answer may cut its box into (a 4K screen at CELL_PX holds about 1,300). */
export const MAX_CLUSTER_CELLS = 20_000;

@ObjectType({ simpleResolvers: true, description: "The located platforms of one cell of the map's grid" })
export class PlatformCluster {
  @Field(() => Int, { description: "How many platforms the cell holds" }) count: number;
  @Field(() => Float, { description: "Mean longitude of its platforms, in the answer's coordinate system" }) lng: number;
  @Field(() => Float, { description: "Mean latitude of its platforms, in the answer's coordinate system" }) lat: number;
  @Field(() => [Float], { description: "Extent of its platforms: [minLng, minLat, maxLng, maxLat], WGS-84 (zoom to it to split the cell)" })
  bbox: number[];
  @Field(() => ID, { nullable: true, description: "The platform, when the cell holds one alone" }) platformId: string | null;
}

@ObjectType({ simpleResolvers: true, description: "Located platforms matching a filter, grouped into cells of the map's grid at a zoom level" })
export class PlatformClusters {
  @Field(() => Int, { description: "Zoom level the cells are cut for (Web Mercator, 256-pixel tiles)" }) zoom: number;
  @Field(() => Float, { description: "A cell's side in degrees" }) cellDegrees: number;
  @Field(() => Int, { description: "Located platforms matching the filter within its bbox: the sum of the counts" }) located: number;
  @Field(() => CoordinateSystem) coordinateSystem: CoordinateSystem;
  @Field(() => [PlatformCluster], { description: "The cells that hold platforms, the fullest first" }) clusters: PlatformCluster[];
}

export class ClusterService {
  constructor(
    private readonly ds: Queryable,
    private readonly search: SearchInterpreter,
  ) {}

  /** The grid's cells that hold platforms matching `filter` (whose bbox is required) at `zoom`; one statement. */
  async clusters(filter: PlatformFilter | null | undefined, zoom: number, crs: CoordinateSystem, asOf: string | null): Promise<PlatformClusters> {
    const box = filter?.bbox;
    if (!box || box.length !== 4)
      throw badInput("platformClusters needs filter.bbox, the map's view: [minLng, minLat, maxLng, maxLat] (WGS-84)", { field: "filter.bbox" });
    if (!Number.isInteger(zoom) || zoom < 0 || zoom > 22) throw badInput("zoom must be a whole number from 0 to 22", { field: "zoom" });
    const cell = (360 / 2 ** zoom) * (CELL_PX / 256);
    const cells = Math.ceil((box[2] - box[0]) / cell + 1) * Math.ceil((box[3] - box[1]) / cell + 1);
    if (cells > MAX_CLUSTER_CELLS) {
      throw badInput(`the bbox holds about ${cells} cells at zoom ${zoom}; at most ${MAX_CLUSTER_CELLS}: zoom out or narrow the bbox`, {
        field: "zoom",
        cells,
        max: MAX_CLUSTER_CELLS,
      });
    }
    const read = await this.search.read(filter);
    const c = compileFilter(filter, read?.terms, asOf);
    const p = c.params();
    const size = p.add(cell);
    const rows: Array<{ n: number; lng: number; lat: number; w: number; s: number; e: number; nn: number; id: string; country: string | null }> =
      await readWith(
        this.ds,
        { columns: [...c.reads, ...PLATFORM.reads("lng", "lat", "overseasCountry")] },
        `SELECT count(*)::int AS n, avg(p.lng) AS lng, avg(p.lat) AS lat, min(p.lng) AS w, min(p.lat) AS s, max(p.lng) AS e, max(p.lat) AS nn,
         min(p.id) AS id, min(p.${col.overseasCountry}) AS country
       FROM ${c.from} WHERE ${c.where} AND p.lng IS NOT NULL
       GROUP BY floor(p.lng / ${size}::float8), floor(p.lat / ${size}::float8)
       ORDER BY n DESC, id`,
        p.values,
      );
    let located = 0;
    const clusters = rows.map((r) => {
      located += r.n;
      const [lng, lat] = project(r.lng, r.lat, r.country, crs);
      return Object.assign(new PlatformCluster(), { count: r.n, lng, lat, bbox: [r.w, r.s, r.e, r.nn], platformId: r.n === 1 ? r.id : null });
    });
    return Object.assign(new PlatformClusters(), { zoom, cellDegrees: cell, located, coordinateSystem: crs, clusters });
  }
}
