/**
 * Turning tracing on: with a config (from config.ts, i.e. OTEL_EXPORTER_OTLP_ENDPOINT set) the
 * OpenTelemetry SDK is imported dynamically and started; without one nothing is imported and
 * the result is undefined, so a gateway with tracing off loads no SDK code and its request paths
 * skip every tracing call behind one `undefined` check (no measurable cost; see bench/).
 */
import type { Tracing, TracingConfig } from "./types.ts";

export { tracingConfig, TracingConfigError } from "./config.ts";
export type {
  ClientSpan,
  IncomingHeaders,
  SpanAttributes,
  TraceSpan,
  Tracing,
  TracingConfig,
} from "./types.ts";

/** Starts tracing for `cfg`, or returns undefined (tracing off) without loading the SDK. */
export async function startTracing(cfg: TracingConfig | undefined): Promise<Tracing | undefined> {
  if (cfg === undefined) return undefined;
  const { otelTracing } = await import("./otel.ts");
  return otelTracing(cfg);
}
