import { col } from "../../src/modules/platform/platform.store";
import fs from "node:fs";
import path from "node:path";
import { buildDataSource } from "../../ormconfig";
import { loadSeed, readSeedData, SeedValidationError } from "../../src/modules/dataset/dataset";
import { GUANGZHOU_BBOX } from "../../src/modules/platform/platform.rules";
import { createTestDatabase } from "../support/db";
import { startTestServer, type TestServer } from "../support/server";

const SOURCE = fs.readFileSync(path.join(__dirname, "..", "..", "seeds", "source", "plan.clean.txt"), "utf8");
const ALL = `query($after: String) { platforms(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { id nameHans nameHant nameEn aliases kind level status
    district { code centroidLng centroidLat } overseas { city country } zone { id }
    location { lng lat precision } domains { id } agencies { id }
    mentions { section excerpt offset } statusHistory { from to effectiveDate actor source { title publishedAt } } } } }`;

let s: TestServer;
const platforms: any[] = [];
beforeAll(async () => {
  s = await startTestServer();
  let after: string | null = null;
  do {
    const r: any = await s.gql(ALL, { after });
    expect(r.errors).toBeUndefined();
    platforms.push(...r.data.platforms.nodes);
    after = r.data.platforms.pageInfo.hasNextPage ? r.data.platforms.pageInfo.endCursor : null;
  } while (after);
});
afterAll(async () => {
  await s?.close();
});

