/** Where the registry's own files are, whether it runs from sources (ts-node, jest) or from dist/. */
import fs from "node:fs";
import path from "node:path";

let root: string | undefined;

/** The repository root: the nearest folder above this file that holds package.json. */
export function repoRoot(): string {
  if (root) return root;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("package.json not found above " + __dirname);
    dir = up;
  }
  return (root = dir);
}
