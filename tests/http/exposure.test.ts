/**
 * What the registry shows and to whom: security headers on every route, GraphiQL under a strict
 * CSP (checked in a real browser), /metrics closed to other sites and other machines, and absolute
 * links that no client's Host header can write.
 */
import { chromium } from "playwright-core";
import { startTestServer, type TestServer } from "../support/server";
import { CHROMIUM } from "../support/browser";

describe("security headers", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ seed: false });
  });
  afterAll(async () => {
    await s?.close();
  });

  it("are on every route, GraphQL's fast path included; the pages keep their own CSP", async () => {
    const answers = {
      post: await fetch(`${s.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ __typename }"}' }),
      healthz: await fetch(`${s.url}/healthz`),
      ogc: await fetch(`${s.url}/collections`),
      missing: await fetch(`${s.url}/no/such/page`),
    };
    for (const [name, res] of Object.entries(answers)) {
      expect([name, res.headers.get("x-content-type-options")]).toEqual([name, "nosniff"]);
      // Express's own 404 page writes its CSP over ours; both allow nothing
      expect([name, res.headers.get("content-security-policy")]).toEqual([
        name,
        name === "missing" ? "default-src 'none'" : "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      ]);
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("x-powered-by")).toBeNull();
    }
    const map = await fetch(`${s.url}/map`);
    expect(map.headers.get("content-security-policy")).toContain("img-src 'self' data: https: http:");
  });

  it("GraphiQL: a CSP without inline scripts, frame-ancestors 'none', nosniff; it runs under them in a real browser", async () => {
    const res = await fetch(`${s.url}/graphiql`, { headers: { accept: "text/html" } });
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(await res.text()).not.toMatch(/<script>/);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on("console", (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${s.url}/graphiql`);
      // GraphiQL renders its editors and runs its default query against /graphql
      await page.locator(".graphiql-container").waitFor({ timeout: 20000 });
      await page.locator(".graphiql-execute-button").click();
      await page.locator(".result-window").getByText("totalCount").waitFor({ timeout: 20000 });
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60000);
});

describe("/metrics", () => {
  it("has no CORS, and without METRICS_TOKEN answers only this machine", async () => {
    const s = await startTestServer({ seed: false, env: { TRUST_PROXY: "loopback" } });
    try {
      const local = await fetch(`${s.url}/metrics`, { headers: { origin: "https://evil.example" } });
      expect(local.status).toBe(200);
      expect(local.headers.get("access-control-allow-origin")).toBeNull();
      const graphql = await fetch(`${s.url}/healthz`, { headers: { origin: "https://evil.example" } });
      expect(graphql.headers.get("access-control-allow-origin")).toBe("*"); // the public API keeps its CORS
      // a client elsewhere, through the trusted proxy on this machine
      const remote = await fetch(`${s.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } });
      expect(remote.status).toBe(403);
      expect(await remote.text()).not.toContain("registry_");
    } finally {
      await s.close();
    }
  });

  it("with METRICS_TOKEN, answers that token only; METRICS_PUBLIC opens it", async () => {
    const token = "metrics-secret-0123456789";
    const s = await startTestServer({ seed: false, env: { METRICS_TOKEN: token } });
    try {
      expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${s.url}/metrics`, { headers: { authorization: "Bearer metrics-secret-012345678X" } })).status).toBe(401);
      const ok = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("registry_");
    } finally {
      await s.close();
    }
    const open = await startTestServer({ seed: false, env: { METRICS_PUBLIC: "true", TRUST_PROXY: "loopback" } });
    try {
      expect((await fetch(`${open.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } })).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe("absolute links", () => {
  const links = async (url: string, headers: Record<string, string> = {}) =>
    JSON.stringify(((await (await fetch(`${url}/collections/platforms`, { headers: { accept: "application/json", ...headers } })).json()) as any).links);

  it("never copy the client's Host header; PUBLIC_URL sets them", async () => {
    const s = await startTestServer({ seed: false });
    try {
      const got = await links(s.url, { host: "evil.example" });
      expect(got).not.toContain("evil.example");
      expect(got).toContain(`"${s.url}/collections/platforms`);
      // an untrusted X-Forwarded-Host is ignored as well
      expect(await links(s.url, { "x-forwarded-host": "evil.example" })).not.toContain("evil.example");
    } finally {
      await s.close();
    }
    const p = await startTestServer({ seed: false, env: { PUBLIC_URL: "https://registry.example.gov.cn/gz/" } });
    try {
      const got = await links(p.url, { host: "evil.example" });
      expect(got).toContain('"https://registry.example.gov.cn/gz/collections/platforms');
      expect(got).not.toContain("evil.example");
      expect(got).not.toContain("127.0.0.1");
    } finally {
      await p.close();
    }
  });
});
