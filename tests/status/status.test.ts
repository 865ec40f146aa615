/**
 * Updating construction status: tokens, scope, the lifecycle, optimistic concurrency, one
 * transaction per write, the audit trail, and live updates across two server instances.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { start, type Running } from "../../src/bootstrap";
import { loadConfig } from "../../src/config";
import { TokenService } from "../../src/modules/auth/token.service";
import { startTestServer, type TestServer } from "../support/server";
import { createPlatform, createToken } from "../support/factories";

let s: TestServer;
let admin: string, inScope: string, outOfScope: string, agencyEditor: string;
const BIO = "guangzhou-intelligent-engineering-research-institute"; // Huangpu (440112), gz-stic among its agencies, UNDER_CONSTRUCTION in the plan
const SOURCE = { title: "黄埔区2019年重点项目进展通报", url: "https://example.gov.cn/notice/1", publishedAt: "2019-06-30" };

const call = (query: string, variables: Record<string, unknown>, token?: string): Promise<any> => s.gql(query, variables, { token });

/** A fingerprint of everything a write could touch. */
async function checksum(): Promise<string> {
  const [r] = await s.running.db.dataSource.query(`SELECT md5(
      coalesce((SELECT string_agg(p::text, '|' ORDER BY id) FROM platform p), '') ||
      coalesce((SELECT string_agg(e::text, '|' ORDER BY id) FROM status_event e), '') ||
      coalesce((SELECT string_agg(d::text, '|' ORDER BY platform_id, domain_id) FROM platform_domain d), '') ||
      coalesce((SELECT string_agg(a::text, '|' ORDER BY platform_id, agency_id) FROM platform_agency a), '') ||
      coalesce((SELECT string_agg(m::text, '|' ORDER BY id) FROM platform_mention m), '')) AS h`);
  return r.h;
}

async function version(id: string): Promise<number> {
  const r = await call(`query($id: ID!) { platform(id: $id) { version } }`, { id });
  return r.data.platform.version;
}

const UPDATE = `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) {
  id status version statusHistory { from to effectiveDate actor correction note source { title url publishedAt } } } }`;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await createToken(s, { name: "city admin", role: "ADMIN" })).token;
  inScope = (await createToken(s, { name: "Huangpu office", role: "EDITOR", districts: ["440112"] })).token;
  outOfScope = (await createToken(s, { name: "Conghua office", role: "EDITOR", districts: ["440117"], agencies: ["gz-culture"] })).token;
  agencyEditor = (await createToken(s, { name: "STIC", role: "EDITOR", agencies: ["gz-stic"] })).token;
});
afterAll(async () => {
  await s?.close();
});

