// Table tests of the Assistant verdict: health of the routed versions, the automatic rollback
// (threshold, minimum sample, target), keeping a rollback until the spec changes, the stable
// version, and the write rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Assistant } from "../../crds/assistant/v1alpha1/index.ts";
import type { Condition } from "../../operators/runtime/conditions.ts";
import { assistantShouldWrite, assistantStatus } from "./assistant-verdict.ts";
import type { AssistantObservation } from "./assistant-verdict.ts";

const now = new Date("2026-01-01T00:00:00Z");
const T = { minRequests: 10, windowMs: 60_000 };
const routed: Condition = {
  type: "Routed",
  status: "True",
  reason: "Routed",
  message: "",
  lastTransitionTime: "2026-01-01T00:00:00Z",
};

function assistant(
  rollback: Assistant["spec"]["rollback"],
  status: Assistant["status"] = { conditions: [routed] },
  generation = 2,
): Assistant {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Assistant",
    metadata: { name: "helper", namespace: "team", generation },
    spec: {
      versions: [
        { name: "v1", modelRef: "gpt" },
        { name: "v2", modelRef: "llama" },
      ],
      variants: [
        { version: "v1", weight: 50 },
        { version: "v2", weight: 50 },
      ],
      stickiness: "Conversation",
      revisionHistoryLimit: 5,
      ...(rollback === undefined ? {} : { rollback }),
    },
    ...(status === undefined ? {} : { status }),
  };
}

const seen = (v1: [number, number], v2: [number, number]): AssistantObservation => ({
  processes: 1,
  problem: undefined,
  versions: new Map([
    ["v1", { requests: v1[0], errors: v1[1] }],
    ["v2", { requests: v2[0], errors: v2[1] }],
  ]),
});
const cond = (c: Condition[], type: string) => c.find((x) => x.type === type);
const AUTO = { auto: true, toVersion: "v1", errorRateThreshold: "0.2" };

void test("rollback decisions", () => {
  const rows: {
    name: string;
    a: Assistant;
    o: AssistantObservation;
    routedTo: string[];
    rolledBack: string;
    healthy: string;
    event: boolean;
  }[] = [
    {
      name: "v2 fails past the threshold: all traffic to toVersion",
      a: assistant(AUTO),
      o: seen([40, 0], [40, 20]),
      routedTo: ["v1:100"],
      rolledBack: "True",
      healthy: "True",
      event: true,
    },
    {
      name: "below the minimum sample: no rollback, not judged",
      a: assistant(AUTO),
      o: seen([5, 0], [5, 5]),
      routedTo: ["v1:50", "v2:50"],
      rolledBack: "False",
      healthy: "Unknown",
      event: false,
    },
    {
      name: "at the threshold: not past it",
      a: assistant(AUTO),
      o: seen([40, 0], [40, 8]),
      routedTo: ["v1:50", "v2:50"],
      rolledBack: "False",
      healthy: "True",
      event: false,
    },
    {
      name: "auto off: reported, not rolled back",
      a: assistant({ ...AUTO, auto: false }),
      o: seen([40, 0], [40, 20]),
      routedTo: ["v1:50", "v2:50"],
      rolledBack: "False",
      healthy: "False",
      event: false,
    },
    {
      name: "the target itself fails: nowhere to go",
      a: assistant({ ...AUTO, toVersion: "v2" }),
      o: seen([40, 0], [40, 20]),
      routedTo: ["v1:50", "v2:50"],
      rolledBack: "False",
      healthy: "False",
      event: false,
    },
    {
      name: "no toVersion: the stable version is the target",
      a: assistant(
        { auto: true, errorRateThreshold: "0.2" },
        {
          conditions: [routed],
          stableVersion: "v1",
        },
      ),
      o: seen([40, 0], [40, 20]),
      routedTo: ["v1:100"],
      rolledBack: "True",
      healthy: "True",
      event: true,
    },
    {
      name: "no gateway scraped: unknown, nothing moves",
      a: assistant(AUTO),
      o: { processes: 0, problem: "no ready pod", versions: new Map() },
      routedTo: ["v1:50", "v2:50"],
      rolledBack: "False",
      healthy: "Unknown",
      event: false,
    },
  ];
  for (const r of rows) {
    const d = assistantStatus(r.a, r.o, T, now);
    assert.deepEqual(
      d.status.activeVariants?.map((v) => `${v.version}:${v.weight}`),
      r.routedTo,
      r.name,
    );
    assert.equal(cond(d.status.conditions, "RolledBack")?.status, r.rolledBack, r.name);
    assert.equal(cond(d.status.conditions, "VariantsHealthy")?.status, r.healthy, r.name);
    assert.equal(d.rollback !== undefined, r.event, r.name);
    if (r.event) {
      assert.deepEqual(
        { from: d.status.lastRollback?.from, to: d.status.lastRollback?.to },
        { from: "v2", to: "v1" },
        r.name,
      );
      assert.match(d.rollback?.message ?? "", /v2: error rate 0\.5000 over 40 requests/, r.name);
    }
  }
});

