import { test } from "node:test";
import assert from "node:assert/strict";
import { validateRoutingConfig } from "../../../workloads/inference-gateway/src/config/schema.ts";
import {
  assistant,
  bigInput,
  external,
  input,
  OPTIONS,
  tenant,
  vllm,
} from "./fixtures.test-helpers.ts";
import { costBudgetOf, renderRouting, shiftDecimal } from "./routing.ts";
import type { Problem, RenderInput, RenderResult } from "./routing.ts";

const HASH = "b".repeat(64);

interface Case {
  name: string;
  input: RenderInput;
  check: (r: RenderResult) => void;
}

const problem = (r: RenderResult, key: string): Problem | undefined =>
  r.problems.find((p) => p.key === key);

const cases: Case[] = [
  {
    name: "self-hosted model: Service DNS and port, health check, itself at priority 0",
    input: input({
      aimodels: [
        vllm("llama", {
          engine: { image: "x", port: 9000 },
          healthCheck: {
            path: "/ready",
            intervalSeconds: 5,
            timeoutSeconds: 2,
            failureThreshold: 3,
          },
        }),
      ],
    }),
    check: (r) => {
      assert.deepEqual(r.config.backends, [
        {
          name: "team/llama",
          provider: "openai",
          baseURL: "http://llama.team.svc.cluster.local:9000/v1",
          healthCheck: { path: "/ready", intervalSeconds: 5, timeoutSeconds: 2 },
        },
      ]);
      assert.deepEqual(r.config.models, [
        { name: "llama", routes: [{ backend: "team/llama", upstreamModel: "llama", priority: 0 }] },
      ]);
      assert.deepEqual(r.problems, []);
    },
  },
  {
    name: "external models: provider URLs, providerModel, apiVersion, key as a mounted file",
    input: input({
      aimodels: [
        external("gpt", {
          external: { providerModel: "gpt-4o-mini", credentialsSecretRef: { name: "s", key: "k" } },
        }),
        external("azure", {
          provider: "azure",
          external: {
            baseURL: "https://acme.openai.azure.com/openai/deployments/x/",
            apiVersion: "2024-10-21",
            credentialsSecretRef: { name: "s", key: "k" },
          },
        }),
        external("claude", { provider: "anthropic" }),
      ],
      credentials: new Set(["team/gpt", "team/azure", "team/claude"]),
    }),
    check: (r) => {
      const b = new Map(r.config.backends.map((x) => [x.name, x]));
      assert.deepEqual(b.get("team/gpt"), {
        name: "team/gpt",
        provider: "openai",
        baseURL: "https://api.openai.com/v1",
        apiKey: { file: "/var/run/inference-gateway/credentials/team.gpt" },
      });
      assert.equal(b.get("team/azure")?.provider, "azure-openai");
      assert.equal(
        b.get("team/azure")?.baseURL,
        "https://acme.openai.azure.com/openai/deployments/x",
      );
      assert.equal(b.get("team/azure")?.apiVersion, "2024-10-21");
      assert.equal(b.get("team/claude")?.baseURL, "https://api.anthropic.com");
      assert.equal(
        r.config.models.find((m) => m.name === "gpt")?.routes[0]?.upstreamModel,
        "gpt-4o-mini",
      );
      assert.ok(
        !JSON.stringify(r.config).includes("api-key"),
        "no credential value or key name in the config",
      );
    },
  },
  {
    name: "external model without its credentials is not routed and says why",
    input: input({ aimodels: [external("gpt")] }),
    check: (r) => {
      assert.deepEqual(r.config.backends, []);
      assert.equal(problem(r, "team/gpt")?.reason, "CredentialsMissing");
      assert.equal(problem(r, "team/gpt")?.blocking, true);
    },
  },
  {
    name: "two AIModels claim one modelName: the older keeps it, the newer gets a problem",
    input: input({
      aimodels: [
        vllm("b", { modelName: "llama" }, "team", "2026-02-01T00:00:00Z"),
        vllm("a", { modelName: "llama" }, "other", "2026-01-01T00:00:00Z"),
      ],
    }),
    check: (r) => {
      assert.deepEqual(
        r.config.models.map((m) => m.routes[0]?.backend),
        ["other/a"],
      );
      assert.equal(problem(r, "team/b")?.reason, "ModelNameConflict");
      assert.match(problem(r, "team/b")?.message ?? "", /already served by AIModel other\/a/);
    },
  },
  {
    name: "fallbacks become higher priorities in order; a missing one is reported, the rest routed",
    input: input({
      aimodels: [
        vllm("main", {
          fallbacks: [
            { modelRef: "gone", triggers: ["ServerError"] },
            { modelRef: "second", triggers: ["Timeout"] },
            { modelRef: "third", triggers: ["ServerError"] },
          ],
        }),
        vllm("second"),
        external("third", {
          external: { providerModel: "gpt-4o", credentialsSecretRef: { name: "s", key: "k" } },
        }),
      ],
      credentials: new Set(["team/third"]),
    }),
    check: (r) => {
      assert.deepEqual(r.config.models.find((m) => m.name === "main")?.routes, [
        { backend: "team/main", upstreamModel: "main", priority: 0 },
        { backend: "team/second", upstreamModel: "second", priority: 1 },
        { backend: "team/third", upstreamModel: "gpt-4o", priority: 2 },
      ]);
      assert.equal(problem(r, "team/main")?.reason, "FallbackNotFound");
      assert.equal(problem(r, "team/main")?.blocking, false);
    },
  },
  {
    name: "costPerToken becomes exact cost per million tokens; maxTokens a clamp; embeddings typed",
    input: input({
      aimodels: [
        vllm("llama", {
          costPerToken: { input: "0.0000002", output: "0.0000006", currency: "USD" },
          maxTokens: 8192,
        }),
        vllm("embed", { features: ["TextEmbedding"] }),
      ],
    }),
    check: (r) => {
      assert.deepEqual(r.config.backends.find((b) => b.name === "team/llama")?.cost, {
        inputPerMillion: 0.2,
        outputPerMillion: 0.6,
      });
      assert.equal(r.config.models.find((m) => m.name === "llama")?.maxTokens, 8192);
      assert.equal(r.config.models.find((m) => m.name === "embed")?.type, "embedding");
    },
  },
  {
    name: "tenant: allowed models that exist, limits, key hash, realm issuer and client audiences",
    input: input({
      aimodels: [vllm("llama")],
      tenants: [
        tenant("acme", {
          models: {
            allowed: ["llama", "later"],
            rateLimits: { requestsPerMinute: 60, tokensPerMinute: 1000, maxParallel: 3 },
          },
          identity: {
            keycloak: {
              credentialsSecretRef: { name: "x", namespace: "y", key: "z" },
              clientId: "op",
            },
            realm: { name: "acme" },
            clients: [{ clientId: "web" }],
          },
        }),
      ],
      tenantKeys: new Map([["acme", HASH]]),
    }),
    check: (r) => {
      const t = r.config.tenants[0];
      assert.deepEqual(t?.models, ["llama"]);
      assert.deepEqual(t?.apiKeys, [{ id: "generated", sha256: HASH }]);
      assert.deepEqual(t?.oidc, [
        { issuer: "http://keycloak.example/realms/acme", audience: ["web"] },
      ]);
      assert.equal(t?.limits?.rpm, 60);
      assert.equal(t?.limits?.tpm, 1000);
      assert.equal(problem(r, "acme")?.reason, "ModelsNotFound");
      assert.match(problem(r, "acme")?.message ?? "", /later/);
    },
  },
  {
    name: "assistant: versions with inline and referenced prompts, numeric parameters, tools, stickiness",
    input: input({
      aimodels: [vllm("llama")],
      assistants: [
        assistant("helper", {
          versions: [
            {
              name: "v1",
              modelRef: "llama",
              instructions: "Be kind.",
              parameters: { temperature: "0.7", topP: "0.9", maxTokens: 100 },
              tools: [{ name: "web", type: "WebSearch" }],
            },
            { name: "v2", modelRef: "llama", promptRef: { name: "prompts", key: "v2" } },
          ],
          variants: [
            { version: "v1", weight: 90 },
            { version: "v2", weight: 10 },
          ],
          stickiness: "User",
        }),
      ],
      prompts: new Map([["team/prompts", { v2: "From a ConfigMap." }]]),
      tenants: [tenant("acme", { models: { allowed: ["helper"] } })],
    }),
    check: (r) => {
      assert.deepEqual(r.config.assistants, [
        {
          name: "helper",
          versions: [
            {
              name: "v1",
              model: "llama",
              instructions: "Be kind.",
              parameters: { temperature: 0.7, topP: 0.9, maxTokens: 100 },
              tools: [{ name: "web", type: "WebSearch" }],
            },
            { name: "v2", model: "llama", instructions: "From a ConfigMap." },
          ],
          variants: [
            { version: "v1", weight: 90 },
            { version: "v2", weight: 10 },
          ],
          stickiness: "user",
        },
      ]);
      assert.deepEqual(r.config.tenants[0]?.models, ["helper"]);
    },
  },
  {
    name: "rolled-back assistant routes status.activeVariants, not spec.variants",
    input: input({
      aimodels: [vllm("llama")],
      assistants: [
        {
          ...assistant("helper", {
            versions: [
              { name: "v1", modelRef: "llama", instructions: "a" },
              { name: "v2", modelRef: "llama", instructions: "b" },
            ],
            variants: [
              { version: "v1", weight: 50 },
              { version: "v2", weight: 50 },
            ],
          }),
          status: {
            activeVariants: [{ version: "v1", weight: 100 }],
            conditions: [
              {
                type: "RolledBack",
                status: "True",
                reason: "AutomaticRollback",
                message: "",
                lastTransitionTime: "2026-01-01T00:00:00Z",
              },
            ],
          },
        },
      ],
    }),
    check: (r) => {
      assert.deepEqual(r.config.assistants?.[0]?.variants, [{ version: "v1", weight: 100 }]);
    },
  },
  {
    name: "assistant on a missing model: problem; the last good configuration keeps serving",
    input: input({
      aimodels: [vllm("llama")],
      assistants: [
        assistant("helper", { versions: [{ name: "v1", modelRef: "nope", instructions: "a" }] }),
      ],
      previous: {
        apiVersion: "gateway.librechat.io/v1alpha1",
        kind: "InferenceGatewayConfig",
        backends: [],
        models: [],
        tenants: [],
        assistants: [
          {
            name: "helper",
            versions: [{ name: "v0", model: "llama" }],
            variants: [{ version: "v0", weight: 1 }],
          },
        ],
      },
    }),
    check: (r) => {
      assert.deepEqual(r.config.assistants?.[0]?.versions, [{ name: "v0", model: "llama" }]);
      assert.equal(problem(r, "team/helper")?.reason, "ModelNotFound");
      assert.match(
        problem(r, "team/helper")?.message ?? "",
        /last good configuration keeps serving/,
      );
    },
  },
  {
    name: "assistant whose name is a model name, or a missing prompt, is not routed",
    input: input({
      aimodels: [vllm("llama")],
      assistants: [
        assistant("llama"),
        assistant("p", {
          versions: [{ name: "v1", modelRef: "llama", promptRef: { name: "cm", key: "k" } }],
        }),
      ],
    }),
    check: (r) => {
      assert.equal(r.config.assistants, undefined);
      assert.equal(problem(r, "team/llama")?.reason, "NameConflict");
      assert.equal(problem(r, "team/p")?.reason, "PromptNotFound");
    },
  },
  {
    name: "active faults: unexpired ones on routed backends only; malformed entries dropped",
    input: input({
      aimodels: [vllm("llama")],
      activeFaults: [
        {
          backend: "team/llama",
          errorRate: 0.5,
          errorStatus: 503,
          expiresAt: "2026-06-01T00:05:00Z",
        },
        { backend: "team/gone", errorRate: 1, expiresAt: "2026-06-01T00:05:00Z" },
        { backend: "team/llama", errorRate: 1, expiresAt: "2026-05-31T00:00:00Z" },
        { backend: "team/llama", errorRate: 1 },
        "garbage",
        null,
      ],
    }),
    check: (r) => {
      assert.deepEqual(r.config.faults, [
        {
          backend: "team/llama",
          expiresAt: "2026-06-01T00:05:00Z",
          errorRate: 0.5,
          errorStatus: 503,
        },
      ]);
    },
  },
  {
    name: "money budget: Tenant budget → costBudget, costPerToken → price per million tokens",
    input: input({
      aimodels: [
        vllm("llama", {
          costPerToken: { input: "0.0000002", output: "0.0000006", currency: "USD" },
        }),
      ],
      tenants: [
        tenant("acme", {
          models: {
            allowed: ["llama"],
            budget: { amount: "0.05", currency: "USD", period: "Daily" },
          },
        }),
      ],
    }),
    check: (r) => {
      assert.deepEqual(r.config.backends[0]?.cost, { inputPerMillion: 0.2, outputPerMillion: 0.6 });
      assert.deepEqual(r.config.tenants[0]?.limits?.costBudget, {
        microUnits: 50_000,
        currency: "USD",
        periodSeconds: 86_400,
      });
      assert.deepEqual(r.problems, []);
    },
  },
  {
    name: "money in another currency: the later Tenant and the model priced in it are not routed",
    input: input({
      aimodels: [
        vllm("llama", { costPerToken: { input: "0.1", output: "0.1", currency: "USD" } }),
        vllm("mistral", { costPerToken: { input: "0.1", output: "0.1", currency: "EUR" } }),
        vllm("free"),
      ],
      tenants: [
        tenant("a-usd", {
          models: { allowed: ["llama"], budget: { amount: "1", currency: "USD" } },
        }),
        tenant("b-eur", {
          models: { allowed: ["llama"], budget: { amount: "1", currency: "EUR" } },
        }),
        tenant("c-none", { models: { allowed: ["mistral", "free"] } }),
      ],
    }),
    check: (r) => {
      assert.deepEqual(
        r.config.backends.map((b) => b.name),
        ["team/free", "team/llama"],
      );
      assert.deepEqual(
        r.config.tenants.map((t) => t.id),
        ["a-usd", "c-none"],
      );
      assert.equal(problem(r, "team/mistral")?.reason, "CurrencyMismatch");
      assert.equal(problem(r, "team/mistral")?.blocking, true);
      assert.match(problem(r, "b-eur")?.message ?? "", /budget is in EUR.*USD/);
    },
  },
];