describe("who may write what", () => {
  it("updatePlatformStatus: no token, out of scope, in scope, admin", async () => {
    const input = (v: number, status: string) => ({ id: BIO, status, effectiveDate: "2019-06-30", source: SOURCE, expectedVersion: v });
    let before = await checksum();
    const none = await call(UPDATE, { input: input(await version(BIO), "TRIAL_OPERATION") });
    expect(none.errors?.[0].extensions.code).toBe("UNAUTHENTICATED");
    expect(await checksum()).toBe(before);
    const out = await call(UPDATE, { input: input(await version(BIO), "TRIAL_OPERATION") }, outOfScope);
    expect(out.errors?.[0].extensions.code).toBe("FORBIDDEN");
    expect(await checksum()).toBe(before);
    const bad = await call(UPDATE, { input: input(await version(BIO), "TRIAL_OPERATION") }, "gzr_notarealtoken_" + "x".repeat(43));
    expect(bad.errors?.[0].extensions.code).toBe("UNAUTHENTICATED");

    const v = await version(BIO);
    const ok = await call(UPDATE, { input: { ...input(v, "TRIAL_OPERATION"), note: "试运行" } }, inScope);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.updatePlatformStatus).toMatchObject({ status: "TRIAL_OPERATION", version: v + 1 });
    expect(ok.data.updatePlatformStatus.statusHistory[0]).toEqual({
      from: "UNDER_CONSTRUCTION",
      to: "TRIAL_OPERATION",
      effectiveDate: "2019-06-30",
      actor: "Huangpu office",
      correction: false,
      note: "试运行",
      source: SOURCE,
    });
    before = await checksum();
    const byAgency = await call(UPDATE, { input: input(v + 1, "OPERATIONAL") }, agencyEditor); // gz-stic is responsible for it
    expect(byAgency.errors).toBeUndefined();
    const byAdmin = await call(UPDATE, { input: input(v + 2, "SUSPENDED") }, admin);
    expect(byAdmin.errors).toBeUndefined();
    expect(byAdmin.data.updatePlatformStatus.statusHistory.map((e: any) => e.to)).toEqual([
      "SUSPENDED",
      "OPERATIONAL",
      "TRIAL_OPERATION",
      "UNDER_CONSTRUCTION",
    ]);
    expect(await checksum()).not.toBe(before);
  });

  const CREATE = `mutation($input: CreatePlatformInput!) { createPlatform(input: $input) { id nameHans status version district { code } location { lng lat precision } mentions { excerpt } statusHistory { to actor } } }`;
  const newPlatform = {
    id: "science-popularisation-test-base",
    nameHant: "科普基地",
    nameHans: "科普基地",
    nameEn: "Science popularisation base",
    kind: "OTHER",
    district: "440106",
    location: { precision: "DISTRICT" },
    status: "PLANNED",
    effectiveDate: "2018-09-14",
    agencies: ["gz-publicity"],
    domains: [],
    mentions: [{ section: "三(五)10", excerpt: "辦好一批有影響力的科普基地", offset: 0 }],
  };

  it("createPlatform, updatePlatform and archivePlatform are an admin's", async () => {
    const text = fs.readFileSync(path.join(__dirname, "..", "..", "seeds", "source", "plan.clean.txt"), "utf8");
    newPlatform.mentions[0].offset = text.indexOf(newPlatform.mentions[0].excerpt);
    const before = await checksum();
    for (const token of [undefined, inScope, outOfScope]) {
      const r = await call(CREATE, { input: newPlatform }, token);
      expect(r.errors?.[0].extensions.code).toBe(token ? "FORBIDDEN" : "UNAUTHENTICATED");
    }
    const upd = `mutation($input: UpdatePlatformInput!) { updatePlatform(input: $input) { id nameEn aliases version } }`;
    for (const token of [undefined, inScope, outOfScope]) {
      const r = await call(upd, { input: { id: BIO, expectedVersion: await version(BIO), aliases: ["x"] } }, token);
      expect(r.errors?.[0].extensions.code).toBe(token ? "FORBIDDEN" : "UNAUTHENTICATED");
    }
    const arch = `mutation($id: ID!, $v: Int!) { archivePlatform(id: $id, expectedVersion: $v) { id archivedAt version } }`;
    for (const token of [undefined, inScope, outOfScope]) {
      const r = await call(arch, { id: BIO, v: await version(BIO) }, token);
      expect(r.errors?.[0].extensions.code).toBe(token ? "FORBIDDEN" : "UNAUTHENTICATED");
    }
    expect(await checksum()).toBe(before);

    const created = await call(CREATE, { input: newPlatform }, admin);
    expect(created.errors).toBeUndefined();
    expect(created.data.createPlatform).toMatchObject({ id: newPlatform.id, status: "PLANNED", version: 1, district: { code: "440106" } });
    expect(created.data.createPlatform.location.precision).toBe("DISTRICT");
    expect(created.data.createPlatform.statusHistory).toEqual([{ to: "PLANNED", actor: "city admin" }]);
    const again = await call(CREATE, { input: newPlatform }, admin);
    expect(again.errors?.[0].extensions.code).toBe("CONFLICT");
    const search = await call(`{ platforms(filter: { search: "kepujidi" }) { nodes { id } } }`, {});
    expect(search.data.platforms.nodes.map((p: any) => p.id)).toContain(newPlatform.id);

    const renamed = await call(upd, { input: { id: newPlatform.id, expectedVersion: 1, nameEn: "Science popularisation base (test)" } }, admin);
    expect(renamed.errors).toBeUndefined();
    expect(renamed.data.updatePlatform).toMatchObject({ nameEn: "Science popularisation base (test)", version: 2 });
    const stale = await call(upd, { input: { id: newPlatform.id, expectedVersion: 1, nameEn: "again" } }, admin);
    expect(stale.errors?.[0].extensions).toMatchObject({ code: "CONFLICT", currentVersion: 2 });

    const archived = await call(arch, { id: newPlatform.id, v: 2 }, admin);
    expect(archived.errors).toBeUndefined();
    expect(archived.data.archivePlatform.archivedAt).not.toBeNull();
    const listed = await call(`{ platforms(filter: { search: "科普基地" }) { nodes { id } } }`, {});
    expect(listed.data.platforms.nodes).toHaveLength(0);
    const withArchived = await call(`{ platforms(filter: { search: "科普基地", includeArchived: true }) { nodes { id } } }`, {});
    expect(withArchived.data.platforms.nodes.map((p: any) => p.id)).toEqual([newPlatform.id]);
  });

  it("createPlatform applies the seed loader's rules", async () => {
    const before = await checksum();
    const r = await call(
      CREATE,
      { input: { ...newPlatform, id: "another-one", district: "440199", mentions: [{ section: "一", excerpt: "不在計劃中的文字", offset: 5 }] } },
      admin,
    );
    expect(r.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(r.errors?.[0].message).toMatch(/unknown district code '440199'/);
    expect(r.errors?.[0].message).toMatch(/not found verbatim/);
    expect(await checksum()).toBe(before);
  });
});

