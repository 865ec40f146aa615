/**
 * The scenarios: what each server is asked, with which parameters (chosen from the bench
 * database, deterministically), and how a sample answer is checked and compared.
 *
 * S1  platforms in a district and a domain, first 50, with district, domains and agencies
 * S2  search by a Chinese name fragment, first 20
 * S3  the platforms in a bbox (~1,000 features) — ours: platformsGeoJSON (a GeoJSON
 *     FeatureCollection); PostGraphile: allPlatforms with lng/lat ranges (plain JSON, not GeoJSON)
 * S3a S3 on a bbox of the SAME AREA at every size (feature count grows with the data)
 * S4  one platform by id with its status history
 * S5  updatePlatformStatus (the write path; ours and the floor; PostGraphile has no such mutation)
 */
import pg from "pg";

// Guangzhou Science City (广州科学城), a real zone: the centre of the S3 boxes.
export const S3_CENTRE = [113.45, 23.17];
/** Half-size in degrees of the fixed-area box of S3a (≈ 2.4 km × 2.6 km): ~20 located platforms at 1k, ~1,800 at 100k, ~18,000 at 1M. */
export const S3A_HALF = 0.0117;
/** platformsGeoJSON's most features: a box holding more is drawn by the map from platformClusters. */
export const GEOJSON_MAX = 10_000;
/** The zoom at which the map frames S3a's box in a 1400-pixel-wide view. */
export const S3A_ZOOM = 16;

const OURS = {
  S1: `query S1($districts: [String!], $domains: [ID!]) {
  platforms(filter: { districts: $districts, domains: $domains }, first: 50) {
    nodes { id nameHans nameEn kind status version location { lng lat precision }
      district { code nameHans } domains { id nameHans } agencies { id nameHans } }
  }
}`,
  S2: `query S2($search: String!) {
  platforms(filter: { search: $search }, first: 20) { nodes { id nameHans nameEn kind status } }
}`,
  S3: `query S3($bbox: [Float!]) { platformsGeoJSON(filter: { bbox: $bbox }) }`,
  // S3a where the box holds more than one platformsGeoJSON answer: what the map asks (its cells)
  S3C: `query S3a($bbox: [Float!], $zoom: Int!) { platformClusters(filter: { bbox: $bbox }, zoom: $zoom) { located clusters { count lng lat bbox platformId } } }`,
  S4: `query S4($id: ID!) {
  platform(id: $id) {
    id nameHans nameEn kind status version
    statusHistory { from to effectiveDate recordedAt actor note source { title url publishedAt } correction }
  }
}`,
  S5: `mutation S5($input: UpdatePlatformStatusInput!) { updatePlatformStatus(input: $input) { id status version } }`,
};
// Fallback while platformsGeoJSON does not exist (older builds): the same bbox as a page.
const OURS_S3_FALLBACK = `query S3($bbox: [Float!]) { platforms(filter: { bbox: $bbox }, first: 100) { nodes { id nameHans kind status location { lng lat precision } } } }`;

const PEER = {
  S1: `query S1($district: String!, $domain: String!) {
  allPlatforms(first: 50, orderBy: [SORT_KEY_ASC, ROW_ID_ASC], condition: { districtCode: $district },
    filter: { archivedAt: { isNull: true }, platformDomainsByPlatformId: { some: { domainId: { equalTo: $domain } } } }) {
    nodes { rowId nameHans nameEn kind status version lng lat precision
      districtByDistrictCode { code nameHans }
      platformDomainsByPlatformId(orderBy: DOMAIN_ID_ASC) { nodes { domainByDomainId { rowId nameHans } } }
      platformAgenciesByPlatformId(orderBy: POSITION_ASC) { nodes { agencyByAgencyId { rowId nameHans } } } }
  }
}`,
  S2: `query S2($q: String!) {
  allPlatforms(first: 20, orderBy: [SORT_KEY_ASC, ROW_ID_ASC], filter: { archivedAt: { isNull: true }, nameHans: { includes: $q } }) {
    nodes { rowId nameHans nameEn kind status }
  }
}`,
  S3: `query S3($minLng: Float!, $minLat: Float!, $maxLng: Float!, $maxLat: Float!) {
  allPlatforms(orderBy: [ROW_ID_ASC], filter: { archivedAt: { isNull: true },
      lng: { greaterThanOrEqualTo: $minLng, lessThanOrEqualTo: $maxLng }, lat: { greaterThanOrEqualTo: $minLat, lessThanOrEqualTo: $maxLat } }) {
    totalCount
    nodes { rowId nameHans nameHant nameEn kind level status districtCode precision version updatedAt lng lat
      platformDomainsByPlatformId(orderBy: DOMAIN_ID_ASC) { nodes { domainId } } }
  }
}`,
  S4: `query S4($id: String!) {
  platformByRowId(rowId: $id) {
    rowId nameHans nameEn kind status version
    statusEventsByPlatformId(orderBy: [RECORDED_AT_DESC, ROW_ID_DESC]) {
      nodes { fromStatus toStatus effectiveDate recordedAt actor note sourceTitle sourceUrl sourcePublishedAt correction }
    }
  }
}`,
};

