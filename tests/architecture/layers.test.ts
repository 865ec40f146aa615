/**
 * The house's layers, read from the source's own imports (no build needed): a feature module never
 * imports the HTTP door (src/http/), the GraphQL server (src/graphql/) or the composition root
 * (src/server.ts, src/bootstrap.ts, src/index.ts; resolvers may take the Context type from
 * src/context.ts, which the root fills, as types only); src/db/ never imports a module or the
 * DataSource's definition (ormconfig.ts); the HTTP door never imports the GraphQL server (which
 * mounts itself on the door); and no files of src/ import each other in a circle. A change that breaks a rule fails here, naming the import.
 */
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const SRC = path.join(ROOT, "src");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.ts$/.test(e.name) && !/\.d\.ts$/.test(e.name) ? [p] : [];
  });
}

/** The files of this tree a file imports (import … from, export … from, import(), require()), resolved. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g),
  ]
    .map((m) => m[1] ?? m[2] ?? m[3])
    .filter((s) => s.startsWith("."));
  return specs.flatMap((s) => {
    const base = path.resolve(path.dirname(file), s);
    const found = [base, `${base}.ts`, path.join(base, "index.ts")].find((p) => fs.existsSync(p) && fs.statSync(p).isFile());
    return found ? [found] : [];
  });
}

const rel = (p: string) => path.relative(ROOT, p);
const files = sources(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

it("reads the house (a sanity check of the reader itself)", () => {
  expect(files.length).toBeGreaterThan(50);
  expect(graph.get(path.join(SRC, "server.ts"))!.map(rel)).toContain("src/context.ts");
});

/** Inside `dir` (a folder of src/), the imports of a file it must not import, as "from -> to". */
const forbidden = (dir: string, bad: (to: string) => boolean): string[] =>
  files
    .filter((f) => f.startsWith(path.join(SRC, dir) + path.sep))
    .flatMap((f) =>
      graph
        .get(f)!
        .filter(bad)
        .map((to) => `${rel(f)} -> ${rel(to)}`),
    );
const inside = (dir: string) => (p: string) => p.startsWith(path.join(SRC, dir) + path.sep);

it("feature modules never import the HTTP door, the GraphQL server or the composition root", () => {
  const root = (p: string) => ["server.ts", "bootstrap.ts", "index.ts"].some((f) => p === path.join(SRC, f));
  expect(forbidden("modules", (p) => inside("http")(p) || inside("graphql")(p) || root(p))).toEqual([]);
});

it("src/db never imports a feature module", () => {
  expect(forbidden("db", inside("modules"))).toEqual([]);
});

it("src/db never imports the DataSource's definition (the root hands its builder in)", () => {
  expect(forbidden("db", (to) => to === path.join(ROOT, "ormconfig.ts"))).toEqual([]);
});

it("the HTTP door never imports the GraphQL server", () => {
  expect(forbidden("http", inside("graphql"))).toEqual([]);
});

it("modules take only types from src/context.ts", () => {
  const bad = files
    .filter((f) => f.startsWith(path.join(SRC, "modules") + path.sep))
    .filter((f) =>
      [...fs.readFileSync(f, "utf8").matchAll(/(?:^|\n)\s*import\s+([^;]*?)\s+from\s+["']([^"']+)["']/g)].some(
        (m) => path.resolve(path.dirname(f), m[2]) === path.join(SRC, "context") && !/^type\s/.test(m[1]),
      ),
    )
    .map(rel);
  expect(bad).toEqual([]);
});

it("both transports take a GraphQL operation's steps from src/graphql/operation.ts, none of their own", () => {
  const op = path.join(SRC, "graphql", "operation.ts");
  for (const door of ["ws.ts", "http.ts", "apollo.ts"].map((f) => path.join(SRC, "graphql", f))) {
    expect([rel(door), graph.get(door)!.includes(op)]).toEqual([rel(door), true]);
    // no parse, validation or limits of their own
    expect([
      rel(door),
      graph
        .get(door)!
        .map(rel)
        .filter((f) => f === "src/graphql/limits.ts"),
    ]).toEqual([rel(door), []]);
    expect([rel(door), /\b(parse|validate|specifiedRules)\b[^;]*from "graphql"/.test(fs.readFileSync(door, "utf8"))]).toEqual([rel(door), false]);
  }
});

it("no files of src/ import each other in a circle", () => {
  // Tarjan's strongly connected components over the import graph
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(rel(w));
      } while (w !== v);
      if (scc.length > 1) circles.push(scc.sort());
    }
  };
  for (const f of files) if (!idx.has(f)) visit(f);
  expect(circles).toEqual([]);
});
