/**
 * One set of guards on every door: each refusal is sent over HTTP and over graphql-ws, and must
 * be refused the same way. Also: a Bearer header cannot escape the budgets, cursors the server
 * did not issue, creates racing for one id, version bumps on relation-only updates, TRUST_PROXY,
 * and /readyz's reason codes.
 */
import pino from "pino";
import WebSocket from "ws";
import { loadConfig } from "../../src/config";
import { createServer } from "../../src/server";
import { buildDataSource } from "../../ormconfig";
import { createDatabase } from "../../src/db/database";
import { createTestDatabase } from "../support/db";
import { createPlatform, createToken, planMention, unique } from "../support/factories";
import { startTestServer, type TestServer } from "../support/server";

const PROTOCOL = "graphql-transport-ws";

interface WsResult {
  /** connection_ack received */
  ack: boolean;
  closeCode?: number;
  closeReason?: string;
  /** messages per operation id */
  messages: Map<string, any[]>;
}

/** Opens a raw graphql-ws connection, sends connection_init, runs `ops` one after another and collects what comes back. */
function wsRun(
  url: string,
  opts: {
    params?: Record<string, unknown>;
    ops?: Array<{ query: string; variables?: unknown }>;
    raw?: string;
    keepOpen?: boolean;
    holdMs?: number;
    stopWhen?: (r: WsResult) => boolean;
  } = {},
): Promise<WsResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace("http", "ws") + "/graphql", PROTOCOL);
    const result: WsResult = { ack: false, messages: new Map() };
    const ops = opts.ops ?? [];
    let pending = ops.length;
    const timer = setTimeout(() => ws.terminate(), 10_000);
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: opts.params ?? {} })));
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === "connection_ack") {
        result.ack = true;
        if (opts.raw) ws.send(opts.raw);
        ops.forEach((op, i) => ws.send(JSON.stringify({ id: String(i + 1), type: "subscribe", payload: op })));
        if (!ops.length && !opts.raw) ws.close(1000);
        return;
      }
      if (msg.id) {
        if (!result.messages.has(msg.id)) result.messages.set(msg.id, []);
        result.messages.get(msg.id)!.push(msg);
        if (msg.type === "complete" || msg.type === "error") {
          if (--pending === 0 && !opts.keepOpen) setTimeout(() => ws.close(1000), opts.holdMs ?? 0);
        }
        if (opts.stopWhen?.(result)) ws.close(1000);
      }
    });
    ws.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      resolve({ ...result, closeCode: res.statusCode, closeReason: `HTTP ${res.statusCode}` });
    });
    ws.on("close", (code, reason) => {
      clearTimeout(timer);
      resolve({ ...result, closeCode: code, closeReason: String(reason) });
    });
    ws.on("error", (err) => {
      if (!/Unexpected server response/.test(String(err))) reject(err);
    });
  });
}

const codesOf = (msgs: any[] | undefined) =>
  (msgs ?? []).flatMap((m) => (m.type === "error" ? m.payload : (m.payload?.errors ?? []))).map((e: any) => e.extensions?.code);

let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer({ env: { RATE_LIMIT_PER_IP: "0" } });
  admin = (await createToken(s)).token;
});
afterAll(async () => {
  await s?.close();
});

