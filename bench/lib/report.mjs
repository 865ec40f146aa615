/** The Markdown report: results, ratios, and the issue's goals, measured. */

const SERVERS = [
  ["ours", "ours"],
  ["uncached", "ours, cache off"],
  ["baseline", "before, cache off"],
  ["peer", "PostGraphile"],
  ["floor", "floor"],
];
const fmt = (x, d = 1) =>
  x === undefined || x === null || Number.isNaN(x) ? "–" : Number(x).toLocaleString("en", { minimumFractionDigits: d, maximumFractionDigits: d });
const size = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : "–");
/**
 * A ratio against PostGraphile, or "n/c" (not comparable) where its sample answer held other ids than
 * ours: two servers answering different questions are not compared.
 */
const comparable = (sz, sc) => sz.preflight?.[sc]?.peer?.sameAsOurs !== "different ids" && !sz.preflight?.[sc]?.ours?.clusters;
const pgRatio = (sz, sc, a, b) => (comparable(sz, sc) ? ratio(a, b) : "n/c");

const SCENARIO_TITLES = {
  S1: "district + domain, first 50, with district/domains/agencies",
  S2: "search a Chinese name fragment, first 20",
  S3: "bbox with ~1k located platforms (GeoJSON for ours and floor, JSON for PostGraphile)",
  S3a: "bbox of the same area at every size",
  S4: "one platform by id with its status history",
  S5: "updatePlatformStatus (write)",
  S6: "real traffic: Zipf-distributed reads of thousands of distinct S1–S4 requests while status writes arrive through our API",
};

function items(sz, sc, name) {
  const p = sz.preflight?.[sc]?.[name];
  if (!p) return "–";
  return p.ok ? String(p.items) : `✗ ${p.items ?? ""}`;
}

