// Table tests of the tracing switch: which environments turn tracing on, and the URL it exports to.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TracingConfigError, tracingConfig } from "./config.ts";

test("tracingConfig: one variable turns tracing on", () => {
  const cases: [string, Record<string, string | undefined>, unknown][] = [
    ["unset", {}, undefined],
    ["empty", { OTEL_EXPORTER_OTLP_ENDPOINT: "" }, undefined],
    ["blank", { OTEL_EXPORTER_OTLP_ENDPOINT: "  " }, undefined],
    [
      "base URL",
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" },
      { tracesUrl: "http://127.0.0.1:4318/v1/traces", serviceName: "gw" },
    ],
    [
      "trailing slash and a path prefix",
      { OTEL_EXPORTER_OTLP_ENDPOINT: "https://otel.example:4318/otlp/" },
      { tracesUrl: "https://otel.example:4318/otlp/v1/traces", serviceName: "gw" },
    ],
    [
      "service name override",
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SERVICE_NAME: "igw-eu" },
      { tracesUrl: "http://c:4318/v1/traces", serviceName: "igw-eu" },
    ],
    [
      "SDK disabled",
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "TRUE" },
      undefined,
    ],
    [
      "SDK not disabled",
      { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "false" },
      { tracesUrl: "http://c:4318/v1/traces", serviceName: "gw" },
    ],
  ];
  for (const [name, env, want] of cases) assert.deepEqual(tracingConfig(env, "gw"), want, name);
});

test("tracingConfig: an endpoint that is not an http(s) URL is refused with a code", () => {
  for (const bad of ["not a url", "grpc://c:4317", "file:///tmp/x"]) {
    assert.throws(
      () => tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: bad }, "gw"),
      (err: unknown) =>
        err instanceof TracingConfigError && err.code === "TRACING_ERR_BAD_ENDPOINT",
      bad,
    );
  }
});
