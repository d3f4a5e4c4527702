/**
 * The tracing seam the gateways code against: plain interfaces with no OpenTelemetry import, so
 * a gateway with tracing off loads nothing of the SDK (see index.ts) and its request paths only
 * test `tracing !== undefined`.
 */

/** Attribute values a span may carry: model, tenant id, backend, status; never keys or content. */
export type SpanAttributes = Record<string, string | number | boolean>;

/** Incoming request headers as Node gives them (only `traceparent`/`tracestate` are read). */
export type IncomingHeaders = Record<string, string | string[] | undefined>;

/** A started span. `end` is idempotent: the first call wins. */
export interface TraceSpan {
  /** The W3C trace id (32 hex digits); all-zero for a span that is not recorded. */
  readonly traceId: string;
  setAttributes(attributes: SpanAttributes): void;
  /** Ends the span; `status` >= 500 (or an `error`) marks it failed. */
  end(status?: number, error?: string): void;
}

/** A client span: `headers` (traceparent, tracestate) go on the outgoing request. */
export interface ClientSpan extends TraceSpan {
  readonly headers: Readonly<Record<string, string>>;
}

/** Tracing of one gateway instance (its own provider: several may live in one process). */
export interface Tracing {
  /** A server span for an incoming request, child of its `traceparent` when there is one. */
  server(name: string, headers: IncomingHeaders, attributes?: SpanAttributes): TraceSpan;
  /** A client span for an outgoing call, child of `parent` (or a new trace without one). */
  client(name: string, parent: TraceSpan | undefined, attributes?: SpanAttributes): ClientSpan;
  /** Exports what is buffered and stops; later spans are dropped. */
  shutdown(): Promise<void>;
}

/** What turns tracing on: where to export, and the service name spans are reported under. */
export interface TracingConfig {
  /** OTLP/HTTP traces URL (`<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`). */
  tracesUrl: string;
  serviceName: string;
  /** Longest wait of a finished span before export (SDK default 5 s; tests shorten it). */
  batchDelayMs?: number;
}
