// ChaosPolicy reconcile: read the policy live, ask the state machine (machine.ts) for the next
// step, execute it, and write the whole status once per step (guarded by resourceVersion, so a
// stale read can never repeat a step). Side effects happen only after the status that records
// them is stored (targets are persisted in Injecting before any eviction), so a restart resumes
// without hitting more than was recorded. Faults are removed at the end of the duration, on abort
// (probe, kill switch, suspend, Replace), on deletion (finalizer) and at recovery.timeout.
import type { V1Namespace, V1Pod } from "@kubernetes/client-node";
import type {
  ChaosPolicy,
  ChaosPolicyStatus,
  ChaosRun,
  ChaosVerdict,
} from "../../crds/chaospolicy/v1alpha1/index.ts";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import {
  CHAOS_KILL_SWITCH_ANNOTATION,
  CHAOS_KILL_SWITCH_ENGAGED,
  CHAOSPOLICY_GVK,
} from "../../crds/chaospolicy/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import { isApiError } from "../../operators/clients/http.ts";
import type { Informer, ReconcileContext, ReconcileResult } from "../../operators/runtime/index.ts";
import { setCondition } from "../../operators/runtime/index.ts";
import { stableStringify } from "../shared/stable.ts";
import type { Claim, LedgerDimension } from "./blast.ts";
import { available, blastLimit, selectPods, withClaim, withoutClaims } from "./blast.ts";
import { parseDurationMs } from "./duration.ts";
import {
  activeFault,
  backendOf,
  evictionBody,
  hogContainer,
  hogContainerName,
  isLLMFault,
} from "./faults.ts";
import { CHAOSPOLICY, POD, TENANT_LABEL } from "./gvks.ts";
import { targetRefusal } from "./guard.ts";
import { ledgerName, updateLedger } from "./ledger.ts";
import type { Step } from "./machine.ts";
import { decide, finalVerdict } from "./machine.ts";
import type { ChaosMetrics } from "./metrics.ts";
import type { Fetch, ProbeResult } from "./probes.ts";
import { applyResults, dueProbes, failedProbe, nextProbeAt, runProbe } from "./probes.ts";
import type { TargetView } from "./target.ts";
import { observeTarget, targetNamespace } from "./target.ts";

export const CONTROLLER_NAME = "chaospolicy";
export const FINALIZER = "librechat.io/chaos-cleanup";
const HISTORY = 10;
/** Retry cadence while an eviction is refused (PDB) or the target recovers. */
const RETRY_MS = 2000;

export interface ChaosConfig {
  operatorNamespace: string;
  prometheusUrl?: string | undefined;
  stressImage: string;
  probeTimeoutMs: number;
}

export interface ChaosDeps {
  client: Pick<
    KubeClient,
    "get" | "list" | "applyStatus" | "event" | "addFinalizer" | "removeFinalizer" | "http"
  >;
  namespaces: Pick<Informer<V1Namespace>, "get">;
  tenants: Pick<Informer<Tenant>, "get">;
  config: ChaosConfig;
  metrics: ChaosMetrics;
  now: () => Date;
  fetch: Fetch;
}

interface Pass {
  policy: ChaosPolicy;
  /** The time this step decided on (one clock read per step). */
  now: Date;
  status: ChaosPolicyStatus;
  events: { type: "Normal" | "Warning"; reason: string; message: string }[];
  requeueAt?: Date;
  finished?: ChaosVerdict;
  /** Run another step in this reconcile (the state moved on). */
  again: boolean;
  /** The run ended: drop this policy's ledger claims once the status is stored. */
  releaseLedger?: boolean;
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, "Z");
const keyOf = (p: ChaosPolicy): string => `${p.metadata.namespace ?? ""}/${p.metadata.name ?? ""}`;

/** Where the kill switch is engaged for `policy`, if anywhere. */
export function killSwitchOf(
  deps: Pick<ChaosDeps, "namespaces" | "tenants" | "config">,
  policy: ChaosPolicy,
): string | undefined {
  const opNs = deps.config.operatorNamespace;
  if (engaged(deps.namespaces.get(opNs)?.metadata?.annotations))
    return `namespace "${opNs}" (cluster-wide)`;
  const tenant = tenantOf(deps, policy);
  if (tenant !== undefined && engaged(deps.tenants.get(tenant)?.metadata.annotations))
    return `Tenant "${tenant}"`;
  return undefined;
}

