/**
 * Scale-out on PostgreSQL's own replication: reads go to a streaming replica (made with
 * pg_basebackup from a primary the test starts itself), writes to the primary, and the client
 * that just wrote reads its write even while the replica lags.
 */
import pg from "pg";
import pino from "pino";
import { start, type Running } from "../../src/bootstrap";
import { loadConfig } from "../../src/config";
import { createToken } from "../support/factories";
import { PgCluster } from "../support/pg-cluster";

let primary: PgCluster;
let replica: PgCluster;
let r: Running;
let base: string;
let token: string;

beforeAll(async () => {
  primary = await PgCluster.create();
  primary.start();
  replica = await PgCluster.replicaOf(primary);
  replica.start();
  r = await start(
    loadConfig({ DATABASE_URL: primary.url, DATABASE_REPLICA_URLS: replica.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", RATE_LIMIT_PER_IP: "0" }),
    pino({ level: "silent" }),
  );
  base = `http://127.0.0.1:${r.port}`;
  token = (await createToken(r, { name: "replica test", role: "ADMIN" })).token;
  // wait for the replica to have the seeded registry
  const c = new pg.Client({ connectionString: replica.url });
  await c.connect();
  for (let i = 0; i < 100; i++) {
    const { rows } = await c
      .query(`SELECT to_regclass('api_token') IS NOT NULL AND EXISTS (SELECT 1 FROM api_token) AS ok`)
      .catch(() => ({ rows: [{ ok: false }] }));
    if (rows[0].ok) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  await c.end();
}, 120000);

afterAll(async () => {
  await r?.shutdown();
  replica?.destroy();
  primary?.destroy();
});

async function replicaSql(sql: string) {
  const c = new pg.Client({ connectionString: replica.url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

const statusOf = async (id: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: `query($id: ID!) { platform(id: $id) { status version } }`, variables: { id } }),
  });
  return { ...((await res.json()) as any).data.platform, cache: res.headers.get("x-cache") };
};

it("reads from the replica, writes to the primary, and gives the writer its own write", async () => {
  const id = "guangzhou-intelligent-engineering-research-institute"; // UNDER_CONSTRUCTION in the plan
  const before = await statusOf(id);
  // hold the replica still: from now on it lags behind the primary
  await replicaSql(`SELECT pg_wal_replay_pause()`);
  try {
    const res = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `mutation($i: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $i) { status version } }`,
        variables: { i: { id, status: "OPERATIONAL", effectiveDate: "2020-01-01", source: { title: "test" }, expectedVersion: before.version } },
      }),
    });
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.updatePlatformStatus.status).toBe("OPERATIONAL"); // the writing request reads its own write
    const lsn = res.headers.get("x-registry-lsn")!;
    expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(res.headers.get("set-cookie")).toContain(`registry_lsn=${lsn}`);

    // another token holder (no response cache, no LSN sent back) reads from the paused replica:
    // still the old status — reads really go there
    expect((await statusOf(id, { authorization: `Bearer ${token}` })).status).toBe(before.status);
    expect((await replicaSql(`SELECT status FROM platform WHERE id = '${id}'`))[0].status).toBe(before.status);
    // an anonymous read is a response-cache miss: once the cache has heard of the change (over
    // LISTEN, a moment after the commit) it reads from the primary until a replica has replayed
    // the change, so the paused replica can never refill the cache with the old answer
    let anonymous = before.status;
    for (let i = 0; i < 100 && anonymous !== "OPERATIONAL"; i++) {
      await new Promise((res) => setTimeout(res, 50));
      anonymous = (await statusOf(id)).status;
    }
    expect(anonymous).toBe("OPERATIONAL");
    // and the cache works again: that answer was stored, the next one is served from it
    expect(await statusOf(id)).toMatchObject({ status: "OPERATIONAL", cache: "HIT" });
    // the writer, sending its LSN back (header or cookie), reads its write from the primary
    expect((await statusOf(id, { "x-registry-min-lsn": lsn })).status).toBe("OPERATIONAL");
    expect((await statusOf(id, { cookie: `registry_lsn=${lsn}` })).status).toBe("OPERATIONAL");
  } finally {
    await replicaSql(`SELECT pg_wal_replay_resume()`);
  }
  // once the replica replays, everyone reads the write from it
  for (let i = 0; i < 100 && (await statusOf(id)).status !== "OPERATIONAL"; i++) await new Promise((res) => setTimeout(res, 50));
  expect((await statusOf(id)).status).toBe("OPERATIONAL");
}, 60000);
