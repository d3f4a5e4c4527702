import { test } from "node:test";
import assert from "node:assert/strict";
import { desiredResourceQuota } from "./resourcequota.ts";
import { tenant } from "../fixtures.test-helpers.ts";

const cases = [
  { name: "no quota section", quota: undefined, want: undefined },
  { name: "empty hard list", quota: { perNamespace: { hard: {} } }, want: undefined },
  {
    name: "hard limits sorted",
    quota: { perNamespace: { hard: { pods: "50", "requests.cpu": "16" } } },
    want: { pods: "50", "requests.cpu": "16" },
  },
];

for (const c of cases) {
  test(`desiredResourceQuota: ${c.name}`, () => {
    const q = desiredResourceQuota(
      tenant(c.quota === undefined ? {} : { quota: c.quota }),
      "acme-chat",
    );
    if (c.want === undefined) {
      assert.equal(q, undefined);
      return;
    }
    assert.equal(q?.metadata?.namespace, "acme-chat");
    assert.equal(q?.metadata?.name, "tenant-quota");
    assert.deepEqual(q?.spec?.hard, c.want);
    assert.deepEqual(Object.keys(q?.spec?.hard ?? {}), Object.keys(c.want).sort());
  });
}