for (const c of cases) {
  void test(`renderRouting: ${c.name}`, () => {
    const r = renderRouting(c.input, OPTIONS);
    c.check(r);
    // Whatever is rendered passes the gateway's own validator.
    const v = validateRoutingConfig(JSON.parse(JSON.stringify(r.config)) as unknown);
    assert.ok(v.ok, v.ok ? "" : v.errors.join("\n"));
    // Deterministic: the same objects in another order give the same config.
    const reversed = renderRouting(
      {
        ...c.input,
        aimodels: [...c.input.aimodels].reverse(),
        tenants: [...c.input.tenants].reverse(),
        assistants: [...c.input.assistants].reverse(),
      },
      OPTIONS,
    );
    assert.deepEqual(reversed.config, r.config);
  });
}

void test("shiftDecimal moves the decimal point exactly", () => {
  const table: [string, number, number][] = [
    ["0.0000002", 6, 0.2],
    ["0.0000006", 6, 0.6],
    ["500.00", 6, 500_000_000],
    ["12", 6, 12_000_000],
    ["0.0000000015", 6, 0.0015],
    ["3.5", 0, 3.5],
  ];
  for (const [d, s, want] of table) assert.equal(shiftDecimal(d, s), want, d);
});

void test("costBudgetOf: amount in micro-units of the currency per period", () => {
  assert.equal(costBudgetOf(tenant("a")), undefined);
  assert.deepEqual(
    costBudgetOf(
      tenant("a", { models: { budget: { amount: "0.05", currency: "EUR", period: "Daily" } } }),
    ),
    { microUnits: 50_000, currency: "EUR", periodSeconds: 86_400 },
  );
  assert.deepEqual(
    costBudgetOf(
      tenant("a", { models: { budget: { amount: "500.00", currency: "USD", period: "Monthly" } } }),
    ),
    { microUnits: 500_000_000, currency: "USD", periodSeconds: 2_592_000 },
  );
});

void test("a config with 1,000 AIModels, 100 Assistants and 200 Tenants validates (size in the ConfigMap test)", () => {
  const r = renderRouting(bigInput(), OPTIONS);
  const v = validateRoutingConfig(r.config);
  assert.ok(v.ok);
  assert.equal(r.config.models.length, 1000);
  assert.equal(r.config.assistants?.length, 100);
});
