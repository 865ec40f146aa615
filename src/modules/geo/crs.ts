/**
 * Coordinate systems for output. The registry stores WGS-84; Chinese web maps draw in GCJ-02
 * (AMap, Tencent) or BD-09 (Baidu), so a point drawn on them must be shifted first or it lands
 * 100–700 m away from the site. The shift is applied only to points in China: both systems are
 * the WGS-84 point itself abroad (Baidu's documentation: 海外地区统一使用WGS84坐标), and gcoord
 * alone would get that wrong (it shifts every point to BD-09, and decides "in China" for GCJ-02
 * with a rough box that also holds Japan and Korea).
 */
import gcoord from "gcoord";
import { registerEnumType } from "type-graphql";

export enum CoordinateSystem {
  WGS84 = "WGS84",
  GCJ02 = "GCJ02",
  BD09 = "BD09",
}

registerEnumType(CoordinateSystem, {
  name: "CoordinateSystem",
  description: "Coordinate system of output coordinates. Stored coordinates are WGS-84; the others are converted on output, for points in China only.",
  valuesConfig: {
    WGS84: { description: "WGS-84 (GPS, OpenStreetMap, RFC 7946 GeoJSON); the default" },
    GCJ02: { description: "GCJ-02, the system of AMap (高德) and Tencent maps; equals WGS-84 outside China" },
    BD09: { description: "BD-09 (longitude/latitude), the system of Baidu maps; equals WGS-84 outside China" },
  },
});

/** Countries whose maps use GCJ-02/BD-09 (Baidu treats Hong Kong, Macao and Taiwan as domestic). */
const CHINA_COUNTRIES = new Set(["CN", "HK", "MO", "TW"]);

/** The box conversion libraries use for "in China"; a second check, not the decision. */
const inChinaBox = (lng: number, lat: number) => lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;

/**
 * Whether a platform's point is in China. The registry knows better than any box: an overseas
 * office carries its country; every other platform is in Guangzhou (the seed loader checks its
 * point lies there).
 */
export function inChina(lng: number, lat: number, overseasCountry: string | null): boolean {
  if (overseasCountry !== null && !CHINA_COUNTRIES.has(overseasCountry)) return false;
  return inChinaBox(lng, lat);
}

/** Six decimals are about 0.1 m, finer than any stored point (RFC 7946 §11.2). */
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** A stored WGS-84 point in the asked system: [lng, lat]. Stored values pass through untouched. */
export function project(lng: number, lat: number, overseasCountry: string | null, crs: CoordinateSystem): [number, number] {
  if (crs === CoordinateSystem.WGS84 || !inChina(lng, lat, overseasCountry)) return [lng, lat];
  const [x, y] = gcoord.transform([lng, lat], gcoord.WGS84, crs === CoordinateSystem.GCJ02 ? gcoord.GCJ02 : gcoord.BD09) as [number, number];
  return [round6(x), round6(y)];
}