void test("a rollback holds until the spec changes; a new generation resumes spec.variants", () => {
  const first = assistantStatus(assistant(AUTO), seen([40, 0], [40, 20]), T, now);
  const rolled = assistant(AUTO, {
    ...first.status,
    conditions: [routed, ...first.status.conditions],
  });
  // The next window has no v2 traffic (it is no longer routed) and v1 is fine: still rolled back.
  const held = assistantStatus(rolled, seen([40, 0], [0, 0]), T, now);
  assert.deepEqual(held.status.activeVariants, [{ version: "v1", weight: 100 }]);
  assert.equal(cond(held.status.conditions, "RolledBack")?.status, "True");
  assert.equal(held.rollback, undefined, "no second Event");
  // A spec change (generation 3) is the human decision to resume.
  const resumed = assistantStatus(
    { ...rolled, metadata: { ...rolled.metadata, generation: 3 } },
    seen([40, 0], [0, 0]),
    T,
    now,
  );
  assert.deepEqual(
    resumed.status.activeVariants?.map((v) => v.version),
    ["v1", "v2"],
  );
  assert.equal(cond(resumed.status.conditions, "RolledBack")?.status, "False");
  assert.equal(resumed.status.lastRollback?.from, "v2", "the last rollback stays on record");
});

void test("the stable version: the only routed version, healthy with enough requests", () => {
  const single = (s: Assistant["status"]): Assistant => {
    const a = assistant(AUTO, s);
    return { ...a, spec: { ...a.spec, variants: [{ version: "v2", weight: 100 }] } };
  };
  assert.equal(
    assistantStatus(single({ conditions: [routed] }), seen([0, 0], [40, 1]), T, now).status
      .stableVersion,
    "v2",
  );
  assert.equal(
    assistantStatus(
      single({ conditions: [routed], stableVersion: "v1" }),
      seen([0, 0], [40, 30]),
      T,
      now,
    ).status.stableVersion,
    "v1",
    "a failing version does not become stable",
  );
  assert.equal(
    assistantStatus(assistant(AUTO), seen([40, 0], [40, 0]), T, now).status.stableVersion,
    undefined,
    "a split is not stable",
  );
});

void test("writes: moves at once, message-only changes at most once per interval", () => {
  const a = assistant(AUTO);
  const d1 = assistantStatus(a, seen([40, 0], [40, 1]), T, now).status;
  const t = now.getTime();
  const at = (last: number | undefined, nowMs: number) => ({
    lastWriteMs: last,
    nowMs,
    minIntervalMs: 60_000,
  });
  assert.equal(assistantShouldWrite(a.status, d1, at(undefined, t)), true, "first");
  const written = { ...d1, conditions: [routed, ...d1.conditions] };
  const d2 = assistantStatus(assistant(AUTO, written), seen([50, 0], [50, 2]), T, now).status;
  assert.equal(assistantShouldWrite(written, d2, at(t, t + 1000)), false, "rates moved, too soon");
  assert.equal(
    assistantShouldWrite(written, d2, at(t, t + 60_000)),
    true,
    "rates moved, interval passed",
  );
  const d3 = assistantStatus(assistant(AUTO, written), seen([50, 0], [50, 40]), T, now).status;
  assert.equal(assistantShouldWrite(written, d3, at(t, t + 1000)), true, "rolled back: at once");
});