function haversine(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  const R = 6371008.8,
    rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad,
    dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

describe("the plan's data through the API", () => {
  it("holds every platform of the data set", () => {
    expect(platforms.length).toBe(readSeedData().platforms.length);
    expect(platforms.length).toBeGreaterThanOrEqual(100);
  });

  it("finds named platforms by Traditional and Simplified name", async () => {
    for (const name of ["中新廣州知識城", "中新广州知识城", "國家超級計算廣州中心", "香港科技大学广州分校", "华南(广州)技术转移中心"]) {
      const r = await s.gql(`query($q: String) { platforms(filter: { search: $q }, first: 5) { nodes { nameHant nameHans } } }`, { q: name });
      expect(r.data!.platforms.nodes.length).toBeGreaterThan(0);
    }
  });

  it("cites the plan verbatim at the stated offset for every mention", () => {
    for (const p of platforms) {
      expect(p.mentions.length).toBeGreaterThan(0);
      for (const m of p.mentions) expect(SOURCE.slice(m.offset, m.offset + m.excerpt.length)).toBe(m.excerpt);
    }
  });

  it("keeps Guangzhou coordinates in Guangzhou, near their district, and overseas offices abroad", () => {
    const b = GUANGZHOU_BBOX;
    for (const p of platforms) {
      if (!p.location) continue;
      expect(p.location.precision).not.toBe("EXACT"); // nothing in the plan's data is surveyed
      if (p.overseas) {
        expect(p.location.precision).toBe("CITY");
        expect(p.location.lng < b.minLng || p.location.lng > b.maxLng || p.location.lat < b.minLat || p.location.lat > b.maxLat).toBe(true);
        continue;
      }
      expect(p.location.lng).toBeGreaterThanOrEqual(b.minLng);
      expect(p.location.lng).toBeLessThanOrEqual(b.maxLng);
      expect(p.location.lat).toBeGreaterThanOrEqual(b.minLat);
      expect(p.location.lat).toBeLessThanOrEqual(b.maxLat);
      if (p.district) {
        const d = haversine(p.location, { lng: p.district.centroidLng, lat: p.district.centroidLat });
        expect(d).toBeLessThan(45000);
        if (p.location.precision === "DISTRICT") expect(d).toBeLessThan(1);
      }
    }
  });

  it("records each platform's status as a first event citing the plan, or the public source that corrects its wording", () => {
    const corrected = new Map(
      readSeedData()
        .platforms.filter((x) => x.baselineSource)
        .map((x) => [x.id, x.baselineSource!.title]),
    );
    for (const p of platforms) {
      const first = p.statusHistory[p.statusHistory.length - 1];
      expect(first.from).toBeNull();
      expect(first.effectiveDate).toBe("2018-09-14");
      if (corrected.has(p.id)) expect(first.source.title).toBe(corrected.get(p.id));
      else expect(first.source.title).toContain("三年行動計劃");
    }
  });

  it("lists the reference data with counts", async () => {
    const r = await s.gql(`{ districts { code nameHans nameEn platformCount } agencies { id nameHans nameEn platformCount }
      domains { id isGroup platformCount parent { id } children { id } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.districts).toHaveLength(11);
    const huangpu = r.data!.districts.find((d: any) => d.code === "440112");
    expect(huangpu.platformCount).toBe(platforms.filter((p) => p.district?.code === "440112").length);
    const stic = r.data!.agencies.find((a: any) => a.id === "gz-stic");
    expect(stic.nameHans).toBe("广州市科技创新委员会");
    expect(stic.platformCount).toBe(platforms.filter((p) => p.agencies.some((a: any) => a.id === "gz-stic")).length);
    const biomed = r.data!.domains.find((d: any) => d.id === "biomed");
    const underBiomed = new Set(["biomed", ...r.data!.domains.filter((d: any) => d.parent?.id === "biomed").map((d: any) => d.id)]);
    expect(biomed.platformCount).toBe(platforms.filter((p) => p.domains.some((d: any) => underBiomed.has(d.id))).length);
  });

  it("counts platforms wherever a district, agency or domain is reached, not only in the top-level lists", async () => {
    const r = await s.gql(`{ platform(id: "sun-yat-sen-university") { district { code platformCount }
      agencies { id platformCount } domains { id platformCount parent { id platformCount } } } }`);
    expect(r.errors).toBeUndefined();
    const p = r.data!.platform;
    expect(p.district.platformCount).toBe(platforms.filter((x) => x.district?.code === p.district.code).length);
    for (const a of p.agencies) expect(a.platformCount).toBe(platforms.filter((x) => x.agencies.some((y: any) => y.id === a.id)).length);
    for (const d of p.domains) expect(d.platformCount).toBeGreaterThanOrEqual(platforms.filter((x) => x.domains.some((y: any) => y.id === d.id)).length);
  });

  it("counts a platform once under each domain whose subtree or group holds it, and leaves archived platforms out", async () => {
    const tree: Array<{ id: string; parent_id: string | null; also_in: string[] | null }> = await s.running.db.dataSource.query(
      `SELECT id, parent_id, also_in FROM domain`,
    );
    const reach = (root: string) => {
      const out = new Set([root]);
      for (let grew = true; grew;) {
        grew = false;
        for (const d of tree) {
          if (!out.has(d.id) && ((d.parent_id && out.has(d.parent_id)) || (d.also_in ?? []).some((x) => out.has(x)))) grew = !!out.add(d.id);
        }
      }
      return out;
    };
    const gone = platforms.find((p) => p.domains.length > 1 && p.agencies.length > 0)!;
    await s.write(`UPDATE platform SET archived_at = now() WHERE id = $1`, [gone.id]);
    try {
      const r = await s.gql(`{ agencies { id platformCount } domains { id platformCount } }`);
      expect(r.errors).toBeUndefined();
      const kept = platforms.filter((p) => p.id !== gone.id);
      for (const d of r.data!.domains) {
        const under = reach(d.id);
        expect({ id: d.id, n: d.platformCount }).toEqual({ id: d.id, n: kept.filter((p) => p.domains.some((x: any) => under.has(x.id))).length });
      }
      for (const a of r.data!.agencies) {
        expect({ id: a.id, n: a.platformCount }).toEqual({ id: a.id, n: kept.filter((p) => p.agencies.some((x: any) => x.id === a.id)).length });
      }
    } finally {
      await s.write(`UPDATE platform SET archived_at = NULL WHERE id = $1`, [gone.id]);
    }
  });

  it("exposes the plan's targets with the registry's own counts", async () => {
    const r = await s.gql(`{ targets(year: 2020) { id year scope valueMin valueMax unit comparator excerpt offset
      countRule { kinds levels statuses } registryCount } }`);
    expect(r.errors).toBeUndefined();
    const ts = r.data!.targets;
    expect(ts.every((t: any) => t.year === 2020)).toBe(true);
    const hte = ts.find((t: any) => t.id === "2020-high-tech-enterprises-end");
    expect(hte).toMatchObject({ valueMin: 12000, valueMax: 12000, unit: "家", comparator: "超過" });
    for (const t of ts) {
      expect(SOURCE.slice(t.offset, t.offset + t.excerpt.length)).toBe(t.excerpt);
      if (!t.countRule) expect(t.registryCount).toBeNull();
      else {
        const expected = platforms.filter(
          (p) =>
            (!t.countRule.kinds || t.countRule.kinds.includes(p.kind)) &&
            (!t.countRule.levels || t.countRule.levels.includes(p.level)) &&
            (!t.countRule.statuses || t.countRule.statuses.includes(p.status)),
        ).length;
        expect(t.registryCount).toBe(expected);
      }
    }
  });
});

describe("the seed loader", () => {
  const counts = async (ds: ReturnType<typeof buildDataSource>) =>
    (
      await ds.query(`SELECT (SELECT count(*) FROM platform) p, (SELECT count(*) FROM platform_mention) m,
      (SELECT count(*) FROM status_event) e, (SELECT count(*) FROM target) t, (SELECT count(*) FROM platform_agency) a,
      (SELECT max(${col.updatedAt}) FROM platform) u`)
    )[0];

  it("is idempotent: a second run writes nothing and leaves the same rows", async () => {
    const ds = s.running.db.dataSource;
    const before = await counts(ds);
    const { written } = await loadSeed(ds);
    expect(Object.fromEntries(Object.entries(written).filter(([, n]) => n > 0))).toEqual({});
    expect(await counts(ds)).toEqual(before);
  });

  it("corrects an earlier baseline as a recorded correction, unless an official has recorded a change", async () => {
    const ds = s.running.db.dataSource;
    const data = readSeedData();
    const [a, b] = data.platforms
      .filter((x) => x.status === "OPERATIONAL")
      .slice(0, 2)
      .map((x) => x.id);
    // as an earlier edition of the data set left them: UNDER_CONSTRUCTION in the seed's only event
    for (const id of [a, b]) {
      await s.write(`UPDATE platform SET status = 'UNDER_CONSTRUCTION' WHERE id = $1`, [id]);
      await s.write(`UPDATE status_event SET to_status = 'UNDER_CONSTRUCTION' WHERE platform_id = $1`, [id]);
    }
    // an official has recorded a change on b since: the data set leaves it alone
    await s.write(
      `INSERT INTO status_event (platform_id, from_status, to_status, effective_date, actor, correction) VALUES ($1, 'UNDER_CONSTRUCTION', 'UNDER_CONSTRUCTION', '2019-01-01', 'Huangpu office', true)`,
      [b],
    );
    const { written } = await loadSeed(ds, data);
    expect(written.status_event).toBe(1);
    const [pa] = await ds.query(`SELECT status FROM platform WHERE id = $1`, [a]);
    expect(pa.status).toBe("OPERATIONAL");
    const events = await ds.query(`SELECT from_status, to_status, actor, correction, source_title FROM status_event WHERE platform_id = $1 ORDER BY id`, [a]);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ from_status: "UNDER_CONSTRUCTION", to_status: "OPERATIONAL", actor: "seed", correction: true });
    const [pb] = await ds.query(`SELECT status FROM platform WHERE id = $1`, [b]);
    expect(pb.status).toBe("UNDER_CONSTRUCTION");
    // and a second run changes nothing
    const again = await loadSeed(ds, data);
    expect(Object.values(again.written).every((n) => n === 0)).toBe(true);
  });

  it("rejects invalid data naming the record, and writes nothing", async () => {
    const db = await createTestDatabase();
    const ds = buildDataSource(db.url);
    try {
      await ds.initialize();
      await ds.runMigrations();
      const data = readSeedData();
      const bad = structuredClone(data);
      bad.platforms[3].district = "440199";
      bad.platforms[7].mentions[0].offset += 1;
      await expect(loadSeed(ds, bad)).rejects.toThrow(SeedValidationError);
      await expect(loadSeed(ds, bad)).rejects.toThrow(new RegExp(`platform '${bad.platforms[3].id}': unknown district code '440199'`));
      await expect(loadSeed(ds, bad)).rejects.toThrow(new RegExp(`platform '${bad.platforms[7].id}'.*not found verbatim`));
      const c = await counts(ds);
      expect([c.p, c.m, c.e, c.t].map(Number)).toEqual([0, 0, 0, 0]);
      // and the good data loads
      await loadSeed(ds, data);
      expect(Number((await counts(ds)).p)).toBe(data.platforms.length);
    } finally {
      await ds.destroy();
      await db.drop();
    }
  });
});

describe("the source text", () => {
  it("is the published plan with exactly the pinyin annotations removed", () => {
    const published = fs.readFileSync(path.join(__dirname, "..", "..", "seeds", "source", "plan.txt"), "utf8");
    expect(published.replace(/(\p{Script=Han})\([a-zà-ɏüǖǘǚǜ]+\)/gu, "$1")).toBe(SOURCE);
  });
});