/** S2's fragments: a university, brands (rare), domains (common). All are fragments of the generated and real names. */
export const S2_FRAGMENTS = ["中山大学", "瑞康", "再生医学", "恒泰", "海洋", "智联"];

const CHAIN = ["PLANNED", "PREPARING", "UNDER_CONSTRUCTION", "TRIAL_OPERATION", "OPERATIONAL"];

/** Does our schema have platformsGeoJSON? (It was being built when the benchmark was written.) */
export async function oursHasGeoJSON(url) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `{ __type(name: "Query") { fields { name } } }` }),
  });
  const j = await res.json();
  return !!j.data?.__type?.fields?.some((f) => f.name === "platformsGeoJSON");
}

/**
 * Parameters for one database, chosen by SQL, deterministic for a given data set.
 */
export async function chooseParameters(dbUrl) {
  const c = new pg.Client({ connectionString: dbUrl, application_name: "bench-harness" });
  await c.connect();
  try {
    // S1: the largest (district, leaf domain) pairs. A leaf domain has no children and no members,
    // so our filter (which expands a domain to its subtree) and PostGraphile's equality agree.
    const s1 = (
      await c.query(`
      WITH leaf AS (SELECT d.id FROM domain d WHERE NOT d.is_group
        AND NOT EXISTS (SELECT 1 FROM domain c WHERE c.parent_id = d.id)
        AND NOT EXISTS (SELECT 1 FROM domain c WHERE d.id = ANY(c.also_in)))
      SELECT p.district_code AS district, pd.domain_id AS domain, count(*)::int AS n
      FROM platform p JOIN platform_domain pd ON pd.platform_id = p.id
      WHERE p.archived_at IS NULL AND p.district_code IS NOT NULL AND pd.domain_id IN (SELECT id FROM leaf)
      GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT 8`)
    ).rows;

    const s2 = [];
    for (const q of S2_FRAGMENTS) {
      const { rows } = await c.query(`SELECT count(*)::int AS n FROM platform WHERE archived_at IS NULL AND name_hans LIKE $1`, [`%${q}%`]);
      s2.push({ search: q, nameMatches: rows[0].n });
    }

    const count = async (h) =>
      (
        await c.query(
          `SELECT count(*)::int AS n FROM platform p WHERE p.archived_at IS NULL AND p.lng IS NOT NULL
       AND point(p.lng, p.lat) <@ box(point($1, $2), point($3, $4))`,
          [S3_CENTRE[0] - h, S3_CENTRE[1] - h, S3_CENTRE[0] + h, S3_CENTRE[1] + h],
        )
      ).rows[0].n;
    // S3: the smallest square around the centre holding ~1,000 located platforms (all of them at 1k).
    let lo = 0.0005,
      hi = 0.8;
    const target = Math.min(1000, await count(hi));
    for (let k = 0; k < 30; k++) {
      const mid = (lo + hi) / 2;
      if ((await count(mid)) >= target) hi = mid;
      else lo = mid;
    }
    const round = (x) => +x.toFixed(6);
    const box = (h) => [round(S3_CENTRE[0] - h), round(S3_CENTRE[1] - h), round(S3_CENTRE[0] + h), round(S3_CENTRE[1] + h)];
    const s3 = { bbox: box(hi), half: round(hi), features: await count(hi) };
    const s3a = { bbox: box(S3A_HALF), half: S3A_HALF, features: await count(S3A_HALF) };

    const s4 = (await c.query(`SELECT id FROM platform ORDER BY md5(id) LIMIT 200`)).rows.map((r) => r.id);
    const s5 = (await c.query(`SELECT id, status, version FROM platform WHERE archived_at IS NULL ORDER BY md5(id || 's5') LIMIT 500`)).rows;
    return { s1, s2, s3, s3a, s4, s5 };
  } finally {
    await c.end();
  }
}