describe("status rules", () => {
  const KC = "tsinghua-pearl-river-delta-research-institute"; // UNDER_CONSTRUCTION, Huangpu
  it("refuses bad changes clearly and writes nothing", async () => {
    const v = await version(KC);
    const base = { id: KC, status: "OPERATIONAL", effectiveDate: "2020-01-01", source: SOURCE, expectedVersion: v };
    const before = await checksum();
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ source: null }, admin, "BAD_USER_INPUT"],
      [{ effectiveDate: "2999-01-01" }, admin, "BAD_USER_INPUT"],
      [{ effectiveDate: "2020-02-30" }, admin, "BAD_USER_INPUT"],
      [{ status: "PLANNED" }, admin, "BAD_USER_INPUT"], // backwards without correction
      [{ status: "UNDER_CONSTRUCTION" }, admin, "BAD_USER_INPUT"], // no change
      [{ status: "PLANNED", correction: true }, inScope, "FORBIDDEN"], // corrections are an admin's
      [{ note: "长".repeat(2001) }, admin, "BAD_USER_INPUT"],
      [{ source: { title: "x", url: "javascript:alert(1)" } }, admin, "BAD_USER_INPUT"],
      [{ expectedVersion: v + 5 }, admin, "CONFLICT"],
      [{ id: "no-such-platform" }, admin, "NOT_FOUND"],
    ];
    for (const [change, token, code] of cases) {
      const r = await call(UPDATE, { input: { ...base, ...change } }, token);
      expect({ change, code: r.errors?.[0].extensions.code }).toEqual({ change, code });
    }
    expect(await checksum()).toBe(before);
  });

  it("lets an admin correct backwards, recorded as a correction", async () => {
    const v = await version(KC);
    const r = await call(
      UPDATE,
      { input: { id: KC, status: "PLANNED", effectiveDate: "2018-09-14", note: "mis-keyed", expectedVersion: v, correction: true } },
      admin,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.updatePlatformStatus.statusHistory[0]).toMatchObject({ from: "UNDER_CONSTRUCTION", to: "PLANNED", correction: true, source: null });
  });

  it("50 concurrent updates with one expectedVersion: exactly one wins", async () => {
    const id = "sun-yat-sen-university"; // OPERATIONAL
    const v = await version(id);
    const [{ n: eventsBefore }] = await s.running.db.dataSource.query(`SELECT count(*)::int n FROM status_event WHERE platform_id = $1`, [id]);
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(UPDATE, { input: { id, status: "SUSPENDED", effectiveDate: "2020-03-01", source: SOURCE, expectedVersion: v } }, admin),
      ),
    );
    const ok = results.filter((r) => !r.errors);
    const conflicts = results.filter((r) => r.errors?.[0].extensions.code === "CONFLICT");
    expect(ok).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    expect(conflicts.every((r) => r.errors![0].extensions.currentVersion === v + 1)).toBe(true);
    const [{ n: eventsAfter }] = await s.running.db.dataSource.query(`SELECT count(*)::int n FROM status_event WHERE platform_id = $1`, [id]);
    expect(eventsAfter).toBe(eventsBefore + 1);
  });

  it("a failure between the status update and the history insert leaves neither written", async () => {
    const ds = s.running.db.dataSource;
    const id = "jinan-university";
    await ds.query(`CREATE FUNCTION fail_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
    await ds.query(`CREATE TRIGGER fail_event BEFORE INSERT ON status_event FOR EACH ROW EXECUTE FUNCTION fail_event()`);
    try {
      const before = await checksum();
      const v = await version(id);
      const r = await call(UPDATE, { input: { id, status: "SUSPENDED", effectiveDate: "2020-03-01", source: SOURCE, expectedVersion: v } }, admin);
      expect(r.errors?.[0].extensions.code).toBe("INTERNAL_SERVER_ERROR");
      expect(r.errors?.[0].message).not.toMatch(/injected/);
      expect(await checksum()).toBe(before);
      expect(await version(id)).toBe(v);
    } finally {
      await ds.query(`DROP TRIGGER fail_event ON status_event`);
      await ds.query(`DROP FUNCTION fail_event()`);
    }
  });
});

describe("tokens", () => {
  it("are stored only as hashes, and a revoked one is refused at once", async () => {
    const tokens = new TokenService(s.running.db.dataSource);
    const { token, info } = await tokens.create({ name: "temp", role: "ADMIN" });
    const rows = await s.running.db.dataSource.query(`SELECT * FROM api_token`);
    expect(JSON.stringify(rows)).not.toContain(token);
    // the secret is base64url and may itself hold "_": everything after the id is the secret
    expect(token.startsWith(`gzr_${info.tokenId}_`)).toBe(true);
    const secret = token.slice(`gzr_${info.tokenId}_`.length);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(rows)).not.toContain(secret);
    const id = "south-china-normal-university";
    const first = await call(
      UPDATE,
      { input: { id, status: "SUSPENDED", effectiveDate: "2020-03-01", source: SOURCE, expectedVersion: await version(id) } },
      token,
    );
    expect(first.errors).toBeUndefined();
    await tokens.revoke(info.tokenId);
    const after = await call(
      UPDATE,
      { input: { id, status: "OPERATIONAL", effectiveDate: "2020-04-01", source: SOURCE, expectedVersion: await version(id) } },
      token,
    );
    expect(after.errors?.[0].extensions.code).toBe("UNAUTHENTICATED");
  });

  it("come from the CLI, printed alone on the last line", async () => {
    const run = promisify(execFile);
    const { DATABASE_URL: _x, ...env } = process.env;
    const { stdout } = await run(
      process.execPath,
      [path.join(__dirname, "..", "..", "dist", "scripts", "token.js"), "create", "--role", "editor", "--district", "440112", "--name", "cli editor"],
      {
        env: { ...env, DATABASE_URL: s.db.url, LOG_LEVEL: "silent" },
      },
    );
    const token = stdout.trim().split("\n").pop()!;
    expect(token).toMatch(/^gzr_[a-z0-9]{12}_\S{43}$/);
    const list = await run(process.execPath, [path.join(__dirname, "..", "..", "dist", "scripts", "token.js"), "list"], {
      env: { ...env, DATABASE_URL: s.db.url },
    });
    expect(list.stdout).toContain("cli editor");
    expect(list.stdout).not.toContain(token);
    const id = "guangzhou-science-city"; // Huangpu
    const r = await call(
      UPDATE,
      { input: { id, status: "SUSPENDED", effectiveDate: "2020-03-01", source: SOURCE, expectedVersion: await version(id) } },
      token,
    );
    expect(r.errors).toBeUndefined();
  });
});

describe("audit feed", () => {
  it("lists changes since an instant, oldest first, page by page", async () => {
    const since = new Date(Date.now() - 3600_000).toISOString();
    const seen: any[] = [];
    let after: string | null = null;
    for (let i = 0; i < 100; i++) {
      const r: any = await call(
        `query($since: DateTime!, $after: String) { changes(since: $since, first: 2, after: $after) {
        pageInfo { hasNextPage endCursor } nodes { id from to actor recordedAt platform { id } } } }`,
        { since, after },
      );
      expect(r.errors).toBeUndefined();
      seen.push(...r.data.changes.nodes);
      if (!r.data.changes.pageInfo.hasNextPage) break;
      after = r.data.changes.pageInfo.endCursor;
    }
    const [{ n }] = await s.running.db.dataSource.query(`SELECT count(*)::int n FROM status_event WHERE recorded_at >= $1`, [since]);
    expect(seen.length).toBe(n);
    expect(new Set(seen.map((e) => e.id)).size).toBe(n);
    const times = seen.map((e) => Date.parse(e.recordedAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(seen.some((e) => e.platform.id === BIO)).toBe(true);
  });
});

describe("live updates", () => {
  it("reach a subscriber on instance B for a change made through instance A within 1 s", async () => {
    const b: Running = await start(loadConfig({ DATABASE_URL: s.db.url, PORT: "0", HOST: "127.0.0.1", SEED_ON_EMPTY: "false" }), pino({ level: "silent" }));
    const client = createClient({ url: `ws://127.0.0.1:${b.port}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
    try {
      const received: any[] = [];
      const subscribe = (filter: unknown, into: any[]) =>
        new Promise<() => void>((ready) => {
          const dispose = client.subscribe(
            {
              query: `subscription($f: PlatformFilter) { platformStatusChanged(filter: $f) { event { from to actor } platform { id status version } } }`,
              variables: { f: filter },
            },
            { next: (m) => into.push(m), error: (e) => into.push({ error: e }), complete: () => undefined },
          );
          setTimeout(() => ready(dispose), 300); // let the subscription register
        });
      const otherDistrict: any[] = [];
      const d1 = await subscribe({ districts: ["440112"] }, received);
      const d2 = await subscribe({ districts: ["440105"] }, otherDistrict);
      const id = "huanghuagang-science-technology-park"; // Yuexiu: matches neither filter
      // a Huangpu platform, PLANNED (made here: the data set's history moves the plan's ones on)
      const idHp: string = (await createPlatform(s, admin, { status: "PLANNED", district: "440112", effectiveDate: "2018-09-14" })).id;
      const t0 = Date.now();
      await call(
        UPDATE,
        { input: { id: idHp, status: "OPERATIONAL", effectiveDate: "2020-05-01", source: SOURCE, expectedVersion: await version(idHp) } },
        admin,
      );
      await call(UPDATE, { input: { id, status: "SUSPENDED", effectiveDate: "2020-05-01", source: SOURCE, expectedVersion: await version(id) } }, admin);
      while (received.length < 1 && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 20));
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(received[0].data.platformStatusChanged).toMatchObject({
        event: { from: "PLANNED", to: "OPERATIONAL", actor: "city admin" },
        platform: { id: idHp, status: "OPERATIONAL" },
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(received).toHaveLength(1); // the Yuexiu change is outside this filter
      expect(otherDistrict).toHaveLength(0);
      d1();
      d2();
    } finally {
      await client.dispose();
      await b.shutdown();
    }
  });
});
