/**
 * One measured run: autocannon against one server for a fixed duration at a fixed number of
 * connections, every latency kept (so rounds can be merged exactly), every response body
 * checked for GraphQL errors, the server's memory sampled from /proc every 100 ms and the CPU time it
 * used read from /proc before and after.
 */
import autocannon from "autocannon";
import { cpuMsOf, memoryOf } from "./servers.mjs";

/**
 * @param {object} o
 * @param {string} o.url        full URL to POST to
 * @param {(i: number, ctx: object) => string} o.body   the JSON body of the i-th request
 * @param {(status: number, body: string, ctx: object) => void} [o.onBody]  extra per-response hook
 * @param {Record<string,string>} [o.headers]
 * @param {number} o.duration   seconds
 * @param {number} o.connections
 * @param {number} o.pid        server process to sample
 */
export async function runLoad(o) {
  const latencies = [];
  let i = 0;
  let gqlErrors = 0;
  let sampleError = null;
  let peakRss = 0;
  const sample = () => {
    const m = memoryOf(o.pid);
    if (m && m.rss > peakRss) peakRss = m.rss;
  };
  sample();
  const cpu0 = cpuMsOf(o.pid);
  const timer = setInterval(sample, 100);
  const instance = autocannon({
    url: o.url,
    connections: o.connections,
    pipelining: 1,
    duration: o.duration,
    timeout: 30,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", ...(o.headers ?? {}) },
        setupRequest(req, ctx) {
          req.body = o.body(i++, ctx);
          return req;
        },
        onResponse(status, body, ctx) {
          // A GraphQL error in a 200 response: {"errors": ...} (the data never holds that key first).
          if ((status < 300 && body.startsWith('{"errors"')) || body.includes(',"errors":[')) {
            gqlErrors++;
            sampleError ??= body.slice(0, 400);
          } else if (status >= 300) {
            sampleError ??= `HTTP ${status}: ${body.slice(0, 400)}`;
          }
          o.onBody?.(status, body, ctx);
        },
      },
    ],
  });
  instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await new Promise((resolve, reject) => {
    instance.once("done", resolve);
    instance.once("error", reject);
  });
  clearInterval(timer);
  sample();
  const cpu1 = cpuMsOf(o.pid);
  return {
    requests: latencies.length,
    seconds: (Date.parse(result.finish) - Date.parse(result.start)) / 1000 || o.duration,
    latencies,
    non2xx: result.non2xx,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    gqlErrors,
    sampleError,
    bytes: result.throughput.total,
    peakRss,
    cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
  };
}

/** p-th percentile (0–100) of unsorted numbers, nearest rank. */
export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k];
}
