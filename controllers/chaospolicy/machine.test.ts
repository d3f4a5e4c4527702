// Table tests of the run state machine: every state × kill switch / suspend / schedule / time.
import assert from "node:assert/strict";
import { test } from "node:test";
import type {
  ChaosPolicy,
  ChaosPolicySpec,
  ChaosRun,
} from "../../crds/chaospolicy/v1alpha1/index.ts";
import type { Step } from "./machine.ts";
import { decide, finalVerdict } from "./machine.ts";

const NOW = new Date("2026-01-01T10:00:30Z");

function policy(o: {
  spec?: Partial<ChaosPolicySpec>;
  run?: Partial<ChaosRun>;
  generation?: number;
  lastScheduleTime?: string;
  deleting?: boolean;
}): ChaosPolicy {
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "ChaosPolicy",
    metadata: {
      name: "p",
      namespace: "ns",
      generation: o.generation ?? 1,
      creationTimestamp: "2026-01-01T09:00:00Z",
      ...(o.deleting === true ? { deletionTimestamp: "2026-01-01T10:00:00Z" } : {}),
    },
    spec: {
      fault: { type: "PodDelete" },
      target: { kind: "AIModel", name: "m" },
      duration: "1m",
      dryRun: false,
      suspend: false,
      ...o.spec,
    },
    status: {
      ...(o.run !== undefined
        ? { run: { id: "r1", state: "Running", generation: 1, ...o.run } }
        : {}),
      ...(o.lastScheduleTime !== undefined
        ? {
            history: {
              passed: 0,
              failed: 0,
              aborted: 0,
              dryRuns: 0,
              skipped: 0,
              lastScheduleTime: o.lastScheduleTime,
            },
          }
        : {}),
    },
  };
}

