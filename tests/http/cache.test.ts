/**
 * The response cache (src/http/response-cache.ts): anonymous reads are answered from it, and no
 * reader ever gets an old answer after a change is committed, whoever makes the change (the
 * API, another instance, an operator with psql), and while the instance cannot hear changes.
 */
import pino from "pino";
import { start, type Running } from "../../src/bootstrap";
import { loadConfig } from "../../src/config";
import { createToken } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
let admin: string;
const BIO = "guangzhou-intelligent-engineering-research-institute"; // Huangpu (440112), UNDER_CONSTRUCTION in the plan
const READ = `query($id: ID!) { platform(id: $id) { id status version nameEn } }`;
const SOURCE = { title: "黄埔区2019年重点项目进展通报", url: "https://example.gov.cn/notice/1", publishedAt: "2019-06-30" };

interface Answer {
  status: number;
  cache: string | null;
  cacheControl: string | null;
  text: string;
  body: { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, cache: res.headers.get("x-cache"), cacheControl: res.headers.get("cache-control"), text, body: JSON.parse(text) };
}

/** Reads until `done` holds (or the deadline passes); returns the last answer and how long it took. */
async function until(url: string, done: (a: Answer) => boolean, ms = 3000): Promise<{ answer: Answer; elapsed: number }> {
  const t0 = Date.now();
  for (;;) {
    const answer = await post(url, READ, { id: BIO });
    if (done(answer) || Date.now() - t0 > ms) return { answer, elapsed: Date.now() - t0 };
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function warm(url: string): Promise<Answer> {
  await post(url, READ, { id: BIO });
  const a = await post(url, READ, { id: BIO });
  expect(a.cache).toBe("HIT");
  return a;
}

beforeAll(async () => {
  s = await startTestServer();
  admin = (await createToken(s, { name: "city admin", role: "ADMIN" })).token;
});
afterAll(async () => {
  await s?.close();
});

describe("what is cached", () => {
  it("answers a repeated anonymous query from the cache, byte for byte", async () => {
    const q = `{ platforms(filter: { districts: ["440112"] }, first: 5) { totalCount nodes { id nameHans district { code } } } }`;
    const first = await post(s.url, q);
    const second = await post(s.url, q);
    expect(first.cache).toBe("MISS");
    expect(second.cache).toBe("HIT");
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(second.body.data.platforms.nodes.length).toBe(5);
    // different variables are a different answer
    const other = await post(s.url, READ, { id: "guangzhou-science-city" });
    expect(other.cache).toBe("MISS");
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/registry_response_cache_total\{result="hit"\} [1-9]/);
    expect(metrics).toMatch(/registry_response_cache_bytes [1-9]/);
    expect(metrics).toMatch(/registry_response_cache_entries [1-9]/);
  });

  it("tells HTTP caches not to keep any answer: computed, from the cache, or an error", async () => {
    const q = `{ districts { code nameEn centroidLng } }`;
    const miss = await post(s.url, q);
    const hit = await post(s.url, q);
    const refused = await post(s.url, `{ platforms(first: 1000) { nodes { id } } }`);
    expect([miss.cache, hit.cache]).toEqual(["MISS", "HIT"]);
    expect(refused.body.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    for (const a of [miss, hit, refused]) expect(a.cacheControl).toBe("no-store");
  });

  it("never serves or stores answers for token holders, mutations, errors or read-your-writes clients", async () => {
    const withToken = [
      await post(s.url, READ, { id: BIO }, { authorization: `Bearer ${admin}` }),
      await post(s.url, READ, { id: BIO }, { authorization: `Bearer ${admin}` }),
    ];
    expect(withToken.map((a) => a.cache)).toEqual(["BYPASS", "BYPASS"]);

    const bad = `{ platforms(first: -1) { totalCount } }`;
    const errors = [await post(s.url, bad), await post(s.url, bad)];
    expect(errors[0].body.errors?.length).toBeGreaterThan(0);
    expect(errors[1].cache).toBe("MISS");

    const invalid = `{ platforms { noSuchField } }`;
    const twice = [await post(s.url, invalid), await post(s.url, invalid)];
    expect(twice[1].status).toBe(400);
    expect(twice[1].cache).toBe("MISS");

    const mutation = `mutation { archivePlatform(id: "${BIO}", expectedVersion: 1) { id } }`;
    const m = [await post(s.url, mutation), await post(s.url, mutation)];
    expect(m[1].body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    expect(m[1].cache).toBe("MISS");

    const lsn = await post(s.url, READ, { id: BIO }, { "x-registry-min-lsn": "0/1" });
    expect(lsn.cache).toBe("BYPASS");
  });

  it("keys GET requests apart and leaves Apollo's CSRF refusal alone", async () => {
    const url = `${s.url}/graphql?query=${encodeURIComponent(READ)}&variables=${encodeURIComponent(JSON.stringify({ id: BIO }))}`;
    await post(s.url, READ, { id: BIO }); // the POST form is cached
    const plain = await fetch(url); // a simple cross-site GET: Apollo refuses it, and so must we
    expect(plain.status).toBe(400);
    const pre = [await fetch(url, { headers: { "apollo-require-preflight": "1" } }), await fetch(url, { headers: { "apollo-require-preflight": "1" } })];
    expect(pre.map((r) => r.headers.get("x-cache"))).toEqual(["MISS", "HIT"]);
    expect(((await pre[1].json()) as any).data.platform.id).toBe(BIO);
  });

  it("answers, once warm, only what Apollo would answer: its 415 and 400 refusals stand", async () => {
    const url = `${s.url}/graphql?query=${encodeURIComponent(READ)}&variables=${encodeURIComponent(JSON.stringify({ id: BIO }))}`;
    const warm = [await fetch(url, { headers: { "apollo-require-preflight": "1" } }), await fetch(url, { headers: { "apollo-require-preflight": "1" } })];
    expect(warm[1].headers.get("x-cache")).toBe("HIT");
    const refused: Array<[string, Response, number]> = [
      ["a GET with a content type other than JSON", await fetch(url, { headers: { "content-type": "text/xml", "apollo-require-preflight": "1" } }), 415],
      ["a repeated query parameter", await fetch(`${url}&query=${encodeURIComponent(READ)}`, { headers: { "apollo-require-preflight": "1" } }), 400],
      ["an empty apollo-require-preflight", await fetch(url, { headers: { "apollo-require-preflight": "" } }), 400],
      [
        "a content type that only starts like JSON",
        await fetch(url, { headers: { "content-type": "application/jsonx", "apollo-require-preflight": "1" } }),
        415,
      ],
    ];
    for (const [what, res, status] of refused) {
      expect([what, res.status, res.headers.get("x-cache")]).toEqual([what, status, "BYPASS"]);
    }
    // a GET that says it sends JSON is preflighted by that, as Apollo counts it
    const json = await fetch(url, { headers: { "content-type": "application/json" } });
    expect(json.status).toBe(200);
  });
});

describe("no old answer after a change", () => {
  it("a write through the API: the next anonymous read, at once, sees it", async () => {
    const before = await warm(s.url);
    const { status, version } = before.body.data.platform;
    expect(status).toBe("UNDER_CONSTRUCTION");
    const w = await post(
      s.url,
      `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { status version } }`,
      { input: { id: BIO, status: "TRIAL_OPERATION", effectiveDate: "2019-06-30", expectedVersion: version, source: SOURCE } },
      { authorization: `Bearer ${admin}` },
    );
    expect(w.body.errors).toBeUndefined();
    const after = await post(s.url, READ, { id: BIO }); // no waiting
    expect(after.cache).toBe("MISS");
    expect(after.body.data.platform).toMatchObject({ status: "TRIAL_OPERATION", version: version + 1 });
  });

  it("a change made with SQL, outside the API, reaches the cache through the database's notice", async () => {
    const before = await warm(s.url);
    expect(before.body.data.platform.nameEn).not.toBe("Changed by an operator");
    await s.running.db.dataSource.query(`UPDATE platform SET name_en = 'Changed by an operator' WHERE id = $1`, [BIO]);
    const { answer, elapsed } = await until(s.url, (a) => a.body.data.platform.nameEn === "Changed by an operator");
    expect(answer.body.data.platform.nameEn).toBe("Changed by an operator");
    expect(elapsed).toBeLessThan(1000);
    // a change to a related table counts too (a district's name is part of many answers)
    const q = `{ platform(id: "${BIO}") { district { nameEn } } }`;
    await post(s.url, q);
    expect((await post(s.url, q)).cache).toBe("HIT");
    await s.running.db.dataSource.query(`UPDATE district SET name_en = name_en || ' (renamed)' WHERE code = '440112'`);
    const t0 = Date.now();
    let renamed = "";
    while (Date.now() - t0 < 3000 && !renamed.endsWith("(renamed)")) renamed = (await post(s.url, q)).body.data.platform.district.nameEn;
    expect(renamed).toMatch(/\(renamed\)$/);
  });

  it("a write through another instance reaches this one's cache within a second", async () => {
    const b: Running = await start(
      loadConfig({ DATABASE_URL: s.db.url, PORT: "0", HOST: "127.0.0.1", SEED_ON_EMPTY: "false", LOG_LEVEL: "silent", RATE_LIMIT_PER_IP: "0" }),
      pino({ level: "silent" }),
    );
    try {
      const bUrl = `http://127.0.0.1:${b.port}`;
      const before = await warm(bUrl);
      const { version } = before.body.data.platform;
      const w = await post(
        s.url,
        `mutation($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { status version } }`,
        { input: { id: BIO, status: "OPERATIONAL", effectiveDate: "2020-01-15", expectedVersion: version, source: SOURCE } },
        { authorization: `Bearer ${admin}` },
      );
      expect(w.body.data.updatePlatformStatus.version).toBe(version + 1);
      const { answer, elapsed } = await until(bUrl, (a) => a.body.data.platform.version === version + 1);
      expect(answer.body.data.platform).toMatchObject({ status: "OPERATIONAL", version: version + 1 });
      expect(elapsed).toBeLessThan(1000);
    } finally {
      await b.shutdown();
    }
  });

  it("while the instance cannot hear changes it does not cache, and it forgets everything when it hears again", async () => {
    await warm(s.url);
    const [{ n }] = await s.running.db.dataSource.query(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gz-innovation-registry:listen'`,
    );
    expect(n).toBe(1);
    // changed while nobody listens: the notice is lost
    await s.running.db.dataSource.query(`UPDATE platform SET name_en = 'Changed while deaf' WHERE id = $1`, [BIO]);
    const { answer, elapsed } = await until(s.url, (a) => a.body.data.platform.nameEn === "Changed while deaf", 8000);
    expect(answer.body.data.platform.nameEn).toBe("Changed while deaf");
    expect(elapsed).toBeLessThan(8000);
    // and it caches again once it is listening
    const t0 = Date.now();
    let cache: string | null = null;
    while (Date.now() - t0 < 8000 && cache !== "HIT") cache = (await post(s.url, READ, { id: BIO })).cache;
    expect(cache).toBe("HIT");
  });
  it("notices a listening connection that stops answering, and stops serving from the cache until it is back", async () => {
    await warm(s.url);
    const [{ pid }] = await s.running.db.dataSource.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gz-innovation-registry:listen'`,
    );
    // freeze the server process behind the connection: no error, no notice, nothing (as a dead route would)
    process.kill(pid, "SIGSTOP");
    try {
      const t0 = Date.now();
      let cache: string | null = "HIT";
      while (Date.now() - t0 < 25_000 && cache === "HIT") {
        await new Promise((r) => setTimeout(r, 250));
        cache = (await post(s.url, READ, { id: BIO })).cache;
      }
      expect(cache).not.toBe("HIT"); // the heartbeat (every 10 s, 5 s to answer) found it dead
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const t1 = Date.now();
    let back: string | null = null;
    while (Date.now() - t1 < 15_000 && back !== "HIT") {
      await new Promise((r) => setTimeout(r, 100));
      back = (await post(s.url, READ, { id: BIO })).cache;
    }
    expect(back).toBe("HIT");
  }, 60_000);
});
