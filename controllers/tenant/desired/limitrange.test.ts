import { test } from "node:test";
import assert from "node:assert/strict";
import { desiredLimitRange } from "./limitrange.ts";
import { tenant } from "../fixtures.test-helpers.ts";

const cases = [
  { name: "no limitRange", limitRange: undefined, want: undefined },
  { name: "all parts empty", limitRange: { default: {} }, want: undefined },
  {
    name: "defaults and requests",
    limitRange: { default: { memory: "1Gi", cpu: "1" }, defaultRequest: { cpu: "100m" } },
    want: {
      type: "Container",
      default: { cpu: "1", memory: "1Gi" },
      defaultRequest: { cpu: "100m" },
    },
  },
  {
    name: "max only",
    limitRange: { max: { cpu: "4" } },
    want: { type: "Container", max: { cpu: "4" } },
  },
];

for (const c of cases) {
  test(`desiredLimitRange: ${c.name}`, () => {
    const lr = desiredLimitRange(
      tenant(c.limitRange === undefined ? {} : { quota: { limitRange: c.limitRange } }),
      "acme-chat",
    );
    if (c.want === undefined) {
      assert.equal(lr, undefined);
      return;
    }
    assert.deepEqual(JSON.parse(JSON.stringify(lr?.spec?.limits)), [c.want]);
    assert.ok(!JSON.stringify(lr).includes("_default"), "wire name is default, not _default");
  });
}
