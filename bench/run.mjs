#!/usr/bin/env node
/**
 * The benchmark (issue 7): the registry against PostGraphile 5 and a raw-SQL floor, on
 * generated data sets of 1k and 100k platforms (and 1M with --full).
 *
 *   npm run bench                 quick: 1k and 100k (under 10 minutes on 2 cores)
 *   npm run bench -- --full       adds 1M
 *
 * Needs a built registry (dist/; `npm run bench` builds it) and a PostgreSQL server where the
 * role may create databases: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 * The benchmark creates registry_bench_<size> there and drops it afterwards (--keep leaves it).
 *
 * Options: --sizes=1000,100000  --rounds=3  --duration=3 (seconds per round)  --warmup=1 (--full: 5)
 *          --connections=10  --scenarios=S1,S2,S3,S4,S5,S6 (--full: S3a too)  --seed=gz-bench-1  --keep
 *          --write-rate=5 (S6: status writes per second through our API)
 *          --baseline=DIR  adds the server "baseline": the registry built in DIR (DIR/dist/src/index.js,
 *                          e.g. a checkout of the commit before a change), cache off, measured in the same rounds
 *          --servers=ours,uncached,peer,floor (uncached: ours with RESPONSE_CACHE=false)
 *          --node-flags="--heap-growing-percent=30"  flags for Node in every registry process (ours, uncached, baseline)
 *          --log-level=silent (the registry's LOG_LEVEL)  --out=bench/results  --label=quick (names the run in history.csv)
 *
 * Writes OUT/latest-quick.{md,json} (OUT/latest-full.* with --full; OUT/latest-experiment.* when the
 * sizes, scenarios or servers are not the defaults, or with --baseline or --node-flags) and appends the run's rows to
 * OUT/history.csv (bench/lib/history.mjs).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { BENCH_DIR } from "./lib/dist.mjs";
import { buildBenchDatabase, DEFAULT_ADMIN_URL, dropDatabase, benchDbName } from "./lib/database.mjs";
import { verifySearchDocuments } from "./lib/generate.mjs";
import { dist } from "./lib/dist.mjs";
import { runLoad, percentile } from "./lib/load.mjs";
import { foreignCpuSeconds, memoryOf, serverNode, serverSpecs, startServer } from "./lib/servers.mjs";
import { chooseParameters, oursHasGeoJSON, requestsFor, resyncWritten, sampleRequest, summarise, waitForIdle } from "./lib/scenarios.mjs";
import { renderMarkdown } from "./lib/report.mjs";
import { measureMap, provisionChromium } from "./lib/map-draw.mjs";
import { appendHistory, runKind } from "./lib/history.mjs";
import { cacheCounters, chooseTraffic, readBody, startWriter } from "./lib/traffic.mjs";

function parseArgs(argv) {
  const a = { full: false, keep: false };
  for (const s of argv) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(s);
    if (!m) throw new Error(`unknown argument ${s}`);
    a[m[1]] = m[2] ?? true;
  }
  const full = a.full === true;
  return {
    full,
    keep: a.keep === true,
    sizes: (a.sizes ? String(a.sizes).split(",") : full ? ["1000", "100000", "1000000"] : ["1000", "100000"]).map(Number),
    rounds: Number(a.rounds ?? 3),
    duration: Number(a.duration ?? (full ? 4 : 3)),
    // seconds per server and scenario before any round; a server still compiles its hot code after 1 s
    // of S1 at 100k (bench/README.md, "2026-12-08: warm-up and steady state"): the full run, with no time
    // limit, waits longer
    warmup: Number(a.warmup ?? (full ? 5 : 1)),
    connections: Number(a.connections ?? 10),
    // S3a (the same area at every size) serves the 1M growth goal: the quick run leaves it out to stay under 10 minutes with S6
    scenarios: String(a.scenarios ?? (full ? "S1,S2,S3,S3a,S4,S5,S6" : "S1,S2,S3,S4,S5,S6")).split(","),
    writeRate: Number(a["write-rate"] ?? 5),
    // the map page in Chromium at each size (time to draw, pan and zoom): with --full, or --map
    map: a.map === undefined ? full : a.map !== "false",
    servers: String(a.servers ?? "ours,uncached,peer,floor").split(","),
    seed: String(a.seed ?? "gz-bench-1"),
    logLevel: String(a["log-level"] ?? "silent"),
    nodeFlags: a["node-flags"] ? String(a["node-flags"]).split(/\s+/).filter(Boolean) : [],
    out: path.resolve(String(a.out ?? path.join(BENCH_DIR, "results"))),
    label: String(a.label ?? (full ? "full" : "quick")),
    baseline: a.baseline ? path.resolve(String(a.baseline)) : null,
  };
}

const log = (...x) => console.error(...x);

/** The registry's commit (with "+" when the work tree has changes), or null outside a git checkout. */
function gitCommit() {
  try {
    const git = (...a) => execFileSync("git", ["-C", path.join(BENCH_DIR, ".."), ...a], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return git("rev-parse", "--short=12", "HEAD") + (git("status", "--porcelain", "--untracked-files=no") ? "+" : "");
  } catch {
    return null;
  }
}
const ALL_SERVERS = ["ours", "uncached", "baseline", "peer", "floor"];
/** "uncached" is our registry with RESPONSE_CACHE=false (and "baseline" another build of it): same requests, same answers as ours. */
const role = (name) => (name === "uncached" || name === "baseline" ? "ours" : name);
/** Writes are never cached: S5 with the cache off would measure the same code path again. */
const runs = (sc, name) => !(sc === "S5" && (name === "uncached" || name === "baseline")) && !(sc === "S6" && name === "floor");

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  for (const s of opts.servers) if (!ALL_SERVERS.includes(s)) throw new Error(`--servers: ${s} is not one of ${ALL_SERVERS.join(", ")}`);
  if (!opts.servers.includes("ours")) throw new Error("--servers must include ours");
  if (opts.baseline && !opts.servers.includes("baseline")) opts.servers.push("baseline");
  if (opts.servers.includes("baseline") && !opts.baseline) throw new Error("--servers: baseline needs --baseline=DIR");
  const SERVERS = ALL_SERVERS.filter((s) => opts.servers.includes(s));
  for (const n of opts.sizes) if (!Number.isInteger(n) || n < 200 || n > 5_000_000) throw new Error(`--sizes: ${n} is not between 200 and 5,000,000`);
  const adminUrl = process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL;
  const t0 = Date.now();
  const pgVersion = await (async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    const v = (await c.query("SHOW server_version")).rows[0].server_version;
    await c.end();
    return v;
  })();

  if (!(opts.writeRate > 0 && opts.writeRate <= 200)) throw new Error(`--write-rate: ${opts.writeRate} is not between 0 and 200`);
  // the map is drawn in Debian's Chromium: installed now, as npm test does, rather than skipped at the end
  if (opts.map && !provisionChromium()) log("  map: Chromium is missing and could not be installed; the map will be skipped");
  log(
    `benchmark: sizes ${opts.sizes.join(", ")}; ${opts.rounds} rounds × ${opts.duration} s per server and scenario, ${opts.connections} connections; servers on Node ${serverNode().version}`,
  );
  const { readSeedData } = dist("src/modules/dataset/dataset.js");
  const searchDiffs = verifySearchDocuments(readSeedData(), 300, opts.seed);
  log(`  search columns: ${300 - searchDiffs.length}/300 generated names match buildSearchDocument exactly`);

  const report = {
    meta: {
      date: new Date().toISOString(),
      label: opts.label,
      commit: gitCommit(),
      node: serverNode().version,
      harnessNode: process.version,
      postgres: pgVersion,
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}`,
      memoryGB: Math.round(os.totalmem() / 2 ** 30),
      options: { ...opts, out: path.relative(BENCH_DIR, opts.out) },
      searchDocumentCheck: {
        sample: 300,
        differing: searchDiffs.length,
        example: searchDiffs[0] ? { name: searchDiffs[0].name, expected: searchDiffs[0].ref.sortKey, got: searchDiffs[0].got.sortKey } : null,
      },
    },
    sizes: [],
  };

  let servers = [];
  let currentDb = null;
  const cleanup = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
    if (currentDb && !opts.keep) await dropDatabase(adminUrl, currentDb).catch((e) => log(`  could not drop ${currentDb}: ${e.message}`));
    currentDb = null;
  };
  const onSignal = () => {
    log("interrupted: stopping servers and dropping the bench database");
    cleanup().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    for (const size of opts.sizes) {
      log(`\n== ${size.toLocaleString("en")} platforms ==`);
      currentDb = benchDbName(size);
      const db = await buildBenchDatabase(adminUrl, size, { log, seed: opts.seed });
      log(`  database ${db.name} ready in ${db.seconds.toFixed(1)} s`);

      const specs = serverSpecs({ dbUrl: db.url, logLevel: opts.logLevel, baselineDir: opts.baseline, nodeFlags: opts.nodeFlags });
      for (const name of SERVERS) servers.push(await startServer(name, specs[name], { log }));
      const byName = Object.fromEntries(servers.map((s) => [s.name, s]));
      const geojson = await oursHasGeoJSON(byName.ours.url + "/graphql");
      if (!geojson) log("  NOTE: our schema has no platformsGeoJSON yet; S3 uses platforms(filter: {bbox}, first: 100)");
      const params = await chooseParameters(db.url);
      log(`  S1 pairs: ${params.s1.map((x) => `${x.district}/${x.domain} (${x.n})`).join(", ")}`);
      log(`  S2 fragments: ${params.s2.map((x) => `${x.search} (${x.nameMatches})`).join(", ")}`);
      log(`  S3 bbox ±${params.s3.half}° around Science City: ${params.s3.features} located platforms; S3a fixed ±${params.s3a.half}°: ${params.s3a.features}`);
      const traffic = opts.scenarios.includes("S6") ? await chooseTraffic(db.url, { seed: opts.seed }) : null;
      const s6Bodies = traffic && {
        ours: traffic.pool.map((item) => readBody(item, "ours")),
        peer: traffic.pool.map((item) => readBody(item, "peer")),
      };
      if (traffic)
        log(
          `  S6: ${traffic.stats.distinct} distinct reads (${Object.entries(traffic.stats.byShape)
            .map(([k, v]) => `${k} ${v}`)
            .join(
              ", ",
            )}), the 100 most popular ${Math.round(100 * traffic.stats.top100Share)} % of reads; ${opts.writeRate} writes/s over ${traffic.written.length} platforms`,
        );

      // Preflight: one request per server and scenario, checked and compared.
      const preflight = {};
      for (const sc of opts.scenarios) {
        preflight[sc] = {};
        if (sc === "S6") {
          // one read of each shape per server, checked
          for (const name of SERVERS.filter((n) => runs(sc, n))) {
            const seen = new Set(),
              problems = [];
            for (const item of traffic.pool) {
              if (seen.has(item.shape)) continue;
              seen.add(item.shape);
              const r = await sampleRequest(byName[name].url, { path: "/graphql", body: () => s6Bodies[role(name)][traffic.pool.indexOf(item)] });
              if (r.status !== 200 || !r.json?.data || r.json.errors) problems.push(`${item.shape}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
            }
            preflight[sc][name] = { ok: problems.length === 0, items: seen.size, problem: problems[0] };
            if (problems.length) log(`  PREFLIGHT S6 ${name}: ${problems.join("; ")}`);
          }
          continue;
        }
        for (const name of SERVERS) {
          const req = runs(sc, name) && requestsFor(sc, role(name), params, { token: db.token, geojson });
          if (!req) continue;
          if (sc === "S5") await resyncWritten(db.url, params.s5);
          const r = await sampleRequest(byName[name].url, req);
          const s = summarise(sc, role(name), r.json);
          preflight[sc][name] = { status: r.status, bytes: r.bytes, ms: +r.ms.toFixed(1), ...s, ids: undefined, sameAsOurs: undefined };
          if (s.ids) preflight[sc][name].ids = s.ids;
          if (!s.ok) log(`  PREFLIGHT ${sc} ${name}: ${s.problem ?? "unexpected answer"} ${r.text.slice(0, 300)}`);
        }
        const ours = preflight[sc].ours?.ids;
        for (const name of ["uncached", "baseline", "peer", "floor"]) {
          const o = preflight[sc][name];
          if (o?.ids && ours)
            o.sameAsOurs =
              JSON.stringify(o.ids) === JSON.stringify(ours)
                ? "same ids, same order"
                : JSON.stringify([...o.ids].sort()) === JSON.stringify([...ours].sort())
                  ? "same ids, other order"
                  : "different ids";
        }
        for (const name of SERVERS) if (preflight[sc][name]) delete preflight[sc][name].ids;
      }
      log(
        `  preflight: ${opts.scenarios
          .map(
            (sc) =>
              `${sc} ${SERVERS.filter((n) => preflight[sc][n])
                .map((n) => `${n}=${preflight[sc][n].items}${preflight[sc][n].ok ? "" : "!"}`)
                .join(" ")}`,
          )
          .join("; ")}`,
      );

      /** One load run of a scenario against a server (null when that server does not run it). */
      const load = async (sc, name, duration) => {
        if (sc === "S6") return runs(sc, name) ? loadS6(name, duration) : null;
        const req = runs(sc, name) && requestsFor(sc, role(name), params, { token: db.token, geojson });
        if (!req) return null;
        if (sc === "S5") {
          // requests still in flight when the previous run stopped must finish before the state is read
          await new Promise((r) => setTimeout(r, 500));
          await resyncWritten(db.url, params.s5);
        }
        const res = await runLoad({
          url: byName[name].url + req.path,
          headers: req.headers,
          body: req.body,
          onBody: req.onBody,
          duration,
          connections: opts.connections,
          pid: byName[name].pid,
        });
        res.drainMs = await waitForIdle(db.url);
        return res;
      };

      /**
       * S6: the Zipf-distributed reads at 10 connections for `duration`, while opts.writeRate status
       * writes a second go through our API (the server under test when it is ours, else our cache-off
       * instance), each followed by a read of the written platform through the server under test.
       */
      const loadS6 = async (name, duration) => {
        await resyncWritten(db.url, traffic.written);
        const writer = name === "peer" ? (byName.uncached ?? byName.ours) : byName[name];
        const before = name === "ours" ? await cacheCounters(byName.ours.url) : null;
        const w = startWriter({
          writeUrl: writer.url + "/graphql",
          readUrl: byName[name].url + "/graphql",
          readAs: role(name),
          token: db.token,
          written: traffic.written,
          rate: opts.writeRate,
        });
        const bodies = s6Bodies[role(name)];
        const seq = traffic.sequence;
        const res = await runLoad({
          url: byName[name].url + "/graphql",
          body: (i) => bodies[seq[i % seq.length]],
          duration,
          connections: opts.connections,
          pid: byName[name].pid,
        });
        const ws = await w.stop();
        const after = name === "ours" ? await cacheCounters(byName.ours.url) : null;
        res.drainMs = await waitForIdle(db.url);
        res.s6 = {
          writes: ws.writes,
          writeErrors: ws.writeErrors,
          checks: ws.checks,
          stale: ws.stale,
          checkErrors: ws.checkErrors,
          sampleProblem: ws.sampleProblem,
          writeLatencies: ws.writeLatencies,
          cache: before && after ? Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]])) : null,
        };
        return res;
      };

      // Warm-up (not recorded): every server, every scenario.
      for (const sc of opts.scenarios) for (const name of SERVERS) await load(sc, name, opts.warmup);

      // Measured: interleaved rounds (ours, uncached, peer, floor, ours, uncached, ...).
      const cells = {};
      const ownPids = new Set([process.pid, ...servers.map((s) => s.pid)]);
      const foreign0 = foreignCpuSeconds(ownPids),
        wall0 = Date.now();
      const totalRuns = opts.scenarios.length * opts.rounds;
      let run = 0;
      for (const sc of opts.scenarios) {
        cells[sc] = {};
        for (let r = 0; r < opts.rounds; r++) {
          run++;
          for (const name of SERVERS) {
            const res = await load(sc, name, opts.duration);
            if (!res) continue;
            const c = (cells[sc][name] ??= { runs: [], latencies: [] });
            c.runs.push({
              requests: res.requests,
              seconds: res.seconds,
              non2xx: res.non2xx,
              socketErrors: res.socketErrors,
              timeouts: res.timeouts,
              gqlErrors: res.gqlErrors,
              sampleError: res.sampleError,
              bytes: res.bytes,
              peakRss: +res.peakRss.toFixed(1),
              cpuMs: res.cpuMs,
              drainMs: res.drainMs,
              ...(res.s6 ? { s6: { ...res.s6, writeLatencies: undefined } } : {}),
            });
            if (res.s6) for (const l of res.s6.writeLatencies) (c.writeLatencies ??= []).push(l);
            for (const l of res.latencies) c.latencies.push(l);
          }
          process.stderr.write(`\r  measuring: ${sc} round ${r + 1}/${opts.rounds} (${run}/${totalRuns})   `);
        }
      }
      process.stderr.write("\n");
      // CPU share (of the 2 cores' capacity) taken by processes outside the benchmark while it measured
      const otherCpu = (foreignCpuSeconds(ownPids) - foreign0) / ((Date.now() - wall0) / 1000) / os.cpus().length;
      log(`  other processes used ${(100 * otherCpu).toFixed(0)} % of the machine's CPU while measuring`);

      const sizeReport = {
        otherCpuShare: +otherCpu.toFixed(3),
        size,
        database: { name: db.name, buildSeconds: +db.seconds.toFixed(1), load: db.load },
        geojson,
        parameters: {
          s1: params.s1,
          s2: params.s2,
          s3: params.s3,
          s3a: params.s3a,
          s4: params.s4.length,
          s5: params.s5.length,
          ...(traffic ? { s6: { ...traffic.stats, written: traffic.written.length, writeRate: opts.writeRate } } : {}),
        },
        preflight,
        servers: {},
        results: {},
      };
      for (const s of servers) sizeReport.servers[s.name] = { label: s.label, pid: s.pid, memoryAtEnd: memoryOf(s.pid) };
      for (const sc of opts.scenarios) {
        sizeReport.results[sc] = {};
        for (const [name, c] of Object.entries(cells[sc])) {
          const sorted = Float64Array.from(c.latencies).sort();
          const requests = c.runs.reduce((s, x) => s + x.requests, 0);
          const seconds = c.runs.reduce((s, x) => s + x.seconds, 0);
          sizeReport.results[sc][name] = {
            requests,
            seconds: +seconds.toFixed(2),
            rps: +(requests / seconds).toFixed(1),
            p50: +percentile(sorted, 50).toFixed(2),
            p90: +percentile(sorted, 90).toFixed(2),
            p99: +percentile(sorted, 99).toFixed(2),
            max: +sorted[sorted.length - 1]?.toFixed(2),
            non2xx: c.runs.reduce((s, x) => s + x.non2xx, 0),
            socketErrors: c.runs.reduce((s, x) => s + x.socketErrors + x.timeouts, 0),
            gqlErrors: c.runs.reduce((s, x) => s + x.gqlErrors, 0),
            sampleError: c.runs.find((x) => x.sampleError)?.sampleError ?? null,
            peakRssMB: Math.max(...c.runs.map((x) => x.peakRss)),
            // the server's own CPU (every thread, user + system) per answer: what it costs beside PostgreSQL on the same cores
            cpuMsPerRequest: requests && c.runs.every((x) => x.cpuMs !== null) ? +(c.runs.reduce((s, x) => s + x.cpuMs, 0) / requests).toFixed(3) : null,
            bytesPerResponse: requests ? Math.round(c.runs.reduce((s, x) => s + x.bytes, 0) / requests) : 0,
            rounds: c.runs.map((x) => +(x.requests / x.seconds).toFixed(1)),
          };
          if (sc === "S6") {
            const sum = (f) => c.runs.reduce((s, x) => s + (f(x.s6) ?? 0), 0);
            const wl = Float64Array.from(c.writeLatencies ?? []).sort();
            const cache = c.runs[0].s6.cache ? Object.fromEntries(Object.keys(c.runs[0].s6.cache).map((k) => [k, sum((x) => x.cache[k])])) : null;
            sizeReport.results[sc][name].s6 = {
              writes: sum((x) => x.writes),
              writeErrors: sum((x) => x.writeErrors),
              checks: sum((x) => x.checks),
              stale: sum((x) => x.stale),
              checkErrors: sum((x) => x.checkErrors),
              sampleProblem: c.runs.find((x) => x.s6.sampleProblem)?.s6.sampleProblem ?? null,
              writesPerSecond: +(sum((x) => x.writes) / seconds).toFixed(2),
              writeP50: +percentile(wl, 50).toFixed(2),
              writeP99: +percentile(wl, 99).toFixed(2),
              cache,
              hitRate: cache && cache.hit + cache.miss ? +(cache.hit / (cache.hit + cache.miss)).toFixed(3) : null,
            };
          }
        }
      }
      if (opts.map) {
        log("  map: /map in Chromium (first draw, pan, zoom)");
        sizeReport.map = await measureMap(byName.ours.url).catch((err) => ({ error: err.message }));
        const mp = sizeReport.map;
        log(
          mp.skipped
            ? `  map: skipped (${mp.skipped})`
            : mp.error
              ? `  map: ERROR ${mp.error}`
              : `  map: first draw ${mp.firstDrawMs} ms; ${mp.steps.map((x) => `${x.step} ${x.ms} ms`).join(", ")}; page errors ${mp.errors.length}`,
        );
      }
      report.sizes.push(sizeReport);
      await cleanup();
    }
  } finally {
    await cleanup();
  }

  report.meta.totalSeconds = Math.round((Date.now() - t0) / 1000);
  fs.mkdirSync(opts.out, { recursive: true });
  // The report replaces the latest of its kind (quick, full, or experiment: any other options); its
  // headline figures join history.csv, which keeps every run's.
  const base = path.join(opts.out, `latest-${runKind(report.meta.options)}`);
  const md = renderMarkdown(report);
  fs.writeFileSync(`${base}.md`, md);
  fs.writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + "\n");
  const history = path.join(opts.out, "history.csv");
  const rows = appendHistory(history, report);
  process.stdout.write(md);
  log(
    `\nwritten: ${path.relative(process.cwd(), base)}.md and .json, ${rows} rows added to ${path.relative(process.cwd(), history)} (${report.meta.totalSeconds} s in all)`,
  );
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
