/**
 * Every request is bounded before it is read: variables nested too deep (both transports), a body
 * declared over the limit, slow headers and idle connections, connections per address (HTTP and
 * WebSocket), IPv6 budgets per /64, control bytes on the OGC paths, and persisted queries' size.
 */
import { createHash } from "node:crypto";
import net from "node:net";
import WebSocket from "ws";
import { startTestServer, type TestServer } from "../support/server";

const deepVariables = (depth: number) =>
  `{"query":"query($f: PlatformFilter) { platforms(filter: $f) { totalCount } }","variables":{"f":${"[".repeat(depth)}${"]".repeat(depth)}}}`;

/** Opens a TCP connection, writes `send`, and collects what comes back until the server closes it (or `ms` pass). */
function raw(port: number, send: string | Buffer, ms = 5000): Promise<{ text: string; closedAfterMs: number | null }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = net.connect(port, "127.0.0.1", () => socket.write(send));
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs: null });
    }, ms);
    socket.on("data", (d) => (text += d.toString("utf8")));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - t0 });
    });
  });
}

/** A graphql-ws connection that has been acknowledged (or the HTTP status / close code that refused it). */
function wsOpen(url: string, init: unknown = {}): Promise<{ ws: WebSocket; ack: boolean; refused?: number; next: () => Promise<any> }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace("http", "ws") + "/graphql", "graphql-transport-ws");
    const queue: any[] = [];
    const waiting: Array<(m: any) => void> = [];
    const next = () => new Promise<any>((r) => (queue.length ? r(queue.shift()) : waiting.push(r)));
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: init })));
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === "connection_ack") return resolve({ ws, ack: true, next });
      const w = waiting.shift();
      if (w) w(msg);
      else queue.push(msg);
    });
    ws.on("unexpected-response", (_req, res) => resolve({ ws, ack: false, refused: res.statusCode, next }));
    ws.on("error", () => resolve({ ws, ack: false, refused: 0, next }));
    ws.on("close", (code) => resolve({ ws, ack: false, refused: code, next }));
  });
}

