/**
 * The plan's targets and the registry's own counts, through the API on the plan's data.
 *
 * The expected counts are not computed from the data here: they were counted by hand from
 * seeds/data/platforms/*.json and seeds/data/history/events.json and written down, so a change to a platform's kind, level or status
 * that moves a count fails this test until the table (and the reasoning beside it) is updated.
 */
import fs from "node:fs";
import path from "node:path";
import { startTestServer, type TestServer } from "../support/server";

/**
 * target id → registryCount, counted by hand (platforms of the kinds, levels and statuses of the
 * target's countRule in seeds/data/targets.json; archived platforms do not count; none is archived).
 */
const EXPECTED: Record<string, number> = {
  // countRule: LABORATORY, NATIONAL, any status from PREPARING to OPERATIONAL.
  // The LABORATORY platforms are four, all in science-centre.json: the Regenerative Medicine and Health
  // Guangdong Laboratory (PROVINCIAL), the Southern Marine Science and Engineering Guangdong Laboratory
  // (PROVINCIAL), the Joint Laboratory of Chemical Geodynamics (no level) and the South China Acupuncture
  // Guangdong-Hong Kong Joint Laboratory (no level). industry-openness.json has no LABORATORY. None is
  // NATIONAL (the plan names no national laboratory individually): 0.
  "2020-national-laboratories-end": 0,
  // countRule: LABORATORY, PROVINCIAL, OPERATIONAL. Of the two PROVINCIAL laboratories above, the
  // Regenerative Medicine and Health Guangdong Laboratory was founded on 2017-12-22 and is OPERATIONAL
  // (inferred) as of 2018-09-14; the Southern Marine laboratory, UNDER_CONSTRUCTION on the plan's date,
  // was unveiled and began to run on 2019-01-08 (history/events.json: OPERATIONAL). So 2 for each
  // Guangdong-laboratory line, whatever its year: the registry counts the platforms' current status.
  "2018-guangdong-laboratories-yearly": 2,
  "2019-guangdong-laboratories-yearly": 2,
  "2020-guangdong-laboratories-end": 2,
};

const TARGETS = `query($year: Int) { targets(year: $year) {
  id year scope valueMin valueMax countRule { kinds levels statuses } registryCount } }`;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe("targets: the registry's own counts", () => {
  test("every target with a count rule has the hand-counted registryCount; the others have none", async () => {
    const r = await s.gql(TARGETS);
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
    const targets: any[] = r.data!.targets;
    const file = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "seeds", "data", "targets.json"), "utf8")) as any[];
    expect(targets).toHaveLength(file.length);

    const withRule = targets.filter((t) => t.countRule);
    // The table covers exactly the targets that have a rule: a new rule needs a hand count here.
    expect(withRule.map((t) => t.id).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(withRule.map((t) => t.id).sort()).toEqual(
      file
        .filter((t) => t.countRule)
        .map((t) => t.id)
        .sort(),
    );

    const got = Object.fromEntries(withRule.map((t) => [t.id, t.registryCount]));
    expect(got).toEqual(EXPECTED);
    for (const t of targets.filter((t) => !t.countRule)) expect(t.registryCount).toBeNull();
  });

  test("the count is the same when the targets are asked for one year", async () => {
    for (const year of [2018, 2019, 2020]) {
      const r = await s.gql(TARGETS, { year });
      expect(r.errors).toBeUndefined();
      const targets: any[] = r.data!.targets;
      expect(targets.length).toBeGreaterThan(0);
      expect(targets.every((t) => t.year === year)).toBe(true);
      for (const t of targets.filter((t) => t.countRule)) expect(t.registryCount).toBe(EXPECTED[t.id]);
      const ids = targets
        .filter((t) => t.countRule)
        .map((t) => t.id)
        .sort();
      expect(ids).toEqual(
        Object.keys(EXPECTED)
          .filter((id) => id.startsWith(`${year}-`))
          .sort(),
      );
    }
  });

  test("a platform whose status changes moves the count", async () => {
    // The Southern Marine laboratory (PROVINCIAL, OPERATIONAL) is set back to UNDER_CONSTRUCTION behind the
    // API's back: every Guangdong-laboratory count goes from 2 to 1, and the national ones stay 0.
    await s.write(`UPDATE platform SET status = 'UNDER_CONSTRUCTION'
      WHERE id = 'southern-marine-science-and-engineering-guangdong-laboratory-guangzhou'`);
    const r = await s.gql(TARGETS);
    expect(r.errors).toBeUndefined();
    const got = Object.fromEntries(r.data!.targets.filter((t: any) => t.countRule).map((t: any) => [t.id, t.registryCount]));
    expect(got).toEqual(Object.fromEntries(Object.entries(EXPECTED).map(([id, n]) => [id, id.includes("guangdong") ? n - 1 : n])));
  });
});
