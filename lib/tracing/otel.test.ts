// The SDK-backed tracer with an in-memory exporter: parent/child across a traceparent, the
// headers a client span injects, attributes and status, and that nothing global is registered.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";
import { otelTracing } from "./otel.ts";
import { parseTraceparent } from "./traceparent.ts";

/** Keeps every exported span (the SDK's in-memory exporter forgets them at shutdown). */
function keeper(): SpanExporter & { spans: ReadableSpan[] } {
  const spans: ReadableSpan[] = [];
  return {
    spans,
    export: (batch, done) => {
      spans.push(...batch);
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
  };
}

const CFG = { tracesUrl: "http://127.0.0.1:9/v1/traces", serviceName: "test-gw" };

const INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/** One server span (continuing INCOMING) with one client span under it, both ended. */
async function serverAndClient(): Promise<{ spans: ReadableSpan[]; sent: string | undefined }> {
  const exporter = keeper();
  const tracing = otelTracing(CFG, { exporter, batchDelayMs: 10 });
  const server = tracing.server(
    "POST /v1/chat/completions",
    { traceparent: INCOMING },
    {
      "gen_ai.request.model": "m",
    },
  );
  const client = tracing.client("upstream", server, { "gateway.backend": "b1" });
  client.end(200);
  server.setAttributes({ "gateway.tenant": "t1" });
  server.end(502, "upstream failed");
  server.end(200); // idempotent: the first end wins
  await tracing.shutdown();
  return { spans: exporter.spans, sent: client.headers["traceparent"] };
}

test("a server span continues the incoming trace; a client span under it injects traceparent", async () => {
  const { spans, sent } = await serverAndClient();
  assert.equal(spans.length, 2);
  const s = spans.find((x) => x.kind === SpanKind.SERVER);
  const c = spans.find((x) => x.kind === SpanKind.CLIENT);
  assert.ok(s !== undefined && c !== undefined);
  assert.equal(s.spanContext().traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.equal(s.parentSpanContext?.spanId, "00f067aa0ba902b7");
  assert.equal(c.parentSpanContext?.spanId, s.spanContext().spanId);
  const p = parseTraceparent(sent);
  assert.deepEqual(p, {
    traceId: s.spanContext().traceId,
    spanId: c.spanContext().spanId,
    sampled: true,
  });
});

test("span attributes, status and resource; nothing is registered globally", async () => {
  const { spans } = await serverAndClient();
  const s = spans.find((x) => x.kind === SpanKind.SERVER);
  const c = spans.find((x) => x.kind === SpanKind.CLIENT);
  assert.ok(s !== undefined && c !== undefined);
  assert.equal(s.attributes["http.response.status_code"], 502);
  assert.equal(s.attributes["gateway.tenant"], "t1");
  assert.equal(s.attributes["gen_ai.request.model"], "m");
  assert.equal(c.attributes["gateway.backend"], "b1");
  assert.equal(s.status.code, SpanStatusCode.ERROR);
  assert.equal(s.status.message, "upstream failed");
  assert.equal(c.status.code, SpanStatusCode.UNSET);
  assert.equal(s.resource.attributes["service.name"], "test-gw");
  // Nothing global: the API's tracer is still the no-op one.
  assert.equal(trace.getTracer("x").startSpan("y").isRecording(), false);
});

test("without an incoming traceparent the server span starts a new trace; a bad one is ignored", async () => {
  const exporter = keeper();
  const tracing = otelTracing(CFG, { exporter });
  const a = tracing.server("a", {});
  const b = tracing.server("b", { traceparent: "garbage" });
  assert.match(a.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(a.traceId, b.traceId);
  const root = tracing.client("c", undefined);
  assert.notEqual(root.traceId, a.traceId);
  for (const s of [a, b, root]) s.end();
  await tracing.shutdown();
  const spans = exporter.spans;
  assert.equal(spans.length, 3);
  for (const s of spans) assert.equal(s.parentSpanContext, undefined);
});