export function renderMarkdown(report) {
  const m = report.meta;
  const out = [];
  out.push(`# Benchmark ${m.label}: ${m.date.slice(0, 10)}`);
  out.push("");
  out.push(
    `Machine: ${m.cpus}, ${m.memoryGB} GB; every server on Node ${m.node} (the same binary for all four; load generator on Node ${m.harnessNode ?? m.node}); PostgreSQL ${m.postgres}. ` +
      `${m.options.connections} connections, ${m.options.rounds} interleaved rounds × ${m.options.duration} s per server and scenario ` +
      `(after ${m.options.warmup} s warm-up), seed \`${m.options.seed}\`, registry LOG_LEVEL=${m.options.logLevel}` +
      (m.options.nodeFlags?.length ? `, registry started with \`node ${m.options.nodeFlags.join(" ")}\`. ` : ". ") +
      `Total ${Math.round((m.totalSeconds ?? 0) / 60)} min. Load generator, servers and PostgreSQL share the machine.`,
  );
  out.push("");
  out.push(
    "Scenarios: " +
      Object.entries(SCENARIO_TITLES)
        .map(([k, v]) => `**${k}** ${v}`)
        .join("; ") +
      ". See bench/README.md.",
  );
  out.push("");
  out.push("| size | scenario | server | items | req/s | p50 ms | p99 ms | errors | peak RSS MB | server CPU ms/req | bytes/resp |");
  out.push("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const sz of report.sizes) {
    for (const [sc, byServer] of Object.entries(sz.results)) {
      for (const [name, label] of SERVERS) {
        const r = byServer[name];
        if (!r) continue;
        const errors = r.non2xx + r.gqlErrors + r.socketErrors;
        out.push(
          `| ${size(sz.size)} | ${sc} | ${label} | ${items(sz, sc, name)} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${errors} | ${fmt(r.peakRssMB, 0)} | ${fmt(r.cpuMsPerRequest, 3)} | ${fmt(r.bytesPerResponse, 0)} |`,
        );
      }
    }
  }
  out.push("");
  out.push(
    "Ratios (ours ÷ other; throughput > 1 and latency < 1 favour ours). *ours* is the registry as deployed (response cache on; " +
      "the scenarios repeat a few hundred distinct requests, so after the warm-up they are answered from the cache); *cache off* is the same registry with `RESPONSE_CACHE=false`, every request computed:",
  );
  out.push("");
  out.push(
    "| size | scenario | req/s ours/PG | req/s ours/floor | p50 ours/PG | p50 ours/floor | req/s cache off/PG | req/s cache off/floor | p50 cache off/floor |",
  );
  out.push("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const sz of report.sizes) {
    for (const [sc, r] of Object.entries(sz.results)) {
      out.push(
        `| ${size(sz.size)} | ${sc} | ${pgRatio(sz, sc, r.ours?.rps, r.peer?.rps)} | ${ratio(r.ours?.rps, r.floor?.rps)} | ${pgRatio(sz, sc, r.ours?.p50, r.peer?.p50)} | ${ratio(r.ours?.p50, r.floor?.p50)} | ` +
          `${pgRatio(sz, sc, r.uncached?.rps, r.peer?.rps)} | ${ratio(r.uncached?.rps, r.floor?.rps)} | ${ratio(r.uncached?.p50, r.floor?.p50)} |`,
      );
    }
  }
  const notComparable = report.sizes.flatMap((sz) =>
    Object.keys(sz.results)
      .filter((sc) => !comparable(sz, sc))
      .map((sc) => `${sc} at ${size(sz.size)}`),
  );
  if (notComparable.length) {
    out.push("");
    out.push(
      `n/c: not comparable (${notComparable.join(", ")}): PostGraphile's sample answer held other ids than ours, or ours answered with the map's cells ` +
        "(platformClusters: the box holds more than one platformsGeoJSON answer) where PostGraphile lists every point; its throughput there is not set against ours.",
    );
  }
  out.push("");
  if (report.sizes.some((sz) => Object.values(sz.results).some((r) => r.baseline))) {
    out.push(`Before and after, in the same rounds: *before* is the registry built in \`${m.options.baseline}\`, cache off, against *ours, cache off*:`);
    out.push("");
    out.push("| size | scenario | req/s before | req/s after | after ÷ before | p50 before ms | p50 after ms | after ÷ PG | before ÷ PG |");
    out.push("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const sz of report.sizes) {
      for (const [sc, r] of Object.entries(sz.results)) {
        if (!r.baseline || !r.uncached) continue;
        out.push(
          `| ${size(sz.size)} | ${sc} | ${fmt(r.baseline.rps)} | ${fmt(r.uncached.rps)} | ${ratio(r.uncached.rps, r.baseline.rps)} | ${fmt(r.baseline.p50, 2)} | ${fmt(r.uncached.p50, 2)} | ${ratio(r.uncached.rps, r.peer?.rps)} | ${ratio(r.baseline.rps, r.peer?.rps)} |`,
        );
      }
    }
    out.push("");
  }

  // S6: real traffic
  const s6sizes = report.sizes.filter((sz) => sz.results.S6);
  if (s6sizes.length) {
    out.push(
      "S6, real traffic: reads drawn with a Zipf popularity from the pool below, at " +
        `${m.options.connections} connections, while status writes arrive through our API ` +
        "(through the server under test when it is ours; for PostGraphile, through our cache-off instance). After each acknowledged write, the written platform is read " +
        "through the server under test; *stale* counts answers older than the write. Hit rate: response-cache hits ÷ lookups during the runs.",
    );
    out.push("");
    out.push(
      "| size | server | distinct reads | reads/s | p50 ms | p99 ms | errors | writes/s | write p50 ms | checks | stale | cache hit rate | reads/s ÷ PG |",
    );
    out.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const sz of s6sizes) {
      const r = sz.results.S6;
      for (const [name, label] of SERVERS) {
        const x = r[name];
        if (!x?.s6) continue;
        const errors = x.non2xx + x.gqlErrors + x.socketErrors;
        out.push(
          `| ${size(sz.size)} | ${label} | ${fmt(sz.parameters.s6?.distinct, 0)} | ${fmt(x.rps)} | ${fmt(x.p50, 2)} | ${fmt(x.p99, 2)} | ${errors} | ${fmt(x.s6.writesPerSecond, 2)} | ${fmt(x.s6.writeP50, 1)} | ${x.s6.checks} | ${x.s6.stale} | ${x.s6.hitRate === null || x.s6.hitRate === undefined ? "–" : `${fmt(100 * x.s6.hitRate, 1)} %`} | ${ratio(x.rps, r.peer?.rps)} |`,
        );
      }
    }
    out.push("");
    for (const sz of s6sizes) {
      const c = sz.results.S6.ours?.s6?.cache;
      if (c?.dropped === undefined) continue;
      out.push(
        `- ${size(sz.size)}, ours: ${fmt(c.miss, 0)} misses of ${fmt(c.hit + c.miss, 0)} lookups; meanwhile ${fmt(c.dropped, 0)} answers were dropped by changes, ` +
          `${fmt(c.evicted, 0)} evicted for room (RESPONSE_CACHE_MAX_BYTES), and the cache was emptied ${fmt(c.emptied, 0)} times.`,
      );
    }
    out.push("");
    for (const sz of s6sizes) {
      const p = sz.parameters.s6;
      if (!p) continue;
      const problems = Object.entries(sz.results.S6)
        .filter(([, x]) => x.s6?.sampleProblem)
        .map(([n, x]) => `${n}: ${x.s6.sampleProblem.slice(0, 200)}`);
      out.push(
        `- ${size(sz.size)}: ${p.distinct} distinct reads (${Object.entries(p.byShape)
          .map(([k, v]) => `${k} shape ${v}`)
          .join(", ")}); ` +
          `Zipf exponent ${p.zipf}, the 100 most popular are ${Math.round(100 * p.top100Share)} % of reads; reads by shape ${Object.entries(p.readsByShape)
            .map(([k, v]) => `${k} ${Math.round((100 * v) / Object.values(p.readsByShape).reduce((a, b) => a + b, 0))} %`)
            .join(", ")}; ` +
          `${p.writeRate} writes/s over ${p.written} platforms (the most read of the S4-shape ids).` +
          (problems.length ? ` Problems: ${problems.join("; ")}` : ""),
      );
    }
    out.push("");
  }

  // Goals
  out.push("Goals (issue 7), as measured in this run:");
  out.push("");
  out.push("| goal | where | measured: ours (cache off) vs other | met | met with the cache off |");
  out.push("|---|---|---|---|---|");
  const yes = (b) => (b ? "yes" : "**no**");
  const maybe = (b) => (b === undefined ? "–" : yes(b));
  for (const sz of report.sizes) {
    if (sz.size > 100_000) continue;
    for (const sc of ["S1", "S2", "S3", "S4"]) {
      const r = sz.results[sc];
      if (!r?.ours || !r?.peer) continue;
      const u = r.uncached;
      out.push(
        `| throughput ≥ PostGraphile | ${sc} at ${size(sz.size)} | ${fmt(r.ours.rps)} (${fmt(u?.rps)}) vs ${fmt(r.peer.rps)} req/s (${ratio(r.ours.rps, r.peer.rps)}×; ${ratio(u?.rps, r.peer.rps)}×) | ${yes(r.ours.rps >= r.peer.rps)} | ${maybe(u && u.rps >= r.peer.rps)} |`,
      );
    }
  }
  for (const sz of report.sizes) {
    for (const sc of ["S1", "S4"]) {
      const r = sz.results[sc];
      if (!r?.ours || !r?.floor) continue;
      const u = r.uncached;
      out.push(
        `| p50 ≤ 2× floor | ${sc} at ${size(sz.size)} | ${fmt(r.ours.p50, 2)} (${fmt(u?.p50, 2)}) vs ${fmt(r.floor.p50, 2)} ms (${ratio(r.ours.p50, r.floor.p50)}×; ${ratio(u?.p50, r.floor.p50)}×) | ${yes(r.ours.p50 <= 2 * r.floor.p50)} | ${maybe(u && u.p50 <= 2 * r.floor.p50)} |`,
      );
    }
  }
  const small = report.sizes.find((s) => s.size === 1000);
  const big = report.sizes.find((s) => s.size === 1_000_000);
  if (small && big) {
    for (const sc of ["S1", "S3a", "S3", "S4"]) {
      const a = small.results[sc]?.ours,
        b = big.results[sc]?.ours;
      const ua = small.results[sc]?.uncached,
        ub = big.results[sc]?.uncached;
      if (!a || !b) continue;
      const note =
        sc === "S3a"
          ? ` (same area: ${small.parameters.s3a.features} → ${big.parameters.s3a.features} features)`
          : sc === "S3"
            ? ` (constant output: ${small.parameters.s3.features} → ${big.parameters.s3.features} features; not the goal's definition)`
            : "";
      out.push(
        `| p50 at 1M ≤ 2× p50 at 1k | ${sc}${note} | ${fmt(b.p50, 2)} vs ${fmt(a.p50, 2)} ms (${ratio(b.p50, a.p50)}×; cache off ${fmt(ub?.p50, 2)} vs ${fmt(ua?.p50, 2)}, ${ratio(ub?.p50, ua?.p50)}×) | ${yes(b.p50 <= 2 * a.p50)} | ${maybe(ua && ub && ub.p50 <= 2 * ua.p50)} |`,
      );
    }
  } else {
    out.push("| p50 at 1M ≤ 2× p50 at 1k | S1, S3, S4 | not measured in this run (`npm run bench -- --full`) | – | – |");
  }
  for (const sz of s6sizes) {
    const r = sz.results.S6;
    if (!r.ours?.s6 || !r.peer) continue;
    out.push(
      `| S6 reads ≥ 3× PostGraphile, no stale answer | S6 at ${size(sz.size)} | ${fmt(r.ours.rps)} (${fmt(r.uncached?.rps)}) vs ${fmt(r.peer.rps)} req/s (${ratio(r.ours.rps, r.peer.rps)}×; ${ratio(r.uncached?.rps, r.peer.rps)}×); stale ${r.ours.s6.stale} of ${r.ours.s6.checks} (${r.uncached?.s6 ? `${r.uncached.s6.stale} of ${r.uncached.s6.checks}` : "–"}) | ${yes(r.ours.rps >= 3 * r.peer.rps && r.ours.s6.stale === 0)} | ${maybe(r.uncached?.s6 && r.uncached.rps >= 3 * r.peer.rps && r.uncached.s6.stale === 0)} |`,
    );
  }
  const mid = report.sizes.find((s) => s.size === 100_000);
  if (mid) {
    const peak = Math.max(...Object.values(mid.results).map((r) => r.ours?.peakRssMB ?? 0));
    const upeak = Math.max(...Object.values(mid.results).map((r) => r.uncached?.peakRssMB ?? 0));
    out.push(
      `| our RSS ≤ 300 MB under load | 100k, all scenarios | peak ${fmt(peak, 0)} MB (cache off: ${upeak ? fmt(upeak, 0) : "–"} MB) | ${yes(peak <= 300)} | ${upeak ? yes(upeak <= 300) : "–"} |`,
    );
  }
  out.push("");

  out.push("Parameters and checks:");
  out.push("");
  for (const sz of report.sizes) {
    const p = sz.parameters;
    out.push(
      `- **${size(sz.size)}** (database built in ${sz.database.buildSeconds} s` +
        (sz.otherCpuShare !== undefined ? `; processes outside the benchmark used ${Math.round(100 * sz.otherCpuShare)} % of the CPU while it measured` : "") +
        "): " +
        `S1 pairs ${p.s1.map((x) => `${x.district}/${x.domain} (${x.n})`).join(", ")}; ` +
        `S2 fragments ${p.s2.map((x) => `${x.search} (${x.nameMatches} names)`).join(", ")}; ` +
        `S3 bbox ${JSON.stringify(p.s3.bbox)} (${p.s3.features} located); S3a bbox ${JSON.stringify(p.s3a.bbox)} (${p.s3a.features} located); ` +
        `S4 ${p.s4} ids; S5 ${p.s5} platforms.` +
        (sz.geojson ? "" : " **Our S3 used `platforms(filter:{bbox}, first:100)`: platformsGeoJSON did not exist.**"),
    );
    const same = [];
    for (const [sc, bySrv] of Object.entries(sz.preflight)) {
      for (const [name, v] of Object.entries(bySrv)) if (v.sameAsOurs) same.push(`${sc} ${name}: ${v.sameAsOurs}`);
    }
    if (same.length) out.push(`  Sample answers compared with ours: ${same.join("; ")}.`);
    const errs = [];
    for (const [sc, bySrv] of Object.entries(sz.results)) {
      for (const [name, r] of Object.entries(bySrv)) if (r.sampleError) errs.push(`${sc} ${name}: \`${r.sampleError.slice(0, 160).replace(/`/g, "'")}\``);
    }
    if (errs.length) out.push(`  Error samples: ${errs.join("; ")}.`);
  }
  const chk = m.searchDocumentCheck;
  out.push(
    `- Generated search columns vs buildSearchDocument: ${chk.sample - chk.differing}/${chk.sample} identical` +
      (chk.example ? ` (differences are sort-key tones only, e.g. ${chk.example.name}: ${chk.example.expected} vs ${chk.example.got})` : "") +
      ".",
  );
  out.push("");
  // The map page in Chromium (with --full, or --map)
  const maps = report.sizes.filter((sz) => sz.map);
  if (maps.length) {
    out.push("");
    out.push(
      "The map page in Chromium (our server as deployed, tiles blocked): time until the page reports its view drawn, first on opening `/map`, then after each move. " +
        "*view mode*: more platforms match than one platformsGeoJSON answer holds, so the page draws the server's cells (platformClusters) or, zoomed in, the view's platforms.",
    );
    out.push("");
    out.push("| size | step | ms | view mode | markers | server cells (platforms in them) | page errors |");
    out.push("|---|---|---:|---|---:|---:|---:|");
    for (const sz of maps) {
      const mp = sz.map;
      if (mp.skipped || mp.error) {
        out.push(`| ${size(sz.size)} | ${mp.skipped ? `skipped: ${mp.skipped}` : `error: ${mp.error}`} | – | – | – | – | – |`);
        continue;
      }
      const rows = [{ step: "open /map", ms: mp.firstDrawMs, ...mp.first }, ...mp.steps];
      for (const r of rows) {
        out.push(
          `| ${size(sz.size)} | ${r.step} | ${r.ms} | ${r.viewMode ? "yes" : "no"} | ${r.markers} | ${r.cells} (${r.inCells}) | ${mp.errors.length}${mp.message ? ` (${mp.message})` : ""} |`,
        );
      }
    }
  }

  return out.join("\n") + "\n";
}
