#!/usr/bin/env node
/**
 * results/history.csv: one row per run, size and scenario with the report's headline figures (req/s,
 * p50, p99 and peak RSS per server, and the ratios of the report's ratio table), so that runs can be
 * compared over time without keeping every report. The columns are described in bench/README.md.
 *
 * run.mjs appends each run's rows (`appendHistory`). From the command line it writes the rows of
 * saved reports, oldest first: `node bench/lib/history.mjs [--out=FILE] report.json...` (a new FILE
 * with its header, or standard output); each report's run is named after its file.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A run whose options are a plain `npm run bench` (quick) or `npm run bench -- --full`; anything else is an experiment. */
export function runKind(options) {
  const has = (list, want) => want.every((x) => (list ?? []).map(String).includes(String(x)));
  const sizes = (options.sizes ?? []).map(Number);
  if (options.baseline || options.nodeFlags?.length) return "experiment";
  if (!has(options.scenarios, ["S1", "S2", "S3", "S4", "S5"])) return "experiment";
  if (options.servers && !has(options.servers, ["ours", "peer", "floor"])) return "experiment"; // reports before --servers ran all
  if (options.full) return has(sizes, [1000, 100000, 1000000]) ? "full" : "experiment";
  return sizes.length === 2 && has(sizes, [1000, 100000]) ? "quick" : "experiment";
}

const num = (x, digits) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "");
const ratio = (a, b) => (typeof a === "number" && typeof b === "number" && a > 0 && b > 0 ? (a / b).toFixed(3) : "");
const errorsOf = (byServer) => Object.values(byServer).reduce((n, r) => n + (r.non2xx ?? 0) + (r.gqlErrors ?? 0) + (r.socketErrors ?? 0), 0);

/**
 * The columns, in order, each with how a row's value is read from (run, report, size report, scenario
 * name, results by server). Servers: ours (cache on), uncached (ours with RESPONSE_CACHE=false),
 * baseline (another build, cache off: `--baseline`), peer (PostGraphile), floor.
 */
export const COLUMNS = [
  ["run", (x) => x.run],
  ["date", (x) => x.report.meta.date],
  ["label", (x) => x.report.meta.label],
  ["kind", (x) => runKind(x.report.meta.options ?? {})],
  ["commit", (x) => x.report.meta.commit ?? ""],
  ["node", (x) => x.report.meta.node],
  ["cpu", (x) => x.report.meta.cpus],
  ["rounds", (x) => x.report.meta.options?.rounds],
  ["duration_s", (x) => x.report.meta.options?.duration],
  ["size", (x) => x.size.size],
  ["scenario", (x) => x.scenario],
  ["other_cpu_share", (x) => num(x.size.otherCpuShare, 3)],
  ["rps_ours", (x) => num(x.r.ours?.rps, 1)],
  ["rps_cache_off", (x) => num(x.r.uncached?.rps, 1)],
  ["rps_before", (x) => num(x.r.baseline?.rps, 1)],
  ["rps_pg", (x) => num(x.r.peer?.rps, 1)],
  ["rps_floor", (x) => num(x.r.floor?.rps, 1)],
  ["p50_ours_ms", (x) => num(x.r.ours?.p50, 2)],
  ["p50_cache_off_ms", (x) => num(x.r.uncached?.p50, 2)],
  ["p50_pg_ms", (x) => num(x.r.peer?.p50, 2)],
  ["p50_floor_ms", (x) => num(x.r.floor?.p50, 2)],
  ["p99_ours_ms", (x) => num(x.r.ours?.p99, 2)],
  ["p99_cache_off_ms", (x) => num(x.r.uncached?.p99, 2)],
  ["p99_pg_ms", (x) => num(x.r.peer?.p99, 2)],
  ["p99_floor_ms", (x) => num(x.r.floor?.p99, 2)],
  ["rss_ours_mb", (x) => num(x.r.ours?.peakRssMB, 0)],
  ["rss_cache_off_mb", (x) => num(x.r.uncached?.peakRssMB, 0)],
  ["rss_pg_mb", (x) => num(x.r.peer?.peakRssMB, 0)],
  ["rss_floor_mb", (x) => num(x.r.floor?.peakRssMB, 0)],
  ["errors", (x) => errorsOf(x.r)],
  // the report's ratio table
  ["rps_ours_pg", (x) => ratio(x.r.ours?.rps, x.r.peer?.rps)],
  ["rps_ours_floor", (x) => ratio(x.r.ours?.rps, x.r.floor?.rps)],
  ["p50_ours_pg", (x) => ratio(x.r.ours?.p50, x.r.peer?.p50)],
  ["p50_ours_floor", (x) => ratio(x.r.ours?.p50, x.r.floor?.p50)],
  ["rps_cache_off_pg", (x) => ratio(x.r.uncached?.rps, x.r.peer?.rps)],
  ["rps_cache_off_floor", (x) => ratio(x.r.uncached?.rps, x.r.floor?.rps)],
  ["p50_cache_off_floor", (x) => ratio(x.r.uncached?.p50, x.r.floor?.p50)],
  // the before/after table of a --baseline run
  ["rps_after_before", (x) => ratio(x.r.uncached?.rps, x.r.baseline?.rps)],
  // S6 only
  ["s6_stale_ours", (x) => (x.r.ours?.s6 ? `${x.r.ours.s6.stale}/${x.r.ours.s6.checks}` : "")],
  ["s6_hit_rate_ours", (x) => num(x.r.ours?.s6?.hitRate, 3)],
];

