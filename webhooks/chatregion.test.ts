// Tests of ChatRegion admission: failover references.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateChatRegion } from "./chatregion.ts";
import { FakeLookup } from "./testing/fake-lookup.ts";
import { DEFAULT_POLICY } from "./types.ts";
import { CHATREGION_KIND } from "../crds/chatregion/v1alpha1/kind.ts";

const lookup = new FakeLookup()
  .add(CHATREGION_KIND, {
    metadata: { name: "eu-west", namespace: "a" },
    spec: { residency: { dataRegion: "eu" } },
  })
  .add(CHATREGION_KIND, {
    metadata: { name: "us-east", namespace: "a" },
    spec: { residency: { dataRegion: "us" } },
  })
  .add(CHATREGION_KIND, {
    metadata: { name: "eu-b", namespace: "b" },
    spec: { residency: { dataRegion: "eu" } },
  });

async function validate(spec: Record<string, unknown>): Promise<string[]> {
  const object = { metadata: { name: "eu-central", namespace: "a" }, spec };
  const v = await validateChatRegion({
    operation: "CREATE",
    object,
    oldObject: null,
    namespace: "a",
    lookup,
    policy: DEFAULT_POLICY,
    signal: AbortSignal.timeout(1000),
  });
  return v.map((x) => `${x.warning === true ? "warning: " : ""}${x.field}: ${x.message}`);
}

describe("ChatRegion validation", () => {
  const cases: { name: string; spec: Record<string, unknown>; want: string[] }[] = [
    { name: "no failover", spec: { residency: { dataRegion: "eu" } }, want: [] },
    {
      name: "same data region",
      spec: { residency: { dataRegion: "eu" }, failover: { fallbackRegions: ["eu-west"] } },
      want: [],
    },
    {
      name: "cross-region allowed",
      spec: {
        residency: { dataRegion: "eu", allowCrossRegionFailover: true },
        failover: { fallbackRegions: ["us-east"] },
      },
      want: [],
    },
    {
      name: "cross-region not allowed",
      spec: {
        residency: { dataRegion: "eu" },
        failover: { fallbackRegions: ["eu-west", "us-east"] },
      },
      want: [
        'spec.failover.fallbackRegions[1]: ChatRegion "us-east" keeps data in "us", not "eu"; set spec.residency.allowCrossRegionFailover to allow it',
      ],
    },
    {
      name: "missing region (yet): a warning, not a denial",
      spec: { residency: { dataRegion: "eu" }, failover: { fallbackRegions: ["nope"] } },
      want: [
        'warning: spec.failover.fallbackRegions[0]: ChatRegion "nope" not found in namespace "a" (yet); admitted, its residency is checked once it exists',
      ],
    },
    {
      name: "region in another namespace",
      spec: { residency: { dataRegion: "eu" }, failover: { fallbackRegions: ["eu-b"] } },
      want: [
        'warning: spec.failover.fallbackRegions[0]: ChatRegion "eu-b" not found in namespace "a" (yet); admitted, its residency is checked once it exists',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      assert.deepEqual(await validate(c.spec), c.want);
    });
  }

  it("on update checks only added fallbacks while residency is unchanged", async () => {
    const old = {
      metadata: { name: "eu-central", namespace: "a" },
      spec: { residency: { dataRegion: "eu" }, failover: { fallbackRegions: ["deleted"] } },
    };
    const next = {
      metadata: { name: "eu-central", namespace: "a" },
      spec: {
        residency: { dataRegion: "eu" },
        failover: { fallbackRegions: ["deleted", "eu-west"] },
        image: "x",
      },
    };
    const input = {
      operation: "UPDATE" as const,
      object: next,
      oldObject: old,
      namespace: "a",
      lookup,
      policy: DEFAULT_POLICY,
      signal: AbortSignal.timeout(1000),
    };
    assert.deepEqual(await validateChatRegion(input), []);
    const moved = { ...next, spec: { ...next.spec, residency: { dataRegion: "us" } } };
    assert.equal((await validateChatRegion({ ...input, object: moved })).length, 2);
  });
});