describe("the same operation limits over HTTP and over graphql-ws", () => {
  const aliases = `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: platforms(first: 50) { totalCount }`).join(" ")} }`;
  const fanOut = `{ platforms(first: 100) { nodes { children { id children { id children { id } } } } } }`;
  const deep = `{ platforms(first: 1) { nodes { zone { zone { zone { zone { zone { zone { zone { zone { zone { zone { zone { zone { id } } } } } } } } } } } } } } }`;
  const control = { query: `query($q: String) { platforms(filter: { search: $q }) { totalCount } }`, variables: { q: "a\u0000b" } };
  const cases: Array<[string, { query: string; variables?: unknown }, string[]]> = [
    ["300 aliases", { query: aliases }, ["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"]],
    ["a fan-out past the limit", { query: fanOut }, ["QUERY_TOO_COMPLEX"]],
    ["depth past the limit", { query: deep }, ["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"]],
    ["a NUL in a variable", control, ["BAD_USER_INPUT"]],
    ["a syntax error", { query: "{ platforms(" }, ["GRAPHQL_PARSE_FAILED"]],
  ];
  it.each(cases)("refuses %s on both transports", async (_name, op, codes) => {
    const http = await s.gql(op.query, op.variables as Record<string, unknown>);
    expect(http.data ?? null).toBeNull();
    expect(codes).toContain(http.errors?.[0]?.extensions?.code);
    const ws = await wsRun(s.url, { ops: [op] });
    expect(ws.ack).toBe(true);
    const got = codesOf(ws.messages.get("1"));
    expect(got.length).toBeGreaterThan(0);
    expect(codes).toContain(got[0]);
    // nothing ran: no data message
    expect((ws.messages.get("1") ?? []).some((m) => m.type === "next" && m.payload?.data)).toBe(false);
  });

  it("answers an allowed operation the same over both", async () => {
    const q = `{ platforms(first: 3) { totalCount nodes { id } } }`;
    const http = await s.gql(q);
    const ws = await wsRun(s.url, { ops: [{ query: q }] });
    const next = ws.messages.get("1")!.find((m) => m.type === "next");
    expect(next.payload.data).toEqual(http.data);
  });

  it("refuses a WebSocket message larger than BODY_LIMIT", async () => {
    const r = await wsRun(s.url, {
      raw: JSON.stringify({ id: "9", type: "subscribe", payload: { query: "{ __typename }", variables: { pad: "x".repeat(1024 * 1024 + 10) } } }),
    });
    expect(r.closeCode).toBe(1009); // message too big
  });
});

describe("tokens: a Bearer header cannot escape the budgets", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ seed: false, env: { RATE_LIMIT_PER_IP: "20", RATE_LIMIT_PER_TOKEN: "40", RESPONSE_CACHE: "true" } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("gives a verified token its own budget, over HTTP and graphql-ws alike", async () => {
    const { token } = await createToken(t);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await t.gql("{ __typename }", {}, { token })).status);
    expect(statuses.every((x) => x === 200)).toBe(true);
    // 10 more operations over a socket exhaust the 40 a minute
    const ws = await wsRun(t.url, { params: { authorization: `Bearer ${token}` }, ops: Array.from({ length: 12 }, () => ({ query: "{ __typename }" })) });
    expect(ws.ack).toBe(true);
    const codes = [...ws.messages.values()].map((m) => codesOf(m)[0] ?? "OK");
    expect(codes.filter((c) => c === "OK")).toHaveLength(10);
    expect(codes.filter((c) => c === "RATE_LIMITED")).toHaveLength(2);
  });

  it("closes a socket whose connection_init carries a bad token (4401)", async () => {
    const r = await wsRun(t.url, { params: { authorization: "Bearer gzr_aaaaaaaaaaaa_" + "b".repeat(43) } });
    expect(r.ack).toBe(false);
    expect(r.closeCode).toBe(4401);
  });

  it("refuses a random token with UNAUTHENTICATED and charges the IP budget", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await fetch(`${t.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${unique("random")}` },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      statuses.push(r.status);
      if (i === 0) {
        expect(r.headers.get("www-authenticate")).toMatch(/invalid_token/);
        expect(((await r.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
      }
    }
    // the budget of 20 was partly spent by the tests above (a token's first use and a bad token each cost the IP one)
    const refused = statuses.filter((x) => x === 401).length;
    expect(refused).toBeGreaterThanOrEqual(15);
    expect(statuses.slice(0, refused).every((x) => x === 401)).toBe(true);
    expect(statuses.slice(refused).every((x) => x === 429)).toBe(true);
    // no random token was served, and at most the address's budget of them was even looked up
    expect(statuses.filter((x) => x === 200)).toHaveLength(0);
    expect(refused).toBeLessThanOrEqual(20);
    // each refused token was charged to the address: its anonymous budget is now nearly spent
    const anon: number[] = [];
    for (let i = 0; i < 6; i++) anon.push((await t.gql("{ __typename }")).status);
    expect(anon).toContain(429);
  });
});

/**
 * POST /graphql is served without Express (src/http/app.ts); every other request to /graphql (GET,
 * a trailing slash, another case) goes through Express to the same handler. Both routes must take
 * the same steps: request id, CORS, the guards and one budget, the body's limits, the cache.
 */
describe("POST /graphql and the Express routes to the same handler take the same steps", () => {
  let t: TestServer;
  const query = "{ __typename }";
  const doors: Array<[string, (headers?: Record<string, string>, body?: string) => Promise<Response>]> = [];
  beforeAll(async () => {
    t = await startTestServer({ seed: false, env: { RATE_LIMIT_PER_IP: "30", BODY_LIMIT: "2kb", CORS_ORIGINS: "https://map.example.org" } });
    const post =
      (path: string) =>
      (headers: Record<string, string> = {}, body = JSON.stringify({ query })) =>
        fetch(`${t.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    doors.push(
      ["POST /graphql", post("/graphql")],
      ["POST /graphql?x=1", post("/graphql?x=1")],
      ["POST /graphql/", post("/graphql/")],
      ["POST /GraphQL", post("/GraphQL")],
      [
        "GET /graphql?query=",
        (headers = {}) => fetch(`${t.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { "apollo-require-preflight": "1", ...headers } }),
      ],
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it("answers, with a request id, CORS headers and the cache's verdict, on every route", async () => {
    for (const [name, send] of doors) {
      const r = await send({ origin: "https://map.example.org", "x-request-id": `door-${name.length}` });
      expect([name, r.status]).toEqual([name, 200]);
      expect(((await r.json()) as any).data).toEqual({ __typename: "Query" });
      expect(r.headers.get("x-request-id")).toBe(`door-${name.length}`);
      expect(r.headers.get("access-control-allow-origin")).toBe("https://map.example.org");
      expect(r.headers.get("x-cache")).toMatch(/^(HIT|MISS)$/);
      expect(r.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("refuses a bad token, a malformed body and an oversized one alike", async () => {
    for (const [name, send] of doors) {
      const bad = await send({ authorization: `Bearer ${unique("random")}` });
      expect([name, bad.status, bad.headers.get("www-authenticate")]).toEqual([name, 401, 'Bearer error="invalid_token"']);
      expect(((await bad.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
      if (name.startsWith("GET")) continue;
      const malformed = await send({}, "{bad");
      expect([name, malformed.status, ((await malformed.json()) as any).errors[0].extensions.code]).toEqual([name, 400, "BAD_REQUEST"]);
      const big = await send({}, JSON.stringify({ query, variables: { pad: "x".repeat(3000) } }));
      expect([name, big.status, ((await big.json()) as any).errors[0].extensions.code]).toEqual([name, 413, "PAYLOAD_TOO_LARGE"]);
    }
  });

  it("charges every route to one budget per address", async () => {
    // the tests above spent part of the budget of 30; keep asking on every route in turn until refused
    const seen: Array<[string, number]> = [];
    for (let i = 0; i < 40; i++) {
      const [name, send] = doors[i % doors.length];
      const r = await send();
      seen.push([name, r.status]);
      if (r.status === 429) {
        expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(((await r.json()) as any).errors[0].extensions.code).toBe("RATE_LIMITED");
      } else await r.arrayBuffer();
    }
    const first = seen.findIndex(([, st]) => st === 429);
    expect(first).toBeGreaterThanOrEqual(0);
    // once spent, every route refuses
    expect(seen.slice(first).every(([, st]) => st === 429)).toBe(true);
    expect(new Set(seen.slice(first).map(([n]) => n)).size).toBe(doors.length);
  });
});

describe("WebSocket connection and operation limits", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ seed: false, env: { WS_CONNECTIONS_PER_IP: "2", WS_OPERATIONS_PER_CONNECTION: "1" } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("refuses a third connection from one address, and a second operation on one connection", async () => {
    const open = () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(t.url.replace("http", "ws") + "/graphql", PROTOCOL);
        ws.once("open", () => resolve(ws));
        ws.once("error", reject);
      });
    const a = await open();
    const b = await open();
    const third = await wsRun(t.url, {});
    expect(third.closeCode).toBe(429);
    a.close();
    b.close();
    await new Promise((r) => setTimeout(r, 200));
    const sub = `subscription { platformStatusChanged { event { id } } }`;
    const r = await wsRun(t.url, { ops: [{ query: sub }, { query: sub }], keepOpen: true, stopWhen: (x) => x.messages.has("2") });
    // the second subscribe is refused while the first runs
    expect(codesOf(r.messages.get("2"))).toContain("RATE_LIMITED");
    // the first subscription was accepted and kept running
    expect(r.messages.has("1")).toBe(false);
  });
});

describe("the readiness gate on both transports", () => {
  it("answers 503 with a reason code, and closes sockets at connection_init with 1013, until ready", async () => {
    const db = await createTestDatabase();
    const config = loadConfig({ DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent" });
    const logger = pino({ level: "silent" });
    const database = await createDatabase(config, logger, buildDataSource);
    const server = await createServer({ config, dataSource: database.dataSource, databaseUrl: db.url, logger });
    const port = await server.listen(0, "127.0.0.1");
    const url = `http://127.0.0.1:${port}`;
    try {
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "unavailable", reason: "STARTING", message: expect.any(String) });
      const gql = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ __typename }"}' });
      expect(gql.status).toBe(503);
      expect(((await gql.json()) as any).errors[0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", reason: "STARTING" });
      // the routes Express serves to the same handler are gated alike
      for (const r of [
        await fetch(`${url}/graphql?query=%7B__typename%7D`, { headers: { "apollo-require-preflight": "1" } }),
        await fetch(`${url}/graphql/`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ __typename }"}' }),
      ]) {
        expect(r.status).toBe(503);
        expect(((await r.json()) as any).errors[0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", reason: "STARTING" });
      }
      const ws = await wsRun(url, { ops: [{ query: "{ __typename }" }] });
      expect(ws.ack).toBe(false);
      expect(ws.closeCode).toBe(1013);
      server.fail(new Error("secret internal detail: password=hunter2"));
      const failed = await (await fetch(`${url}/readyz`)).json();
      expect(failed).toMatchObject({ reason: "START_FAILED" });
      expect(JSON.stringify(failed)).not.toContain("hunter2");
    } finally {
      await server.stop();
      await database.close();
      await db.drop();
    }
  });
});

describe("cursors the server did not issue", () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  it.each([
    ["garbage", "not a cursor!"],
    ["wrong order tag", b64(["UPDATED_AT", "x", "y"])],
    ["a number where text is", b64(["NAME", 5, "x"])],
    ["a timestamp that is not one", b64(["UPDATED_AT", "yesterday", "x"])],
    ["an int that is not one", b64(["STATUS", "1e99", "a", "b"])],
  ])("platforms: %s is BAD_USER_INPUT", async (_n, cursor) => {
    const orderBy = /UPDATED_AT/.test(Buffer.from(cursor, "base64url").toString())
      ? "UPDATED_AT"
      : /STATUS/.test(Buffer.from(cursor, "base64url").toString())
        ? "STATUS"
        : "NAME";
    const r = await s.gql(`query($c: String, $o: PlatformOrder) { platforms(first: 2, after: $c, orderBy: $o) { totalCount } }`, { c: cursor, o: orderBy });
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
  it("changes: a cursor with a bad timestamp or id is BAD_USER_INPUT", async () => {
    for (const c of [b64(["changes", "not-a-time", "1"]), b64(["changes", "2020-01-01 00:00:00+00", "-1"]), b64(["2020-01-01", "1"])]) {
      const r = await s.gql(`query($c: String) { changes(since: "2018-01-01T00:00:00Z", first: 2, after: $c) { totalCount: edges { cursor } } }`, { c });
      expect(r.errors?.[0]?.extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    }
    const ok = await s.gql(`query { changes(since: "2018-01-01T00:00:00Z", first: 2) { edges { cursor } } }`);
    const cursor = ok.data!.changes.edges[1].cursor;
    const next = await s.gql(`query($c: String) { changes(since: "2018-01-01T00:00:00Z", first: 2, after: $c) { edges { cursor } } }`, { c: cursor });
    expect(next.errors).toBeUndefined();
  });
  it("OGC items: a forged cursor is a JSON 400, not a 500", async () => {
    const r = await fetch(`${s.url}/collections/platforms/items?cursor=${b64(["id", 7])}`);
    expect(r.status).toBe(400);
  });
});

describe("writes", () => {
  it("concurrent creates of one id: one success, CONFLICT for the rest", async () => {
    const id = unique("race");
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        createPlatform(s, admin, { id }).then(
          () => "OK",
          (e: Error) => e.message,
        ),
      ),
    );
    expect(results.filter((x) => x === "OK")).toHaveLength(1);
    for (const x of results.filter((r) => r !== "OK")) expect(x).toContain("CONFLICT");
  });

  const UPDATE = `mutation($input: UpdatePlatformInput!) { updatePlatform(input: $input) { id version updatedAt domains { id } agencies { id } mentions { offset } } }`;
  it.each([
    ["domains", { domains: ["ai"] }],
    ["agencies", { agencies: ["gz-stic", "gz-drc"] }],
    ["mentions", { mentions: [planMention(), planMention(4000, 20)] }],
  ])("an update of %s alone bumps version and updatedAt", async (_rel, change) => {
    const p = await createPlatform(s, admin);
    await new Promise((r) => setTimeout(r, 20));
    const r = await s.gql(UPDATE, { input: { id: p.id, expectedVersion: p.version, ...change } }, { token: admin });
    expect(r.errors).toBeUndefined();
    expect(r.data!.updatePlatform.version).toBe(p.version + 1);
    expect(new Date(r.data!.updatePlatform.updatedAt).getTime()).toBeGreaterThan(new Date(p.updatedAt).getTime());
    // the old version is now stale
    const stale = await s.gql(UPDATE, { input: { id: p.id, expectedVersion: p.version, note: "x" } }, { token: admin });
    expect(stale.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    // the same relations again change nothing
    const same = await s.gql(UPDATE, { input: { id: p.id, expectedVersion: p.version + 1, ...change } }, { token: admin });
    expect(same.data!.updatePlatform.version).toBe(p.version + 1);
  });
});

describe("behind a proxy (TRUST_PROXY)", () => {
  it("is off by default: X-Forwarded-For is ignored, so one address shares one budget", async () => {
    const t = await startTestServer({ seed: false, env: { RATE_LIMIT_PER_IP: "4" } });
    try {
      const landing = (await (
        await fetch(`${t.url}/`, { headers: { accept: "application/json", "x-forwarded-proto": "https", "x-forwarded-host": "registry.example.gov.cn" } })
      ).json()) as any;
      expect(JSON.stringify(landing.links)).toContain("http://127.0.0.1");
      expect(JSON.stringify(landing.links)).not.toContain("registry.example.gov.cn");
      const st: number[] = [];
      for (let i = 0; i < 5; i++) {
        st.push((await t.gql("{ __typename }", {}, { headers: { "x-forwarded-for": `203.0.113.${i}` } })).status);
      }
      expect(st).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await t.close();
    }
  });
  it("with TRUST_PROXY=1 each forwarded client has its own budget, and links use the forwarded scheme and host", async () => {
    const t = await startTestServer({ seed: false, env: { RATE_LIMIT_PER_IP: "4", TRUST_PROXY: "1" } });
    try {
      const st: number[] = [];
      for (let i = 0; i < 5; i++) {
        st.push((await t.gql("{ __typename }", {}, { headers: { "x-forwarded-for": `203.0.113.${i}` } })).status);
      }
      expect(st).toEqual([200, 200, 200, 200, 200]);
      const landing = (await (
        await fetch(`${t.url}/`, { headers: { accept: "application/json", "x-forwarded-proto": "https", "x-forwarded-host": "registry.example.gov.cn" } })
      ).json()) as any;
      const self = landing.links.find((l: any) => l.rel === "self");
      expect(self.href).toMatch(/^https:\/\/registry\.example\.gov\.cn\//);
    } finally {
      await t.close();
    }
  });
});
