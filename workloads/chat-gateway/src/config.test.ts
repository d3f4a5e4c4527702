/**
 * Table tests of the env contract: defaults, every variable named in errors, the database rules
 * (no default password), and that what a controller renders parses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Value } from "@sinclair/typebox/value";
import { ChatGatewayEnvSchema, loadConfig, parseChatGatewayEnv } from "./config.ts";

const BASE = {
  DATABASE_URL: "postgres://admin:s3cret@db:5432/chat",
  CHAT_APP_DB_PASSWORD: "app-pw",
  REDIS_URL: "redis://r:6379",
};

void test("defaults: the documented values", () => {
  const r = parseChatGatewayEnv(BASE);
  assert.ok(r.ok);
  assert.equal(r.config.port, 8090);
  assert.equal(r.config.host, "127.0.0.1");
  assert.equal(r.config.maxFrameBytes, 65536);
  assert.equal(r.config.maxConnections, 20000);
  assert.equal(r.config.pgStatementTimeoutMs, 5000);
  assert.equal(r.config.redisCommandTimeoutMs, 1000);
  assert.equal(r.config.regionsFile, undefined);
  assert.deepEqual(r.config.issuers, []);
  assert.match(r.config.replicaId, /^cg-[0-9a-f]{8}$/);
});

void test("existing variable names keep their meaning", () => {
  const r = parseChatGatewayEnv({
    ...BASE,
    CHAT_HOST: "0.0.0.0",
    CHAT_PORT: "9000",
    CHAT_REPLICA_ID: "pod-1",
    INFERENCE_URL: "http://inf:8080",
    INFERENCE_API_KEY: "k",
    CHAT_DRAIN_TIMEOUT_MS: "25000",
    CHAT_OIDC_ISSUERS: JSON.stringify([
      { issuer: "https://kc/realms/acme/", tenant: "acme", audience: "chat-gateway" },
    ]),
    CHAT_REGIONS_FILE: "/etc/chat-regions/regions.json",
  });
  assert.ok(r.ok);
  assert.equal(r.config.host, "0.0.0.0");
  assert.equal(r.config.port, 9000);
  assert.equal(r.config.replicaId, "pod-1");
  assert.equal(r.config.inferenceUrl, "http://inf:8080");
  assert.equal(r.config.drainTimeoutMs, 25000);
  assert.deepEqual(r.config.issuers, [
    { issuer: "https://kc/realms/acme", tenant: "acme", audience: "chat-gateway" },
  ]);
  assert.equal(r.config.regionsFile, "/etc/chat-regions/regions.json");
});

const BAD: [string, Record<string, string | undefined>, string[]][] = [
  ["not a number", { ...BASE, CHAT_PORT: "80a" }, ["CHAT_PORT"]],
  ["negative", { ...BASE, CHAT_MAX_CONNECTIONS: "-1" }, ["CHAT_MAX_CONNECTIONS"]],
  ["below minimum", { ...BASE, CHAT_MAX_FRAME_BYTES: "10" }, ["CHAT_MAX_FRAME_BYTES"]],
  ["no Redis", { DATABASE_URL: BASE.DATABASE_URL, CHAT_APP_DB_PASSWORD: "x" }, ["REDIS_URL"]],
  ["no database", { REDIS_URL: BASE.REDIS_URL }, ["DATABASE_URL"]],
  [
    "derived app URL without password",
    { DATABASE_URL: BASE.DATABASE_URL, REDIS_URL: BASE.REDIS_URL },
    ["CHAT_APP_DB_PASSWORD"],
  ],
  ["bad URL scheme", { ...BASE, REDIS_URL: "http://r" }, ["REDIS_URL"]],
  ["issuers not JSON", { ...BASE, CHAT_OIDC_ISSUERS: "[" }, ["CHAT_OIDC_ISSUERS"]],
  [
    "issuer without tenant",
    { ...BASE, CHAT_OIDC_ISSUERS: '[{"issuer":"https://kc","audience":"a"}]' },
    ["CHAT_OIDC_ISSUERS"],
  ],
  ["log level", { ...BASE, LOG_LEVEL: "loud" }, ["LOG_LEVEL"]],
  [
    "several at once",
    { ...BASE, CHAT_PORT: "x", CHAT_HEARTBEAT_MS: "y" },
    ["CHAT_PORT", "CHAT_HEARTBEAT_MS"],
  ],
];

for (const [name, env, vars] of BAD) {
  void test(`invalid env is reported by variable: ${name}`, () => {
    const r = parseChatGatewayEnv(env);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(
      r.errors.map((e) => e.variable).sort(),
      [...vars].sort(),
      JSON.stringify(r.errors),
    );
  });
}

void test("an app URL alone is enough (migrations run as a separate step)", () => {
  const r = parseChatGatewayEnv({
    CHAT_APP_DATABASE_URL: "postgres://chat_gateway_app:pw@db/chat",
    REDIS_URL: BASE.REDIS_URL,
  });
  assert.ok(r.ok);
  assert.equal(r.config.databaseUrl, undefined);
  assert.equal(r.config.appDbPassword, undefined);
});

void test("errors never echo a value (URLs may hold passwords)", () => {
  const r = parseChatGatewayEnv({ ...BASE, DATABASE_URL: "postgres://u:hunter2@ bad" });
  assert.equal(r.ok, false);
  assert.doesNotMatch(JSON.stringify(r), /hunter2/);
  assert.throws(
    () => loadConfig({ ...BASE, DATABASE_URL: "mysql://u:hunter2@db/x" }),
    (e: Error) => e.message.includes("DATABASE_URL") && !e.message.includes("hunter2"),
  );
});

void test("the schema itself accepts a rendered env and rejects a malformed integer", () => {
  assert.ok(
    Value.Check(ChatGatewayEnvSchema, {
      ...BASE,
      CHAT_PORT: "8090",
      CHAT_REGIONS_FILE: "/x/regions.json",
    }),
  );
  assert.ok(!Value.Check(ChatGatewayEnvSchema, { ...BASE, CHAT_PORT: "8090.5" }));
});

void test("web client settings (CHAT_WEB_*): off by default, realm from the issuers, errors named", () => {
  const issuers = JSON.stringify([
    { issuer: "http://kc/realms/acme/", tenant: "acme", audience: "chat" },
  ]);
  const cases: [string, Record<string, string>, unknown][] = [
    ["unset: no web client", {}, undefined],
    [
      "defaults: first issuer, client chat-web, the page's origin, the default model",
      { CHAT_WEB_DIR: "/web", CHAT_OIDC_ISSUERS: issuers },
      {
        dir: "/web",
        issuer: "http://kc/realms/acme",
        clientId: "chat-web",
        endpoints: [],
        models: ["test-model"],
        defaultModel: "test-model",
      },
    ],
    [
      "explicit realm, client, endpoints and models (first model is the default)",
      {
        CHAT_WEB_DIR: "/web",
        CHAT_WEB_OIDC_ISSUER: "https://sso/realms/b/",
        CHAT_WEB_OIDC_CLIENT_ID: "web",
        CHAT_WEB_ENDPOINTS: "https://a/, https://b",
        CHAT_WEB_MODELS: "m1, m2",
      },
      {
        dir: "/web",
        issuer: "https://sso/realms/b",
        clientId: "web",
        endpoints: ["https://a", "https://b"],
        models: ["m1", "m2"],
        defaultModel: "m1",
      },
    ],
  ];
  for (const [name, env, want] of cases) {
    const r = parseChatGatewayEnv({ ...BASE, ...env });
    assert.ok(r.ok, name);
    assert.deepEqual(r.config.web, want, name);
  }
  const r = parseChatGatewayEnv({ ...BASE, CHAT_WEB_DIR: "/web" });
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.ok ? [] : r.errors.map((e) => e.variable),
    ["CHAT_WEB_DIR"],
    "a web client without a realm is refused",
  );
});
