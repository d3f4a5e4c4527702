// Table test of the update predicates: a status-only write does not pass generationChanged, a spec
// change, deletion or finalizer change does; resync passes the same object re-delivered.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  annotationsChanged,
  anyOf,
  conditionChanged,
  generationChanged,
  labelsChanged,
  resync,
} from "./predicates.ts";
import type { UpdatePredicate } from "./predicates.ts";
import type { KubernetesObject } from "./types.ts";

const base: KubernetesObject = {
  metadata: {
    name: "m",
    generation: 1,
    resourceVersion: "10",
    labels: { a: "1" },
    annotations: { k: "v" },
  },
};
const withMeta = (m: Partial<NonNullable<KubernetesObject["metadata"]>>): KubernetesObject => ({
  metadata: { ...base.metadata, resourceVersion: "11", ...m },
});

const cases: { name: string; pred: UpdatePredicate; next: KubernetesObject; want: boolean }[] = [
  {
    name: "status-only write (new RV, same generation)",
    pred: generationChanged,
    next: withMeta({}),
    want: false,
  },
  {
    name: "spec change bumps generation",
    pred: generationChanged,
    next: withMeta({ generation: 2 }),
    want: true,
  },
  {
    name: "deletion started",
    pred: generationChanged,
    next: withMeta({ deletionTimestamp: "2026-01-01T00:00:00Z" }),
    want: true,
  },
  {
    name: "finalizer added",
    pred: generationChanged,
    next: withMeta({ finalizers: ["x"] }),
    want: true,
  },
  {
    name: "label change is not a generation change",
    pred: generationChanged,
    next: withMeta({ labels: { a: "2" } }),
    want: false,
  },
  {
    name: "labelsChanged sees a label change",
    pred: labelsChanged,
    next: withMeta({ labels: { a: "2" } }),
    want: true,
  },
  {
    name: "labelsChanged ignores a status write",
    pred: labelsChanged,
    next: withMeta({}),
    want: false,
  },
  {
    name: "annotationsChanged sees an added annotation",
    pred: annotationsChanged,
    next: withMeta({ annotations: { k: "v", kill: "engaged" } }),
    want: true,
  },
  { name: "resync passes the same resourceVersion", pred: resync, next: base, want: true },
  { name: "resync does not pass a real update", pred: resync, next: withMeta({}), want: false },
  {
    name: "anyOf(generationChanged, resync) passes a resync",
    pred: anyOf(generationChanged, resync),
    next: base,
    want: true,
  },
  {
    name: "anyOf(generationChanged, resync) drops a status write",
    pred: anyOf(generationChanged, resync),
    next: withMeta({}),
    want: false,
  },
];
for (const c of cases) {
  test(`predicate: ${c.name}`, () => {
    assert.equal(c.pred(base, c.next), c.want);
  });
}

test("conditionChanged passes only when that condition's status, reason or message moves", () => {
  const withCond = (conds: unknown): KubernetesObject =>
    ({ ...withMeta({}), status: { conditions: conds } }) as KubernetesObject;
  const c = (status: string, reason = "R", message = "m", t = "2026-01-01T00:00:00Z") => ({
    type: "TrafficHealthy",
    status,
    reason,
    message,
    lastTransitionTime: t,
  });
  const other = { type: "Ready", status: "True", reason: "X", message: "" };
  const p = conditionChanged("TrafficHealthy");
  const rows: { name: string; old: unknown; next: unknown; want: boolean }[] = [
    { name: "same condition", old: [c("True")], next: [c("True")], want: false },
    {
      name: "only the timestamp",
      old: [c("True")],
      next: [c("True", "R", "m", "2027")],
      want: false,
    },
    { name: "status flips", old: [c("True")], next: [c("False")], want: true },
    { name: "reason moves", old: [c("False", "A")], next: [c("False", "B")], want: true },
    {
      name: "message moves",
      old: [c("False", "A", "x")],
      next: [c("False", "A", "y")],
      want: true,
    },
    { name: "appears", old: [other], next: [other, c("False")], want: true },
    {
      name: "another condition moves",
      old: [other],
      next: [{ ...other, status: "False" }],
      want: false,
    },
    { name: "no status at all", old: undefined, next: "not a list", want: false },
  ];
  for (const r of rows) assert.equal(p(withCond(r.old), withCond(r.next)), r.want, r.name);
});
