/**
 * A real GIS client against the OGC API – Features endpoint: Debian's GDAL (`ogrinfo`, `ogr2ogr`
 * from the package gdal-bin) reads the platforms collection from a test server over HTTP. The
 * server records every request it answers (method, URL, status), so the tests see from the
 * server's side what GDAL asked for: that a `-where` reached the server as a query parameter
 * (GDAL takes the parameters that /api lists for /items and that are feature properties), and
 * that nothing GDAL asked for was a 404. Expected answers come from GraphQL.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { startTestServer, type TestServer } from "../support/server";

const run = promisify(execFile);

interface Seen {
  method: string;
  url: string;
  status: number;
}

let s: TestServer;
let seen: Seen[] = [];
let tmp: string;

/** GDAL's environment: its debug output on, no proxy between it and the test server. */
const GDAL_ENV = (() => {
  const env: NodeJS.ProcessEnv = { ...process.env, CPL_DEBUG: "ON", GDAL_HTTP_TIMEOUT: "30", NO_PROXY: "*", no_proxy: "*" };
  for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"]) delete env[k];
  return env;
})();

async function gdal(tool: "ogrinfo" | "ogr2ogr", args: string[]) {
  const r = await run(tool, args, { env: GDAL_ENV, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return { stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

/** The feature ids in ogrinfo's listing of features (`  id (String) = …`). */
const listedIds = (out: string) => [...out.matchAll(/^\s+id \(String\) = (.+)$/gm)].map((m) => m[1].trim()).sort();

/** Ids of the located platforms matching a GraphQL filter, from platformsGeoJSON. */
async function locatedIds(filter: Record<string, unknown> | null): Promise<string[]> {
  const r = await s.gql(`query($f: PlatformFilter) { platformsGeoJSON(filter: $f) }`, { f: filter });
  expect(r.errors).toBeUndefined();
  return r.data!.platformsGeoJSON.features.map((f: { id: string }) => f.id).sort();
}

const itemsRequests = () => seen.filter((r) => new URL(r.url, "http://x").pathname === "/collections/platforms/items");

beforeAll(async () => {
  try {
    await run("ogrinfo", ["--version"]);
  } catch (err) {
    throw new Error(
      `ogrinfo (GDAL) is not installed or does not run: ${(err as Error).message}. ` +
        "These tests drive GDAL's OGC API – Features driver; install Debian's gdal-bin (apt-get install -y gdal-bin).",
      { cause: err },
    );
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ogc-gdal-"));
  s = await startTestServer();
  s.running.server.httpServer.on("request", (req: IncomingMessage & { originalUrl?: string }, res: ServerResponse) => {
    res.on("finish", () => seen.push({ method: req.method ?? "", url: req.originalUrl ?? req.url ?? "", status: res.statusCode }));
  });
});
afterAll(async () => {
  await s?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  seen = [];
});

describe("GDAL's OGC API – Features driver (OAPIF)", () => {
  it("ogrinfo lists the platforms layer with its fields and the server's count, and asks for nothing that is not there", async () => {
    const located = await locatedIds(null);
    const { stdout, all } = await gdal("ogrinfo", ["-ro", "-so", `OAPIF:${s.url}`, "platforms"]);
    expect(stdout).toMatch(/^Layer name: platforms$/m);
    expect(stdout).toMatch(/^Geometry: Point$/m);
    expect(stdout).toMatch(new RegExp(`^Feature Count: ${located.length}$`, "m"));
    for (const field of ["district", "kind", "level", "status", "zone", "domains"]) expect(stdout).toMatch(new RegExp(`^${field}: `, "m"));
    expect(all).not.toMatch(/\b404\b/);
    expect(all).not.toMatch(/HTTP error|Unexpected Content-Type/i);
    // GDAL read the service description and the collection; every answer was a success.
    const paths = seen.map((r) => new URL(r.url, "http://x").pathname);
    expect(paths).toEqual(expect.arrayContaining(["/collections", "/collections/platforms/items"]));
    expect(seen.filter((r) => r.status >= 400)).toEqual([]);
  });

  it("ogrinfo -where \"district = '440112'\" filters on the server and lists exactly that district's located platforms", async () => {
    const expected = await locatedIds({ districts: ["440112"] });
    expect(expected.length).toBeGreaterThan(0);
    const { stdout, all } = await gdal("ogrinfo", ["-ro", "-al", "-geom=NO", `OAPIF:${s.url}`, "platforms", "-where", "district = '440112'"]);
    expect(listedIds(stdout)).toEqual(expected);
    expect(all).not.toMatch(/\b404\b/);
    // GDAL's own debug output: the filter went to the server whole, none of it is evaluated by the client.
    expect(all).not.toMatch(/evaluated on client side/);
    // The server's side: the filter reached it as ?district=440112 on /items, and was answered.
    const filtered = itemsRequests().filter((r) => new URL(r.url, "http://x").searchParams.get("district") === "440112");
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((r) => r.status === 200)).toBe(true);
    // It learnt which parameters /items takes from the service description the landing page links to.
    expect(seen.some((r) => r.url === "/api" && r.status === 200)).toBe(true);
    expect(seen.filter((r) => r.status >= 400)).toEqual([]);
  });

  it("ogrinfo combines two queryables (district and kind) into two query parameters", async () => {
    // a kind that some located platform in Huangpu has, read from the API
    const r = await s.gql(`{ platformsGeoJSON(filter: { districts: ["440112"] }) }`);
    const kind: string = r.data!.platformsGeoJSON.features[0].properties.kind;
    const expected = await locatedIds({ districts: ["440112"], kinds: [kind] });
    expect(expected.length).toBeGreaterThan(0);
    const { stdout, all } = await gdal("ogrinfo", [
      "-ro",
      "-al",
      "-geom=NO",
      `OAPIF:${s.url}`,
      "platforms",
      "-where",
      `district = '440112' AND kind = '${kind}'`,
    ]);
    expect(listedIds(stdout)).toEqual(expected);
    expect(all).not.toMatch(/evaluated on client side/);
    const filtered = itemsRequests().filter((req) => {
      const q = new URL(req.url, "http://x").searchParams;
      return q.get("district") === "440112" && q.get("kind") === kind;
    });
    expect(filtered.length).toBeGreaterThan(0);
  });

  it("ogrinfo evaluates an expression the server cannot take (OR) itself, still with the right answer", async () => {
    const expected = await locatedIds({ districts: ["440112", "440115"] });
    const { stdout, all } = await gdal("ogrinfo", [
      "-ro",
      "-al",
      "-geom=NO",
      `OAPIF:${s.url}`,
      "platforms",
      "-where",
      "district = '440112' OR district = '440115'",
    ]);
    expect(listedIds(stdout)).toEqual(expected);
    expect(all).toMatch(/evaluated on client side/);
    expect(seen.filter((req) => req.status >= 400)).toEqual([]);
  });

  it("ogr2ogr copies every located platform to a GeoJSON file, the same as platformsGeoJSON", async () => {
    const expected = await locatedIds(null);
    const out = path.join(tmp, "platforms.json");
    await gdal("ogr2ogr", ["-f", "GeoJSON", out, `OAPIF:${s.url}`, "platforms"]);
    const fc = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(fc.features).toHaveLength(expected.length);
    expect(fc.features.map((f: any) => f.properties.id).sort()).toEqual(expected);
    expect(fc.features.every((f: any) => f.geometry?.type === "Point")).toBe(true);
    expect(seen.filter((r) => r.status >= 400)).toEqual([]);
  });
});