const every5 = { cron: "*/5 * * * *", concurrencyPolicy: "Forbid" as const };
const cases: {
  name: string;
  p: ChaosPolicy;
  kill?: string;
  want: Partial<Step> & { type: Step["type"] };
}[] = [
  { name: "one-shot, never run: start", p: policy({}), want: { type: "start" } },
  {
    name: "one-shot, finished this generation: idle",
    p: policy({ run: { state: "Finished" } }),
    want: { type: "idle" },
  },
  {
    name: "one-shot, spec changed since the run: start",
    p: policy({ run: { state: "Finished" }, generation: 2 }),
    want: { type: "start" },
  },
  {
    name: "one-shot under kill switch: blocked, not consumed",
    p: policy({}),
    kill: "namespace ops",
    want: { type: "idle", blocked: "kill switch engaged on namespace ops" },
  },
  {
    name: "suspended idle policy does nothing",
    p: policy({ spec: { suspend: true } }),
    want: { type: "idle" },
  },
  { name: "pending: prepare", p: policy({ run: { state: "Pending" } }), want: { type: "prepare" } },
  {
    name: "injecting before the end: inject",
    p: policy({ run: { state: "Injecting", endsAt: "2026-01-01T10:01:00Z" } }),
    want: { type: "inject" },
  },
  {
    name: "injecting past the end: stop",
    p: policy({ run: { state: "Injecting", endsAt: "2026-01-01T10:00:00Z" } }),
    want: { type: "stop", reason: "duration elapsed before the fault could be injected" },
  },
  {
    name: "running before the end: hold",
    p: policy({ run: { state: "Running", endsAt: "2026-01-01T10:01:00Z" } }),
    want: { type: "hold" },
  },
  {
    name: "running at the end: stop without verdict",
    p: policy({ run: { state: "Running", endsAt: "2026-01-01T10:00:30Z" } }),
    want: { type: "stop", reason: "duration elapsed" },
  },
  {
    name: "running without endsAt (corrupt): stop",
    p: policy({ run: { state: "Running" } }),
    want: { type: "stop" },
  },
  {
    name: "kill switch while running: abort",
    p: policy({ run: { state: "Running", endsAt: "2026-01-01T10:01:00Z" } }),
    kill: "Tenant acme",
    want: { type: "stop", verdict: "Aborted", reason: "kill switch engaged on Tenant acme" },
  },
  {
    name: "kill switch while pending: abort",
    p: policy({ run: { state: "Pending" } }),
    kill: "Tenant acme",
    want: { type: "stop", verdict: "Aborted" },
  },
  {
    name: "suspend while injecting: abort",
    p: policy({ spec: { suspend: true }, run: { state: "Injecting" } }),
    want: { type: "stop", verdict: "Aborted", reason: "policy suspended" },
  },
  {
    name: "deleted while running: abort",
    p: policy({ deleting: true, run: { state: "Running", endsAt: "2026-01-01T10:01:00Z" } }),
    want: { type: "stop", verdict: "Aborted", reason: "policy deleted" },
  },
  {
    name: "recovering continues under kill switch",
    p: policy({ run: { state: "Recovering" } }),
    kill: "namespace ops",
    want: { type: "recover" },
  },
  {
    name: "schedule due: start at the due time",
    p: policy({ spec: { schedule: every5 }, lastScheduleTime: "2026-01-01T09:55:00Z" }),
    want: { type: "start", scheduledAt: new Date("2026-01-01T10:00:00Z") },
  },
  {
    name: "schedule not due: idle until next",
    p: policy({ spec: { schedule: every5 }, lastScheduleTime: "2026-01-01T10:00:00Z" }),
    want: { type: "idle", requeueAt: new Date("2026-01-01T10:05:00Z") },
  },
  {
    name: "schedule due under kill switch: skip",
    p: policy({ spec: { schedule: every5 }, lastScheduleTime: "2026-01-01T09:55:00Z" }),
    kill: "namespace ops",
    want: { type: "skip", scheduledAt: new Date("2026-01-01T10:00:00Z") },
  },
  {
    name: "schedule past its starting deadline: skip",
    p: policy({
      spec: { schedule: { ...every5, startingDeadlineSeconds: 10 } },
      lastScheduleTime: "2026-01-01T09:55:00Z",
    }),
    want: { type: "skip", reason: "missed its starting deadline" },
  },
  {
    name: "Forbid: due time during a run is skipped, run goes on",
    p: policy({
      spec: { schedule: every5 },
      lastScheduleTime: "2026-01-01T09:55:00Z",
      run: { state: "Running", endsAt: "2026-01-01T10:01:00Z" },
    }),
    want: { type: "hold", skipScheduled: new Date("2026-01-01T10:00:00Z") },
  },
  {
    name: "Replace: due time aborts the run",
    p: policy({
      spec: { schedule: { ...every5, concurrencyPolicy: "Replace" } },
      lastScheduleTime: "2026-01-01T09:55:00Z",
      run: { state: "Running", endsAt: "2026-01-01T10:01:00Z" },
    }),
    want: { type: "stop", verdict: "Aborted" },
  },
  {
    name: "invalid cron values: invalid",
    p: policy({ spec: { schedule: { cron: "99 * * * *", concurrencyPolicy: "Forbid" } } }),
    want: { type: "invalid" },
  },
];
for (const c of cases) {
  test(`decide: ${c.name}`, () => {
    const got = decide(c.p, { now: NOW, killSwitch: c.kill });
    for (const [k, v] of Object.entries(c.want))
      assert.deepEqual((got as Record<string, unknown>)[k], v, `${k} of ${JSON.stringify(got)}`);
  });
}

test("finalVerdict: recorded verdicts stand; unrecovered or failing probes fail", () => {
  assert.equal(finalVerdict("Aborted", true, false), "Aborted");
  assert.equal(finalVerdict(undefined, true, false), "Passed");
  assert.equal(finalVerdict(undefined, false, false), "Failed");
  assert.equal(finalVerdict(undefined, true, true), "Failed");
});
