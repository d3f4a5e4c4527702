// Table tests of the gateway's env contract: defaults, flags over env, and errors that name the
// variable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInferenceGatewayEnv } from "./env.ts";

const BASE = { GATEWAY_CONFIG: "/etc/igw/routing.json", REDIS_URL: "redis://redis:6379" };

void test("defaults: only GATEWAY_CONFIG and REDIS_URL are required", () => {
  const r = parseInferenceGatewayEnv(BASE);
  assert.ok(r.ok);
  assert.deepEqual(r.config, {
    configPath: "/etc/igw/routing.json",
    redisUrl: "redis://redis:6379",
    host: "127.0.0.1",
    port: 8080,
    bodyLimit: 4 * 1024 * 1024,
    configPollMs: 2_000,
    drainTimeoutMs: 30_000,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 72_000,
    maxConnections: 10_000,
    upstreamStallMs: 60_000,
    redisCommandTimeoutMs: 2_000,
    reservationTtlMs: 30_000,
    imageTokens: 4_096,
    maxChoices: 16,
    jwksMaxAgeMs: 600_000,
    jwksMaxStaleMs: 86_400_000,
    logLevel: "info",
  });
});

void test("values are read, empty ones take the default, flags win over env", () => {
  const r = parseInferenceGatewayEnv(
    {
      ...BASE,
      GATEWAY_PORT: "9000",
      GATEWAY_HOST: "",
      GATEWAY_MAX_CHOICES: "4",
      LOG_LEVEL: "warn",
    },
    { port: "9100", host: "0.0.0.0", config: undefined },
  );
  assert.ok(r.ok);
  assert.equal(r.config.port, 9100);
  assert.equal(r.config.host, "0.0.0.0");
  assert.equal(r.config.maxChoices, 4);
  assert.equal(r.config.logLevel, "warn");
  assert.equal(r.config.configPath, BASE.GATEWAY_CONFIG);
});

const bad: { name: string; env: Record<string, string>; errors: RegExp[] }[] = [
  {
    name: "missing required",
    env: {},
    errors: [/^GATEWAY_CONFIG: .*required/, /^REDIS_URL: .*required/],
  },
  {
    name: "not a number",
    env: { ...BASE, GATEWAY_PORT: "eighty", GATEWAY_DRAIN_TIMEOUT_MS: "-1" },
    errors: [/^GATEWAY_PORT: must be a non-negative integer/, /^GATEWAY_DRAIN_TIMEOUT_MS: /],
  },
  {
    name: "out of range",
    env: { ...BASE, GATEWAY_PORT: "70000", GATEWAY_MAX_CHOICES: "0" },
    errors: [/^GATEWAY_PORT: must be an integer from 0 to 65535/, /^GATEWAY_MAX_CHOICES: /],
  },
  { name: "not a redis URL", env: { ...BASE, REDIS_URL: "http://x" }, errors: [/^REDIS_URL: /] },
  { name: "unknown log level", env: { ...BASE, LOG_LEVEL: "loud" }, errors: [/^LOG_LEVEL: /] },
  {
    name: "headers timeout above the request timeout",
    env: { ...BASE, GATEWAY_HEADERS_TIMEOUT_MS: "40000" },
    errors: [/^GATEWAY_HEADERS_TIMEOUT_MS: must not exceed GATEWAY_REQUEST_TIMEOUT_MS/],
  },
];
for (const tc of bad) {
  void test(`errors name the variable: ${tc.name}`, () => {
    const r = parseInferenceGatewayEnv(tc.env);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.errors.length, tc.errors.length, r.errors.join("\n"));
    for (const re of tc.errors)
      assert.ok(
        r.errors.some((e) => re.test(e)),
        `${re} in ${r.errors.join(" | ")}`,
      );
  });
}

void test("variables of other programs are ignored", () => {
  assert.ok(parseInferenceGatewayEnv({ ...BASE, PATH: "/bin", HOME: "/root" }).ok);
});
