/**
 * ChaosPolicy (librechat.io/v1alpha1, namespaced): one bounded fault-injection experiment against an
 * AIModel, ChatRegion or Deployment of the same tenant, with a hard blast-radius cap, a required
 * duration, steady-state probes, dry-run, and a kill switch.
 *
 * Kill switch (no extra kind): the annotation `librechat.io/chaos-kill-switch: "engaged"` on
 * (a) the operator's Namespace object (cluster-wide; Namespaces are cluster-scoped and patching
 * them needs cluster-level RBAC) or (b) the Tenant that owns the policy's namespace. It is read
 * before every injection and on every reconcile: while engaged, running faults are removed,
 * new runs are refused (admission webhook) and status shows KillSwitchEngaged=True.
 */
import { Type } from "@sinclair/typebox";
import {
  Conditions,
  Duration,
  LabelName,
  ObjectName,
  ObservedGeneration,
  Ratio,
  Resource,
  StringEnum,
  Timestamp,
} from "../../shared/schema.ts";
import type { CelRule } from "../../shared/schema.ts";

import { BLAST_RADIUS_DEFAULTS } from "./rules.ts";

export { CHAOS_KILL_SWITCH_ANNOTATION, CHAOS_KILL_SWITCH_ENGAGED } from "./rules.ts";

export const FAULT_TYPES = [
  "PodDelete",
  "ProviderFailure",
  "ProviderLatency",
  "StreamCut",
  "CPUHog",
] as const;
/** Faults carried to the inference gateway through status.activeFaults (AIModel targets only). */
export const LLM_FAULT_TYPES = ["ProviderFailure", "ProviderLatency", "StreamCut"] as const;
export const TARGET_KINDS = ["AIModel", "ChatRegion", "Deployment"] as const;
export const BLAST_RADIUS_MODES = ["One", "Fixed", "Percent"] as const;
/** Run states, in order; Idle means no run has started yet. */
export const CHAOS_PHASES = [
  "Idle",
  "Pending",
  "Injecting",
  "Running",
  "Recovering",
  "Finished",
] as const;
export const RUN_STATES = ["Pending", "Injecting", "Running", "Recovering", "Finished"] as const;
export const VERDICTS = ["Passed", "Aborted", "Failed", "DryRun"] as const;
export const COMPARATORS = ["<", "<=", "==", "!=", ">=", ">"] as const;

