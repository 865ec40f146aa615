/**
 * The README's examples run as written against a fresh registry: every `npm run token -- …` line (as
 * the built script, in README order; `<id>` is the id the line before printed), and every GraphQL
 * block marked `<!-- runnable -->` (or `<!-- runnable: as the admin token -->`, sent with the first
 * admin token the token lines created). A README example that stops working fails here.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startTestServer, type TestServer } from "../support/server";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
const TOKEN_SCRIPT = path.join(__dirname, "..", "..", "dist", "scripts", "token.js");

/** The lines of the README's code blocks of one language. */
function blocks(lang: string): Array<{ text: string; before: string }> {
  const out: Array<{ text: string; before: string }> = [];
  const re = new RegExp("^```" + lang + "\\n([\\s\\S]*?)^```", "gm");
  for (let m = re.exec(README); m; m = re.exec(README)) {
    const head = README.slice(0, m.index).trimEnd().split("\n");
    out.push({ text: m[1], before: head[head.length - 1] ?? "" });
  }
  return out;
}

/** A shell line's words: double- and single-quoted words kept whole, a trailing `# comment` dropped. */
function words(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let started = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (ch === "#" && !started && !cur) break;
    else if (/\s/.test(ch)) {
      if (cur || started) out.push(cur);
      cur = "";
      started = false;
    } else cur += ch;
  }
  if (cur || started) out.push(cur);
  return out;
}

const tokenLines = blocks("sh").flatMap((b) =>
  b.text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("npm run token -- ")),
);
const graphqlExamples = blocks("graphql").filter((b) => /^<!-- runnable/.test(b.before));

let s: TestServer;
let dir: string;
beforeAll(async () => {
  s = await startTestServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-readme-"));
}, 120000);
afterAll(async () => {
  await s?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TOKEN_SCRIPT, ...args],
      { env: { ...process.env, DATABASE_URL: s.db.url, DATA_DIR: path.join(dir, "data"), LOG_LEVEL: "warn" }, timeout: 60000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

describe("README examples", () => {
  let adminToken: string | undefined;

  it("has the examples this test runs", () => {
    expect(tokenLines.length).toBeGreaterThanOrEqual(5);
    for (const verb of ["create", "list", "rotate", "revoke"]) expect(tokenLines.some((l) => l.startsWith(`npm run token -- ${verb}`))).toBe(true);
    expect(graphqlExamples.length).toBeGreaterThanOrEqual(2);
  });

  it("every npm run token line runs as written", async () => {
    let lastId: string | undefined;
    for (const line of tokenLines) {
      const args = words(line.slice("npm run token -- ".length)).map((w) => {
        if (w !== "<id>") return w;
        expect(lastId).toBeDefined();
        return lastId!;
      });
      const r = await run(args);
      expect({ line, code: r.code, stderr: r.stderr }).toEqual({ line, code: 0, stderr: "" });
      const id = /^(?:created|rotated) token ([a-z0-9]{12}) /.exec(r.stdout)?.[1];
      if (id) lastId = id;
      if (args[0] === "create" && args.includes("admin") && !adminToken) adminToken = r.stdout.trim().split("\n").pop();
    }
    expect(adminToken).toMatch(/^gzr_/);
  }, 120000);

  it("every GraphQL example marked runnable runs without errors", async () => {
    for (const ex of graphqlExamples) {
      const token = ex.before.includes("as the admin token") ? adminToken : undefined;
      if (ex.before.includes("as the admin token")) expect(token).toBeDefined();
      const r = await s.gql(ex.text, {}, { token });
      expect({ example: ex.text, status: r.status, errors: r.errors }).toEqual({ example: ex.text, status: 200, errors: undefined });
      expect(r.data).toBeDefined();
    }
  }, 60000);
});
