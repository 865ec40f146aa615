/**
 * Load: 60 s at 50 concurrent clients on a mixed read and write workload against the server as
 * `npm start` runs it (its own process; `npm test` runs this file alone, after the rest): no 5xx, and
 * memory (RSS) does not grow: the highest and the lowest RSS of the minute's second half each stay
 * under 1.1x those of its first half. A 90 s warm-up comes first, outside the window. RSS does not
 * sit still under this load: V8 grows the heap and a major collection gives memory back, so RSS
 * swings by 10-15 % within 20 s (one run's 10 s means: 220, 243, 212, 250, 214, 250 MB). Comparing
 * two 10 s means compared a trough with a peak; a leak raises both the peaks and the troughs, which
 * is what the halves compare. The log line gives the mean RSS of every 10 s of the window.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { freePort } from "../../src/db/embedded";
import { createTestDatabase } from "../support/db";

const DIST = path.join(__dirname, "..", "..", "dist");
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

it("serves 50 concurrent clients for 60 s with no 5xx and flat memory", async () => {
  const db = await createTestDatabase();
  const port = await freePort();
  const { DATABASE_URL: _x, ...env } = process.env;
  const child = spawn(process.execPath, [path.join(DIST, "src", "index.js")], {
    env: { ...env, DATABASE_URL: db.url, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", RATE_LIMIT_PER_IP: "0", RATE_LIMIT_PER_TOKEN: "0" },
    stdio: "ignore",
  });
  const exited = new Promise((r) => child.on("exit", r));
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const token = execFileSync(process.execPath, [path.join(DIST, "scripts", "token.js"), "create", "--role", "admin", "--name", "load"], {
      env: { ...env, DATABASE_URL: db.url, LOG_LEVEL: "silent" },
    })
      .toString()
      .trim()
      .split("\n")
      .pop()!;
    const writable = [
      "sun-yat-sen-university",
      "jinan-university",
      "south-china-normal-university",
      "guangzhou-university",
      "guangzhou-medical-university",
      "south-china-university-of-technology",
      "guangzhou-university-of-chinese-medicine",
      "hkust-guangzhou",
      "scut-guangzhou-international-campus",
      "guangzhou-science-city",
    ];
    const reads = [
      `{ platforms(first: 50, filter: { districts: ["440112"] }) { totalCount nodes { id nameHans district { nameHans } domains { id } agencies { id } } } }`,
      `{ platforms(first: 20, filter: { search: "生物" }) { nodes { id nameHans } } }`,
      `{ platforms(first: 100, filter: { bbox: [113.2, 22.9, 113.7, 23.4] }) { nodes { id location { lng lat } } } }`,
      `{ platform(id: "guangzhou-international-bio-island") { id statusHistory { to effectiveDate } mentions { excerpt } } }`,
      `{ platforms(first: 1, filter: { domains: ["iab"] }) { totalCount facets { kind { value count } district { value count } } } }`,
      `{ districts { code platformCount } }`,
    ];
    const counts = { ok: 0, serverErrors: 0, other: 0 };
    let stop = false;
    const post = (query: string, variables?: unknown, auth = false) =>
      fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(30000),
      });
    const record = async (res: Response) => {
      const body = (await res.json()) as any;
      if (res.status >= 500 || body.errors?.some((e: any) => e.extensions?.code === "INTERNAL_SERVER_ERROR")) counts.serverErrors++;
      else if (body.errors) counts.other++;
      else counts.ok++;
      return body;
    };
    const reader = async (n: number) => {
      for (let i = n; !stop; i++) await record(await post(reads[i % reads.length]));
    };
    const writer = async (id: string) => {
      let flip = false;
      while (!stop) {
        const v = await record(await post(`query($id: ID!) { platform(id: $id) { version } }`, { id }));
        await record(
          await post(
            `mutation($i: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $i) { version } }`,
            {
              i: { id, status: flip ? "OPERATIONAL" : "SUSPENDED", effectiveDate: "2020-01-01", expectedVersion: v.data.platform.version, correction: true },
            },
            true,
          ),
        );
        flip = !flip;
      }
    };
    const samples: Array<{ t: number; rss: number }> = [];
    const workers = [...Array.from({ length: 40 }, (_, i) => reader(i)), ...writable.map(writer)];
    await new Promise((r) => setTimeout(r, 90000)); // warm-up
    const t0 = Date.now();
    while (Date.now() - t0 < 60000) {
      samples.push({ t: Date.now() - t0, rss: rssKb(child.pid!) });
      await new Promise((r) => setTimeout(r, 1000));
    }
    stop = true;
    await Promise.all(workers);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = samples.filter((s) => s.t < 30000).map((s) => s.rss);
    const second = samples.filter((s) => s.t >= 30000).map((s) => s.rss);
    const tens = [0, 1, 2, 3, 4, 5].map((i) => Math.round(mean(samples.filter((s) => s.t >= i * 10000 && s.t < (i + 1) * 10000).map((s) => s.rss)) / 1024));
    console.log(
      `load: ${counts.ok} ok, ${counts.other} refused, ${counts.serverErrors} server errors; RSS first half ${Math.round(Math.min(...first) / 1024)}-${Math.round(Math.max(...first) / 1024)} MB, second half ${Math.round(Math.min(...second) / 1024)}-${Math.round(Math.max(...second) / 1024)} MB (every 10 s: ${tens.join(", ")} MB)`,
    );
    expect(counts.serverErrors).toBe(0);
    expect(counts.ok).toBeGreaterThan(1000);
    expect(first.length).toBeGreaterThan(20);
    expect(second.length).toBeGreaterThan(20);
    expect(Math.max(...second)).toBeLessThan(Math.max(...first) * 1.1);
    expect(Math.min(...second)).toBeLessThan(Math.min(...first) * 1.1);
  } finally {
    child.kill("SIGTERM");
    await exited;
    await db.drop();
  }
}, 270000);