export const HEADER = COLUMNS.map(([name]) => name).join(",");

const cell = (v) => {
  const s = v === undefined || v === null ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The CSV lines (no header) of one report; `run` names it (`<date>-<label>`, as its report files were named). */
export function historyLines(report, run = `${report.meta.date.slice(0, 10)}-${report.meta.label}`) {
  const lines = [];
  for (const size of report.sizes) {
    for (const [scenario, r] of Object.entries(size.results)) {
      lines.push(COLUMNS.map(([, get]) => cell(get({ run, report, size, scenario, r }))).join(","));
    }
  }
  return lines;
}

/** Appends a report's rows to the CSV at `file`, writing the header first when the file is new; refuses a file with other columns. */
export function appendHistory(file, report, run) {
  if (fs.existsSync(file)) {
    const header = fs.readFileSync(file, "utf8").split("\n", 1)[0];
    if (header !== HEADER) throw new Error(`${file}: its columns are not the ones bench/lib/history.mjs writes; move it aside or convert it first`);
  } else {
    fs.writeFileSync(file, HEADER + "\n");
  }
  const lines = historyLines(report, run);
  fs.appendFileSync(file, lines.map((l) => l + "\n").join(""));
  return lines.length;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const out = args.find((a) => a.startsWith("--out="))?.slice("--out=".length);
  const files = args.filter((a) => !a.startsWith("--"));
  if (!files.length) {
    process.stderr.write("usage: node bench/lib/history.mjs [--out=FILE] report.json...\n");
    process.exit(2);
  }
  const reports = files
    .map((f) => ({ run: path.basename(f, ".json"), report: JSON.parse(fs.readFileSync(f, "utf8")) }))
    .sort((a, b) => a.report.meta.date.localeCompare(b.report.meta.date));
  const text = [HEADER, ...reports.flatMap(({ run, report }) => historyLines(report, run))].join("\n") + "\n";
  if (out) {
    if (fs.existsSync(out)) {
      process.stderr.write(`${out} exists: choose another --out, or append to it with run.mjs\n`);
      process.exit(1);
    }
    fs.writeFileSync(out, text);
    process.stderr.write(`${out}: ${text.split("\n").length - 2} rows from ${reports.length} reports\n`);
  } else {
    process.stdout.write(text);
  }
}