describe("requests bounded before they are read", () => {
  let s: TestServer;
  let port: number;
  beforeAll(async () => {
    s = await startTestServer({ seed: false, env: { HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_REQUEST_TIMEOUT_MS: "2000", HTTP_IDLE_TIMEOUT_MS: "500" } });
    port = s.running.port;
  });
  afterAll(async () => {
    await s?.close();
  });

  it("refuses variables nested 10,000 deep with 400 over HTTP (POST and GET) and graphql-ws, and keeps serving", async () => {
    const body = deepVariables(10_000);
    expect(body.length).toBeLessThan(25_000);
    for (let i = 0; i < 2; i++) {
      // twice: the second would meet a warm response cache, were it asked first
      const res = await fetch(`${s.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(res.status).toBe(400);
      const json = (await res.json()) as any;
      expect(json.errors[0].extensions.code).toBe("BAD_USER_INPUT");
      expect(json.errors[0].message).toMatch(/nested more than 16 levels/);
    }
    const q = encodeURIComponent("query($f: PlatformFilter) { platforms(filter: $f) { totalCount } }");
    const get = await fetch(`${s.url}/graphql?query=${q}&variables=${encodeURIComponent(`{"f":${"[".repeat(1500)}${"]".repeat(1500)}}`)}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(get.status).toBe(400);
    const wide = await fetch(`${s.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "query($f: PlatformFilter) { platforms(filter: $f) { totalCount } }",
        variables: { f: { districts: Array.from({ length: 20_000 }, () => "440112") } },
      }),
    });
    expect(wide.status).toBe(400);
    expect(((await wide.json()) as any).errors[0].message).toMatch(/more than 10000 values/);

    const c = await wsOpen(s.url);
    expect(c.ack).toBe(true);
    c.ws.send(`{"id":"1","type":"subscribe","payload":${deepVariables(10_000)}}`);
    const msg = await c.next();
    expect(msg.type).toBe("error");
    expect(msg.payload[0].extensions.code).toBe("BAD_USER_INPUT");
    c.ws.close();
    expect((await s.gql("{ __typename }")).status).toBe(200);
  });

  it("refuses extensions nested too deep the same on graphql-ws as over HTTP (one bounds step for both)", async () => {
    let ext: unknown = {};
    for (let i = 0; i < 40; i++) ext = { a: ext };
    const payload = { query: "{ __typename }", extensions: ext };
    const res = await fetch(`${s.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });
    expect(res.status).toBe(400);
    const http = ((await res.json()) as any).errors[0];
    const c = await wsOpen(s.url);
    expect(c.ack).toBe(true);
    c.ws.send(JSON.stringify({ id: "x", type: "subscribe", payload }));
    const msg = await c.next();
    c.ws.close();
    expect(msg.type).toBe("error");
    expect(msg.payload[0].extensions.code).toBe(http.extensions.code);
    expect(msg.payload[0].message).toBe(http.message);
    expect(http.message).toMatch(/extensions are nested more than 16 levels/);
  });

  it("answers a body declared at 100 MB with 413 before it is sent, and closes the connection", async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`;
    const r = await raw(port, Buffer.concat([Buffer.from(head), Buffer.alloc(1024, 32)]));
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).toContain("PAYLOAD_TOO_LARGE");
    expect(r.closedAfterMs).not.toBeNull();
    expect(r.closedAfterMs!).toBeLessThan(1000);
    // the same on the Express routes, and with Expect: 100-continue (refused before the body)
    const cont = await raw(port, `POST /collections HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`);
    expect(cont.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(cont.text).not.toContain("100 Continue");
  });

  it("closes a connection whose headers come too slowly, and an idle keep-alive connection", async () => {
    const t0 = Date.now();
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const drip = setInterval(() => socket.write("X-Slow: 1\r\n"), 200);
    await new Promise((r) => socket.once("close", r));
    clearInterval(drip);
    // HTTP_HEADERS_TIMEOUT_MS=1000, checked every 250 ms
    expect(Date.now() - t0).toBeLessThan(2500);

    const idle = await raw(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(idle.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(idle.closedAfterMs).not.toBeNull();
    expect(idle.closedAfterMs!).toBeLessThan(2000); // HTTP_IDLE_TIMEOUT_MS=500
  });

  it("refuses control bytes on every OGC path and parameter with 400", async () => {
    for (const path of [
      "/collections/platforms/items/%00",
      "/collections/%00/items",
      "/collections/platforms/items?q=a%00b",
      "/collections/platforms/items?%01=x",
      "/?f=%1f",
      "/api%00",
    ]) {
      const res = await fetch(`${s.url}${path}`);
      expect([path, res.status]).toEqual([path, 400]);
      expect(((await res.json()) as any).code).toBe("InvalidParameterValue");
    }
  });

  it("stores a persisted query only up to PERSISTED_QUERY_MAX_BYTES", async () => {
    const apq = (query: string) => ({ query, extensions: { persistedQuery: { version: 1, sha256Hash: createHash("sha256").update(query).digest("hex") } } });
    const post = (body: unknown) => fetch(`${s.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const big = `{ __typename ${" ".repeat(20_000)}}`;
    const refused = await post(apq(big));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as any).errors[0].message).toMatch(/persisted query may be at most 16384 bytes/);
    const { extensions } = apq(big);
    expect(((await (await post({ extensions })).json()) as any).errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    // a small one is stored, and found by its hash
    const small = apq("{ __typename }");
    expect((await post(small)).status).toBe(200);
    expect(((await (await post({ extensions: small.extensions })).json()) as any).data).toEqual({ __typename: "Query" });
  });
});

describe("persisted queries off", () => {
  it("PERSISTED_QUERIES=false: no query is stored by its hash", async () => {
    const s = await startTestServer({ seed: false, env: { PERSISTED_QUERIES: "false" } });
    try {
      const query = "{ __typename }";
      const extensions = { persistedQuery: { version: 1, sha256Hash: createHash("sha256").update(query).digest("hex") } };
      const res = await fetch(`${s.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, extensions }),
      });
      expect(((await res.json()) as any).errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_SUPPORTED");
    } finally {
      await s.close();
    }
  });
});

describe("connections per address, HTTP and WebSocket alike", () => {
  it("closes a connection over CONNECTIONS_PER_IP before reading it", async () => {
    const s = await startTestServer({ seed: false, env: { CONNECTIONS_PER_IP: "4", WS_CONNECTIONS_PER_IP: "0" } });
    const held: net.Socket[] = [];
    const sockets: WebSocket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const sock = net.connect(s.running.port, "127.0.0.1");
        sock.on("error", () => undefined);
        await new Promise((r) => sock.once("connect", r));
        held.push(sock);
      }
      for (let i = 0; i < 2; i++) {
        const c = await wsOpen(s.url);
        expect(c.ack).toBe(true);
        sockets.push(c.ws);
      }
      // a fifth: HTTP and WebSocket are both refused
      const fifth = await raw(s.running.port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
      expect(fifth.text).toBe("");
      expect(fifth.closedAfterMs).not.toBeNull();
      expect((await wsOpen(s.url)).ack).toBe(false);
      // one closes: room for another
      held.pop()!.destroy();
      await new Promise((r) => setTimeout(r, 100));
      expect((await raw(s.running.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).text).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      held.forEach((h) => h.destroy());
      sockets.forEach((w) => w.close());
      await s.close();
    }
  });
});

describe("IPv6 budgets", () => {
  it("counts every address of one /64 against one budget", async () => {
    const s = await startTestServer({ seed: false, env: { RATE_LIMIT_PER_IP: "3", TRUST_PROXY: "loopback" } });
    try {
      const from = async (ip: string) => (await s.gql("{ __typename }", {}, { headers: { "x-forwarded-for": ip } })).status;
      const one64 = ["2001:db8:1:2::a", "2001:db8:1:2:ffff::1", "2001:db8:1:2:1:2:3:4", "2001:db8:1:2::b"];
      const got: number[] = [];
      for (const ip of one64) got.push(await from(ip));
      expect(got).toEqual([200, 200, 200, 429]);
      expect(await from("2001:db8:1:3::a")).toBe(200); // the next /64 is another subscriber
      // IPv4, and IPv4 written as IPv6, are one address
      expect([await from("198.51.100.7"), await from("::ffff:198.51.100.7"), await from("198.51.100.7"), await from("::ffff:198.51.100.7")]).toEqual([
        200, 200, 200, 429,
      ]);
    } finally {
      await s.close();
    }
  });
});