const engaged = (a: Record<string, string> | undefined): boolean =>
  a?.[CHAOS_KILL_SWITCH_ANNOTATION] === CHAOS_KILL_SWITCH_ENGAGED;

/** The Tenant of the policy's namespace (its librechat.io/tenant label), if any. */
function tenantOf(deps: Pick<ChaosDeps, "namespaces">, policy: ChaosPolicy): string | undefined {
  return deps.namespaces.get(policy.metadata.namespace ?? "")?.metadata?.labels?.[TENANT_LABEL];
}

function durationMs(p: ChaosPolicy): number {
  return parseDurationMs(p.spec.duration) ?? 60_000;
}
function recoveryMs(p: ChaosPolicy): number {
  return parseDurationMs(p.spec.recovery?.timeout) ?? 120_000;
}
function run(pass: Pass): ChaosRun {
  const r = pass.status.run;
  if (r === undefined) throw new Error("no run in status");
  return r;
}
function dimension(p: ChaosPolicy): LedgerDimension {
  return isLLMFault(p) ? "gateway" : "pods";
}
function soonest(pass: Pass, at: Date | undefined): void {
  if (at !== undefined && (pass.requeueAt === undefined || at < pass.requeueAt))
    pass.requeueAt = at;
}

/** The live policy with our finalizer on it (unless it is being deleted), or undefined if gone. */
async function livePolicy(
  deps: ChaosDeps,
  ns: string,
  name: string,
): Promise<ChaosPolicy | undefined> {
  const policy = await deps.client.get<ChaosPolicy>(CHAOSPOLICY, ns, name);
  if (policy === undefined || policy.metadata.deletionTimestamp !== undefined) return policy;
  if (policy.metadata.finalizers?.includes(FINALIZER) === true) return policy;
  await deps.client.addFinalizer(policy, FINALIZER, CONTROLLER_NAME);
  return deps.client.get<ChaosPolicy>(CHAOSPOLICY, ns, name);
}

/** One step: decide, execute, store status, then Events, ledger release and metrics. */
async function oneStep(
  deps: ChaosDeps,
  policy: ChaosPolicy,
  ctx: ReconcileContext,
): Promise<{ policy: ChaosPolicy; pass: Pass }> {
  const now = deps.now();
  const kill = killSwitchOf(deps, policy);
  const step = decide(policy, { now, killSwitch: kill });
  const pass: Pass = {
    policy,
    now,
    status: structuredClone(policy.status ?? {}),
    events: [],
    again: false,
  };
  try {
    await execute(deps, pass, step, ctx);
  } catch (err) {
    throw new Error(`reconciling ChaosPolicy ${keyOf(policy)}: ${step.type}`, { cause: err });
  }
  setConditions(pass, kill, step, now);
  const stored = await writeStatus(deps, policy, pass.status);
  for (const e of pass.events) await deps.client.event(stored, e, CONTROLLER_NAME);
  if (pass.releaseLedger === true) await releaseLedger(deps, stored);
  if (pass.finished !== undefined) deps.metrics.runFinished(pass.finished);
  return { policy: stored, pass };
}

