// Tests of the routing file: the schema and cross-checks, parsing (JSON fast path, YAML), and the
// runtime snapshot built from it (defaults, indexes, credential files).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ROUTING_CONFIG_API_VERSION,
  ROUTING_CONFIG_KIND,
  validateRoutingConfig,
} from "./schema.ts";
import { loadRuntimeConfig, parseConfigText } from "./runtime.ts";

const hash = "a".repeat(64);
const valid = () => ({
  apiVersion: ROUTING_CONFIG_API_VERSION,
  kind: ROUTING_CONFIG_KIND,
  backends: [{ name: "vllm", provider: "openai", baseURL: "http://llama.ns.svc:8000/v1" }],
  models: [{ name: "llama", aliases: ["default"], routes: [{ backend: "vllm" }] }],
  tenants: [{ id: "acme", apiKeys: [{ sha256: hash }], models: ["llama"] }],
});

const cases: {
  name: string;
  mutate: (c: ReturnType<typeof valid> & Record<string, unknown>) => void;
  want: RegExp | null;
}[] = [
  { name: "valid config", mutate: () => undefined, want: null },
  { name: "wrong apiVersion", mutate: (c) => (c.apiVersion = "v0"), want: /^\/apiVersion: / },
  {
    name: "unknown top-level field",
    mutate: (c) => (c["extra"] = 1),
    want: /^\/extra: Unexpected property/,
  },
  {
    name: "bad provider",
    mutate: (c) => ((c.backends[0] as Record<string, unknown>)["provider"] = "bedrock"),
    want: /^\/backends\/0\/provider/,
  },
  {
    name: "baseURL not http",
    mutate: (c) => (c.backends[0]!.baseURL = "ftp://x"),
    want: /^\/backends\/0\/baseURL/,
  },
  {
    name: "route to unknown backend",
    mutate: (c) => (c.models[0]!.routes[0]!.backend = "nope"),
    want: /\/models\/0\/routes\/0\/backend: unknown backend "nope"/,
  },
  {
    name: "alias collides with a name",
    mutate: (c) => c.models.push({ name: "default", routes: [{ backend: "vllm" }] } as never),
    want: /"default" is used more than once/,
  },
  {
    name: "duplicate backend",
    mutate: (c) => c.backends.push({ ...c.backends[0]! }),
    want: /duplicate backend name "vllm"/,
  },
  {
    name: "api key not a sha256",
    mutate: (c) => (c.tenants[0]!.apiKeys[0]!.sha256 = "sk-plaintext"),
    want: /^\/tenants\/0\/apiKeys\/0\/sha256/,
  },
  {
    name: "same key hash in two tenants",
    mutate: (c) => c.tenants.push({ id: "other", apiKeys: [{ sha256: hash }], models: ["*"] }),
    want: /belongs to more than one key/,
  },
  {
    name: "tenant allows unknown model",
    mutate: (c) => c.tenants[0]!.models.push("gpt-9"),
    want: /\/tenants\/0\/models\/1: unknown model "gpt-9"/,
  },
  {
    name: "tenant id not DNS-like",
    mutate: (c) => (c.tenants[0]!.id = "Acme Corp"),
    want: /^\/tenants\/0\/id/,
  },
  {
    name: "fault on unknown backend",
    mutate: (c) => (c["faults"] = [{ backend: "x", errorRate: 0.5 }]),
    want: /\/faults\/0\/backend: unknown backend/,
  },
  {
    name: "fault rate above 1",
    mutate: (c) => (c["faults"] = [{ backend: "vllm", errorRate: 2 }]),
    want: /^\/faults\/0\/errorRate/,
  },
  {
    name: "fault expiry not RFC 3339",
    mutate: (c) => (c["faults"] = [{ backend: "vllm", expiresAt: "tomorrow" }]),
    want: /expiresAt: not an RFC 3339/,
  },
  {
    name: "all weights zero",
    mutate: (c) => (c.models[0]!.routes[0] = { backend: "vllm", weight: 0 } as never),
    want: /all weights are 0/,
  },
  {
    name: "negative budget",
    mutate: (c) =>
      ((c.tenants[0] as Record<string, unknown>)["limits"] = { tokenBudget: { tokens: -1 } }),
    want: /^\/tenants\/0\/limits\/tokenBudget\/tokens/,
  },
  {
    name: "cost budget",
    mutate: (c) =>
      ((c.tenants[0] as Record<string, unknown>)["limits"] = {
        costBudget: { microUnits: 5_000_000, currency: "EUR", periodSeconds: 86_400 },
      }),
    want: null,
  },
  {
    name: "cost budget currency not ISO 4217",
    mutate: (c) =>
      ((c.tenants[0] as Record<string, unknown>)["limits"] = {
        costBudget: { microUnits: 1, currency: "usd" },
      }),
    want: /^\/tenants\/0\/limits\/costBudget\/currency/,
  },
  {
    name: "cost budget period under a minute",
    mutate: (c) =>
      ((c.tenants[0] as Record<string, unknown>)["limits"] = {
        costBudget: { microUnits: 1, currency: "USD", periodSeconds: 10 },
      }),
    want: /^\/tenants\/0\/limits\/costBudget\/periodSeconds/,
  },
  {
    name: "cost budgets in two currencies",
    mutate: (c) => {
      c.tenants.push({ id: "b", models: ["llama"] } as never);
      (c.tenants[0] as Record<string, unknown>)["limits"] = {
        costBudget: { microUnits: 1, currency: "USD" },
      };
      (c.tenants[1] as Record<string, unknown>)["limits"] = {
        costBudget: { microUnits: 1, currency: "EUR" },
      };
    },
    want: /^\/tenants\/1\/limits\/costBudget\/currency: "EUR" differs/,
  },
  {
    name: "assistant routed to a model, allowed for a tenant",
    mutate: (c) => {
      c["assistants"] = [assistant()];
      c.tenants[0]!.models.push("helper");
    },
    want: null,
  },
  {
    name: "assistant version on unknown model",
    mutate: (c) =>
      (c["assistants"] = [{ ...assistant(), versions: [{ name: "v1", model: "gpt-9" }] }]),
    want: /\/assistants\/0\/versions\/0\/model: unknown model "gpt-9"/,
  },
  {
    name: "assistant name collides with a model alias",
    mutate: (c) => (c["assistants"] = [{ ...assistant(), name: "default" }]),
    want: /\/assistants\/0\/name: "default" is also a model name or alias/,
  },
  {
    name: "assistant variant names unknown version",
    mutate: (c) =>
      (c["assistants"] = [{ ...assistant(), variants: [{ version: "v9", weight: 1 }] }]),
    want: /\/assistants\/0\/variants\/0\/version: unknown version "v9"/,
  },
  {
    name: "assistant with all weights zero",
    mutate: (c) =>
      (c["assistants"] = [{ ...assistant(), variants: [{ version: "v1", weight: 0 }] }]),
    want: /\/assistants\/0\/variants: all weights are 0/,
  },
  {
    name: "duplicate assistant",
    mutate: (c) => (c["assistants"] = [assistant(), assistant()]),
    want: /duplicate assistant name "helper"/,
  },
];

