/**
 * README.md's "What became of the plan" block is the output of `npm run report:plan` on a freshly
 * seeded registry: regenerate it (`npm run report:plan -- --write`) when the data set changes.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { planReport, reportIn, withReport } from "../../src/modules/target/plan-report";
import { startTestServer, type TestServer } from "../support/server";

const README = path.join(__dirname, "..", "..", "README.md");
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(__dirname, "..", "..", "dist", "scripts", "report-plan.js"), ...args],
      { env: { ...process.env, DATABASE_URL: s.db.url, LOG_LEVEL: "warn" }, timeout: 60000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

it("README.md's block equals the report of a freshly seeded registry, as the script prints it", async () => {
  const report = await planReport(s.running.db.dataSource);
  const block = reportIn(fs.readFileSync(README, "utf8"));
  expect(block).toBe(report);
  const printed = await run([]);
  expect(printed.code).toBe(0);
  expect(printed.stdout).toBe(report);
  const check = await run(["--check"]);
  expect([check.code, check.stdout]).toEqual([0, "README.md's report is current\n"]);
  // the table counts every platform on every date
  const total = Number(/; (\d+) platforms\):/.exec(report)![1]);
  const rows = report.split("\n").filter((l) => /^\| [A-Z_]+ \|/.test(l));
  for (let col = 1; col <= 3; col++) expect(rows.reduce((n, l) => n + Number(l.split("|")[col + 1]), 0)).toBe(total);
});

it("rewrites only the block between the markers, and refuses a README without them", () => {
  const readme = fs.readFileSync(README, "utf8");
  const replaced = withReport(readme, "new\n");
  expect(reportIn(replaced)).toBe("new\n");
  expect(withReport(replaced, reportIn(readme)!)).toBe(readme);
  expect(() => withReport("# no markers\n", "x\n")).toThrow(/no report block/);
});
