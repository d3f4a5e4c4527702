/**
 * Entry point of the TEST UPSTREAM (not a model): deterministic OpenAI-compatible and Anthropic
 * Messages endpoints for tests, benchmarks and the demo.
 *
 *   node workloads/inference-gateway/test-upstream/server.ts --port 9000 --latency-ms 20 --tps 50
 *
 * Env equivalents: TEST_UPSTREAM_PORT, TEST_UPSTREAM_LATENCY_MS, TEST_UPSTREAM_TPS,
 * TEST_UPSTREAM_ERROR_RATE, TEST_UPSTREAM_ERROR_STATUS, TEST_UPSTREAM_EMBEDDING_DIM,
 * TEST_UPSTREAM_MAX_TOKENS, TEST_UPSTREAM_MODELS (comma list), TEST_UPSTREAM_NAME,
 * TEST_UPSTREAM_OVERRUN_FACTOR (answer that many times the tokens asked for; budget tests),
 * TEST_UPSTREAM_ECHO=1 (--echo: the reply is `echo:` + the JSON of the messages received, e.g.
 * to see a system prompt).
 */
import { parseArgs } from "node:util";
import { startTestUpstream } from "./upstream.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    "latency-ms": { type: "string" },
    tps: { type: "string" },
    "error-rate": { type: "string" },
    "error-status": { type: "string" },
    "embedding-dim": { type: "string" },
    "max-tokens": { type: "string" },
    "overrun-factor": { type: "string" },
    models: { type: "string" },
    name: { type: "string" },
    echo: { type: "boolean" },
  },
});
const env = process.env;
const num = (v: string | undefined, d: number): number =>
  v === undefined || v === "" ? d : Number(v);

const up = await startTestUpstream(
  {
    name: values.name ?? env["TEST_UPSTREAM_NAME"] ?? "test-upstream",
    echo: values.echo === true || env["TEST_UPSTREAM_ECHO"] === "1",
    latencyMs: num(values["latency-ms"] ?? env["TEST_UPSTREAM_LATENCY_MS"], 0),
    tokensPerSecond: num(values.tps ?? env["TEST_UPSTREAM_TPS"], 0),
    errorRate: num(values["error-rate"] ?? env["TEST_UPSTREAM_ERROR_RATE"], 0),
    errorStatus: num(values["error-status"] ?? env["TEST_UPSTREAM_ERROR_STATUS"], 500),
    embeddingDim: num(values["embedding-dim"] ?? env["TEST_UPSTREAM_EMBEDDING_DIM"], 8),
    defaultMaxTokens: num(values["max-tokens"] ?? env["TEST_UPSTREAM_MAX_TOKENS"], 16),
    overrunFactor: num(values["overrun-factor"] ?? env["TEST_UPSTREAM_OVERRUN_FACTOR"], 1),
    models: (values.models ?? env["TEST_UPSTREAM_MODELS"] ?? "test-model").split(","),
  },
  num(values.port ?? env["TEST_UPSTREAM_PORT"], 0),
);
console.log(
  JSON.stringify({
    level: "info",
    msg: "Started TEST UPSTREAM (deterministic fake model server, not a real model)",
    url: up.url,
    options: up.options,
  }),
);
const stop = (): void => {
  void up.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
