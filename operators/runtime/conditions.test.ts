// Tests of condition helpers: lastTransitionTime changes only when status flips; reason validation.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Condition } from "./conditions.ts";
import {
  findCondition,
  formatTime,
  isFalse,
  isTrue,
  isUnknown,
  isValidReason,
  removeCondition,
  sameCondition,
  setCondition,
} from "./conditions.ts";

const T0 = new Date("2026-11-27T10:00:00.000Z");
const T1 = new Date("2026-11-27T11:30:00.789Z");
const ready = (
  status: Condition["status"],
  reason = "Available",
  extra: Partial<Condition> = {},
): Condition => ({
  type: "Ready",
  status,
  reason,
  message: `ready ${status}`,
  lastTransitionTime: formatTime(T0),
  ...extra,
});

void describe("setCondition", () => {
  const cases: {
    name: string;
    before: Condition[] | undefined;
    set: Omit<Condition, "lastTransitionTime">;
    wantTransition: string;
    wantTypes: string[];
  }[] = [
    {
      name: "adds a new condition with lastTransitionTime = now",
      before: undefined,
      set: { type: "Ready", status: "Unknown", reason: "Reconciling", message: "" },
      wantTransition: "2026-11-27T11:30:00Z",
      wantTypes: ["Ready"],
    },
    {
      name: "keeps lastTransitionTime when only reason/message change",
      before: [ready("True")],
      set: { type: "Ready", status: "True", reason: "StillAvailable", message: "changed" },
      wantTransition: "2026-11-27T10:00:00Z",
      wantTypes: ["Ready"],
    },
    {
      name: "moves lastTransitionTime when status flips",
      before: [ready("True")],
      set: { type: "Ready", status: "False", reason: "Unavailable", message: "down" },
      wantTransition: "2026-11-27T11:30:00Z",
      wantTypes: ["Ready"],
    },
    {
      name: "Unknown → True is a transition",
      before: [ready("Unknown")],
      set: { type: "Ready", status: "True", reason: "Available", message: "" },
      wantTransition: "2026-11-27T11:30:00Z",
      wantTypes: ["Ready"],
    },
    {
      name: "sorts by type and leaves other conditions alone",
      before: [
        ready("True"),
        {
          type: "Degraded",
          status: "False",
          reason: "AsExpected",
          message: "",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
      set: { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "" },
      wantTransition: "2026-11-27T11:30:00Z",
      wantTypes: ["Available", "Degraded", "Ready"],
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      const snapshot = structuredClone(c.before);
      const out = setCondition(c.before, c.set, T1);
      assert.deepEqual(
        out.map((x) => x.type),
        c.wantTypes,
      );
      const got = findCondition(out, c.set.type);
      assert.ok(got);
      assert.equal(got.lastTransitionTime, c.wantTransition);
      assert.equal(got.status, c.set.status);
      assert.equal(got.reason, c.set.reason);
      assert.equal(got.message, c.set.message);
      assert.deepEqual(c.before, snapshot, "input must not be mutated");
    });
  }

  void it("sets observedGeneration when given and drops a stale one when not", () => {
    const a = setCondition(
      undefined,
      { type: "Ready", status: "True", reason: "R", message: "", observedGeneration: 3 },
      T0,
    );
    assert.equal(a[0]?.observedGeneration, 3);
    const b = setCondition(
      a,
      { type: "Ready", status: "True", reason: "R", message: "", observedGeneration: 4 },
      T1,
    );
    assert.equal(b[0]?.observedGeneration, 4);
    assert.equal(b[0].lastTransitionTime, "2026-11-27T10:00:00Z");
    const c = setCondition(b, { type: "Ready", status: "True", reason: "R", message: "" }, T1);
    assert.equal("observedGeneration" in (c[0] ?? {}), false);
  });

  void it("is idempotent: applying the same condition twice yields equal lists", () => {
    const set = { type: "Ready", status: "True", reason: "Available", message: "ok" } as const;
    const once = setCondition(undefined, set, T0);
    assert.deepEqual(setCondition(once, set, T1), once);
  });

  void it("returns new objects (no aliasing with the input)", () => {
    const before = [ready("True"), ready("True", "X", { type: "Other" })];
    const out = setCondition(
      before,
      { type: "Ready", status: "True", reason: "Y", message: "" },
      T1,
    );
    assert.notEqual(
      out.find((c) => c.type === "Other"),
      before[1],
    );
  });
});

void describe("condition predicates", () => {
  const conds = [ready("True"), ready("False", "Down", { type: "Degraded" })];
  const cases: [
    string,
    (c: Condition[] | undefined, t: string) => boolean,
    string,
    Condition[] | undefined,
    boolean,
  ][] = [
    ["isTrue on True", isTrue, "Ready", conds, true],
    ["isTrue on False", isTrue, "Degraded", conds, false],
    ["isTrue on missing", isTrue, "Nope", conds, false],
    ["isFalse on False", isFalse, "Degraded", conds, true],
    ["isFalse on missing", isFalse, "Nope", undefined, false],
    ["isUnknown on missing", isUnknown, "Nope", conds, true],
    ["isUnknown on True", isUnknown, "Ready", conds, false],
  ];
  for (const [name, fn, type, list, want] of cases)
    void it(name, () => {
      assert.equal(fn(list, type), want);
    });

  void it("removeCondition drops only that type", () => {
    assert.deepEqual(
      removeCondition(conds, "Ready").map((c) => c.type),
      ["Degraded"],
    );
  });
});

void describe("isValidReason", () => {
  const cases: [string, boolean][] = [
    ["Available", true],
    ["Minimum_Replicas:Available", true],
    ["A", true],
    ["", false],
    ["1Bad", false],
    ["Has Space", false],
    ["TrailingColon:", false],
    ["x".repeat(1025), false],
  ];
  for (const [reason, want] of cases)
    void it(`${JSON.stringify(reason.slice(0, 20))} → ${want}`, () => {
      assert.equal(isValidReason(reason), want);
    });
});

describe("sameCondition", () => {
  const have: Condition = {
    type: "Ready",
    status: "True",
    reason: "Available",
    message: "p99 120 ms",
    observedGeneration: 3,
    lastTransitionTime: "2026-11-27T10:00:00Z",
  };
  const want = { ...have, lastTransitionTime: undefined } as Omit<Condition, "lastTransitionTime">;
  const cases: {
    name: string;
    have: Condition | undefined;
    want: Omit<Condition, "lastTransitionTime">;
    ignoreMessage?: boolean;
    same: boolean;
  }[] = [
    { name: "identical but the time", have, want, same: true },
    { name: "absent", have: undefined, want, same: false },
    { name: "other type", have, want: { ...want, type: "Routed" }, same: false },
    { name: "status flip", have, want: { ...want, status: "False" }, same: false },
    { name: "other reason", have, want: { ...want, reason: "Degraded" }, same: false },
    { name: "new generation", have, want: { ...want, observedGeneration: 4 }, same: false },
    { name: "new message", have, want: { ...want, message: "p99 130 ms" }, same: false },
    {
      name: "new message, ignored",
      have,
      want: { ...want, message: "p99 130 ms" },
      ignoreMessage: true,
      same: true,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.equal(sameCondition(c.have, c.want, c.ignoreMessage), c.same);
    });
});
