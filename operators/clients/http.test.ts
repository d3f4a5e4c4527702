// Tests of the Kubernetes HTTP transport: requests, API errors, retries and streaming against a
// fake API server.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it, test } from "node:test";
import { FakeApiServer } from "../runtime/testing/fake-apiserver.ts";
import { KubeHttp, parseWarnings } from "./http.ts";

void describe("KubeHttp connection pooling", () => {
  let api: FakeApiServer;

  before(async () => {
    api = await new FakeApiServer().start();
  });
  after(async () => {
    await api.close();
  });
  beforeEach(() => {
    api.reset();
    api.handler = () => ({ status: 200, body: { kind: "Status" } });
  });

  const get = (http: KubeHttp) => http.request({ method: "GET", path: "/api/v1/namespaces/x" });

  void it("reuses one connection pool across requests and still authenticates every request", async () => {
    const http = new KubeHttp(api.kubeConfig());
    await get(http);
    await get(http);
    const warm = api.connections;
    for (let i = 0; i < 10; i++) await get(http);
    // client-node builds a new undici Agent (a new connection) for every request; we keep one pool.
    assert.equal(api.connections, warm, "no new connections once warm");
    assert.ok(warm <= 2, `warm-up opened ${warm} connections`);
    assert.deepEqual(
      api.requests.map((r) => r.headers.authorization),
      Array(12).fill("Bearer test-token"),
    );
    await http.close();
  });

  void it("takes client-node's current dispatcher after the TTL (picks up rotated credentials)", async () => {
    let now = 0;
    const http = new KubeHttp(api.kubeConfig(), { dispatcherTtlMs: 1000, now: () => now });
    await get(http);
    await get(http);
    now = 999;
    await get(http);
    const before = api.connections;
    now = 1000;
    await get(http);
    assert.equal(api.connections, before + 1, "a new pool after the TTL");
    await get(http);
    await get(http);
    assert.ok(api.connections <= before + 2, "and it is reused");
    await http.close();
  });

  void it("close is idempotent and a later request opens a new pool", async () => {
    const http = new KubeHttp(api.kubeConfig());
    await get(http);
    await http.close();
    await http.close();
    const before = api.connections;
    await get(http);
    assert.equal(api.connections, before + 1);
    await http.close();
  });
});

const warningCases = [
  { header: null, want: [] },
  { header: '299 - "AIModel \\"x\\" not found (yet)"', want: ['AIModel "x" not found (yet)'] },
  { header: '299 - "a, b", 299 - "second"', want: ["a, b", "second"] },
];
for (const c of warningCases) {
  void test(`parseWarnings(${String(c.header)})`, () => {
    assert.deepEqual(parseWarnings(c.header), c.want);
  });
}
