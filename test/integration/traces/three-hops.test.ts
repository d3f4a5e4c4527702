/**
 * Traces across the three hops, against a real Jaeger (OTLP/HTTP): a chat message sent over
 * WebSocket to the chat gateway (tracing on through OTEL_EXPORTER_OTLP_ENDPOINT, as in a
 * Deployment) makes one trace: the chat gateway's reply span → the inference gateway's server
 * span → its client span to the upstream, and the upstream received a traceparent of that same
 * trace and span. With tracing off nothing carries a traceparent. Real Keycloak, PostgreSQL and
 * Redis from hack/test.sh.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startTestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import type { TestUpstream } from "../../../workloads/inference-gateway/test-upstream/upstream.ts";
import { parseTraceparent } from "../../../lib/tracing/traceparent.ts";
import type { TracingConfig } from "../../../lib/tracing/types.ts";
import { suffix, waitFor } from "../chat-gateway/helpers/env.ts";
import { replicaEnv, startInProcess, TestClient } from "../chat-gateway/helpers/gateway.ts";
import { tenantRealm } from "../chat-gateway/helpers/keycloak.ts";
import { newTenant, routing, startGateway } from "../inference-gateway/helpers.ts";
import { getTrace, parentOf, startJaeger, tag } from "./jaeger.ts";
import type { JaegerSpan } from "./jaeger.ts";

const PROMPT = "hello heron traceable world";

interface Chain {
  upstream: TestUpstream;
  /** The inference gateway's tenant API key (must not show up in any span). */
  key: string;
  tenant: string;
  chatTenant: string;
  close: () => Promise<void>;
}

/**
 * Upstream, inference gateway (tracing per `igwTracing`), chat gateway (`chatEnv` added to its
 * env), then one chat message through all three; resolves when the reply is stored.
 */
async function chatThroughChain(
  igwTracing: TracingConfig | undefined,
  chatEnv: Record<string, string>,
): Promise<Chain> {
  const upstream = await startTestUpstream({ models: ["test-model"] });
  const tenant = newTenant("trace");
  const igw = await startGateway(
    routing({
      backends: [{ name: "up", provider: "openai", baseURL: `${upstream.url}/v1` }],
      models: [{ name: "test-model", routes: [{ backend: "up" }] }],
      tenants: [
        {
          id: tenant.id,
          apiKeys: [{ id: "k1", sha256: tenant.hash }],
          models: ["test-model"],
          limits: { rpm: 1000, tpm: 1_000_000 },
        },
      ],
    }),
    igwTracing === undefined ? {} : { tracing: igwTracing },
  );
  const realm = await tenantRealm(`tr-${suffix()}`, `acme-${suffix()}`);
  const chat = await startInProcess(
    replicaEnv([{ issuer: realm.issuer, tenant: realm.tenant, audience: "chat-gateway" }], {
      INFERENCE_URL: igw.url,
      INFERENCE_API_KEY: tenant.key,
      // The search indexer's embedding calls are not part of these traces (nor routed here).
      CHAT_INDEXER_INTERVAL_MS: "3600000",
      ...chatEnv,
    }),
  );
  const client = new TestClient(chat.wsUrl, await realm.token());
  await client.opened;
  const acc = await client.request({ type: "send", content: PROMPT, title: "Trace" });
  assert.equal(acc.type, "accepted", JSON.stringify(acc));
  await client.request({ type: "subscribe", conversationId: acc["conversationId"], after: 0 });
  const done = await client.waitFor(
    (f) =>
      f.type === "event" &&
      ["reply.completed", "reply.incomplete"].includes((f["event"] as { type: string }).type),
  );
  assert.equal((done["event"] as { type: string }).type, "reply.completed", JSON.stringify(done));
  return {
    upstream,
    key: tenant.key,
    tenant: tenant.id,
    chatTenant: realm.tenant,
    // Closing the gateways shuts their tracers down, which exports every buffered span.
    close: async () => {
      await client.close();
      await chat.close();
      await igw.close();
      await upstream.close();
    },
  };
}

