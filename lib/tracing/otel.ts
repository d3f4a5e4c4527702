/**
 * The OpenTelemetry-backed {@link Tracing}: loaded only by index.ts's dynamic import, so this file
 * (and the SDK) costs nothing while tracing is off. Each call makes its own TracerProvider and
 * registers nothing globally: two gateways in one process (the integration tests) keep their own
 * service names, and nothing patches Fastify or undici (explicit spans only).
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Context, Span, TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import type {
  ClientSpan,
  IncomingHeaders,
  SpanAttributes,
  Tracing,
  TracingConfig,
} from "./types.ts";

/** Test hooks: another exporter (in memory) and a shorter batch delay. */
export interface OtelOptions {
  exporter?: SpanExporter;
  batchDelayMs?: number;
}

const propagator = new W3CTraceContextPropagator();

// Node lower-cases header names; a repeated header arrives as an array (the first one counts).
const getter: TextMapGetter<IncomingHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const v = carrier[key];
    return Array.isArray(v) ? v[0] : v;
  },
};

const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

class OtelSpan implements ClientSpan {
  readonly #span: Span;
  readonly headers: Readonly<Record<string, string>>;
  #ended = false;

  constructor(span: Span, inject: boolean) {
    this.#span = span;
    const headers: Record<string, string> = {};
    if (inject) propagator.inject(this.context(), headers, setter);
    this.headers = headers;
  }

  get traceId(): string {
    return this.#span.spanContext().traceId;
  }

  context(): Context {
    return trace.setSpan(ROOT_CONTEXT, this.#span);
  }

  setAttributes(attributes: SpanAttributes): void {
    this.#span.setAttributes(attributes);
  }

  end(status?: number, error?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    if (status !== undefined) this.#span.setAttribute("http.response.status_code", status);
    if (error !== undefined || (status !== undefined && status >= 500))
      this.#span.setStatus({
        code: SpanStatusCode.ERROR,
        ...(error === undefined ? {} : { message: error }),
      });
    this.#span.end();
  }
}

/** Starts an OTLP/HTTP-exporting tracer for one gateway. */
export function otelTracing(cfg: TracingConfig, opts: OtelOptions = {}): Tracing {
  const exporter = opts.exporter ?? new OTLPTraceExporter({ url: cfg.tracesUrl });
  const batchDelayMs = opts.batchDelayMs ?? cfg.batchDelayMs;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": cfg.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        ...(batchDelayMs === undefined ? {} : { scheduledDelayMillis: batchDelayMs }),
      }),
    ],
  });
  const tracer = provider.getTracer("librechat-gateway");
  return {
    server: (name, headers, attributes) => {
      const parent = propagator.extract(ROOT_CONTEXT, headers, getter);
      const span = tracer.startSpan(
        name,
        { kind: SpanKind.SERVER, ...(attributes === undefined ? {} : { attributes }) },
        parent,
      );
      return new OtelSpan(span, false);
    },
    client: (name, parent, attributes) => {
      const ctx = parent instanceof OtelSpan ? parent.context() : ROOT_CONTEXT;
      const span = tracer.startSpan(
        name,
        { kind: SpanKind.CLIENT, ...(attributes === undefined ? {} : { attributes }) },
        ctx,
      );
      return new OtelSpan(span, true);
    },
    shutdown: () => provider.shutdown(),
  };
}
