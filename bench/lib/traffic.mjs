/**
 * S6, real traffic: reads drawn with a Zipf-like popularity from thousands of distinct requests of
 * the S1–S4 shapes (filters, page sizes, ids, boxes, search terms all vary), while status writes
 * arrive through the registry's API at a steady rate; after each acknowledged write a read of that
 * platform through the server under test must show the new version (else the answer was stale).
 *
 * The same pool, the same popularity order and the same sequence of reads go to every server
 * (request i reads sequence[i mod length]). The writes always go through our API (PostGraphile has
 * no such mutation): through the server under test when it is ours, else through our cache-off
 * instance; every server reads a database that changes under it.
 */
import pg from "pg";
import { makeRng } from "./generate.mjs";
import { nextStatusInput, S2_FRAGMENTS } from "./scenarios.mjs";

/** Reads that carry the same selections as S1–S4, with the page size a variable. */
const OURS = {
  S1: `query S6a($districts: [String!], $domains: [ID!], $first: Int!) {
  platforms(filter: { districts: $districts, domains: $domains }, first: $first) {
    nodes { id nameHans nameEn kind status version location { lng lat precision }
      district { code nameHans } domains { id nameHans } agencies { id nameHans } }
  }
}`,
  S2: `query S6b($search: String!) {
  platforms(filter: { search: $search }, first: 20) { nodes { id nameHans nameEn kind status version } }
}`,
  S3: `query S6c($bbox: [Float!]) { platformsGeoJSON(filter: { bbox: $bbox }) }`,
  S4: `query S6d($id: ID!) {
  platform(id: $id) {
    id nameHans nameEn kind status version
    statusHistory { from to effectiveDate recordedAt actor note source { title url publishedAt } correction }
  }
}`,
  write: `mutation S6w($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { id status version } }`,
};

const PEER = {
  S1: `query S6a($district: String!, $domain: String!, $first: Int!) {
  allPlatforms(first: $first, orderBy: [SORT_KEY_ASC, ROW_ID_ASC], condition: { districtCode: $district },
    filter: { archivedAt: { isNull: true }, platformDomainsByPlatformId: { some: { domainId: { equalTo: $domain } } } }) {
    nodes { rowId nameHans nameEn kind status version lng lat precision
      districtByDistrictCode { code nameHans }
      platformDomainsByPlatformId(orderBy: DOMAIN_ID_ASC) { nodes { domainByDomainId { rowId nameHans } } }
      platformAgenciesByPlatformId(orderBy: POSITION_ASC) { nodes { agencyByAgencyId { rowId nameHans } } } }
  }
}`,
  S2: `query S6b($q: String!) {
  allPlatforms(first: 20, orderBy: [SORT_KEY_ASC, ROW_ID_ASC], filter: { archivedAt: { isNull: true }, nameHans: { includes: $q } }) {
    nodes { rowId nameHans nameEn kind status version }
  }
}`,
  S3: `query S6c($minLng: Float!, $minLat: Float!, $maxLng: Float!, $maxLat: Float!) {
  allPlatforms(orderBy: [ROW_ID_ASC], filter: { archivedAt: { isNull: true },
      lng: { greaterThanOrEqualTo: $minLng, lessThanOrEqualTo: $maxLng }, lat: { greaterThanOrEqualTo: $minLat, lessThanOrEqualTo: $maxLat } }) {
    totalCount
    nodes { rowId nameHans nameHant nameEn kind level status districtCode precision version updatedAt lng lat
      platformDomainsByPlatformId(orderBy: DOMAIN_ID_ASC) { nodes { domainId } } }
  }
}`,
  S4: `query S6d($id: String!) {
  platformByRowId(rowId: $id) {
    rowId nameHans nameEn kind status version
    statusEventsByPlatformId(orderBy: [RECORDED_AT_DESC, ROW_ID_DESC]) {
      nodes { fromStatus toStatus effectiveDate recordedAt actor note sourceTitle sourceUrl sourcePublishedAt correction }
    }
  }
}`,
};

/**
 * The pool of distinct reads for one database (deterministic for a data set and seed), in
 * popularity order (rank 0 the most read), the sequence of reads, and the platforms written.
 *
 * - S1: every (district, leaf domain) pair with a platform × page sizes 5, 10, 20, 50;
 * - S2: S2's fragments plus 2–3 character fragments of platform names;
 * - S3: squares of 0.1–1.3 km half-size around located platforms, halved until one GeoJSON answer holds them;
 * - S4: platform ids (the written platforms among them).
 */