/** Re-reads written platforms (status, version) so the next writes carry the right expectedVersion (S5, S6). */
export async function resyncWritten(dbUrl, pool) {
  const c = new pg.Client({ connectionString: dbUrl, application_name: "bench-harness" });
  await c.connect();
  try {
    const { rows } = await c.query(`SELECT id, status, version FROM platform WHERE id = ANY($1)`, [pool.map((p) => p.id)]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const p of pool) Object.assign(p, byId.get(p.id), { busy: false });
  } finally {
    await c.end();
  }
}

/** The next write for a platform (S5, S6): one lifecycle step forward, or an admin correction back to PLANNED. */
export function nextStatusInput(p, note = "benchmark write") {
  const k = CHAIN.indexOf(p.status);
  const base = { id: p.id, effectiveDate: "2024-01-01", expectedVersion: p.version, note };
  if (k >= 0 && k < CHAIN.length - 1) {
    return { ...base, status: CHAIN[k + 1], source: { title: "benchmark", url: "https://example.org/bench", publishedAt: "2024-01-01" } };
  }
  return { ...base, status: "PLANNED", correction: true };
}

/**
 * The request factories of one scenario for one server: body(i, ctx) and, for S5, onBody.
 * Returns null when the server does not take part in the scenario.
 */
export function requestsFor(scenario, server, params, { token, geojson = true } = {}) {
  const gql = (query, variables) => JSON.stringify({ query, variables });
  const floor = (variables) => JSON.stringify({ variables });
  const S = scenario === "S3a" ? "S3" : scenario;
  const boxOf = () => (scenario === "S3a" ? params.s3a.bbox : params.s3.bbox);
  const path = server === "floor" ? `/${S.toLowerCase()}` : "/graphql";
  switch (S) {
    case "S1": {
      const pick = (i) => params.s1[i % params.s1.length];
      return {
        path,
        body: (i) => {
          const { district, domain } = pick(i);
          if (server === "peer") return gql(PEER.S1, { district, domain });
          const v = { districts: [district], domains: [domain] };
          return server === "ours" ? gql(OURS.S1, v) : floor(v);
        },
      };
    }
    case "S2": {
      const pick = (i) => params.s2[i % params.s2.length].search;
      return {
        path,
        body: (i) => (server === "peer" ? gql(PEER.S2, { q: pick(i) }) : server === "ours" ? gql(OURS.S2, { search: pick(i) }) : floor({ search: pick(i) })),
      };
    }
    case "S3": {
      const bbox = boxOf();
      const [minLng, minLat, maxLng, maxLat] = bbox;
      const peer = gql(PEER.S3, { minLng, minLat, maxLng, maxLat });
      if (clustered(scenario, params) && server !== "peer") {
        // ours (and the floor, with the same service) answer as the map asks: cells at the view's zoom
        const v = { bbox, zoom: S3A_ZOOM };
        return { path: server === "floor" ? "/s3c" : "/graphql", body: () => (server === "floor" ? floor(v) : gql(OURS.S3C, v)) };
      }
      const ours = gql(geojson ? OURS.S3 : OURS_S3_FALLBACK, { bbox });
      const fl = floor({ bbox });
      return { path, body: () => (server === "peer" ? peer : server === "ours" ? ours : fl) };
    }
    case "S4": {
      const pick = (i) => params.s4[i % params.s4.length];
      return {
        path,
        body: (i) => (server === "peer" ? gql(PEER.S4, { id: pick(i) }) : server === "ours" ? gql(OURS.S4, { id: pick(i) }) : floor({ id: pick(i) })),
      };
    }
    case "S5": {
      if (server === "peer") return null;
      const pool = params.s5;
      let cursor = 0;
      return {
        path,
        headers: { authorization: `Bearer ${token}` },
        body: (_i, ctx) => {
          // the next platform not waiting for an answer
          let p;
          for (let k = 0; k < pool.length; k++) {
            p = pool[cursor++ % pool.length];
            if (!p.busy) break;
          }
          p.busy = true;
          ctx.platform = p;
          const input = nextStatusInput(p);
          return server === "ours" ? gql(OURS.S5, { input }) : floor({ input });
        },
        onBody: (status, body, ctx) => {
          const p = ctx.platform;
          if (!p) return;
          try {
            const r = JSON.parse(body).data?.updatePlatformStatus;
            if (status === 200 && r) Object.assign(p, { status: r.status, version: r.version, busy: false });
            // else: left busy (skipped) until the next resync reads its state from the database
          } catch {
            /* left busy */
          }
        },
      };
    }
  }
  throw new Error(`unknown scenario ${scenario}`);
}

