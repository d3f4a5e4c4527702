// The run state machine as one pure function: given the policy (its spec and the run recorded in
// its status), the kill-switch state and the time, which step comes next. All run state lives in
// status.run, so an operator restarted mid-run resumes here and ends the run at status.run.endsAt.
//
//   (idle) ─start→ Pending ─prepare→ Injecting ─inject→ Running ─stop→ Recovering ─recover→ Finished
//                     │ dryRun / probes fail / nothing selectable ───────────────────────→ Finished
// Kill switch and suspend turn any active state into stop (verdict Aborted); Recovering always
// continues (the fault is already gone). Schedules: Forbid skips a time that falls in an active
// run, Replace aborts the active run so the next reconcile starts the new one.
import type { ChaosPolicy, ChaosRun, ChaosVerdict } from "../../crds/chaospolicy/v1alpha1/index.ts";
import { latestDue, nextAfter, parseCron } from "./cron.ts";

export interface Observation {
  now: Date;
  /** Where the kill switch is engaged ("namespace x", "Tenant y"), if it is. */
  killSwitch?: string | undefined;
}

export type Step =
  | { type: "idle"; requeueAt?: Date; nextScheduleTime?: Date; blocked?: string }
  | { type: "invalid"; reason: string }
  | { type: "start"; scheduledAt?: Date }
  | { type: "skip"; reason: string; scheduledAt: Date; nextScheduleTime?: Date }
  | { type: "prepare"; skipScheduled?: Date }
  | { type: "inject"; skipScheduled?: Date }
  | { type: "hold"; skipScheduled?: Date }
  | { type: "stop"; verdict?: ChaosVerdict; reason: string }
  | { type: "recover" };

/** The last schedule time handled (or the policy's creation), from which due times count. */
function lastScheduled(policy: ChaosPolicy, now: Date): Date {
  const lastText =
    policy.status?.history?.lastScheduleTime ?? policy.metadata.creationTimestamp ?? "";
  return lastText === "" ? now : new Date(lastText);
}

/** When the schedule is due: the latest missed time and the next one. */
function scheduleState(
  policy: ChaosPolicy,
  now: Date,
): { due?: Date; next?: Date } | { invalid: string } | undefined {
  const sched = policy.spec.schedule;
  if (sched === undefined) return undefined;
  let cron;
  try {
    cron = parseCron(sched.cron);
  } catch (err) {
    return { invalid: err instanceof Error ? err.message : String(err) };
  }
  const last = lastScheduled(policy, now);
  const due = latestDue(cron, last, now);
  const next = nextAfter(cron, due ?? (last > now ? last : now));
  return { ...(due !== undefined ? { due } : {}), ...(next !== undefined ? { next } : {}) };
}

/** Why an active run must stop now regardless of its state, if it must. */
function interruption(policy: ChaosPolicy, obs: Observation): Step | undefined {
  if (obs.killSwitch !== undefined)
    return { type: "stop", verdict: "Aborted", reason: `kill switch engaged on ${obs.killSwitch}` };
  if (policy.spec.suspend) return { type: "stop", verdict: "Aborted", reason: "policy suspended" };
  if (policy.metadata.deletionTimestamp !== undefined)
    return { type: "stop", verdict: "Aborted", reason: "policy deleted" };
  return undefined;
}

/** A schedule time that fell due during the active run, if any. */
function dueDuringRun(policy: ChaosPolicy, now: Date): Date | undefined {
  const sched = scheduleState(policy, now);
  return sched !== undefined && "due" in sched ? sched.due : undefined;
}

const passed = (at: string | undefined, now: Date): boolean =>
  at === undefined || Date.parse(at) <= now.getTime();

function activeStep(policy: ChaosPolicy, obs: Observation): Step {
  const run = policy.status?.run;
  if (run === undefined) throw new Error("activeStep without a run");
  if (run.state === "Recovering") return { type: "recover" };
  const stop = interruption(policy, obs);
  if (stop !== undefined) return stop;
  const due = dueDuringRun(policy, obs.now);
  if (due !== undefined && policy.spec.schedule?.concurrencyPolicy === "Replace")
    return {
      type: "stop",
      verdict: "Aborted",
      reason: `replaced by the run scheduled at ${due.toISOString()}`,
    };
  return runStep(run, obs.now, due !== undefined ? { skipScheduled: due } : {});
}

/** The step of an uninterrupted active run in Pending, Injecting or Running. */
function runStep(run: ChaosRun, now: Date, skip: { skipScheduled?: Date }): Step {
  if (run.state === "Pending") return { type: "prepare", ...skip };
  if (run.state === "Injecting") {
    if (run.endsAt !== undefined && passed(run.endsAt, now))
      return { type: "stop", reason: "duration elapsed before the fault could be injected" };
    return { type: "inject", ...skip };
  }
  if (passed(run.endsAt, now)) return { type: "stop", reason: "duration elapsed" };
  return { type: "hold", ...skip };
}

/** Next step of an idle scheduled policy. */
function scheduledStep(
  policy: ChaosPolicy,
  obs: Observation,
  sched: { due?: Date; next?: Date },
): Step {
  const next = sched.next !== undefined ? { nextScheduleTime: sched.next } : {};
  if (sched.due === undefined)
    return {
      type: "idle",
      ...(sched.next !== undefined ? { requeueAt: sched.next } : {}),
      ...next,
    };
  const deadline = policy.spec.schedule?.startingDeadlineSeconds;
  if (deadline !== undefined && obs.now.getTime() - sched.due.getTime() > deadline * 1000)
    return {
      type: "skip",
      reason: "missed its starting deadline",
      scheduledAt: sched.due,
      ...next,
    };
  if (obs.killSwitch !== undefined)
    return {
      type: "skip",
      reason: `kill switch engaged on ${obs.killSwitch}`,
      scheduledAt: sched.due,
      ...next,
    };
  return { type: "start", scheduledAt: sched.due };
}

/** Next step of an idle policy without a schedule: one run per spec generation. */
function oneShotStep(policy: ChaosPolicy, obs: Observation): Step {
  const run = policy.status?.run;
  const done = run !== undefined && (run.generation ?? 0) >= (policy.metadata.generation ?? 0);
  if (done) return { type: "idle" };
  if (obs.killSwitch !== undefined)
    return { type: "idle", blocked: `kill switch engaged on ${obs.killSwitch}` };
  return { type: "start" };
}

/** The next step for `policy` at `obs.now`. */
export function decide(policy: ChaosPolicy, obs: Observation): Step {
  const run = policy.status?.run;
  if (run !== undefined && run.state !== "Finished") return activeStep(policy, obs);
  if (policy.metadata.deletionTimestamp !== undefined || policy.spec.suspend)
    return { type: "idle" };
  const sched = scheduleState(policy, obs.now);
  if (sched === undefined) return oneShotStep(policy, obs);
  if ("invalid" in sched) return { type: "invalid", reason: sched.invalid };
  return scheduledStep(policy, obs, sched);
}

/**
 * Verdict of a run that reached the end of Recovering: an abort or failure recorded earlier
 * stands; otherwise Failed if the target did not recover in time or a probe ended failing.
 */
export function finalVerdict(
  recorded: ChaosVerdict | undefined,
  recovered: boolean,
  probeFailing: boolean,
): ChaosVerdict {
  if (recorded !== undefined) return recorded;
  if (!recovered || probeFailing) return "Failed";
  return "Passed";
}
