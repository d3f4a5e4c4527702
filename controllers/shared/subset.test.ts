// Table test of drift detection: which differences between desired and live objects count as drift.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isSubset } from "./subset.ts";

const cases: { name: string; desired: unknown; actual: unknown; want: boolean }[] = [
  { name: "equal scalars", desired: 1, actual: 1, want: true },
  { name: "different scalars", desired: 1, actual: 2, want: false },
  { name: "number vs numeric string", desired: 8, actual: "8", want: true },
  { name: "extra server fields ignored", desired: { a: 1 }, actual: { a: 1, b: 2 }, want: true },
  { name: "missing field is drift", desired: { a: 1, c: 3 }, actual: { a: 1 }, want: false },
  {
    name: "nested change is drift",
    desired: { s: { r: 2 } },
    actual: { s: { r: 3 } },
    want: false,
  },
  { name: "array same", desired: [{ n: "x" }], actual: [{ n: "x", d: 1 }], want: true },
  { name: "array longer on server is drift", desired: [1], actual: [1, 2], want: false },
  { name: "array element differs", desired: ["a", "b"], actual: ["a", "c"], want: false },
  { name: "object vs array", desired: { a: 1 }, actual: [1], want: false },
  { name: "undefined desired field ignored", desired: { a: undefined }, actual: {}, want: true },
  { name: "null actual", desired: { a: 1 }, actual: null, want: false },
];

for (const c of cases) {
  test(`isSubset: ${c.name}`, () => {
    assert.equal(isSubset(c.desired, c.actual), c.want);
  });
}
