// Tests of Assistant admission: model references, variant weights and defaulting.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defaultAssistant, validateAssistant, validateAssistantStatic } from "./assistant.ts";
import { FakeLookup } from "./testing/fake-lookup.ts";
import { DEFAULT_POLICY } from "./types.ts";
import { AIMODEL_KIND } from "../crds/aimodel/v1alpha1/kind.ts";
import type { KubeObject } from "./review.ts";

function assistant(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Assistant",
    metadata: { name: "helper", namespace: "team-a" },
    spec,
  };
}

const lookup = new FakeLookup()
  .add(AIMODEL_KIND, { metadata: { name: "llama", namespace: "team-a" } })
  .add(AIMODEL_KIND, { metadata: { name: "gpt", namespace: "team-b" } });

async function validate(spec: Record<string, unknown>): Promise<string[]> {
  const v = await validateAssistant({
    operation: "CREATE",
    object: assistant(spec),
    oldObject: null,
    namespace: "team-a",
    lookup,
    policy: DEFAULT_POLICY,
    signal: AbortSignal.timeout(1000),
  });
  return v.map((x) => `${x.warning === true ? "warning: " : ""}${x.field}: ${x.message}`);
}

describe("Assistant validation", () => {
  const cases: { name: string; spec: Record<string, unknown>; want: string[] }[] = [
    {
      name: "one version, default variant",
      spec: {
        versions: [{ name: "v1", modelRef: "llama" }],
        variants: [{ version: "v1", weight: 100 }],
      },
      want: [],
    },
    {
      name: "A/B 90/10",
      spec: {
        versions: [
          { name: "v1", modelRef: "llama" },
          { name: "v2", modelRef: "llama" },
        ],
        variants: [
          { version: "v1", weight: 90 },
          { version: "v2", weight: 10 },
        ],
      },
      want: [],
    },
    {
      name: "no variants (defaulted elsewhere)",
      spec: { versions: [{ name: "v1", modelRef: "llama" }] },
      want: [],
    },
    {
      name: "object-style modelRef in own namespace",
      spec: { versions: [{ name: "v1", modelRef: { name: "llama", namespace: "team-a" } }] },
      want: [],
    },
    {
      name: "weights sum to 90",
      spec: {
        versions: [{ name: "v1", modelRef: "llama" }],
        variants: [
          { version: "v1", weight: 50 },
          { version: "v1", weight: 40 },
        ],
      },
      want: ["spec.variants: weights must sum to 100 (got 90)"],
    },
    {
      name: "weights sum to 110",
      spec: {
        versions: [{ name: "v1", modelRef: "llama" }],
        variants: [{ version: "v1", weight: 110 }],
      },
      want: ["spec.variants: weights must sum to 100 (got 110)"],
    },
    {
      name: "missing AIModel (yet): a warning, not a denial",
      spec: {
        versions: [
          { name: "v1", modelRef: "llama" },
          { name: "v2", modelRef: "nope" },
        ],
      },
      want: [
        'warning: spec.versions[1].modelRef: AIModel "nope" not found in namespace "team-a" (yet); admitted, the Assistant reports the unresolved reference in its status',
      ],
    },
    {
      name: "AIModel only in another namespace",
      spec: { versions: [{ name: "v1", modelRef: "gpt" }] },
      want: [
        'warning: spec.versions[0].modelRef: AIModel "gpt" not found in namespace "team-a" (yet); admitted, the Assistant reports the unresolved reference in its status',
      ],
    },
    {
      name: "cross-namespace modelRef",
      spec: { versions: [{ name: "v1", modelRef: { name: "gpt", namespace: "team-b" } }] },
      want: [
        'spec.versions[0].modelRef.namespace: must be the Assistant\'s namespace "team-a" (got "team-b")',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      assert.deepEqual(await validate(c.spec), c.want);
    });
  }

  it("on update checks only new versions (an old version's model may be gone)", async () => {
    const old = assistant({
      versions: [{ name: "v1", modelRef: "deleted" }],
      variants: [{ version: "v1", weight: 100 }],
    });
    const next = assistant({
      versions: [
        { name: "v1", modelRef: "deleted" },
        { name: "v2", modelRef: "llama" },
      ],
      variants: [{ version: "v2", weight: 100 }],
    });
    const v = await validateAssistant({
      operation: "UPDATE",
      object: next,
      oldObject: old,
      namespace: "team-a",
      lookup,
      policy: DEFAULT_POLICY,
      signal: AbortSignal.timeout(1000),
    });
    assert.deepEqual(v, []);
    const bad = assistant({
      versions: [
        { name: "v1", modelRef: "deleted" },
        { name: "v2", modelRef: "nope" },
      ],
      variants: [{ version: "v2", weight: 100 }],
    });
    const v2 = await validateAssistant({
      operation: "UPDATE",
      object: bad,
      oldObject: old,
      namespace: "team-a",
      lookup,
      policy: DEFAULT_POLICY,
      signal: AbortSignal.timeout(1000),
    });
    assert.deepEqual(
      v2.map((x) => x.field),
      ["spec.versions[1].modelRef"],
    );
  });

  it("looks each distinct model up once", async () => {
    const l = new FakeLookup().add(AIMODEL_KIND, {
      metadata: { name: "llama", namespace: "team-a" },
    });
    const versions = Array.from({ length: 10 }, (_, i) => ({ name: `v${i}`, modelRef: "llama" }));
    await validateAssistant({
      operation: "CREATE",
      object: assistant({ versions }),
      oldObject: null,
      namespace: "team-a",
      lookup: l,
      policy: DEFAULT_POLICY,
      signal: AbortSignal.timeout(1000),
    });
    assert.equal(l.calls, 1);
  });

  it("static rules ignore garbage instead of throwing", () => {
    for (const junk of [
      null,
      1,
      "x",
      [],
      { spec: null },
      { spec: { variants: "x" } },
      { spec: { variants: [null, { weight: "7" }] } },
    ]) {
      assert.deepEqual(validateAssistantStatic(junk), []);
    }
  });
});

describe("Assistant defaulting", () => {
  const cases: { name: string; spec: unknown; want: unknown }[] = [
    {
      name: "no variants → latest version at weight 100",
      spec: {
        versions: [
          { name: "v1", modelRef: "llama" },
          { name: "v2", modelRef: "llama" },
        ],
      },
      want: [{ op: "add", path: "/spec/variants", value: [{ version: "v2", weight: 100 }] }],
    },
    {
      name: "empty variants → default",
      spec: { versions: [{ name: "v1" }], variants: [] },
      want: [{ op: "add", path: "/spec/variants", value: [{ version: "v1", weight: 100 }] }],
    },
    {
      name: "variants set → untouched",
      spec: { versions: [{ name: "v1" }], variants: [{ version: "v1", weight: 100 }] },
      want: [],
    },
    { name: "no versions → nothing", spec: { versions: [] }, want: [] },
    { name: "garbage spec → nothing", spec: "x", want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const object: KubeObject = { metadata: { name: "a" }, spec: c.spec };
      assert.deepEqual(defaultAssistant({ operation: "CREATE", object, oldObject: null }), c.want);
    });
  }
});
