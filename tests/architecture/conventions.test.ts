/**
 * The conventions a Node service's users rely on: .env.example lists every variable src/config.ts
 * reads, and the LICENSE file is the licence package.json names.
 */
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");

it(".env.example lists every variable src/config.ts reads, and no other", () => {
  const config = read("src/config.ts");
  // config.ts reads variables through its helpers, each called with the variable's name as a string
  const read_ = new Set([...config.matchAll(/\(\s*env\s*,\s*"([A-Z][A-Z0-9_]+)"/g)].map((m) => m[1]));
  expect(read_.size).toBeGreaterThan(20);
  const listed = new Set([...read(".env.example").matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  expect([...read_].filter((v) => !listed.has(v)).sort()).toEqual([]);
  expect([...listed].filter((v) => !read_.has(v) && v !== "TEST_DATABASE_URL").sort()).toEqual([]);
});

it("LICENSE is the licence package.json names", () => {
  const license = JSON.parse(read("package.json")).license;
  expect(license).toBe("MIT");
  expect(read("LICENSE")).toMatch(/^MIT License\n/);
});

it("every GraphQL object type lets graphql-js read its plain fields (simpleResolvers), as no field has a middleware or auth rule", () => {
  // Without it type-graphql wraps each plain field in a resolver of its own (a closure and an object per
  // field per request: ~1,000 on a 50-platform page). The wrapper only runs middlewares and auth checks,
  // which the registry does not use; a type that needs them must say so here.
  const files = (fs.readdirSync(path.join(ROOT, "src"), { recursive: true }) as string[]).filter((f) => f.endsWith(".ts")).map((f) => path.join("src", f));
  let types = 0;
  for (const f of files) {
    const text = read(f);
    const declared = text.split("@ObjectType(").length - 1;
    types += declared;
    expect({ file: f, simple: text.split("simpleResolvers: true").length - 1 }).toEqual({ file: f, simple: declared });
  }
  expect(types).toBeGreaterThan(30);
  expect(read("src/schema.ts")).not.toMatch(/globalMiddlewares|authChecker/);
});
