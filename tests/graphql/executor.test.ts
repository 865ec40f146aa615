/**
 * The compiled executor (graphql-jit, the default) answers exactly as graphql-js: two registries on
 * one database, the second with GRAPHQL_JIT=false, the same operations sent to both over HTTP, the
 * status and the body compared byte for byte. The operations cover what the compiler handles
 * itself (aliases, fragments, directives, lists of objects, nulls, JSON spliced as text, errors
 * thrown by resolvers, mutations) and what it hands to graphql-js (introspection, variables that
 * do not coerce).
 */
import "reflect-metadata";
import pino from "pino";
import { loadConfig } from "../../src/config";
import { start, type Running } from "../../src/bootstrap";
import { startTestServer, type TestServer } from "../support/server";
import { createToken } from "../support/factories";

const QUIET = { EXPOSE_SQL_COUNT: "false", RESPONSE_CACHE: "false" };

let compiled: TestServer;
let walked: Running;
let walkedUrl: string;
let admin: string;

beforeAll(async () => {
  compiled = await startTestServer({ env: QUIET });
  walked = await start(
    loadConfig({
      DATABASE_URL: compiled.db.url,
      PORT: "0",
      HOST: "127.0.0.1",
      SEED_ON_EMPTY: "false",
      MIGRATIONS_RUN: "false",
      LOG_LEVEL: "silent",
      RATE_LIMIT_PER_IP: "0",
      CONNECTIONS_PER_IP: "0",
      GRAPHQL_JIT: "false",
      ...QUIET,
    }),
    pino({ level: "silent" }),
  );
  await walked.ready;
  walkedUrl = `http://127.0.0.1:${walked.port}`;
  admin = (await createToken(compiled, { role: "ADMIN" })).token;
}, 120_000);

afterAll(async () => {
  await walked?.shutdown();
  await compiled?.close();
});

/** The raw answer of one server: HTTP status and body text. */
async function post(url: string, query: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.text() };
}

/** Sends the operation to both servers; expects the same status and the same bytes, and returns the parsed body. */
async function same(query: string, variables?: Record<string, unknown>, token?: string): Promise<any> {
  const a = await post(compiled.url, query, variables, token);
  const b = await post(walkedUrl, query, variables, token);
  expect(a).toEqual(b);
  return JSON.parse(a.body);
}

const PAGE = `id nameHans nameHant nameEn nameEnEstablished aliases kind level status version note locationNote
  createdAt updatedAt archivedAt
  location { lng lat precision } overseas { city country }
  district { code nameHans nameEn centroidLng centroidLat }
  domains { id nameHans isGroup parent { id } }
  agencies { id nameHans abbreviations level }`;

