/** The HTTP surface every client meets first: health and readiness, a trivial query, validation errors, GraphiQL, malformed JSON. */
import { startTestServer, type TestServer } from "../support/server";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ seed: false });
});
afterAll(async () => {
  await s?.close();
});

describe("HTTP surface", () => {
  it("answers /healthz and /readyz", async () => {
    const h = await fetch(`${s.url}/healthz`);
    expect(h.status).toBe(200);
    const r = await fetch(`${s.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: "ready" });
  });

  it("answers { __typename }", async () => {
    const r = await s.gql("{ __typename }");
    expect(r.status).toBe(200);
    expect(r.data).toEqual({ __typename: "Query" });
  });

  it("rejects an unknown field with 400 and a validation code", async () => {
    const r = await s.gql("{ platforms { nodes { noSuchField } } }");
    expect(r.status).toBe(400);
    expect(r.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("serves GraphiQL from its own origin only (no CDN)", async () => {
    const res = await fetch(`${s.url}/graphql`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("graphiql.min.js");
    expect(html).not.toMatch(/(src|href)="https?:\/\//);
    for (const asset of ["graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"]) {
      const a = await fetch(`${s.url}/ide/${asset}`);
      expect(a.status).toBe(200);
      expect((await a.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });

  it("gives malformed JSON a 400, not a 500", async () => {
    const res = await fetch(`${s.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
  });
});
