// Tests of the webhook HTTPS server and routes plugin: bodies, errors, metrics, graceful stop.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import fastify from "fastify";
import { pino } from "pino";
import { Registry } from "prom-client";
import { issue } from "./certs.ts";
import type { CertBundle } from "./certs.ts";
import { HANDLERS } from "./handlers.ts";
import { webhookMetrics } from "./metrics.ts";
import { effectiveDeadline, startWebhookServer, webhookApp } from "./server.ts";
import { FakeLookup } from "./testing/fake-lookup.ts";
import { review } from "./testing/reviews.ts";
import { DEFAULT_POLICY } from "./types.ts";
import { AIMODEL_KIND } from "../crds/aimodel/v1alpha1/kind.ts";

async function appWith(lookup = new FakeLookup(), deadlineMs = 500) {
  const app = fastify();
  await app.register(webhookApp, {
    handlers: HANDLERS,
    lookup,
    policy: DEFAULT_POLICY,
    deadlineMs,
  });
  return app;
}

describe("webhook routes", () => {
  const malformed: { name: string; payload: string; contentType?: string; error: RegExp }[] = [
    { name: "invalid JSON", payload: "{", error: /^body: invalid JSON/ },
    { name: "empty body", payload: "", error: /^body: empty/ },
    {
      name: "JSON but not a review",
      payload: "[1,2]",
      error: /^malformed AdmissionReview: body: must be a JSON object/,
    },
    {
      name: "wrong apiVersion",
      payload: JSON.stringify({ ...review(), apiVersion: "admission.k8s.io/v1beta1" }),
      error: /^malformed AdmissionReview: apiVersion/,
    },
    {
      name: "missing uid",
      payload: JSON.stringify(review({ uid: "" })),
      error: /^malformed AdmissionReview: request.uid/,
    },
    {
      name: "text/plain content type",
      payload: "hello",
      contentType: "text/plain",
      error: /^body: invalid JSON/,
    },
  ];
  for (const c of malformed) {
    it(`answers 400 for ${c.name}`, async (t) => {
      const app = await appWith();
      t.after(() => app.close());
      const res = await app.inject({
        method: "POST",
        url: "/validate/assistant",
        payload: c.payload,
        headers: { "content-type": c.contentType ?? "application/json" },
      });
      assert.equal(res.statusCode, 400);
      assert.match(res.json<{ error: string }>().error, c.error);
    });
  }

  it("counts requests by webhook and code, with latency, under controller-runtime's names", async (t) => {
    const registry = new Registry();
    const app = fastify();
    await app.register(webhookApp, {
      handlers: HANDLERS,
      lookup: new FakeLookup(),
      policy: DEFAULT_POLICY,
      metrics: webhookMetrics(registry),
    });
    t.after(() => app.close());
    const ok = await app.inject({ method: "POST", url: "/mutate/aimodel", payload: review() });
    const bad = await app.inject({ method: "POST", url: "/mutate/aimodel", payload: "{" });
    const other = await app.inject({ method: "POST", url: "/validate/tenant", payload: "{" });
    assert.deepEqual([ok.statusCode, bad.statusCode, other.statusCode], [200, 400, 400]);
    const text = await registry.metrics();
    const line = (name: string): string | undefined =>
      text.split("\n").find((l) => l.startsWith(name));
    assert.equal(
      line('controller_runtime_webhook_requests_total{webhook="/mutate/aimodel",code="200"}'),
      'controller_runtime_webhook_requests_total{webhook="/mutate/aimodel",code="200"} 1',
    );
    assert.equal(
      line('controller_runtime_webhook_requests_total{webhook="/mutate/aimodel",code="400"}'),
      'controller_runtime_webhook_requests_total{webhook="/mutate/aimodel",code="400"} 1',
    );
    assert.equal(
      line('controller_runtime_webhook_requests_total{webhook="/validate/tenant",code="400"}'),
      'controller_runtime_webhook_requests_total{webhook="/validate/tenant",code="400"} 1',
    );
    assert.equal(
      line('controller_runtime_webhook_latency_seconds_count{webhook="/mutate/aimodel"}'),
      'controller_runtime_webhook_latency_seconds_count{webhook="/mutate/aimodel"} 2',
    );
    assert.equal(
      line('controller_runtime_webhook_requests_in_flight{webhook="/mutate/aimodel"}'),
      'controller_runtime_webhook_requests_in_flight{webhook="/mutate/aimodel"} 0',
    );
  });

  it("answers 404 for an unknown webhook path", async (t) => {
    const app = await appWith();
    t.after(() => app.close());
    const res = await app.inject({ method: "POST", url: "/validate/pods", payload: review() });
    assert.equal(res.statusCode, 404);
  });

  it("answers a review with the request uid and admission.k8s.io/v1", async (t) => {
    const lookup = new FakeLookup().add(AIMODEL_KIND, {
      metadata: { name: "m", namespace: "team-a" },
    });
    const app = await appWith(lookup);
    t.after(() => app.close());
    const body = review({
      object: {
        metadata: { name: "a" },
        spec: {
          versions: [{ name: "v1", modelRef: "m" }],
          variants: [{ version: "v1", weight: 90 }],
        },
      },
    });
    const res = await app.inject({
      method: "POST",
      url: "/validate/assistant?timeout=10s",
      payload: body,
    });
    assert.equal(res.statusCode, 200);
    const answer = res.json<{
      apiVersion: string;
      kind: string;
      response: { uid: string; allowed: boolean; status: { message: string } };
    }>();
    assert.equal(answer.apiVersion, "admission.k8s.io/v1");
    assert.equal(answer.kind, "AdmissionReview");
    assert.equal(answer.response.uid, "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert.equal(answer.response.allowed, false);
    assert.equal(answer.response.status.message, "spec.variants: weights must sum to 100 (got 90)");
  });

  it("answers absurdly deep objects with a policy answer, not a crash", async (t) => {
    const app = await appWith();
    t.after(() => app.close());
    const depth = 200_000;
    const deep = "[".repeat(depth) + "]".repeat(depth);
    const obj = `{"metadata":{"name":"a"},"spec":{"versions":${deep}}}`;
    const body = JSON.stringify(
      review({
        operation: "UPDATE",
        object: { metadata: { name: "a" } },
        oldObject: { metadata: { name: "a" } },
      }),
    ).replace('"object":{"metadata":{"name":"a"}}', `"object":${obj}`);
    for (const url of ["/validate/assistant", "/mutate/assistant", "/validate/tenant"]) {
      const res = await app.inject({
        method: "POST",
        url,
        payload: body,
        headers: { "content-type": "application/json" },
      });
      assert.ok(
        [200, 400].includes(res.statusCode),
        `${url}: ${res.statusCode} ${res.body.slice(0, 200)}`,
      );
      if (res.statusCode === 200)
        assert.equal(
          res.json<{ response: { uid: string } }>().response.uid,
          "705ab4f5-6393-11e8-b7cc-42010a800002",
        );
    }
    const health = await app.inject({ method: "GET", url: "/healthz" });
    assert.equal(health.statusCode, 200);
  });

  it("answers within the deadline when lookups hang", async (t) => {
    const lookup = new FakeLookup();
    lookup.hang = true;
    const app = await appWith(lookup, 300);
    t.after(() => app.close());
    const started = performance.now();
    const res = await app.inject({
      method: "POST",
      url: "/validate/assistant",
      payload: review({
        object: { metadata: { name: "a" }, spec: { versions: [{ name: "v1", modelRef: "m" }] } },
      }),
    });
    assert.ok(performance.now() - started < 2000);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<{ response: { allowed: boolean } }>().response.allowed, false);
  });

  it("keeps the deadline inside the API server's timeout parameter", () => {
    assert.equal(effectiveDeadline(6000, "10s"), 6000);
    assert.equal(effectiveDeadline(6000, "3s"), 1500);
    assert.equal(effectiveDeadline(6000, "1s"), 100);
    assert.equal(effectiveDeadline(6000, undefined), 6000);
    assert.equal(effectiveDeadline(6000, ["x"]), 6000);
  });
});

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${url}/healthz`, { ca, agent: false }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("HTTPS server", () => {
  it("listens on 127.0.0.1 and hot-swaps its certificate without restart", async (t) => {
    const spec = { dnsNames: ["webhook.test.svc"], ipAddresses: ["127.0.0.1"] };
    const first: CertBundle = await issue({ action: "issue-ca", reason: "t" }, undefined, {
      spec,
      now: Date.now(),
    });
    const server = await startWebhookServer({
      handlers: HANDLERS,
      lookup: new FakeLookup(),
      policy: DEFAULT_POLICY,
      tls: { cert: first.tlsCert, key: first.tlsKey },
      port: 0,
      log: pino({ level: "silent" }),
    });
    t.after(() => server.close());
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await get(server.url, first.caBundle)).status, 200);

    // A new CA: clients that trust only the new CA fail before the swap and succeed after it.
    const second = await issue({ action: "issue-ca", reason: "t" }, undefined, {
      spec,
      now: Date.now(),
    });
    await assert.rejects(get(server.url, second.caBundle));
    server.setCertificate({ cert: second.tlsCert, key: second.tlsKey });
    assert.equal((await get(server.url, second.caBundle)).status, 200);
    await assert.rejects(get(server.url, first.caBundle));
  });

  it("stop() lets an in-flight review finish, then closes kept-alive connections", async () => {
    const spec = { dnsNames: ["webhook.test.svc"], ipAddresses: ["127.0.0.1"] };
    const cert: CertBundle = await issue({ action: "issue-ca", reason: "t" }, undefined, {
      spec,
      now: Date.now(),
    });
    const lookup = new FakeLookup();
    lookup.hang = true; // the review takes its whole 300 ms deadline
    const server = await startWebhookServer({
      handlers: HANDLERS,
      lookup,
      policy: DEFAULT_POLICY,
      deadlineMs: 300,
      tls: { cert: cert.tlsCert, key: cert.tlsKey },
      port: 0,
      log: pino({ level: "silent" }),
    });
    // Like the API server: one kept-alive connection for many reviews.
    const agent = new HttpsAgent({ keepAlive: true, ca: cert.caBundle });
    const body = JSON.stringify(
      review({
        object: { metadata: { name: "a" }, spec: { versions: [{ name: "v1", modelRef: "m" }] } },
      }),
    );
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpsRequest(
        `${server.url}/validate/assistant`,
        { method: "POST", agent, headers: { "content-type": "application/json" } },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => {
            resolve({ status: res.statusCode ?? 0, text });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const closed = server.close();
    const res = await answer;
    assert.equal(res.status, 200);
    assert.match(res.text, /"kind":"AdmissionReview"/);
    await closed;
    assert.ok(
      Date.now() - t0 < 10_000,
      "close() did not wait for the kept-alive connection's 30 s timeout",
    );
    agent.destroy();
  });
});