export async function chooseTraffic(dbUrl, { seed = "gz-bench-1", distinct = 6000, sequenceLength = 200_000, zipf = 1.0 } = {}) {
  const rng = makeRng(`${seed}/s6`);
  const c = new pg.Client({ connectionString: dbUrl, application_name: "bench-harness" });
  await c.connect();
  try {
    const pairs = (
      await c.query(`
      WITH leaf AS (SELECT d.id FROM domain d WHERE NOT d.is_group
        AND NOT EXISTS (SELECT 1 FROM domain c WHERE c.parent_id = d.id)
        AND NOT EXISTS (SELECT 1 FROM domain c WHERE d.id = ANY(c.also_in)))
      SELECT p.district_code AS district, pd.domain_id AS domain, count(*)::int AS n
      FROM platform p JOIN platform_domain pd ON pd.platform_id = p.id
      WHERE p.archived_at IS NULL AND p.district_code IS NOT NULL AND pd.domain_id IN (SELECT id FROM leaf)
      GROUP BY 1, 2 ORDER BY n DESC, 1, 2`)
    ).rows;
    const s1 = [];
    for (const { district, domain } of pairs) for (const first of [5, 10, 20, 50]) s1.push({ shape: "S1", district, domain, first });

    const names = (await c.query(`SELECT name_hans FROM platform WHERE archived_at IS NULL ORDER BY md5(id || 's6-names') LIMIT 3000`)).rows.map(
      (r) => r.name_hans,
    );
    const fragments = new Set(S2_FRAGMENTS);
    for (const name of names) {
      const chars = [...name];
      const len = 2 + Math.floor(rng() * 2);
      if (chars.length < len) continue;
      const at = Math.floor(rng() * (chars.length - len + 1));
      fragments.add(chars.slice(at, at + len).join(""));
      if (fragments.size >= 700) break;
    }
    const s2 = [...fragments].map((search) => ({ shape: "S2", search }));

    const centres = (
      await c.query(
        `SELECT lng, lat FROM platform WHERE archived_at IS NULL AND lng IS NOT NULL AND precision <> 'CITY' ORDER BY md5(id || 's6-boxes') LIMIT 900`,
      )
    ).rows;
    const round = (x) => +x.toFixed(6);
    const s3 = [];
    for (const { lng, lat } of centres) {
      // a box one platformsGeoJSON answer holds (at most 10,000 located platforms), as the map asks for
      // one: halved until it does (at 1M the larger squares around dense places hold more)
      let h = 0.001 + rng() * 0.011;
      let bbox;
      for (;;) {
        bbox = [round(lng - h), round(lat - h), round(lng + h), round(lat + h)];
        const { rows } = await c.query(
          `SELECT count(*)::int AS n FROM (SELECT 1 FROM platform WHERE archived_at IS NULL AND lng IS NOT NULL
             AND point(lng, lat) <@ box(point($1, $2), point($3, $4)) LIMIT 10001) x`,
          bbox,
        );
        if (rows[0].n <= 10_000) break;
        h /= 2;
      }
      s3.push({ shape: "S3", bbox });
    }

    const s4n = Math.max(1000, distinct - s1.length - s2.length - s3.length);
    const ids = (await c.query(`SELECT id, status, version FROM platform WHERE archived_at IS NULL ORDER BY md5(id || 's6-ids') LIMIT $1`, [s4n])).rows;
    const s4 = ids.map((r) => ({ shape: "S4", id: r.id }));

    // Popularity: a deterministic shuffle of the whole pool; rank r is read with probability ∝ 1/(r+1)^zipf.
    const pool = [...s1, ...s2, ...s3, ...s4];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    const cdf = new Float64Array(pool.length);
    let sum = 0;
    for (let r = 0; r < pool.length; r++) cdf[r] = sum += 1 / (r + 1) ** zipf;
    const sequence = new Uint32Array(sequenceLength);
    for (let k = 0; k < sequenceLength; k++) {
      const u = rng() * sum;
      let lo = 0,
        hi = pool.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      sequence[k] = lo;
    }
    const byShape = { S1: s1.length, S2: s2.length, S3: s3.length, S4: s4.length };
    const readsByShape = { S1: 0, S2: 0, S3: 0, S4: 0 };
    for (const r of sequence) readsByShape[pool[r].shape]++;
    const top100 = cdf[Math.min(99, pool.length - 1)] / sum;
    // Written platforms: the ids read in S4 shape, most popular first, so writes land on what is read.
    const rankOf = new Map(pool.map((p, r) => [p, r]));
    const written = s4
      .slice()
      .sort((a, b) => rankOf.get(a) - rankOf.get(b))
      .slice(0, 500)
      .map((p) => ({ ...ids.find((r) => r.id === p.id) }));
    return { pool, sequence, written, stats: { distinct: pool.length, byShape, readsByShape, top100Share: +top100.toFixed(3), zipf } };
  } finally {
    await c.end();
  }
}

