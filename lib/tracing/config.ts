/**
 * Tracing configuration from the environment (pure): ONE variable turns tracing on,
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (the standard OpenTelemetry name, an OTLP/HTTP base URL such as
 * http://otel-collector:4318; spans go to its `/v1/traces`). Unset or empty: tracing is off and
 * nothing of the SDK is loaded. `OTEL_SERVICE_NAME` overrides the gateway's service name, and
 * `OTEL_SDK_DISABLED=true` turns tracing off even with an endpoint (both standard as well).
 */
import type { TracingConfig } from "./types.ts";

/** Thrown for an endpoint that is not an http(s) URL (the gateway then refuses to start). */
export class TracingConfigError extends Error {
  readonly code = "TRACING_ERR_BAD_ENDPOINT";
}

function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TracingConfigError(`OTEL_EXPORTER_OTLP_ENDPOINT is not a URL: ${endpoint}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new TracingConfigError(`OTEL_EXPORTER_OTLP_ENDPOINT must be http(s): ${endpoint}`);
  return url;
}

/** The tracing config, or undefined when tracing is off. */
export function tracingConfig(
  env: Record<string, string | undefined>,
  defaultServiceName: string,
): TracingConfig | undefined {
  const endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"]?.trim() ?? "";
  if (endpoint === "") return undefined;
  if (env["OTEL_SDK_DISABLED"]?.trim().toLowerCase() === "true") return undefined;
  const url = parseEndpoint(endpoint);
  // The spec: the base endpoint gets the signal path appended (after exactly one slash).
  const base = url.href.replace(/\/+$/, "");
  const name = env["OTEL_SERVICE_NAME"]?.trim() ?? "";
  return { tracesUrl: `${base}/v1/traces`, serviceName: name === "" ? defaultServiceName : name };
}
