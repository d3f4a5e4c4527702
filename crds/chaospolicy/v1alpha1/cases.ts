/** Valid and invalid ChaosPolicy objects with the error each must produce. */
import { mergePatch, withSpec } from "../../shared/cases.ts";
import type { InvalidCase, JsonObject, ValidCase } from "../../shared/cases.ts";

const base: JsonObject = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "ChaosPolicy",
  metadata: { name: "kill-one" },
  spec: {
    fault: { type: "PodDelete" },
    target: { kind: "AIModel", name: "llama" },
    duration: "5m",
    dryRun: true,
  },
};

const fault = (name: string, f: JsonObject, target: JsonObject = {}): JsonObject =>
  mergePatch(base, { metadata: { name }, spec: { fault: f, target } });

export const validCases: readonly ValidCase[] = [
  { name: "pod delete dry run", object: base },
  {
    name: "provider failure on an AIModel",
    object: fault("provider", {
      type: "ProviderFailure",
      providerFailure: { errorRate: "0.5", statusCode: 429 },
    }),
  },
  {
    name: "provider latency on an AIModel",
    object: fault("latency", { type: "ProviderLatency", providerLatency: { addedLatencyMs: 200 } }),
  },
  {
    name: "stream cut on an AIModel",
    object: fault("cut", { type: "StreamCut", streamCut: { dropRate: "0.3", afterChunks: 1 } }),
  },
  {
    name: "pod delete on a ChatRegion",
    object: fault("region", { type: "PodDelete" }, { kind: "ChatRegion", name: "eu-west" }),
  },
  {
    name: "cpu hog on a Deployment",
    object: fault(
      "cpu",
      { type: "CPUHog", cpuHog: { cores: 2 } },
      { kind: "Deployment", name: "chat-gateway" },
    ),
  },
  {
    name: "percent blast radius within the cap",
    object: withSpec(base, "percent", {
      blastRadius: { mode: "Percent", value: 20, maxAffectedPercent: 25 },
    }),
  },
  {
    name: "fixed blast radius",
    object: withSpec(base, "fixed", { blastRadius: { mode: "Fixed", value: 2 } }),
  },
  {
    name: "exactly 1h with schedule and probes",
    object: withSpec(base, "scheduled", {
      duration: "1h",
      schedule: { cron: "0 3 * * 1" },
      steadyState: {
        probes: [
          {
            name: "http",
            type: "HTTP",
            url: "https://chat.acme.test/healthz",
            comparator: "==",
            threshold: "200",
          },
          {
            name: "errors",
            type: "Prometheus",
            query: "sum(rate(x[1m]))",
            comparator: "<",
            threshold: "0.05",
          },
        ],
      },
      recovery: { timeout: "5m" },
    }),
  },
];

