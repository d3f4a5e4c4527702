import { test } from "node:test";
import assert from "node:assert/strict";
import { desiredNamespace } from "./namespace.ts";
import { tenant } from "../fixtures.test-helpers.ts";

const cases = [
  {
    name: "declared namespace keeps its labels and gets the tenant label",
    ns: "acme-chat",
    wantLabels: { team: "support", "librechat.io/tenant": "acme" },
  },
  {
    name: "namespace without labels gets the tenant label",
    ns: "acme-models",
    wantLabels: { "librechat.io/tenant": "acme" },
  },
  { name: "undeclared namespace is not wanted", ns: "acme-other", wantLabels: undefined },
];

for (const c of cases) {
  test(`desiredNamespace: ${c.name}`, () => {
    const n = desiredNamespace(tenant(), c.ns);
    if (c.wantLabels === undefined) {
      assert.equal(n, undefined);
      return;
    }
    assert.equal(n?.metadata?.name, c.ns);
    for (const [k, v] of Object.entries(c.wantLabels)) assert.equal(n?.metadata?.labels?.[k], v);
    assert.deepEqual(n?.metadata?.ownerReferences, [
      {
        apiVersion: "librechat.io/v1alpha1",
        kind: "Tenant",
        name: "acme",
        uid: "uid-t",
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });
}

test("desiredNamespace: the tenant label cannot be overridden by declared labels", () => {
  const t = tenant({
    namespaces: {
      maxCount: 1,
      prefix: "Enforced",
      items: [{ name: "acme-x", labels: { "librechat.io/tenant": "evil" } }],
    },
  });
  assert.equal(desiredNamespace(t, "acme-x")?.metadata?.labels?.["librechat.io/tenant"], "acme");
});