function assistant() {
  return {
    name: "helper",
    versions: [{ name: "v1", model: "llama", instructions: "Help." }],
    variants: [{ version: "v1", weight: 100 }],
  };
}

for (const tc of cases) {
  void test(`validateRoutingConfig: ${tc.name}`, () => {
    const c = valid() as ReturnType<typeof valid> & Record<string, unknown>;
    tc.mutate(c);
    const r = validateRoutingConfig(c);
    if (tc.want === null) {
      assert.ok(r.ok, JSON.stringify(r));
      return;
    }
    assert.ok(!r.ok, "expected invalid");
    assert.ok(
      r.errors.some((e) => tc.want!.test(e)),
      r.errors.join("\n"),
    );
  });
}

void test("loadRuntimeConfig applies defaults and indexes aliases, keys and issuers (YAML)", async () => {
  const yaml = `
apiVersion: ${ROUTING_CONFIG_API_VERSION}
kind: ${ROUTING_CONFIG_KIND}
backends:
  - {name: vllm, provider: openai, baseURL: "http://x:8000/v1/", apiKey: {env: IGW_UNIT_KEY}}
models:
  - {name: llama, aliases: [default], routes: [{backend: vllm}]}
tenants:
  - {id: acme, apiKeys: [{sha256: "${hash}"}], oidc: [{issuer: "https://kc/realms/acme", audience: librechat}], models: ["*"]}
`;
  const cfg = await loadRuntimeConfig(yaml, "fp", { IGW_UNIT_KEY: " secret " });
  const b = cfg.backends.get("vllm")!;
  assert.equal(b.baseURL, "http://x:8000/v1");
  assert.equal(b.apiKey, "secret");
  assert.equal(b.policy.maxAttempts, 2);
  assert.equal(cfg.modelIndex.get("default")?.name, "llama");
  assert.deepEqual(cfg.models.get("llama")?.routes, [
    { backend: "vllm", upstreamModel: "llama", weight: 1, priority: 0 },
  ]);
  assert.equal(cfg.tenantByKeyHash.get(hash)?.id, "acme");
  assert.equal(cfg.tenantsByIssuer.get("https://kc/realms/acme")?.[0]?.id, "acme");
  await assert.rejects(() => loadRuntimeConfig(yaml, "fp", {}), /IGW_UNIT_KEY is empty/);
  await assert.rejects(() => loadRuntimeConfig("backends: [", "fp", {}), /not valid YAML or JSON/);
});

