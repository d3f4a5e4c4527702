import { test } from "node:test";
import assert from "node:assert/strict";
import { desiredNetworkPolicies, isTenantPolicyName } from "./networkpolicies.ts";
import { tenant } from "../fixtures.test-helpers.ts";
import type { TenantNetwork } from "../../../crds/tenant/v1alpha1/index.ts";

const cases: { name: string; network: TenantNetwork | undefined; want: string[] }[] = [
  {
    name: "default isolation without allowFrom",
    network: undefined,
    want: ["tenant-allow-same-tenant", "tenant-default-deny"],
  },
  { name: "isolation None writes nothing", network: { isolation: "None" }, want: [] },
  {
    name: "allowFrom adds one policy per component, sorted",
    network: { isolation: "DenyAllExceptSameTenant", allowFrom: ["monitoring", "ingress"] },
    want: [
      "tenant-allow-ingress",
      "tenant-allow-monitoring",
      "tenant-allow-same-tenant",
      "tenant-default-deny",
    ],
  },
];

for (const c of cases) {
  test(`desiredNetworkPolicies: ${c.name}`, () => {
    const ps = desiredNetworkPolicies(
      tenant(c.network === undefined ? {} : { network: c.network }),
      "acme-chat",
    );
    assert.deepEqual(
      ps.map((p) => p.metadata?.name),
      c.want,
    );
    for (const p of ps) assert.ok(isTenantPolicyName(p.metadata?.name ?? ""));
  });
}

test("desiredNetworkPolicies: the rules say what is allowed", () => {
  const ps = desiredNetworkPolicies(
    tenant({ network: { isolation: "DenyAllExceptSameTenant", allowFrom: ["ingress"] } }),
    "acme-chat",
  );
  const byName: Record<string, unknown> = Object.fromEntries(
    ps.map((p): [string, unknown] => [
      p.metadata?.name ?? "",
      JSON.parse(JSON.stringify(p.spec)) as unknown,
    ]),
  );
  assert.deepEqual(byName["tenant-default-deny"], { podSelector: {}, policyTypes: ["Ingress"] });
  assert.deepEqual(byName["tenant-allow-same-tenant"], {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [
      { from: [{ namespaceSelector: { matchLabels: { "librechat.io/tenant": "acme" } } }] },
    ],
  });
  assert.deepEqual(byName["tenant-allow-ingress"], {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [
          { namespaceSelector: { matchLabels: { "librechat.io/platform-component": "ingress" } } },
        ],
      },
    ],
  });
});
