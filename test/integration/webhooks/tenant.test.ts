// Tenant webhooks through the real API server: realm name defaulted from metadata.name, unique
// across Tenants, never the reserved master realm.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runCase, startHarness } from "./harness.ts";
import type { Harness, RuleCase } from "./harness.ts";
import { tenant } from "./fixtures.ts";

let h: Harness;
let taken: string;

describe("Tenant admission webhooks", () => {
  before(async () => {
    h = await startHarness();
    taken = `realm-${h.runId}`;
    const res = await h.create(tenant(`owner-${h.runId}`, { realm: { name: taken } }));
    assert.ok(res.ok, res.ok ? "" : res.message);
  });
  after(() => h.close());

  const cases = (): RuleCase[] => [
    {
      name: "unique realm name is admitted",
      object: tenant(`fresh-${h.runId}`, { realm: { name: `fresh-${h.runId}` } }),
    },
    { name: "Tenant without identity owns no realm", object: tenant(`plain-${h.runId}`) },
    {
      name: "realm name defaults from metadata.name (dots become dashes)",
      object: tenant(`dotted.${h.runId}`, {}),
      check: (stored) => {
        assert.equal(
          (stored["spec"] as { identity: { realm: { name: string } } }).identity.realm.name,
          `dotted-${h.runId}`,
        );
      },
    },
    {
      name: "realm name used by another Tenant is denied",
      object: tenant(`thief-${h.runId}`, { realm: { name: taken } }),
      deny: {
        field: "spec.identity.realm.name",
        message: `realm "${taken}" is already used by Tenant "owner-${h.runId}"`,
      },
    },
    {
      name: "defaulted realm name clashing with another Tenant's realm is denied",
      object: tenant(taken, {}),
      deny: { field: "spec.identity.realm.name", message: `realm "${taken}" is already used` },
    },
    {
      name: "reserved master realm is denied",
      object: tenant(`admin-${h.runId}`, { realm: { name: "master" } }),
      deny: { field: "spec.identity.realm.name", message: 'realm "master" is reserved' },
    },
  ];

  it("answers every case as documented", async (t) => {
    for (const c of cases()) await t.test(c.name, () => runCase(h, c));
  });
});