describe("the compiled executor answers as graphql-js", () => {
  it("lists: a district and domain page, facets, counts, cursors, edges", async () => {
    const first = await same(
      `query Page($f: PlatformFilter, $n: Int) {
        platforms(filter: $f, first: $n) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          facets { district { value count } domain { value count } kind { value count } status { value count } }
          edges { cursor node { id } }
          nodes { ${PAGE} }
        }
      }`,
      { f: { districts: ["440112"] }, n: 7 },
    );
    expect(first.data.platforms.nodes).toHaveLength(7);
    const after = first.data.platforms.pageInfo.endCursor;
    const next = await same(`query($a: String) { platforms(filter: { districts: ["440112"] }, first: 7, after: $a) { nodes { id } } }`, { a: after });
    expect(next.data.platforms.nodes[0].id).not.toBe(first.data.platforms.nodes[0].id);
    await same(`{ platforms(last: 3, filter: { domains: ["life-science"] }) { nodes { id domains { id } } pageInfo { hasPreviousPage } } }`);
    await same(`{ platforms(first: 5, asOf: "2019-06-30", filter: { statuses: [OPERATIONAL] }) { totalCount nodes { id status } } }`);
  });

  it("one platform with every relation, aliases, fragments, directives and __typename", async () => {
    const ids = (await same(`{ platforms(first: 3, filter: { kinds: [INNOVATION_ZONE] }) { nodes { id } } }`)).data.platforms.nodes.map(
      (n: { id: string }) => n.id,
    );
    expect(ids.length).toBeGreaterThan(0);
    const r = await same(
      `query One($id: ID!, $skipNames: Boolean!, $withZone: Boolean!) {
        __typename
        one: platform(id: $id) {
          __typename
          ...Whole
          names: laterNames @skip(if: $skipNames) { name script effectiveDate datePrecision source { title url } }
          zone @include(if: $withZone) { id __typename }
          ... on Platform { children { id zone { id } } }
        }
        missing: platform(id: "no-such-platform") { id }
      }
      fragment Whole on Platform {
        ${PAGE}
        mentions { section excerpt offset }
        statusHistory { id from to effectiveDate recordedAt actor note correction datePrecision platformId source { title url publisher publishedAt } platform { id } }
        sourceSearches { searchedOn queries result }
      }`,
      { id: ids[0], skipNames: false, withZone: true },
    );
    expect(r.data.one.id).toBe(ids[0]);
    expect(r.data.missing).toBeNull();
    await same(`query($id: ID!) { platform(id: $id) { id names: laterNames @skip(if: true) { name } zone @include(if: false) { id } } }`, { id: ids[0] });
  });

  it("the reference lists, targets, search, the map's GeoJSON and cells", async () => {
    await same(`{ districts { code nameHans nameHant nameEn platformCount } agencies { id nameEn platformCount } }`);
    await same(`{ domains { id nameEn isGroup platformCount parent { id } children { id } groups { id } members { id } mentions { section } } }`);
    await same(
      `{ targets { id year section metricHans unit valueMin valueMax comparator registryCount progress reported { year value unit comparable source { title url } } } }`,
    );
    await same(`{ targets(year: 2020) { id progress } statusTransitions { from to } viewer { name } }`);
    await same(
      `{ platforms(filter: { search: "黄埔 生物" }, first: 5) { totalCount searchInterpretation { districts domains text summaryEn summaryHans } nodes { id nameHans } } }`,
    );
    const geo = await same(`{ platformsGeoJSON(filter: { districts: ["440112"] }) }`);
    expect(geo.data.platformsGeoJSON.type).toBe("FeatureCollection");
    await same(`{ platformClusters(filter: {}, zoom: 9) { zoom cellDegrees located coordinateSystem clusters { lng lat count platformId bbox } } }`);
    await same(`{ changes(since: "2018-01-01T00:00:00Z", first: 5) { nodes { id platformId from to effectiveDate } pageInfo { hasNextPage endCursor } } }`);
  });

  it("errors: thrown by resolvers, bad arguments, variables that do not coerce, introspection", async () => {
    const tooMany = await same(`{ a: platforms(first: 1000) { totalCount } b: platform(id: "x") { id } c: districts { code } }`);
    expect(tooMany.errors.length).toBeGreaterThan(0);
    await same(`{ platforms(filter: { districts: ["not-a-code"] }) { totalCount } }`);
    await same(`{ platformsGeoJSON(filter: { bbox: [1, 2, 3] }) }`);
    await same(`query($n: Int) { platforms(first: $n) { totalCount } }`, { n: "many" });
    await same(`query($f: PlatformFilter!) { platforms(filter: $f) { totalCount } }`);
    await same(`{ __schema { queryType { name } } __type(name: "Platform") { name fields { name } } }`);
  });

  it("the compiled server compiles what it can, and hands the rest to graphql-js", async () => {
    const count = async (url: string): Promise<Record<string, number>> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const out: Record<string, number> = {};
      for (const m of text.matchAll(/^registry_graphql_executions_total\{executor="([^"]+)"\} (\d+)/gm)) out[m[1]] = Number(m[2]);
      return out;
    };
    const delta = async (query: string, variables?: Record<string, unknown>, token?: string) => {
      const before = await count(compiled.url);
      await same(query, variables, token);
      const after = await count(compiled.url);
      return { compiled: (after.compiled ?? 0) - (before.compiled ?? 0), "graphql-js": (after["graphql-js"] ?? 0) - (before["graphql-js"] ?? 0) };
    };
    expect(await delta(`{ platforms(first: 3) { nodes { id district { code } domains { id } } } }`)).toEqual({ compiled: 1, "graphql-js": 0 });
    expect(await delta(`{ __type(name: "Platform") { name } }`)).toEqual({ compiled: 0, "graphql-js": 1 });
    expect(await delta(`query($n: Int) { platforms(first: $n) { totalCount } }`, { n: "many" })).toEqual({ compiled: 0, "graphql-js": 1 });
    // UpdatePlatformStatusInput.correction is Boolean! = false: graphql-jit would refuse it left out
    const write = `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { id } }`;
    expect(await delta(write, { input: { id: "x", status: "PLANNED", expectedVersion: 1, effectiveDate: "2026-01-01" } })).toEqual({
      compiled: 0,
      "graphql-js": 1,
    });
    expect(await count(walkedUrl)).toEqual({});
  });

  it("mutations: refused the same way, and a written status reads back the same", async () => {
    const { id, version, status } = (await same(`{ platforms(first: 1, filter: { statuses: [PLANNED] }) { nodes { id version status } } }`)).data.platforms
      .nodes[0];
    const write = `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { id status version statusHistory { to actor } } }`;
    const source = { title: "广州市科技创新委员会年度工作总结", url: "https://example.org/report", publishedAt: "2026-01-10" };
    const input = { id, status: "PREPARING", expectedVersion: version, effectiveDate: "2026-01-15", source };
    await same(write, { input }); // no token
    await same(write, { input: { ...input, expectedVersion: version + 5 } }, admin); // a stale version
    await same(write, { input: { ...input, status } }, admin); // already in that status
    const written = await post(compiled.url, write, { input }, admin);
    expect([written.status, JSON.parse(written.body).errors]).toEqual([200, undefined]);
    const after = JSON.parse(written.body).data.updatePlatformStatus;
    expect(after).toMatchObject({ id, status: "PREPARING", version: version + 1 });
    const read = await same(`query($id: ID!) { platform(id: $id) { id status version statusHistory { to actor } } }`, { id });
    expect(read.data.platform).toEqual(after);
  });
});