export const invalidCases: readonly InvalidCase[] = [
  {
    name: "duration above 1h",
    object: withSpec(base, "long", { duration: "61m" }),
    expectFieldPath: "spec.duration",
    expectMessageIncludes: "duration must be between 1s and 1h",
  },
  {
    name: "duration 0s",
    object: withSpec(base, "zero", { duration: "0s" }),
    expectFieldPath: "spec.duration",
    expectMessageIncludes: "duration must be between 1s and 1h",
  },
  {
    name: "missing duration",
    object: mergePatch(base, { metadata: { name: "nodur" }, spec: { duration: null } }),
    expectFieldPath: "spec.duration",
    expectMessageIncludes: "Required value",
  },
  {
    name: "ProviderFailure without its block",
    object: fault("pf", { type: "ProviderFailure" }),
    expectFieldPath: "spec.fault.providerFailure",
    expectMessageIncludes: "providerFailure must be set when type is ProviderFailure and only then",
  },
  {
    name: "ProviderLatency without its block",
    object: fault("nl", { type: "ProviderLatency" }),
    expectFieldPath: "spec.fault.providerLatency",
    expectMessageIncludes: "providerLatency must be set when type is ProviderLatency and only then",
  },
  {
    name: "StreamCut with a providerFailure block",
    object: fault("sc", {
      type: "StreamCut",
      streamCut: { dropRate: "0.5" },
      providerFailure: { errorRate: "0.5" },
    }),
    expectFieldPath: "spec.fault.providerFailure",
    expectMessageIncludes: "providerFailure must be set when type is ProviderFailure and only then",
  },
  {
    name: "StreamCut without its block",
    object: fault("sc0", { type: "StreamCut" }),
    expectFieldPath: "spec.fault.streamCut",
    expectMessageIncludes: "streamCut must be set when type is StreamCut and only then",
  },
  {
    name: "CPUHog without its block",
    object: fault("cpu", { type: "CPUHog" }),
    expectFieldPath: "spec.fault.cpuHog",
    expectMessageIncludes: "cpuHog must be set when type is CPUHog and only then",
  },
  {
    name: "PodDelete with a cpuHog block",
    object: fault("mixed", { type: "PodDelete", cpuHog: { cores: 1 } }),
    expectFieldPath: "spec.fault.cpuHog",
    expectMessageIncludes: "cpuHog must be set when type is CPUHog and only then",
  },
  {
    name: "CPUHog with a podDelete block",
    object: fault("mixed2", { type: "CPUHog", cpuHog: { cores: 1 }, podDelete: {} }),
    expectFieldPath: "spec.fault.podDelete",
    expectMessageIncludes: "podDelete is only allowed when type is PodDelete",
  },
  {
    name: "StreamCut against a ChatRegion",
    object: fault(
      "scdep",
      { type: "StreamCut", streamCut: { dropRate: "0.5" } },
      { kind: "ChatRegion", name: "eu" },
    ),
    expectFieldPath: "spec.target.kind",
    expectMessageIncludes: "ProviderLatency and StreamCut faults can only target an AIModel",
  },
  {
    name: "ProviderFailure against a Deployment",
    object: fault(
      "pfdep",
      { type: "ProviderFailure", providerFailure: { errorRate: "1" } },
      { kind: "Deployment", name: "x" },
    ),
    expectFieldPath: "spec.target.kind",
    expectMessageIncludes:
      "ProviderFailure, ProviderLatency and StreamCut faults can only target an AIModel",
  },
  {
    name: "errorRate above 1",
    object: fault("rate", { type: "ProviderFailure", providerFailure: { errorRate: "1.5" } }),
    expectFieldPath: "spec.fault.providerFailure.errorRate",
    expectMessageIncludes: "should match",
  },
  {
    name: "mode One with a value",
    object: withSpec(base, "one", { blastRadius: { mode: "One", value: 3 } }),
    expectFieldPath: "spec.blastRadius.value",
    expectMessageIncludes: "value is required for modes Fixed and Percent and forbidden for One",
  },
  {
    name: "mode Fixed without value",
    object: withSpec(base, "fixed0", { blastRadius: { mode: "Fixed" } }),
    expectFieldPath: "spec.blastRadius.value",
    expectMessageIncludes: "value is required for modes Fixed and Percent and forbidden for One",
  },
  {
    name: "percent above the cap",
    object: withSpec(base, "cap", { blastRadius: { mode: "Percent", value: 50 } }),
    expectFieldPath: "spec.blastRadius.value",
    expectMessageIncludes: "value must not exceed maxAffectedPercent in Percent mode",
  },
  {
    name: "cap above 100",
    object: withSpec(base, "cap100", { blastRadius: { maxAffectedPercent: 101 } }),
    expectFieldPath: "spec.blastRadius.maxAffectedPercent",
    expectMessageIncludes: "should be less than or equal to 100",
  },
  {
    name: "HTTP probe without url",
    object: withSpec(base, "probe1", {
      steadyState: { probes: [{ name: "p", type: "HTTP", comparator: "==", threshold: "200" }] },
    }),
    expectFieldPath: "spec.steadyState.probes[0].url",
    expectMessageIncludes: "url is required for HTTP probes",
  },
  {
    name: "Prometheus probe without query",
    object: withSpec(base, "probe2", {
      steadyState: { probes: [{ name: "p", type: "Prometheus", comparator: "<", threshold: "1" }] },
    }),
    expectFieldPath: "spec.steadyState.probes[0].query",
    expectMessageIncludes: "query is required for Prometheus probes",
  },
  {
    name: "recovery timeout above 1h",
    object: withSpec(base, "recovery", { recovery: { timeout: "2h" } }),
    expectFieldPath: "spec.recovery.timeout",
    expectMessageIncludes: "recovery.timeout must be at most 1h",
  },
  {
    name: "six-field cron",
    object: withSpec(base, "cron", { schedule: { cron: "0 0 3 * * 1" } }),
    expectFieldPath: "spec.schedule.cron",
    expectMessageIncludes: "should match",
  },
];