function one(spans: JaegerSpan[], service: string, operation: string): JaegerSpan {
  const found = spans.filter((s) => s.serviceName === service && s.operationName === operation);
  assert.equal(
    found.length,
    1,
    `${service} ${operation}: ${JSON.stringify(spans.map((s) => [s.serviceName, s.operationName]))}`,
  );
  return found[0] as JaegerSpan;
}

void test("one trace holds the chat reply, the inference gateway's request and its upstream call", async (t) => {
  const jaeger = await startJaeger();
  t.after(() => jaeger.close());
  const chain = await chatThroughChain(
    {
      tracesUrl: `${jaeger.otlpEndpoint}/v1/traces`,
      serviceName: "inference-gateway",
      batchDelayMs: 100,
    },
    { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint },
  );
  const received = chain.upstream.stats.traceparents.filter((x) => x !== null);
  await chain.close();
  // The upstream got exactly one traced request: the reply's.
  assert.equal(received.length, 1, JSON.stringify(chain.upstream.stats.traceparents));
  const tp = parseTraceparent(received[0] ?? undefined);
  assert.ok(tp !== undefined, `invalid traceparent ${String(received[0])}`);
  assert.equal(tp.sampled, true);

  const spans = await waitFor(
    "the trace with spans of both gateways in Jaeger",
    async () => {
      const s = await getTrace(jaeger.queryUrl, tp.traceId);
      return s.length >= 3 ? s : undefined;
    },
    30_000,
    200,
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; Jaeger's log:\n${jaeger.logTail()}`);
  });
  assert.equal(spans.length, 3, JSON.stringify(spans.map((s) => s.operationName)));
  assert.ok(spans.every((s) => s.traceID === tp.traceId));

  const reply = one(spans, "chat-gateway", "chat.reply");
  const server = one(spans, "inference-gateway", "POST /v1/chat/completions");
  const call = one(spans, "inference-gateway", "upstream openai");
  // The chain: chat → inference server → inference upstream client → (traceparent) upstream.
  assert.equal(parentOf(reply), undefined);
  assert.equal(parentOf(server), reply.spanID);
  assert.equal(parentOf(call), server.spanID);
  assert.equal(tp.spanId, call.spanID);
  assert.equal(tag(reply, "span.kind"), "client");
  assert.equal(tag(server, "span.kind"), "server");
  assert.equal(tag(call, "span.kind"), "client");

  // Attributes: model, tenant, backend, status.
  assert.equal(tag(reply, "gen_ai.request.model"), "test-model");
  assert.equal(tag(reply, "chat.tenant"), chain.chatTenant);
  assert.equal(tag(reply, "http.response.status_code"), 200);
  assert.equal(tag(server, "gateway.tenant"), chain.tenant);
  assert.equal(tag(server, "gen_ai.request.model"), "test-model");
  assert.equal(tag(server, "gateway.backend"), "up");
  assert.equal(tag(server, "http.response.status_code"), 200);
  assert.equal(tag(server, "gateway.code"), "OK");
  assert.equal(tag(call, "gateway.backend"), "up");
  assert.equal(tag(call, "http.response.status_code"), 200);

  // Never keys, authorization headers or message content.
  const text = JSON.stringify(spans);
  assert.ok(!text.includes(chain.key), "the API key is in a span");
  assert.ok(!/bearer/i.test(text), "an authorization header is in a span");
  assert.ok(!text.includes("heron"), "message content is in a span");
});

void test("with OTEL_EXPORTER_OTLP_ENDPOINT unset no traceparent is sent upstream", async () => {
  const chain = await chatThroughChain(undefined, {});
  const seen = [...chain.upstream.stats.traceparents];
  await chain.close();
  assert.ok(seen.length >= 1, "the upstream was not called");
  assert.deepEqual(
    seen.filter((x) => x !== null),
    [],
  );
});
