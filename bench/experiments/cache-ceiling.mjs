#!/usr/bin/env node
/**
 * The ceiling of a response cache in front of Apollo: Express 5 (the registry's version, from the
 * root's node_modules) with express.json(), a key from the operation and its variables, and a Map
 * of ready JSON strings — what a cache hit would cost if it answered before Apollo. Loaded like
 * S4 (10 connections, 200 ids cycling, ~1 KB answers). Prints req/s and p50/p99.
 *
 *   node bench/experiments/cache-ceiling.mjs [--duration=6]
 */
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runLoad, percentile } from "../lib/load.mjs";
import { freePort } from "../lib/servers.mjs";

const here = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(here), "..", "..");

if (process.argv.includes("--serve")) {
  const require = createRequire(path.join(ROOT, "package.json"));
  const express = require("express");
  const app = express();
  app.disable("x-powered-by");
  const cache = new Map();
  const answer = (id) =>
    JSON.stringify({
      data: {
        platform: {
          id,
          nameHans: "黄埔汇思新型显示创新示范区",
          nameEn: "Huangpu Huisi New display technology Innovation Demonstration Zone",
          kind: "INNOVATION_ZONE",
          status: "UNDER_CONSTRUCTION",
          version: 1,
          statusHistory: [
            {
              from: null,
              to: "UNDER_CONSTRUCTION",
              effectiveDate: "2018-09-14",
              recordedAt: "2020-11-29T07:29:55.338Z",
              actor: "bench-generator",
              note: "Synthetic platform (benchmark data); status as generated",
              source: { title: "廣州市建設國際科技産業創新中心三年行動計劃(2018—2020年)", url: null, publishedAt: "2018-09-14" },
              correction: false,
            },
          ],
        },
      },
    });
  app.use("/graphql", express.json(), (req, res) => {
    const key = createHash("sha1")
      .update(req.body.query)
      .update(JSON.stringify(req.body.variables ?? {}))
      .digest("base64");
    let hit = cache.get(key);
    if (!hit) cache.set(key, (hit = answer(req.body.variables?.id)));
    res.type("application/json").send(hit);
  });
  app.listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write("READY\n"));
} else {
  const duration = Number((/--duration=(\d+)/.exec(process.argv.join(" ")) ?? [])[1] ?? 6);
  const port = await freePort();
  const child = spawn(process.execPath, [here, "--serve"], {
    env: { ...process.env, PORT: String(port), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((r) => child.stdout.once("data", r));
  const query =
    "query S4($id: ID!) { platform(id: $id) { id nameHans nameEn kind status version statusHistory { from to effectiveDate recordedAt actor note source { title url publishedAt } correction } } }";
  const body = (i) => JSON.stringify({ query, variables: { id: `platform-${i % 200}` } });
  await runLoad({ url: `http://127.0.0.1:${port}/graphql`, body, duration: 2, connections: 10, pid: child.pid });
  const r = await runLoad({ url: `http://127.0.0.1:${port}/graphql`, body, duration, connections: 10, pid: child.pid });
  const sorted = Float64Array.from(r.latencies).sort();
  console.log(
    JSON.stringify({
      rps: +(r.requests / r.seconds).toFixed(0),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      peakRssMB: Math.round(r.peakRss),
      errors: r.non2xx + r.gqlErrors,
    }),
  );
  child.kill("SIGTERM");
}
