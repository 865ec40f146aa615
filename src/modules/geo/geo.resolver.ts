import { GraphQLDate, GraphQLJSON } from "graphql-scalars";
import { AS_OF } from "../platform/platform.resolver";
import { isoDate } from "../platform/platform.query";
import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { PlatformFilter } from "../platform/platform.inputs";
import { CoordinateSystem } from "./crs";
import { MAX_GEOJSON_FEATURES } from "./geo.service";
import { CELL_PX, MAX_CLUSTER_CELLS, PlatformClusters } from "./clusters";
import type { RawJson } from "../../raw-json";

@Resolver()
export class GeoResolver {
  @Query(() => GraphQLJSON, {
    description:
      "Located platforms matching the filter as an RFC 7946 FeatureCollection: one Point feature per platform (id = platform id; " +
      "properties nameHans, nameHant, nameEn, kind, level, status, district, domains, precision, version, updatedAt). " +
      "Platforms without a point are left out and counted in the foreign member numberWithoutLocation; the foreign member " +
      `coordinateSystem names the system of the coordinates. At most ${MAX_GEOJSON_FEATURES} features (BAD_USER_INPUT beyond: narrow the filter).`,
  })
  platformsGeoJSON(
    @Arg("filter", () => PlatformFilter, { nullable: true }) filter: PlatformFilter | null,
    @Arg("crs", () => CoordinateSystem, { defaultValue: CoordinateSystem.WGS84, description: "Coordinate system of the output; bbox and near stay WGS-84" })
    crs: CoordinateSystem,
    @Arg("asOf", () => GraphQLDate, { nullable: true, description: `${AS_OF}; the filter's statuses and each feature's status apply to it` })
    asOf: Date | null,
    @Ctx() ctx: Context,
  ): Promise<RawJson> {
    return ctx.services.geo.featureCollection(filter, crs, isoDate(asOf));
  }

  @Query(() => PlatformClusters, {
    description:
      `Located platforms matching the filter within filter.bbox (required: the map's view), grouped into square cells of about ${CELL_PX} pixels ` +
      `at the zoom level: what a map draws when more platforms match than platformsGeoJSON returns. At most ${MAX_CLUSTER_CELLS} cells per answer.`,
  })
  platformClusters(
    @Arg("filter", () => PlatformFilter) filter: PlatformFilter,
    @Arg("zoom", () => Int, { description: "The map's zoom level (Web Mercator, 256-pixel tiles), 0 to 22" }) zoom: number,
    @Arg("crs", () => CoordinateSystem, { defaultValue: CoordinateSystem.WGS84, description: "Coordinate system of the cells' points; bbox stays WGS-84" })
    crs: CoordinateSystem,
    @Arg("asOf", () => GraphQLDate, { nullable: true, description: `${AS_OF}; the filter's statuses apply to it` }) asOf: Date | null,
    @Ctx() ctx: Context,
  ): Promise<PlatformClusters> {
    return ctx.services.clusters.clusters(filter, zoom, crs, isoDate(asOf));
  }
}
