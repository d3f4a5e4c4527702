// ChatRegion webhook through the real API server: failover stays inside the data region unless
// allowCrossRegionFailover, and only to existing ChatRegions of the namespace.
import { after, before, describe, it } from "node:test";
import { runCase, startHarness } from "./harness.ts";
import type { Harness, RuleCase } from "./harness.ts";
import { makeWorld } from "./world.ts";
import type { World } from "./world.ts";
import { chatRegion } from "./fixtures.ts";

let h: Harness;
let w: World;

describe("ChatRegion admission webhook", () => {
  before(async () => {
    h = await startHarness();
    w = await makeWorld(h);
  });
  after(() => h.close());

  const cases = (): RuleCase[] => [
    {
      name: "failover inside the data region is admitted",
      object: chatRegion("eu-central", w.acmeA, "eu", {
        failover: { fallbackRegions: ["eu-west"] },
      }),
    },
    {
      name: "cross-region failover is admitted when allowed",
      object: chatRegion("eu-north", w.acmeA, "eu", {
        residency: { dataRegion: "eu", allowCrossRegionFailover: true },
        failover: { fallbackRegions: ["us-east"] },
      }),
    },
    {
      name: "cross-region failover is denied by default",
      object: chatRegion("eu-south", w.acmeA, "eu", {
        failover: { fallbackRegions: ["eu-west", "us-east"] },
      }),
      deny: { field: "spec.failover.fallbackRegions[1]", message: 'keeps data in "us", not "eu"' },
    },
    {
      name: "failover to a ChatRegion not applied yet is admitted with a warning (GitOps order)",
      object: chatRegion("eu-east", w.acmeA, "eu", { failover: { fallbackRegions: ["nowhere"] } }),
      warn: `spec.failover.fallbackRegions[0]: ChatRegion "nowhere" not found in namespace "${w.acmeA}" (yet)`,
    },
  ];

  it("answers every case as documented", async (t) => {
    for (const c of cases()) await t.test(c.name, () => runCase(h, c));
  });
});
