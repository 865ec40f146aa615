/**
 * platformClusters: a map's view of any number of platforms, grouped in SQL into cells of the grid at
 * a zoom level. Every located platform in the box is counted in exactly one cell; a cell of one names
 * its platform; filters and asOf apply as for platformsGeoJSON; a box too big for the zoom is refused.
 */
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const Q = `query($f: PlatformFilter!, $z: Int!, $crs: CoordinateSystem, $asOf: Date) {
  platformClusters(filter: $f, zoom: $z, crs: $crs, asOf: $asOf) { zoom cellDegrees located coordinateSystem clusters { count lng lat bbox platformId } } }`;
const CITY = [112.9, 22.5, 114.1, 23.95];

async function located(filter: Record<string, unknown>): Promise<string[]> {
  const r = await s.gql(`query($f: PlatformFilter) { platformsGeoJSON(filter: $f) }`, { f: filter });
  return r.data!.platformsGeoJSON.features.map((f: { id: string }) => f.id);
}

it("counts every located platform of the box once, at every zoom; fewer, fuller cells zoomed out", async () => {
  const ids = await located({ bbox: CITY });
  let previous = Infinity;
  for (const z of [13, 11, 9, 6]) {
    const r = await s.gql(Q, { f: { bbox: CITY }, z });
    expect(r.errors).toBeUndefined();
    const c = r.data!.platformClusters;
    expect(c.located).toBe(ids.length);
    expect(c.clusters.reduce((n: number, x: { count: number }) => n + x.count, 0)).toBe(ids.length);
    expect(c.clusters.length).toBeLessThanOrEqual(previous);
    previous = c.clusters.length;
    for (const x of c.clusters) {
      expect(x.bbox[0]).toBeLessThanOrEqual(x.lng + 1e-9);
      expect(x.lng).toBeLessThanOrEqual(x.bbox[2] + 1e-9);
      expect(x.platformId === null).toBe(x.count > 1);
      if (x.platformId) expect(ids).toContain(x.platformId);
    }
  }
  const far = await s.gql(Q, { f: { bbox: CITY }, z: 6 });
  expect(far.data!.platformClusters.clusters.length).toBeLessThan(5);
});

it("applies the filter and asOf as platformsGeoJSON does", async () => {
  const filter = { bbox: CITY, districts: ["440112"], statuses: ["OPERATIONAL"] };
  const ids = await located(filter);
  const r = await s.gql(Q, { f: filter, z: 12 });
  expect(r.data!.platformClusters.located).toBe(ids.length);
  const singles = r.data!.platformClusters.clusters.filter((x: { platformId: string | null }) => x.platformId).map((x: { platformId: string }) => x.platformId);
  for (const id of singles) expect(ids).toContain(id);
  const then = await s.gql(`query($f: PlatformFilter) { platformsGeoJSON(filter: $f, asOf: "2018-09-14") }`, { f: filter });
  const r2 = await s.gql(Q, { f: filter, z: 12, asOf: "2018-09-14" });
  expect(r2.data!.platformClusters.located).toBe(then.data!.platformsGeoJSON.features.length);
});

it("gives GCJ-02 points for an AMap basemap", async () => {
  const w = await s.gql(Q, { f: { bbox: CITY }, z: 13 });
  const g = await s.gql(Q, { f: { bbox: CITY }, z: 13, crs: "GCJ02" });
  const a = w.data!.platformClusters.clusters[0],
    b = g.data!.platformClusters.clusters.find((x: { bbox: number[] }) => x.bbox.join() === a.bbox.join());
  expect(g.data!.platformClusters.coordinateSystem).toBe("GCJ02");
  // GCJ-02 lies a few hundred metres off WGS-84 in Guangzhou
  expect(Math.abs(b.lng - a.lng) + Math.abs(b.lat - a.lat)).toBeGreaterThan(0.001);
  expect(Math.abs(b.lng - a.lng) + Math.abs(b.lat - a.lat)).toBeLessThan(0.02);
});

it("refuses without a bbox, with a bad zoom, and a box too big for its zoom, naming the field", async () => {
  const none = await s.gql(Q, { f: { districts: ["440112"] }, z: 10 });
  expect(none.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.bbox" });
  const zoom = await s.gql(Q, { f: { bbox: CITY }, z: 30 });
  expect(zoom.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "zoom" });
  const big = await s.gql(Q, { f: { bbox: [-180, -90, 180, 90] }, z: 12 });
  expect(big.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "zoom" });
});