test("parseConfigText: JSON takes the fast path, anything else the YAML parser", () => {
  const cases: { name: string; text: string; want: unknown }[] = [
    {
      name: "compact JSON",
      text: '{"a":[1,"x"],"b":{"c":null}}',
      want: { a: [1, "x"], b: { c: null } },
    },
    { name: "JSON after whitespace", text: ' \n {"a":1}\n', want: { a: 1 } },
    { name: "YAML flow mapping (not JSON)", text: "{a: 1, b: [x]}", want: { a: 1, b: ["x"] } },
    { name: "block YAML", text: "a: 1\nb:\n  - x\n", want: { a: 1, b: ["x"] } },
    // JSON keeps the last duplicate; YAML (block) refuses it: the documented difference.
    { name: "JSON with a duplicate key", text: '{"a":1,"a":2}', want: { a: 2 } },
  ];
  for (const c of cases) assert.deepEqual(parseConfigText(c.text), c.want, c.name);
  assert.throws(() => parseConfigText("{a: [1,"), /./, "broken flow mapping still errors");
  assert.throws(() => parseConfigText("a: 1\na: 2\n"), /unique/i, "YAML duplicate keys refused");
});

test("validateRoutingConfig reports schema errors found after the compiled check fails", () => {
  const c = valid() as Record<string, unknown>;
  c["backends"] = [{ name: "vllm", provider: "openai" }];
  const r = validateRoutingConfig(c);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.errors.some((e) => e.startsWith("/backends/0")), JSON.stringify(r));
});

test("loadRuntimeConfig reads many credential files at once, in config order, first error first", async () => {
  const dir = await mkdtemp(join(tmpdir(), "igw-creds-"));
  try {
    const names = Array.from({ length: 40 }, (_, i) => `b${String(i).padStart(2, "0")}`);
    await Promise.all(names.map((n) => writeFile(join(dir, n), ` key-${n}\n`)));
    const config = (missing: readonly string[]) => {
      const c = valid();
      c.backends = names.map((n) => ({
        name: n,
        provider: "openai" as const,
        baseURL: `http://${n}.ns.svc:8000/v1`,
        apiKey: { file: join(dir, missing.includes(n) ? `${n}-absent` : n) },
      }));
      c.models = [
        { name: "llama", aliases: ["default"], routes: names.map((backend) => ({ backend })) },
      ];
      return JSON.stringify(c);
    };
    const cfg = await loadRuntimeConfig(config([]), "fp", {});
    assert.deepEqual([...cfg.backends.keys()], names, "backends keep the config's order");
    assert.deepEqual(
      names.map((n) => cfg.backends.get(n)?.apiKey),
      names.map((n) => `key-${n}`),
      "each backend gets its own file's key",
    );
    await assert.rejects(
      () => loadRuntimeConfig(config(["b29", "b05"]), "fp", {}),
      /\/backends\/b05\/apiKey: ENOENT/,
      "the first failing backend in config order is reported",
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
