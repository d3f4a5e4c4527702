// Invalid AIModels are rejected by the real API server (CRD schema and CEL) with a message that
// names the field; nothing reaches the controller.
import { test } from "node:test";
import assert from "node:assert/strict";
import { external, perFile, selfHosted } from "./fixtures.ts";

const { client, ctx } = perFile("aim-val");

async function rejection(obj: Record<string, unknown>): Promise<string> {
  try {
    await client.apply(obj, { fieldManager: "integration-test" });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  assert.fail("the API server accepted an invalid AIModel");
}

const withSpec = (
  base: Record<string, unknown>,
  spec: Record<string, unknown>,
): Record<string, unknown> => ({
  ...base,
  spec: { ...(base["spec"] as Record<string, unknown>), ...spec },
});

const cases: { name: string; obj: () => Record<string, unknown>; field: RegExp }[] = [
  {
    name: "maxReplicas below minReplicas",
    obj: () => withSpec(selfHosted(ctx.ns, "a"), { minReplicas: 3, maxReplicas: 2, replicas: 2 }),
    field: /spec\.minReplicas.*minReplicas must be less than or equal to maxReplicas/s,
  },
  {
    name: "unknown provider",
    obj: () => withSpec(selfHosted(ctx.ns, "b"), { provider: "llamafarm" }),
    field: /spec\.provider.*Unsupported value: "llamafarm"/s,
  },
  {
    name: "self-hosted without engine",
    obj: () => ({ ...selfHosted(ctx.ns, "c"), spec: { provider: "vllm", modelName: "x" } }),
    field: /spec\.engine.*engine is required/s,
  },
  {
    name: "external without credentials",
    obj: () => ({
      ...external(ctx.ns, "d", "s"),
      spec: { provider: "openai", modelName: "x", external: {} },
    }),
    field: /spec\.external\.credentialsSecretRef.*Required value/s,
  },
];

for (const c of cases) {
  test(`rejects: ${c.name}`, async () => {
    assert.match(await rejection(c.obj()), c.field);
  });
}