/** Whether S3a is answered with cells: its box holds more than one platformsGeoJSON answer. */
export const clustered = (scenario, params) => scenario === "S3a" && params.s3a.features > GEOJSON_MAX;

/** One request, parsed, for the preflight check. */
export async function sampleRequest(baseUrl, req) {
  const body = req.body(0, {});
  const t0 = performance.now();
  const res = await fetch(baseUrl + req.path, { method: "POST", headers: { "content-type": "application/json", ...(req.headers ?? {}) }, body });
  const text = await res.text();
  const ms = performance.now() - t0;
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* reported below */
  }
  return { status: res.status, bytes: Buffer.byteLength(text), ms, json, text };
}

/**
 * What a sample answer says, in numbers comparable across servers (items, and the ids in order
 * where the order is meant to be the same).
 */
export function summarise(scenario, server, json) {
  if (!json) return { ok: false, problem: "response is not JSON" };
  if (json.errors?.length) return { ok: false, problem: `errors: ${JSON.stringify(json.errors).slice(0, 300)}` };
  const d = json.data ?? {};
  const S = scenario === "S3a" ? "S3" : scenario;
  switch (S) {
    case "S1": {
      const nodes = server === "peer" ? d.allPlatforms?.nodes : d.platforms?.nodes;
      const ids = nodes?.map((n) => n.rowId ?? n.id) ?? [];
      const links = nodes?.reduce(
        (s, n) =>
          s +
          (n.agencies?.length ?? n.platformAgenciesByPlatformId?.nodes.length ?? 0) +
          (n.domains?.length ?? n.platformDomainsByPlatformId?.nodes.length ?? 0),
        0,
      );
      return { ok: !!nodes, items: ids.length, ids, links };
    }
    case "S2": {
      const nodes = server === "peer" ? d.allPlatforms?.nodes : d.platforms?.nodes;
      return { ok: !!nodes, items: nodes?.length ?? 0, ids: nodes?.map((n) => n.rowId ?? n.id) ?? [] };
    }
    case "S3": {
      if (server === "peer") return { ok: !!d.allPlatforms, items: d.allPlatforms?.nodes.length ?? 0, total: d.allPlatforms?.totalCount };
      // cells: the platforms they count, which must be the peer's number of points
      const cells = d.platformClusters;
      if (cells) return { ok: Array.isArray(cells.clusters), items: cells.located, cells: cells.clusters.length, clusters: true };
      const fc = d.platformsGeoJSON;
      if (fc) return { ok: fc.type === "FeatureCollection", items: fc.features.length, ids: fc.features.map((f) => f.id) };
      return { ok: !!d.platforms, items: d.platforms?.nodes.length ?? 0, fallback: true };
    }
    case "S4": {
      const p = server === "peer" ? d.platformByRowId : d.platform;
      const events = p?.statusHistory?.length ?? p?.statusEventsByPlatformId?.nodes.length ?? 0;
      return { ok: !!p, items: p ? 1 : 0, ids: p ? [p.rowId ?? p.id] : [], events };
    }
    case "S5": {
      const r = d.updatePlatformStatus;
      return { ok: !!r, items: r ? 1 : 0 };
    }
  }
  return { ok: false, problem: "unknown scenario" };
}

/**
 * Waits until no statement is running in the bench database (at most `maxMs`): autocannon stops a run
 * by dropping its connections, but PostgreSQL finishes the statements already sent, which would
 * otherwise slow down the next server's run. Returns the milliseconds waited.
 */
export async function waitForIdle(dbUrl, maxMs = 60_000) {
  const c = new pg.Client({ connectionString: dbUrl, application_name: "bench-harness" });
  await c.connect();
  const t0 = Date.now();
  try {
    for (;;) {
      const { rows } = await c.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      if (rows[0].n === 0 || Date.now() - t0 > maxMs) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await c.end();
  }
}