/** The JSON body of a read of the pool for a server ("ours" or "peer"). */
export function readBody(item, server) {
  const gql = (query, variables) => JSON.stringify({ query, variables });
  const peer = server === "peer";
  switch (item.shape) {
    case "S1":
      return peer
        ? gql(PEER.S1, { district: item.district, domain: item.domain, first: item.first })
        : gql(OURS.S1, { districts: [item.district], domains: [item.domain], first: item.first });
    case "S2":
      return peer ? gql(PEER.S2, { q: item.search }) : gql(OURS.S2, { search: item.search });
    case "S3": {
      const [minLng, minLat, maxLng, maxLat] = item.bbox;
      return peer ? gql(PEER.S3, { minLng, minLat, maxLng, maxLat }) : gql(OURS.S3, { bbox: item.bbox });
    }
    case "S4":
      return peer ? gql(PEER.S4, { id: item.id }) : gql(OURS.S4, { id: item.id });
  }
  throw new Error(`unknown shape ${item.shape}`);
}

/** The version a read of one platform (S4 shape) answered with, or undefined. */
function versionIn(json, server) {
  const p = server === "peer" ? json?.data?.platformByRowId : json?.data?.platform;
  return p ? p.version : undefined;
}

/**
 * Writes at a steady rate until stop() is called; after each acknowledged write, reads that
 * platform through the server under test (the S4 read of the pool, byte for byte the request that
 * may be cached) and counts answers that do not show the version the write returned.
 *
 * @param {object} o
 * @param {string} o.writeUrl    our /graphql endpoint that takes the writes
 * @param {string} o.readUrl     the server under test's /graphql
 * @param {"ours"|"peer"} o.readAs  which query language the server under test speaks
 * @param {string} o.token       admin token
 * @param {Array} o.written      platforms to write (status and version tracked here)
 * @param {number} o.rate        writes per second
 * @param {number} [o.checkEvery]  check one write in this many (1 = every write)
 */
export function startWriter(o) {
  const stats = { writes: 0, writeErrors: 0, checks: 0, stale: 0, checkErrors: 0, sampleProblem: null, writeLatencies: [] };
  let cursor = 0;
  let stopped = false;
  const inFlight = new Set();
  const one = async () => {
    let p;
    for (let k = 0; k < o.written.length; k++) {
      p = o.written[cursor++ % o.written.length];
      if (!p.busy) break;
    }
    if (!p || p.busy) return;
    p.busy = true;
    const n = stats.writes + stats.writeErrors;
    try {
      const t0 = performance.now();
      const res = await fetch(o.writeUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${o.token}` },
        body: JSON.stringify({ query: OURS.write, variables: { input: nextStatusInput(p, "benchmark write (S6)") } }),
      });
      const json = await res.json().catch(() => null);
      const r = json?.data?.updatePlatformStatus;
      if (res.status !== 200 || !r) {
        stats.writeErrors++;
        stats.sampleProblem ??= `write: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`;
        return; // left busy: its state is unknown until the next resync
      }
      stats.writeLatencies.push(performance.now() - t0);
      stats.writes++;
      Object.assign(p, { status: r.status, version: r.version });
      if (n % (o.checkEvery ?? 1) === 0) {
        const check = await fetch(o.readUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: readBody({ shape: "S4", id: p.id }, o.readAs),
        });
        const cj = await check.json().catch(() => null);
        const v = versionIn(cj, o.readAs);
        if (v === undefined) {
          stats.checkErrors++;
          stats.sampleProblem ??= `check: HTTP ${check.status} ${JSON.stringify(cj).slice(0, 300)}`;
        } else {
          stats.checks++;
          if (v < r.version) {
            stats.stale++;
            stats.sampleProblem ??= `stale: ${p.id} answered version ${v} after a write acknowledged version ${r.version} (X-Cache: ${check.headers.get("x-cache")})`;
          }
        }
      }
      p.busy = false;
    } catch (err) {
      stats.writeErrors++;
      stats.sampleProblem ??= `write: ${err.message}`;
    }
  };
  const period = 1000 / o.rate;
  const t0 = performance.now();
  let k = 0;
  let timer;
  const tick = () => {
    if (stopped) return;
    const w = one();
    inFlight.add(w);
    w.finally(() => inFlight.delete(w));
    k++;
    // on schedule (k writes at k × period), whatever each write took
    timer = setTimeout(tick, Math.max(0, t0 + k * period - performance.now()));
  };
  tick();
  return {
    stats,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
      return stats;
    },
  };
}

/**
 * The response cache's counters from our /metrics, or null: lookups (hit, miss, bypass), answers
 * dropped by changes, evicted for room, and how often it was emptied.
 */
export async function cacheCounters(baseUrl) {
  try {
    const text = await (await fetch(baseUrl + "/metrics")).text();
    const out = { hit: 0, miss: 0, bypass: 0, dropped: 0, evicted: 0, emptied: 0 };
    for (const m of text.matchAll(/^registry_response_cache_total\{result="(\w+)"\} (\d+)/gm)) out[m[1]] = Number(m[2]);
    for (const m of text.matchAll(/^registry_response_cache_(dropped|evicted|emptied)_total (\d+)/gm)) out[m[1]] = Number(m[2]);
    return out;
  } catch {
    return null;
  }
}
