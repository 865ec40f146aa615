/**
 * The registry's compiled code (dist/, built by the root's `npm run build`), loaded from the
 * benchmark's ES modules. The benchmark reuses it rather than copying it: migrations, the seed
 * loader, the search normalisation, API tokens, and (in the floor) the services' SQL.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = path.resolve(BENCH_DIR, "..");
export const DIST = path.join(ROOT, "dist");

const require = createRequire(path.join(ROOT, "package.json"));

/** require() of a file under dist/, with a clear message when the build is missing. */
export function dist(rel) {
  const file = path.join(DIST, rel);
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build\` in ${ROOT} first (npm run bench does)`);
  }
  require("reflect-metadata");
  return require(file);
}

/** A package from the root's node_modules (pinyin-pro, opencc-js): the same versions the registry uses. */
export function rootPackage(name) {
  return require(name);
}
