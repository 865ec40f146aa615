/**
 * Where the data set searched public sources and found nothing citable, the record says so: a
 * platform's and a target's sourceSearches answer the data set's searches for them, with when, what
 * was searched and what was found.
 */
import { readSeedData } from "../../src/modules/dataset/dataset";
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const seed = readSeedData();

it("a platform searched without result says when, what and what was found; one not searched has none", async () => {
  const searched = seed.searched.filter((x) => x.platform);
  const id = searched[searched.length - 1].platform!;
  const expected = searched.filter((x) => x.platform === id);
  const r = await s.gql(`query($id: ID!) { platform(id: $id) { sourceSearches { searchedOn queries result } } }`, { id });
  expect(r.errors).toBeUndefined();
  expect(r.data!.platform.sourceSearches).toHaveLength(expected.length);
  expect(
    r
      .data!.platform.sourceSearches.map((x: { queries: string[] }) => x.queries)
      .flat()
      .sort(),
  ).toEqual(expected.flatMap((x) => x.queries).sort());
  for (const x of r.data!.platform.sourceSearches) expect(x.searchedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);

  const never = seed.platforms.find((p) => !seed.searched.some((x) => x.platform === p.id))!;
  const n = await s.gql(`query($id: ID!) { platform(id: $id) { sourceSearches { result } } }`, { id: never.id });
  expect(n.data!.platform.sourceSearches).toEqual([]);
});

it("a target without a public figure lists the searches for one, beside its reported figures", async () => {
  const id = seed.searched.find((x) => x.target)!.target!;
  const r = await s.gql(`query($id: ID!) { target(id: $id) { id reported { year } sourceSearches { searchedOn queries result } } }`, { id });
  expect(r.errors).toBeUndefined();
  expect(r.data!.target.sourceSearches.length).toBe(seed.searched.filter((x) => x.target === id).length);
  expect(r.data!.target.sourceSearches[0].result.length).toBeGreaterThan(10);
});

it("a page of platforms answers the searches for each in one request", async () => {
  const r = await s.gql(`{ platforms(first: 100) { nodes { id sourceSearches { searchedOn } } } }`);
  expect(r.errors).toBeUndefined();
  const withSearches = r.data!.platforms.nodes.filter((n: { sourceSearches: unknown[] }) => n.sourceSearches.length);
  const inPage = new Set(r.data!.platforms.nodes.map((n: { id: string }) => n.id));
  expect(withSearches.length).toBe(new Set(seed.searched.filter((x) => x.platform && inPage.has(x.platform)).map((x) => x.platform)).size);
});
