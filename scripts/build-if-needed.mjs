#!/usr/bin/env node
/**
 * Runs before `npm start` and every npm script that runs code from dist/: plain JavaScript, no
 * dependencies, so it works on a production install (`npm ci --omit=dev`) as well as a full one.
 *
 * - TypeScript installed (a clone after `npm ci`): compiles with tsc when dist/ is missing or older
 *   than the sources (src/, scripts/, ormconfig.ts, the tsconfig files), else does nothing (a few
 *   milliseconds instead of tsc's ten seconds). `--force` compiles whatever the dates say
 *   (`npm run build`; without TypeScript it exits 1). A failed compile exits with tsc's code and does not count as a build.
 * - TypeScript absent (a production install): dist/ must have been built before; if it is missing
 *   this says how to build it and exits 1. Sources newer than the build are named in a warning.
 *
 * Prints nothing when there is nothing to do, and never writes to stdout (tsc's messages go to
 * stderr), so `npm run export > dump.json` stays clean.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(ROOT, "dist");
/** Written after a successful compile; its date is the moment the compile started. */
const STAMP = path.join(DIST, ".build-stamp");
/** What tsconfig.build.json compiles, and the settings it compiles them with. */
const SOURCES = ["src", "scripts", "ormconfig.ts", "tsconfig.json", "tsconfig.build.json"];
/** What `npm start` and the scripts run: a dist/ without them is no build. */
const REQUIRED = [path.join("dist", "src", "index.js"), path.join("dist", "ormconfig.js"), path.join("dist", "scripts", "seed.js")];

const force = process.argv.includes("--force");

/** The newest modification time among the sources (0 when there are none: a production copy may ship without them). */
function newestSource() {
  let newest = 0;
  let newestFile = "";
  const visit = (file) => {
    let st;
    try {
      st = fs.statSync(file);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(file)) visit(path.join(file, name));
    } else if (/\.(ts|json)$/.test(file) && !file.endsWith(".d.ts") && st.mtimeMs > newest) {
      newest = st.mtimeMs;
      newestFile = file;
    }
  };
  for (const s of SOURCES) visit(path.join(ROOT, s));
  return { newest, newestFile: newestFile && path.relative(ROOT, newestFile) };
}

function stampTime() {
  try {
    return fs.statSync(STAMP).mtimeMs;
  } catch {
    return 0;
  }
}

const missing = () => REQUIRED.filter((f) => !fs.existsSync(path.join(ROOT, f)));

function tscPath() {
  try {
    const req = createRequire(path.join(ROOT, "package.json"));
    return path.join(path.dirname(req.resolve("typescript/package.json")), "bin", "tsc");
  } catch {
    return null;
  }
}

const tsc = tscPath();
const { newest, newestFile } = newestSource();

if (tsc) {
  if (!force && missing().length === 0 && stampTime() >= newest) process.exit(0);
  const started = Date.now();
  try {
    execFileSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.build.json")], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  } catch (err) {
    process.stderr.write(`build failed: tsc -p tsconfig.build.json exited with ${err.status ?? err.signal ?? err.message}\n`);
    process.exit(typeof err.status === "number" && err.status > 0 ? err.status : 1);
  }
  // Dated at the start: a source saved while tsc ran is newer than the stamp, so the next run compiles it.
  fs.writeFileSync(STAMP, "compiled by scripts/build-if-needed.mjs; its date is when the compile started\n");
  fs.utimesSync(STAMP, new Date(started), new Date(started));
  process.exit(0);
}

if (force) {
  process.stderr.write("npm run build needs TypeScript, which this install does not have (npm ci --omit=dev leaves it out): run `npm ci` first\n");
  process.exit(1);
}
const gone = missing();
if (gone.length) {
  process.stderr.write(
    `${gone.join(", ")} ${gone.length === 1 ? "is" : "are"} missing and TypeScript is not installed to build ${gone.length === 1 ? "it" : "them"}.\n` +
      "A production install (npm ci --omit=dev) runs the compiled code only: run `npm ci && npm run build` first, " +
      "then `npm ci --omit=dev`, or copy a built dist/ next to package.json.\n",
  );
  process.exit(1);
}
const built = stampTime() || fs.statSync(path.join(ROOT, REQUIRED[0])).mtimeMs;
if (newest > built) {
  process.stderr.write(
    `warning: ${newestFile} is newer than the build in dist/, and TypeScript is not installed to rebuild it; ` +
      "running the code as last built (run `npm run build` on a full install to bring dist/ up to date)\n",
  );
}
