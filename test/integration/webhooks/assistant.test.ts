// Assistant webhooks through the real API server: modelRef must name an AIModel in the Assistant's
// namespace; variants default to the latest version; weights must sum to 100 (CEL first, webhook too).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCase, startHarness } from "./harness.ts";
import type { Harness, RuleCase } from "./harness.ts";
import { makeWorld } from "./world.ts";
import type { World } from "./world.ts";
import { aimodel, assistant } from "./fixtures.ts";

let h: Harness;
let w: World;

describe("Assistant admission webhooks", () => {
  before(async () => {
    h = await startHarness();
    w = await makeWorld(h);
  });
  after(() => h.close());

  const cases = (): RuleCase[] => [
    {
      name: "modelRef to an AIModel in the same namespace is admitted",
      object: assistant("ok", w.acmeA, { variants: [{ version: "v1", weight: 100 }] }),
    },
    {
      name: "missing variants default to the latest version at weight 100",
      object: assistant("defaulted", w.acmeA, {
        versions: [
          { name: "v1", modelRef: "llama", instructions: "a" },
          { name: "v2", modelRef: "gpt", instructions: "b" },
        ],
      }),
      check: (stored) => {
        assert.deepEqual((stored["spec"] as { variants: unknown }).variants, [
          { version: "v2", weight: 100 },
        ]);
      },
    },
    {
      name: "A/B split summing to 100 is admitted",
      object: assistant("ab", w.acmeA, {
        versions: [
          { name: "v1", modelRef: "llama", instructions: "a" },
          { name: "v2", modelRef: "gpt", instructions: "b" },
        ],
        variants: [
          { version: "v1", weight: 90 },
          { version: "v2", weight: 10 },
        ],
      }),
    },
    {
      name: "modelRef to an AIModel not applied yet is admitted with a warning (GitOps order)",
      object: assistant("missing", w.acmeA, {
        versions: [{ name: "v1", modelRef: "nope", instructions: "a" }],
      }),
      warn: `spec.versions[0].modelRef: AIModel "nope" not found in namespace "${w.acmeA}" (yet)`,
    },
    {
      name: "modelRef never resolves to an AIModel of another namespace (warning names its own)",
      object: assistant("elsewhere", w.orphan, {
        versions: [{ name: "v1", modelRef: "llama", instructions: "a" }],
      }),
      warn: `AIModel "llama" not found in namespace "${w.orphan}"`,
    },
    {
      name: "weights summing to 90 are denied",
      object: assistant("weights", w.acmeA, {
        versions: [
          { name: "v1", modelRef: "llama", instructions: "a" },
          { name: "v2", modelRef: "llama", instructions: "b" },
        ],
        variants: [
          { version: "v1", weight: 50 },
          { version: "v2", weight: 40 },
        ],
      }),
      deny: { field: "spec.variants", message: "must sum to 100" },
    },
  ];

  it("answers every case as documented", async (t) => {
    for (const c of cases()) await t.test(c.name, () => runCase(h, c));
  });

  it("never blocks finalizer removal, even when the referenced AIModel is gone", async () => {
    const ns = w.acmeB;
    const base = `/apis/librechat.io/v1alpha1/namespaces/${ns}`;
    const model = await h.create(aimodel("temp", ns));
    assert.ok(model.ok);
    const created = await h.create({
      ...assistant("finalized", ns, {
        versions: [{ name: "v1", modelRef: "temp", instructions: "a" }],
      }),
      metadata: { name: "finalized", namespace: ns, finalizers: ["librechat.io/test"] },
    });
    assert.ok(created.ok, created.ok ? "" : created.message);
    await h.http.request({ method: "DELETE", path: `${base}/aimodels/temp` });
    await h.http.request({ method: "DELETE", path: `${base}/assistants/finalized` });
    // The object is now terminating; removing the finalizer (an UPDATE) must pass.
    await h.http.request({
      method: "PATCH",
      path: `${base}/assistants/finalized`,
      contentType: "application/json-patch+json",
      body: [{ op: "remove", path: "/metadata/finalizers" }],
    });
    const gone = await h.http.request({ method: "GET", path: `${base}/assistants/finalized` }).then(
      () => false,
      () => true,
    );
    assert.ok(gone);
  });
});
