// The run state machine as one pure function: given the policy (its spec and the run recorded in
// its status), the kill-switch state and the time, which step comes next. All run state lives in
// status.run, so an operator restarted mid-run resumes here and ends the run at status.run.endsAt.
//
//   (idle) ─start→ Pending ─prepare→ Injecting ─inject→ Running ─stop→ Recovering ─recover→ Finished
//                     │ dryRun / probes fail / nothing selectable ───────────────────────→ Finished
// Kill switch and suspend turn any active state into stop (verdict Aborted); Recovering always
// continues (the fault is already gone). Schedules: Forbid skips a time that falls in an active
// run, Replace aborts the active run so the next reconcile starts the new one.
import type { ChaosPolicy, ChaosVerdict } from "../../crds/chaospolicy/v1alpha1/index.ts";
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
  const lastText =
    policy.status?.history?.lastScheduleTime ?? String(policy.metadata.creationTimestamp ?? "");
  const last = lastText === "" ? now : new Date(lastText);
  const due = latestDue(cron, last, now);
  const next = nextAfter(cron, due ?? (last > now ? last : now));
  return { ...(due !== undefined ? { due } : {}), ...(next !== undefined ? { next } : {}) };
}

function activeStep(policy: ChaosPolicy, obs: Observation): Step {
  const run = policy.status?.run;
  if (run === undefined) throw new Error("activeStep without a run");
  if (run.state === "Recovering") return { type: "recover" };
  if (obs.killSwitch !== undefined)
    return { type: "stop", verdict: "Aborted", reason: `kill switch engaged on ${obs.killSwitch}` };
  if (policy.spec.suspend) return { type: "stop", verdict: "Aborted", reason: "policy suspended" };
  if (policy.metadata.deletionTimestamp !== undefined)
    return { type: "stop", verdict: "Aborted", reason: "policy deleted" };
  const sched = scheduleState(policy, obs.now);
  const due = sched !== undefined && "due" in sched ? sched.due : undefined;
  if (due !== undefined && policy.spec.schedule?.concurrencyPolicy === "Replace")
    return {
      type: "stop",
      verdict: "Aborted",
      reason: `replaced by the run scheduled at ${due.toISOString()}`,
    };
  const skip = due !== undefined ? { skipScheduled: due } : {};
  if (run.state === "Pending") return { type: "prepare", ...skip };
  if (run.state === "Injecting") {
    if (run.endsAt !== undefined && Date.parse(run.endsAt) <= obs.now.getTime())
      return { type: "stop", reason: "duration elapsed before the fault could be injected" };
    return { type: "inject", ...skip };
  }
  if (run.endsAt === undefined || Date.parse(run.endsAt) <= obs.now.getTime())
    return { type: "stop", reason: "duration elapsed" };
  return { type: "hold", ...skip };
}

/** The next step for `policy` at `obs.now`. */
export function decide(policy: ChaosPolicy, obs: Observation): Step {
  const run = policy.status?.run;
  if (run !== undefined && run.state !== "Finished") return activeStep(policy, obs);
  if (policy.metadata.deletionTimestamp !== undefined) return { type: "idle" };
  if (policy.spec.suspend) return { type: "idle" };
  const sched = scheduleState(policy, obs.now);
  if (sched !== undefined && "invalid" in sched) return { type: "invalid", reason: sched.invalid };
  if (sched === undefined) {
    // One run per spec generation.
    const done = run !== undefined && (run.generation ?? 0) >= (policy.metadata.generation ?? 0);
    if (done) return { type: "idle" };
    if (obs.killSwitch !== undefined)
      return { type: "idle", blocked: `kill switch engaged on ${obs.killSwitch}` };
    return { type: "start" };
  }
  const next = sched.next !== undefined ? { nextScheduleTime: sched.next } : {};
  if (sched.due === undefined)
    return { type: "idle", ...(sched.next !== undefined ? { requeueAt: sched.next } : {}), ...next };
  const deadline = policy.spec.schedule?.startingDeadlineSeconds;
  if (deadline !== undefined && obs.now.getTime() - sched.due.getTime() > deadline * 1000)
    return { type: "skip", reason: "missed its starting deadline", scheduledAt: sched.due, ...next };
  if (obs.killSwitch !== undefined)
    return {
      type: "skip",
      reason: `kill switch engaged on ${obs.killSwitch}`,
      scheduledAt: sched.due,
      ...next,
    };
  return { type: "start", scheduledAt: sched.due };
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