/** Builds the reconcile function. */
export function chaosReconciler(
  deps: ChaosDeps,
): (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | undefined> {
  return async (key, ctx) => {
    const [ns = "", name = ""] = key.split("/");
    const live = await livePolicy(deps, ns, name);
    if (live === undefined) return undefined;
    const { policy, requeueAt } = await steps(deps, live, ctx);
    if (policy.metadata.deletionTimestamp !== undefined && idle(policy)) {
      await releaseLedger(deps, policy);
      await deps.client.removeFinalizer(policy, FINALIZER);
      return undefined;
    }
    if (requeueAt === undefined) return undefined;
    return { requeueAfterMs: Math.max(50, requeueAt.getTime() - deps.now().getTime()) };
  };
}

const idle = (p: ChaosPolicy): boolean =>
  p.status?.run === undefined || p.status.run.state === "Finished";

/** A few steps per reconcile: start → prepare → inject happen without waiting for the watch. */
async function steps(
  deps: ChaosDeps,
  policy: ChaosPolicy,
  ctx: ReconcileContext,
): Promise<{ policy: ChaosPolicy; requeueAt?: Date | undefined }> {
  let current = policy;
  let requeueAt: Date | undefined;
  for (let i = 0; i < 6; i++) {
    const r = await oneStep(deps, current, ctx);
    current = r.policy;
    requeueAt = r.pass.requeueAt;
    if (!r.pass.again) break;
  }
  return { policy: current, requeueAt };
}

async function execute(
  deps: ChaosDeps,
  pass: Pass,
  step: Step,
  ctx: ReconcileContext,
): Promise<void> {
  const now = pass.now;
  switch (step.type) {
    case "idle":
    case "invalid":
    case "skip":
      notRunning(pass, step);
      return;
    case "start":
      startRun(pass, now, step.scheduledAt);
      return;
    case "prepare":
    case "inject":
    case "hold":
      skipScheduled(pass, step.skipScheduled);
      await active(deps, pass, step.type, ctx);
      return;
    case "stop":
      await stop(deps, pass, { verdict: step.verdict, reason: step.reason });
      return;
    case "recover":
      await recover(deps, pass, now);
      return;
  }
}

async function active(
  deps: ChaosDeps,
  pass: Pass,
  type: "prepare" | "inject" | "hold",
  ctx: ReconcileContext,
): Promise<void> {
  if (type === "prepare") await prepare(deps, pass, pass.now);
  else if (type === "inject") await inject(deps, pass, pass.now, ctx);
  else await hold(deps, pass, pass.now);
}

/** Steps without a run: wait for the next schedule time, or record a skipped one. */
function notRunning(pass: Pass, step: Extract<Step, { type: "idle" | "invalid" | "skip" }>): void {
  if (step.type === "invalid") return;
  if (step.type === "idle") {
    soonest(pass, step.requeueAt);
    if (step.nextScheduleTime !== undefined)
      history(pass).nextScheduleTime = iso(step.nextScheduleTime);
    return;
  }
  const h = history(pass);
  h.skipped += 1;
  h.lastSkippedReason = `run scheduled at ${iso(step.scheduledAt)} skipped: ${step.reason}`;
  h.lastScheduleTime = iso(step.scheduledAt);
  if (step.nextScheduleTime !== undefined) h.nextScheduleTime = iso(step.nextScheduleTime);
  pass.events.push({ type: "Warning", reason: "RunSkipped", message: h.lastSkippedReason });
  pass.again = true;
}

function history(pass: Pass): NonNullable<ChaosPolicyStatus["history"]> {
  pass.status.history ??= { passed: 0, failed: 0, aborted: 0, dryRuns: 0, skipped: 0 };
  return pass.status.history;
}

function skipScheduled(pass: Pass, at: Date | undefined): void {
  if (at === undefined) return;
  const h = history(pass);
  h.skipped += 1;
  h.lastScheduleTime = iso(at);
  h.lastSkippedReason = `run scheduled at ${iso(at)} skipped: previous run still active (concurrencyPolicy Forbid)`;
  pass.events.push({ type: "Warning", reason: "RunSkipped", message: h.lastSkippedReason });
}

function startRun(pass: Pass, now: Date, scheduledAt: Date | undefined): void {
  const p = pass.policy;
  const id = `r${Math.floor(now.getTime() / 1000).toString(36)}`;
  pass.status.run = {
    id,
    state: "Pending",
    startedAt: iso(now),
    generation: p.metadata.generation ?? 0,
    ...(p.spec.dryRun ? { dryRun: true } : {}),
    ...(scheduledAt !== undefined ? { scheduledAt: iso(scheduledAt) } : {}),
  };
  if (scheduledAt !== undefined) history(pass).lastScheduleTime = iso(scheduledAt);
  delete pass.status.targets;
  delete pass.status.activeFaults;
  delete pass.status.affected;
  pass.events.push({
    type: "Normal",
    reason: "RunStarted",
    message: `Started run ${id}${p.spec.dryRun ? " (dry run)" : ""}`,
  });
  pass.again = true;
}

async function checkAll(
  deps: ChaosDeps,
  pass: Pass,
  now: Date,
  onlyDue: boolean,
): Promise<ProbeResult[]> {
  const probes = pass.policy.spec.steadyState?.probes ?? [];
  const r = run(pass);
  const todo = onlyDue ? dueProbes(probes, r.probes, now) : probes;
  const results = await Promise.all(
    todo.map((p) => runProbe(p, deps.config.prometheusUrl, deps.fetch, deps.config.probeTimeoutMs)),
  );
  if (probes.length > 0) r.probes = applyResults(probes, r.probes, results, now);
  return results;
}

/** Pending: interlocks, steady state before, target selection, ledger claim (or dry-run record). */
async function prepare(deps: ChaosDeps, pass: Pass, now: Date): Promise<void> {
  const p = pass.policy;
  const r = run(pass);
  const target = await preconditions(deps, pass);
  if (target === undefined) return;
  const results = await checkAll(deps, pass, now, false);
  const bad = results.find((x) => !x.ok);
  const dry = r.dryRun === true;
  if (bad !== undefined && !dry) {
    finish(
      pass,
      now,
      "Failed",
      `steady state not met before injection: probe ${bad.name} observed ${bad.value}`,
    );
    return;
  }
  const picked = await select(deps, pass, target, dry);
  if (dry) {
    finish(pass, now, "DryRun", dryRunMessage(p, picked, bad));
    return;
  }
  if (picked.names.length === 0) {
    finish(pass, now, undefined, `skipped: nothing selectable (${picked.why})`);
    return;
  }
  r.state = "Injecting";
  r.endsAt = iso(new Date(now.getTime() + durationMs(p)));
  pass.again = true;
}

/** The target, or undefined after finishing the run (target gone, rollout in progress). */
async function preconditions(deps: ChaosDeps, pass: Pass): Promise<TargetView | undefined> {
  const p = pass.policy;
  const refusal = targetRefusal({
    policyNs: p.metadata.namespace ?? "",
    targetNs: targetNamespace(p),
    operatorNamespace: deps.config.operatorNamespace,
    namespaces: deps.namespaces,
  });
  if (refusal !== undefined) {
    finish(pass, pass.now, "Failed", `refusing the target: ${refusal}`);
    return undefined;
  }
  const target = await observeTarget(deps.client, p);
  if (target === undefined) {
    finish(
      pass,
      pass.now,
      "Failed",
      `target ${p.spec.target.kind} ${targetNamespace(p)}/${p.spec.target.name} not found`,
    );
    return undefined;
  }
  if ((p.spec.interlocks?.skipIfRolloutInProgress ?? true) && target.rolloutInProgress) {
    finish(pass, pass.now, undefined, "skipped: target rollout in progress");
    return undefined;
  }
  return target;
}

/** What a dry run would have done: exactly the targets it selected, and a probe already failing. */
export function dryRunMessage(
  p: ChaosPolicy,
  picked: { names: string[]; why: string },
  bad: ProbeResult | undefined,
): string {
  const what = picked.names.length > 0 ? picked.names.join(", ") : "nothing";
  const why = picked.why !== "" ? ` (${picked.why})` : "";
  const probeNote = bad !== undefined ? `; probe ${bad.name} failing (${bad.value})` : "";
  return `would ${faultVerb(p)} ${what}${why}${probeNote}`;
}

function faultVerb(p: ChaosPolicy): string {
  if (isLLMFault(p)) return `inject ${p.spec.fault.type} into`;
  return p.spec.fault.type === "PodDelete" ? "evict" : "hog";
}

/** Chooses targets within the blast radius and the ledger; claims them unless dry. */
async function select(
  deps: ChaosDeps,
  pass: Pass,
  target: TargetView,
  dry: boolean,
): Promise<{ names: string[]; why: string }> {
  const p = pass.policy;
  const now = pass.now;
  const r = run(pass);
  const llm = isLLMFault(p);
  const lim = llm
    ? { count: 1, reason: "mode" as const }
    : blastLimit(p.spec.blastRadius, target.replicas, target.readyPods);
  const me = { policy: keyOf(p), dimension: dimension(p), limit: lim.count };
  const expiresAt = iso(new Date(now.getTime() + durationMs(p) + recoveryMs(p) + 60_000));
  const limitWhy = lim.count < 1 ? `blast radius allows 0 (${lim.reason})` : "";
  let why = limitWhy;
  const granted = await updateLedger(
    deps.client,
    target.namespace,
    ledgerName(p.spec.target.kind, p.spec.target.name),
    (ledger) => {
      const av = available(ledger, me, now);
      const count = Math.min(lim.count, av.available);
      why =
        count < lim.count && limitWhy === ""
          ? `blast radius in use by ${av.others.join(", ")}`
          : limitWhy;
      if (dry || count < 1) return { ledger, result: count };
      const claim: Claim = {
        policy: me.policy,
        uid: p.metadata.uid ?? "",
        runId: r.id,
        dimension: me.dimension,
        count,
        limit: lim.count,
        expiresAt,
      };
      return { ledger: withClaim(ledger, claim, now), result: count };
    },
  );
  if (llm) {
    const backend = backendOf(target.namespace, target.name);
    if (granted < 1) return { names: [], why };
    pass.status.targets = [
      { namespace: target.namespace, backend, injected: false, recovered: false },
    ];
    pass.status.affected = { count: 1, percent: 100, totalEligible: 1 };
    return { names: [backend], why };
  }
  const pods = selectPods(target.pods, granted, r.id);
  pass.status.targets = pods.map((x) => ({
    namespace: x.namespace,
    pod: x.name,
    injected: false,
    recovered: false,
  }));
  pass.status.affected = {
    count: pods.length,
    percent: target.replicas > 0 ? Math.round((pods.length * 100) / target.replicas) : 0,
    totalEligible: target.replicas,
  };
  return { names: pods.map((x) => `${x.namespace}/${x.name}`), why };
}

/** Injecting: apply the fault to every recorded target; PDB refusals wait. */
async function inject(
  deps: ChaosDeps,
  pass: Pass,
  now: Date,
  ctx: ReconcileContext,
): Promise<void> {
  const p = pass.policy;
  const r = run(pass);
  const targets = pass.status.targets ?? [];
  const endsAt = r.endsAt ?? iso(now);
  if (isLLMFault(p)) injectLLM(pass, endsAt);
  else {
    const blocked = await injectPods(deps, pass, endsAt, ctx);
    if (blocked > 0) {
      pass.events.push({
        type: "Warning",
        reason: "EvictionBlocked",
        message: `${blocked} eviction(s) refused by a PodDisruptionBudget; retrying until the run ends`,
      });
      soonest(pass, new Date(Math.min(now.getTime() + RETRY_MS, Date.parse(endsAt))));
      return;
    }
  }
  const hit = targets.filter((t) => t.injected);
  r.state = "Running";
  r.injectedAt = iso(now);
  pass.events.push({
    type: "Normal",
    reason: "Injected",
    message: `Injected ${p.spec.fault.type} into ${hit.map((t) => t.pod ?? t.backend ?? "").join(", ") || "nothing"} until ${endsAt}`,
  });
  soonest(pass, new Date(endsAt));
  pass.again = true;
}

/** LLM faults: recorded in status.activeFaults, which the gateway's routing config carries. */
function injectLLM(pass: Pass, endsAt: string): void {
  const targets = pass.status.targets ?? [];
  pass.status.activeFaults = targets.flatMap((t) => {
    const f = t.backend !== undefined ? activeFault(pass.policy, t.backend, endsAt) : undefined;
    return f !== undefined ? [f] : [];
  });
  for (const t of targets) t.injected = true;
}

/** Pod faults on every recorded target not yet hit; returns how many a PDB refused. */
async function injectPods(
  deps: ChaosDeps,
  pass: Pass,
  endsAt: string,
  ctx: ReconcileContext,
): Promise<number> {
  const p = pass.policy;
  const runId = run(pass).id;
  let blocked = 0;
  for (const t of pass.status.targets ?? []) {
    if (t.injected || t.pod === undefined) continue;
    const res =
      p.spec.fault.type === "CPUHog"
        ? await hog(deps, p, {
            runId,
            ns: t.namespace,
            name: t.pod,
            ms: Date.parse(endsAt) - pass.now.getTime(),
          })
        : await evict(deps, t.namespace, t.pod, p.spec.fault.podDelete?.gracePeriodSeconds);
    if (res === "done") t.injected = true;
    else if (res === "gone") t.recovered = true;
    else blocked++;
    ctx.log.info(
      { pod: t.pod, namespace: t.namespace, result: res },
      `Injected ${p.spec.fault.type}`,
    );
  }
  return blocked;
}

type InjectResult = "done" | "gone" | "blocked";

async function evict(
  deps: ChaosDeps,
  ns: string,
  pod: string,
  grace: number | undefined,
): Promise<InjectResult> {
  try {
    await deps.client.http.request({
      method: "POST",
      path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/eviction`,
      body: evictionBody(ns, pod, grace),
    });
    return "done";
  } catch (err) {
    if (isApiError(err, 404)) return "gone";
    // 429: a PodDisruptionBudget says not now. Never fall back to a plain delete.
    if (isApiError(err, 429)) return "blocked";
    throw err;
  }
}

const hasEphemeral = (pod: V1Pod, name: string): boolean =>
  (pod.spec?.ephemeralContainers ?? []).some((c) => c.name === name);

async function hog(
  deps: ChaosDeps,
  p: ChaosPolicy,
  at: { runId: string; ns: string; name: string; ms: number },
): Promise<InjectResult> {
  const { runId, ns, name, ms } = at;
  const pod = await deps.client.get<V1Pod>(POD, ns, name);
  if (pod === undefined || pod.metadata?.deletionTimestamp !== undefined) return "gone";
  if (hasEphemeral(pod, hogContainerName(runId))) return "done";
  const container = hogContainer(p, runId, ms / 1000, {
    image: deps.config.stressImage,
    targetContainer: pod.spec?.containers[0]?.name,
  });
  try {
    await deps.client.http.request({
      method: "PATCH",
      path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/ephemeralcontainers`,
      body: { spec: { ephemeralContainers: [container] } },
      contentType: "application/strategic-merge-patch+json",
    });
    return "done";
  } catch (err) {
    if (isApiError(err, 404)) return "gone";
    throw err;
  }
}

/** Running: probe what is due; abort on a lost steady state if asked to. */
async function hold(deps: ChaosDeps, pass: Pass, now: Date): Promise<void> {
  const p = pass.policy;
  const r = run(pass);
  await checkAll(deps, pass, now, true);
  const probes = p.spec.steadyState?.probes ?? [];
  const failed = failedProbe(probes, r.probes);
  if (failed !== undefined && (p.spec.steadyState?.abortOnFailure ?? true)) {
    await stop(deps, pass, {
      verdict: "Aborted",
      reason: `steady state lost: probe ${failed.probe.name} observed ${failed.status.lastValue ?? "?"} (want ${failed.probe.comparator} ${failed.probe.threshold}, ${failed.status.consecutiveFailures} failure(s) in a row)`,
    });
    return;
  }
  soonest(pass, new Date(r.endsAt ?? iso(now)));
  soonest(pass, nextProbeAt(probes, r.probes, now));
}

/** Removes the fault (LLM faults at once; CPUHog stopped early by evicting the hogged pods). */
async function stop(
  deps: ChaosDeps,
  pass: Pass,
  why: { verdict?: ChaosVerdict | undefined; reason: string },
): Promise<void> {
  const { verdict, reason } = why;
  const now = pass.now;
  const r = run(pass);
  const injectedAny = (pass.status.targets ?? []).some((t) => t.injected);
  delete pass.status.activeFaults;
  if (pass.policy.spec.fault.type === "CPUHog" && now.getTime() < Date.parse(r.endsAt ?? ""))
    await evictHogged(deps, pass);
  if (verdict === "Aborted")
    pass.events.push({
      type: "Warning",
      reason: "Aborted",
      message: `Run ${r.id} aborted: ${reason}; fault removed`,
    });
  if (r.state === "Pending" || !injectedAny) {
    finish(pass, now, verdict ?? "Failed", reason);
    return;
  }
  r.state = "Recovering";
  r.recoveringSince = iso(now);
  if (verdict !== undefined) r.verdict = verdict;
  r.reason = reason;
  pass.again = true;
}

/** Ends CPUHog early: the hogged pods are evicted (an ephemeral container cannot be stopped). */
async function evictHogged(deps: ChaosDeps, pass: Pass): Promise<void> {
  for (const t of pass.status.targets ?? []) {
    if (t.injected && t.pod !== undefined) await evict(deps, t.namespace, t.pod, undefined);
  }
}

/** True once the target is whole again (LLM faults: as soon as they are removed). */
async function targetRecovered(deps: ChaosDeps, p: ChaosPolicy): Promise<boolean> {
  if (isLLMFault(p)) return true;
  const target = await observeTarget(deps.client, p);
  return target === undefined || target.readyPods >= target.replicas;
}

/** Recovering: wait for the target to be whole again, up to recovery.timeout. */
async function recover(deps: ChaosDeps, pass: Pass, now: Date): Promise<void> {
  const p = pass.policy;
  const r = run(pass);
  delete pass.status.activeFaults;
  const probeFailing = failedProbe(p.spec.steadyState?.probes ?? [], r.probes) !== undefined;
  const reason = r.reason ?? "duration elapsed";
  if (await targetRecovered(deps, p)) {
    for (const t of pass.status.targets ?? []) t.recovered = true;
    r.recoveredAt = iso(now);
    finish(pass, now, finalVerdict(r.verdict, true, probeFailing), reason);
    return;
  }
  const deadline = Date.parse(r.recoveringSince ?? iso(now)) + recoveryMs(p);
  if (now.getTime() < deadline) {
    soonest(pass, new Date(Math.min(now.getTime() + RETRY_MS, deadline)));
    return;
  }
  await recoveryTimedOut(deps, pass, now);
  finish(
    pass,
    now,
    finalVerdict(r.verdict, false, probeFailing),
    `${reason}; target not recovered in time`,
  );
}

/** recovery.timeout passed: Unrecovered condition and Event; ForceCleanup evicts CPUHog pods left. */
async function recoveryTimedOut(deps: ChaosDeps, pass: Pass, now: Date): Promise<void> {
  const p = pass.policy;
  const timeout = p.spec.recovery?.timeout ?? "2m";
  const onTimeout = p.spec.recovery?.onTimeout ?? "ForceCleanup";
  if (onTimeout === "ForceCleanup" && p.spec.fault.type === "CPUHog") await evictHogged(deps, pass);
  pass.events.push({
    type: "Warning",
    reason: "Unrecovered",
    message: `Target not recovered within ${timeout} (onTimeout ${onTimeout})`,
  });
  pass.status.conditions = setCondition(
    pass.status.conditions,
    {
      type: "Unrecovered",
      status: "True",
      reason: "RecoveryTimedOut",
      message: `target not healthy ${timeout} after the fault was removed`,
      observedGeneration: p.metadata.generation ?? 0,
    },
    now,
  );
}

/** Ends the run: verdict (undefined = skipped), history, ledger release happens after the write. */
function finish(pass: Pass, now: Date, verdict: ChaosVerdict | undefined, reason: string): void {
  const r = run(pass);
  r.state = "Finished";
  r.finishedAt = iso(now);
  r.reason = reason;
  delete pass.status.activeFaults;
  const h = history(pass);
  if (verdict === undefined) {
    delete r.verdict;
    h.skipped += 1;
    h.lastSkippedReason = reason;
    pass.events.push({
      type: "Warning",
      reason: "RunSkipped",
      message: `Run ${r.id} skipped: ${reason}`,
    });
  } else recordVerdict(pass, verdict, reason);
  const summary = {
    id: r.id,
    ...(r.verdict !== undefined ? { verdict: r.verdict } : {}),
    reason: reason.slice(0, 1024),
    ...(r.startedAt !== undefined ? { startedAt: r.startedAt } : {}),
    finishedAt: r.finishedAt,
    affected: (pass.status.targets ?? []).length,
  };
  h.runs = [summary, ...(h.runs ?? []).filter((x) => x.id !== r.id)].slice(0, HISTORY);
  pass.releaseLedger = true;
}

const COUNTER = {
  Passed: "passed",
  Failed: "failed",
  Aborted: "aborted",
  DryRun: "dryRuns",
} as const;

function recordVerdict(pass: Pass, verdict: ChaosVerdict, reason: string): void {
  const r = run(pass);
  r.verdict = verdict;
  pass.status.verdict = verdict;
  history(pass)[COUNTER[verdict]] += 1;
  pass.finished = verdict;
  const good = verdict === "Passed" || verdict === "DryRun";
  pass.events.push({
    type: good ? "Normal" : "Warning",
    reason: verdict === "DryRun" ? "DryRun" : `Run${verdict}`,
    message: `Run ${r.id}: ${verdict}: ${reason}`,
  });
}

async function releaseLedger(deps: ChaosDeps, policy: ChaosPolicy): Promise<void> {
  const now = deps.now();
  await updateLedger(
    deps.client,
    targetNamespace(policy),
    ledgerName(policy.spec.target.kind, policy.spec.target.name),
    (ledger) => ({
      ledger: withoutClaims(ledger, keyOf(policy), now),
      result: undefined,
    }),
  );
}

/** Writes the whole status if it changed, guarded by the resourceVersion we read. */
async function writeStatus(
  deps: ChaosDeps,
  policy: ChaosPolicy,
  status: ChaosPolicyStatus,
): Promise<ChaosPolicy> {
  if (stableStringify(status) === stableStringify(policy.status ?? {})) return policy;
  return deps.client.applyStatus<ChaosPolicy>(
    {
      apiVersion: CHAOSPOLICY_GVK.apiVersion,
      kind: CHAOSPOLICY_GVK.kind,
      metadata: {
        name: policy.metadata.name ?? "",
        namespace: policy.metadata.namespace ?? "",
        resourceVersion: policy.metadata.resourceVersion,
      },
      spec: policy.spec,
      status,
    } as ChaosPolicy,
    { fieldManager: CONTROLLER_NAME },
  );
}

type ReadyState = { status: "True" | "False"; reason: string; message: string };

/** The Ready condition: the first that applies of invalid, unrecovered, kill switch, running, suspended, finished, idle. */
function readyOf(pass: Pass, kill: string | undefined, step: Step): ReadyState {
  const s = pass.status;
  const r = s.run;
  if (step.type === "invalid")
    return { status: "False", reason: "NotAdmitted", message: `invalid schedule: ${step.reason}` };
  if ((s.conditions ?? []).some((c) => c.type === "Unrecovered" && c.status === "True"))
    return {
      status: "False",
      reason: "TargetUnrecovered",
      message: "the target did not recover after the last run",
    };
  if (kill !== undefined)
    return {
      status: "False",
      reason: "KillSwitchEngaged",
      message: `kill switch engaged on ${kill}`,
    };
  if (r !== undefined && r.state !== "Finished")
    return { status: "True", reason: "Running", message: `run ${r.id} is ${r.state}` };
  if (pass.policy.spec.suspend)
    return { status: "True", reason: "Suspended", message: "policy suspended" };
  if (r !== undefined)
    return {
      status: "True",
      reason: "Finished",
      message: `run ${r.id} finished${r.verdict !== undefined ? `: ${r.verdict}` : ""}`,
    };
  return { status: "True", reason: "Idle", message: "no run yet" };
}

/** Summary conditions and phase from what this pass did. */
function setConditions(pass: Pass, kill: string | undefined, step: Step, now: Date): void {
  const s = pass.status;
  const gen = pass.policy.metadata.generation ?? 0;
  if (step.type === "start")
    s.conditions = (s.conditions ?? []).filter((c) => c.type !== "Unrecovered");
  s.conditions = setCondition(
    s.conditions,
    kill !== undefined
      ? {
          type: "KillSwitchEngaged",
          status: "True",
          reason: kill.startsWith("Tenant") ? "TenantKillSwitch" : "ClusterKillSwitch",
          message: `kill switch engaged on ${kill}: faults removed, new runs refused`,
          observedGeneration: gen,
        }
      : {
          type: "KillSwitchEngaged",
          status: "False",
          reason: "NotEngaged",
          message: "kill switch not engaged",
          observedGeneration: gen,
        },
    now,
  );
  s.conditions = setCondition(
    s.conditions,
    { type: "Ready", ...readyOf(pass, kill, step), observedGeneration: gen },
    now,
  );
  s.phase = s.run?.state ?? "Idle";
  s.observedGeneration = gen;
}
