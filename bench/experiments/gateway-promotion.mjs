#!/usr/bin/env node
/**
 * Apollo Server's two ways of running operations, and what happens to large answers: the same
 * 1.2 MB string answered through `new ApolloServer({ schema })` and through the `gateway` option
 * (the way the registry plugs in graphql-jit, src/graphql/executor.ts). Each mode runs in its own
 * process (Apollo Server 5 and graphql from the root's node_modules, startStandaloneServer), loaded
 * at 2 connections for a few seconds; the child samples V8's old large-object space every 100 ms.
 * Large strings that die young stay out of it; strings still reachable at a scavenge are promoted
 * there and cost a full collection later.
 *
 *   node bench/experiments/gateway-promotion.mjs [--duration=4] [--other]
 *   CHILD_FLAGS="--no-allocation-site-pretenuring" node bench/experiments/gateway-promotion.mjs   (V8 flags for the servers)
 *
 * --other: the gateway's executor decodes the string, drops it, and answers another one of the same
 * size built with String.prototype.repeat (what is promoted is then the answer, not the decoded text).
 *
 * Prints, per mode: answers, and the old large-object space's growth summed over the run (MB).
 * Measured 2026-12-08 (Node 20): schema 141-164 KB per answer, gateway 1,144-1,233 KB; about the
 * same (1,110-1,246 KB) with the pretenuring flag above and with --other: the answer outlives a
 * scavenge, about once per request.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../lib/servers.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const duration = Number(/--duration=(\d+)/.exec(process.argv.join(" "))?.[1] ?? 4);
const other = process.argv.includes("--other");

// The child: one JSON field answering ~20,000 short objects with Chinese names as text (two-byte string).
const child = `
const { ApolloServer } = require("@apollo/server");
const { startStandaloneServer } = require("@apollo/server/standalone");
const { buildSchema } = require("graphql");
const v8 = require("node:v8");
const schema = buildSchema("scalar JSON type Query { big: JSON }");
const text = JSON.stringify(Array.from({ length: 20000 }, (_, i) => ({ name: "广州创新平台" + i, i })));
const answer = () => Buffer.from(text).toString("utf8"); // a fresh string per request, as pg decodes a row
schema.getQueryType().getFields().big.resolve = () => answer();
const gateway = {
  onSchemaLoadOrUpdate(cb) { cb({ apiSchema: schema, coreSupergraphSdl: "" }); return () => undefined; },
  async load() { return { executor: async () => ({ data: { big: process.env.OTHER ? "x".repeat(answer().length * 2) : answer() } }) }; },
  async stop() {},
};
const server = new ApolloServer(process.env.MODE === "gateway" ? { gateway } : { schema });
let last = null, grown = 0;
setInterval(() => {
  const lo = v8.getHeapSpaceStatistics().find((s) => s.space_name === "large_object_space").space_used_size;
  if (last !== null && lo > last) grown += lo - last;
  last = lo;
}, 100).unref();
process.on("message", () => process.send({ grownMb: grown / 1048576 }));
startStandaloneServer(server, { listen: { port: Number(process.env.PORT), host: "127.0.0.1" } }).then(() => process.send({ ready: true }));
`;

async function measure(mode) {
  const port = await freePort();
  const proc = spawn(process.execPath, [...(process.env.CHILD_FLAGS ?? "").split(" ").filter(Boolean), "-e", child], {
    cwd: ROOT,
    env: { ...process.env, MODE: mode, PORT: String(port), ...(other ? { OTHER: "1" } : {}) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise((resolve) => proc.once("message", resolve));
  let answers = 0;
  const until = Date.now() + duration * 1000;
  const connection = async () => {
    while (Date.now() < until) {
      const r = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ big }"}' });
      if ((await r.text()).length > 500_000) answers++;
    }
  };
  await Promise.all([connection(), connection()]);
  proc.send("report");
  const { grownMb } = await new Promise((resolve) => proc.once("message", resolve));
  proc.kill();
  return { mode, answers, grownMb };
}

for (const mode of ["schema", "gateway"]) {
  const r = await measure(mode);
  console.log(
    `${r.mode.padEnd(8)} ${r.answers} answers, old large-object space grew ${r.grownMb.toFixed(1)} MB (${((r.grownMb / r.answers) * 1024).toFixed(0)} KB per answer)`,
  );
}