export const FaultSchema = Type.Object(
  {
    type: StringEnum(FAULT_TYPES, {
      description: "Fault to inject; the block of the same name configures it.",
    }),
    podDelete: Type.Optional(
      Type.Object(
        {
          gracePeriodSeconds: Type.Integer({
            description: "Grace period of the deletion; 0 kills at once.",
            minimum: 0,
            maximum: 3600,
            default: 0,
          }),
        },
        {
          additionalProperties: false,
          description: "Delete target pods (optional block for type PodDelete).",
        },
      ),
    ),
    providerFailure: Type.Optional(
      Type.Object(
        {
          errorRate: Ratio({ description: "Share of requests to the model's provider that fail." }),
          statusCode: Type.Integer({
            description: "HTTP status returned for failed requests (429 simulates rate limiting).",
            minimum: 400,
            maximum: 599,
            default: 503,
          }),
          delayMs: Type.Integer({
            description: "Delay before the failure is returned, in milliseconds.",
            minimum: 0,
            maximum: 600000,
            default: 0,
          }),
        },
        {
          additionalProperties: false,
          description:
            "Make the inference gateway fail requests to the target AIModel (required for type ProviderFailure).",
        },
      ),
    ),
    providerLatency: Type.Optional(
      Type.Object(
        {
          addedLatencyMs: Type.Integer({
            description: "Latency the inference gateway adds before each call to the model.",
            minimum: 1,
            maximum: 600000,
          }),
        },
        {
          additionalProperties: false,
          description:
            "Slow down every request to the target AIModel in the inference gateway (required for type ProviderLatency).",
        },
      ),
    ),
    streamCut: Type.Optional(
      Type.Object(
        {
          dropRate: Ratio({ description: "Share of streamed responses that are cut." }),
          afterChunks: Type.Integer({
            description: "Chunks delivered before a cut stream fails.",
            minimum: 0,
            maximum: 100000,
            default: 2,
          }),
        },
        {
          additionalProperties: false,
          description:
            "Cut streamed responses of the target AIModel mid-way in the inference gateway (required for type StreamCut).",
        },
      ),
    ),
    cpuHog: Type.Optional(
      Type.Object(
        {
          cores: Type.Integer({
            description: "CPU cores to load in each target pod.",
            minimum: 1,
            maximum: 64,
          }),
        },
        {
          additionalProperties: false,
          description:
            "Burn CPU in target pods with an ephemeral container whose command stops itself at the end of the duration (required for type CPUHog).",
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "The fault and its settings: exactly the block matching type may be set.",
    "x-kubernetes-validations": [
      {
        rule: "self.type == 'PodDelete' || !has(self.podDelete)",
        message: "podDelete is only allowed when type is PodDelete",
        fieldPath: ".podDelete",
        reason: "FieldValueForbidden",
      },
      {
        rule: "(self.type == 'ProviderFailure') == has(self.providerFailure)",
        message: "providerFailure must be set when type is ProviderFailure and only then",
        fieldPath: ".providerFailure",
      },
      {
        rule: "(self.type == 'ProviderLatency') == has(self.providerLatency)",
        message: "providerLatency must be set when type is ProviderLatency and only then",
        fieldPath: ".providerLatency",
      },
      {
        rule: "(self.type == 'StreamCut') == has(self.streamCut)",
        message: "streamCut must be set when type is StreamCut and only then",
        fieldPath: ".streamCut",
      },
      {
        rule: "(self.type == 'CPUHog') == has(self.cpuHog)",
        message: "cpuHog must be set when type is CPUHog and only then",
        fieldPath: ".cpuHog",
      },
    ] satisfies CelRule[],
  },
);

export const TargetSchema = Type.Object(
  {
    kind: StringEnum(TARGET_KINDS, {
      description:
        "Kind of the target (AIModel and ChatRegion are librechat.io, Deployment is apps/v1).",
    }),
    name: ObjectName("Name of the target."),
    namespace: Type.Optional(
      LabelName(
        "Namespace of the target; absent means the policy's namespace. Must belong to the same Tenant (admission webhook).",
      ),
    ),
  },
  { additionalProperties: false, description: "What the fault is injected into." },
);

export const BlastRadiusSchema = Type.Object(
  {
    mode: StringEnum(BLAST_RADIUS_MODES, {
      description: "One pod, a Fixed number of pods, or a Percent of eligible pods.",
      default: BLAST_RADIUS_DEFAULTS.mode,
    }),
    value: Type.Optional(
      Type.Integer({
        description: "Pod count (Fixed) or percentage (Percent); not allowed for One.",
        minimum: 1,
        maximum: 1000,
      }),
    ),
    maxAffectedPercent: Type.Integer({
      description: "Hard cap on the share of eligible pods affected, whatever mode says.",
      minimum: 1,
      maximum: 100,
      default: BLAST_RADIUS_DEFAULTS.maxAffectedPercent,
    }),
    minHealthyReplicas: Type.Integer({
      description: "Never affect a pod if fewer than this many ready pods would remain.",
      minimum: 0,
      maximum: 1000,
      default: BLAST_RADIUS_DEFAULTS.minHealthyReplicas,
    }),
  },
  {
    additionalProperties: false,
    description: "How many pods the fault may touch.",
    "x-kubernetes-validations": [
      {
        rule: "self.mode == 'One' ? !has(self.value) : has(self.value)",
        message: "value is required for modes Fixed and Percent and forbidden for One",
        fieldPath: ".value",
      },
      {
        rule: "self.mode != 'Percent' || !has(self.value) || self.value <= self.maxAffectedPercent",
        message: "value must not exceed maxAffectedPercent in Percent mode",
        fieldPath: ".value",
      },
    ] satisfies CelRule[],
  },
);

export const ProbeSchema = Type.Object(
  {
    name: LabelName("Probe name."),
    type: StringEnum(["HTTP", "Prometheus"] as const, {
      description:
        "HTTP compares the response status code; Prometheus compares the query's scalar result.",
    }),
    url: Type.Optional(
      Type.String({
        description: "URL requested (type HTTP).",
        format: "uri",
        maxLength: 2048,
        pattern: "^https?://",
      }),
    ),
    query: Type.Optional(
      Type.String({
        description: "PromQL query returning one scalar (type Prometheus).",
        minLength: 1,
        maxLength: 4096,
      }),
    ),
    comparator: StringEnum(COMPARATORS, {
      description:
        "How the observed value is compared with threshold (observed <comparator> threshold must hold).",
    }),
    threshold: Type.String({
      description: 'Threshold as a decimal string, e.g. "200" or "0.05".',
      maxLength: 32,
      pattern: "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$",
    }),
    interval: Duration({ description: "Time between probes.", default: "10s" }),
    failureThreshold: Type.Integer({
      description: "Consecutive failures before the steady state counts as lost.",
      minimum: 1,
      maximum: 100,
      default: 1,
    }),
  },
  {
    additionalProperties: false,
    description: "A steady-state probe.",
    "x-kubernetes-validations": [
      {
        rule: "(self.type == 'HTTP') == has(self.url)",
        message: "url is required for HTTP probes and forbidden for Prometheus probes",
        fieldPath: ".url",
      },
      {
        rule: "(self.type == 'Prometheus') == has(self.query)",
        message: "query is required for Prometheus probes and forbidden for HTTP probes",
        fieldPath: ".query",
      },
    ] satisfies CelRule[],
  },
);

export const ChaosPolicySpecSchema = Type.Object(
  {
    fault: FaultSchema,
    target: TargetSchema,
    blastRadius: Type.Optional(BlastRadiusSchema),
    duration: Duration({
      description:
        "How long the fault stays injected; required, at most 1h (the webhook may enforce a lower cluster maximum).",
    }),
    schedule: Type.Optional(
      Type.Object(
        {
          cron: Type.String({
            description: "Five-field cron expression (UTC) or @hourly/@daily/@weekly/@monthly.",
            minLength: 1,
            maxLength: 128,
            pattern: "^(@(hourly|daily|weekly|monthly)|[^ ]+( [^ ]+){4})$",
          }),
          concurrencyPolicy: StringEnum(["Forbid", "Replace"] as const, {
            description: "Forbid skips a run while the previous one is active; Replace aborts it.",
            default: "Forbid",
          }),
          startingDeadlineSeconds: Type.Optional(
            Type.Integer({
              description: "Skip a run that could not start within this many seconds of its time.",
              minimum: 1,
              maximum: 86400,
            }),
          ),
        },
        {
          additionalProperties: false,
          description: "Repeat the experiment on a schedule; absent runs once.",
        },
      ),
    ),
    dryRun: Type.Boolean({
      description: "Select targets and run probes, but inject nothing.",
      default: false,
    }),
    suspend: Type.Boolean({
      description: "Stop scheduling runs and remove an injected fault.",
      default: false,
    }),
    steadyState: Type.Optional(
      Type.Object(
        {
          probes: Type.Array(ProbeSchema, {
            description: "Probes checked before, during and after the fault.",
            minItems: 1,
            maxItems: 8,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
          }),
          abortOnFailure: Type.Boolean({
            description: "Remove the fault at once when a probe fails.",
            default: true,
          }),
        },
        { additionalProperties: false, description: "Steady-state hypothesis." },
      ),
    ),
    recovery: Type.Optional(
      Type.Object(
        {
          timeout: Duration({
            description:
              "Longest wait for the target to become healthy after the fault is removed.",
            default: "2m",
          }),
          onTimeout: StringEnum(["ForceCleanup", "Alert"] as const, {
            description:
              "ForceCleanup deletes leftover fault resources and pods; Alert only reports Unrecovered.",
            default: "ForceCleanup",
          }),
        },
        { additionalProperties: false, description: "Recovery after the fault." },
      ),
    ),
    interlocks: Type.Optional(
      Type.Object(
        {
          skipIfRolloutInProgress: Type.Boolean({
            description:
              "Skip the run while the target AIModel is rolling out (chaos must not pollute canary analysis).",
            default: true,
          }),
        },
        { additionalProperties: false, description: "Conditions under which a run is skipped." },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "Desired state of the ChaosPolicy.",
    "x-kubernetes-validations": [
      {
        rule: "duration(self.duration) >= duration('1s') && duration(self.duration) <= duration('1h')",
        message: "duration must be between 1s and 1h",
        fieldPath: ".duration",
      },
      {
        rule: "!(self.fault.type in ['ProviderFailure', 'ProviderLatency', 'StreamCut']) || self.target.kind == 'AIModel'",
        message: "ProviderFailure, ProviderLatency and StreamCut faults can only target an AIModel",
        fieldPath: ".target.kind",
      },
      {
        rule: "!has(self.recovery) || duration(self.recovery.timeout) <= duration('1h')",
        message: "recovery.timeout must be at most 1h",
        fieldPath: ".recovery.timeout",
      },
    ] satisfies CelRule[],
  },
);

/**
 * One active LLM fault, read by the inference gateway's config renderer into its routing
 * `faults[]` (same field names). `expiresAt` makes the gateway stop by itself even if the
 * operator dies.
 */
export const ActiveFaultSchema = Type.Object(
  {
    backend: Type.String({
      description: 'Gateway backend of the AIModel: "<namespace>/<name>".',
      minLength: 3,
      maxLength: 317,
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$",
    }),
    errorRate: Type.Optional(
      Type.Number({ description: "Share of calls that fail.", minimum: 0, maximum: 1 }),
    ),
    errorStatus: Type.Optional(
      Type.Integer({ description: "HTTP status of failed calls.", minimum: 400, maximum: 599 }),
    ),
    addedLatencyMs: Type.Optional(
      Type.Integer({ description: "Latency added before each call.", minimum: 0, maximum: 600000 }),
    ),
    midStreamDropRate: Type.Optional(
      Type.Number({ description: "Share of streams cut.", minimum: 0, maximum: 1 }),
    ),
    dropAfterChunks: Type.Optional(
      Type.Integer({ description: "Chunks before a cut.", minimum: 0, maximum: 100000 }),
    ),
    expiresAt: Timestamp("The fault switches itself off after this time (RFC 3339)."),
  },
  { additionalProperties: false, description: "An LLM fault in force." },
);

const RunSummaryFields = {
  id: Type.String({ description: "Run identifier.", maxLength: 64 }),
  verdict: Type.Optional(StringEnum(VERDICTS, { description: "Outcome of the run." })),
  reason: Type.Optional(
    Type.String({ description: "Why the run ended as it did.", maxLength: 1024 }),
  ),
  startedAt: Type.Optional(Timestamp("Run start.")),
  finishedAt: Type.Optional(Timestamp("Run end.")),
  affected: Type.Optional(
    Type.Integer({ description: "Targets hit (or, in a dry run, that would be hit).", minimum: 0 }),
  ),
};

export const ProbeStatusSchema = Type.Object(
  {
    name: LabelName("Probe name."),
    ok: Type.Boolean({ description: "The last check held." }),
    consecutiveFailures: Type.Integer({ description: "Failed checks in a row.", minimum: 0 }),
    lastValue: Type.Optional(
      Type.String({ description: "Last observed value (or error).", maxLength: 256 }),
    ),
    lastCheckTime: Type.Optional(Timestamp("Last check.")),
  },
  { additionalProperties: false, description: "State of one steady-state probe in this run." },
);

export const ChaosPolicyStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration()),
    phase: Type.Optional(
      StringEnum(CHAOS_PHASES, { description: "State of the current or last run." }),
    ),
    conditions: Type.Optional(
      Conditions(
        "Ready, TargetsSelected, AllInjected, AllRecovered, SteadyStateOK, KillSwitchEngaged and Unrecovered, keyed by type.",
      ),
    ),
    run: Type.Optional(
      Type.Object(
        {
          ...RunSummaryFields,
          state: StringEnum(RUN_STATES, {
            description: "Pending → Injecting → Running → Recovering → Finished.",
          }),
          dryRun: Type.Optional(Type.Boolean({ description: "The run injects nothing." })),
          generation: Type.Optional(ObservedGeneration("The spec generation the run follows.")),
          scheduledAt: Type.Optional(Timestamp("Schedule time that started the run.")),
          injectedAt: Type.Optional(Timestamp("Fault injected.")),
          endsAt: Type.Optional(
            Timestamp("The fault is removed at this time at the latest (injection + duration)."),
          ),
          recoveringSince: Type.Optional(Timestamp("Fault removed; waiting for recovery.")),
          recoveredAt: Type.Optional(Timestamp("Target healthy again.")),
          probes: Type.Optional(
            Type.Array(ProbeStatusSchema, {
              description: "Steady-state probes of this run.",
              maxItems: 8,
              "x-kubernetes-list-type": "atomic",
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            "The current or last run; the operator resumes it from here after a restart.",
        },
      ),
    ),
    affected: Type.Optional(
      Type.Object(
        {
          count: Type.Integer({ description: "Targets affected.", minimum: 0 }),
          percent: Type.Integer({
            description: "Share of the target's replicas affected.",
            minimum: 0,
            maximum: 100,
          }),
          totalEligible: Type.Integer({
            description: "Replicas of the target (effective desired replicas).",
            minimum: 0,
          }),
        },
        { additionalProperties: false, description: "Blast radius actually applied." },
      ),
    ),
    targets: Type.Optional(
      Type.Array(
        Type.Object(
          {
            namespace: LabelName("Namespace of the pod."),
            pod: Type.Optional(ObjectName("Pod name (pod faults).")),
            backend: Type.Optional(
              Type.String({ description: "Gateway backend (LLM faults).", maxLength: 317 }),
            ),
            injected: Type.Boolean({ description: "The fault was injected into this target." }),
            recovered: Type.Boolean({
              description: "The fault was removed and the target is healthy (or replaced).",
            }),
          },
          { additionalProperties: false, description: "One affected target." },
        ),
        {
          description:
            "Targets of the current or last run (in a dry run: what would be hit, injected false).",
          maxItems: 100,
          "x-kubernetes-list-type": "atomic",
        },
      ),
    ),
    activeFaults: Type.Optional(
      Type.Array(ActiveFaultSchema, {
        description:
          "LLM faults in force, read by the inference gateway's config renderer; cleared at the end of a run and by the kill switch.",
        maxItems: 16,
        "x-kubernetes-list-type": "atomic",
      }),
    ),
    verdict: Type.Optional(
      StringEnum(VERDICTS, { description: "Outcome of the last finished run." }),
    ),
    history: Type.Optional(
      Type.Object(
        {
          passed: Type.Integer({ description: "Runs that passed.", minimum: 0 }),
          failed: Type.Integer({ description: "Runs that failed.", minimum: 0 }),
          aborted: Type.Integer({ description: "Runs that were aborted.", minimum: 0 }),
          dryRuns: Type.Integer({ description: "Dry runs.", minimum: 0 }),
          skipped: Type.Integer({ description: "Runs that were skipped.", minimum: 0 }),
          lastSkippedReason: Type.Optional(
            Type.String({ description: "Why the last run was skipped.", maxLength: 1024 }),
          ),
          lastScheduleTime: Type.Optional(Timestamp("Last scheduled run.")),
          nextScheduleTime: Type.Optional(Timestamp("Next scheduled run.")),
          runs: Type.Optional(
            Type.Array(
              Type.Object(RunSummaryFields, {
                additionalProperties: false,
                description: "A finished run.",
              }),
              {
                description: "The last finished runs, newest first (at most 10).",
                maxItems: 10,
                "x-kubernetes-list-type": "atomic",
              },
            ),
          ),
        },
        { additionalProperties: false, description: "Run counters and the last runs." },
      ),
    ),
  },
  { additionalProperties: false, description: "Observed state of the ChaosPolicy." },
);

export const ChaosPolicySchema = Resource(
  "ChaosPolicy",
  ChaosPolicySpecSchema,
  ChaosPolicyStatusSchema,
  {
    description:
      "A bounded fault-injection experiment. Kill switch: annotate the operator Namespace (cluster-wide) or the owning Tenant with librechat.io/chaos-kill-switch=engaged to remove running faults and refuse new runs.",
  },
);
