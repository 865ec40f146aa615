/**
 * bench/results/history.csv and the code that appends to it agree: the benchmark's last step
 * (bench/lib/history.mjs, after 10 to 20 minutes of measuring) refuses a history.csv whose columns
 * differ, and the latest reports' rows are in it, figure for figure. No benchmark runs here.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const BENCH = path.join(__dirname, "..", "..", "bench");
const RESULTS = path.join(BENCH, "results");

it("history.csv has the writer's columns and the latest quick and full reports' rows", () => {
  const history = fs.readFileSync(path.join(RESULTS, "history.csv"), "utf8").trimEnd().split("\n");
  const reports = ["latest-quick.json", "latest-full.json"].map((f) => path.join(RESULTS, f));
  const written = execFileSync(process.execPath, [path.join(BENCH, "lib", "history.mjs"), ...reports], { encoding: "utf8" })
    .trimEnd()
    .split("\n");
  expect(written[0]).toBe(history[0]);
  expect(history[0].split(",").slice(0, 3)).toEqual(["run", "date", "label"]);
  // the same figures; `run` differs (history.csv keeps each run's own name, the writer names a file after itself)
  const figures = (line: string) => line.slice(line.indexOf(",") + 1);
  const kept = new Set(history.slice(1).map(figures));
  const rows = written.slice(1);
  expect(rows.length).toBeGreaterThan(30);
  expect(rows.filter((r) => !kept.has(figures(r)))).toEqual([]);
  // one row per run, size and scenario, each with as many cells as the header (no cell holds a comma unquoted)
  const cells = (line: string) => {
    let n = 1;
    let quoted = false;
    for (const c of line) {
      if (c === '"') quoted = !quoted;
      else if (c === "," && !quoted) n++;
    }
    return n;
  };
  expect(new Set(history.map(cells))).toEqual(new Set([history[0].split(",").length]));
});
