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
    name: "network latency on a ChatRegion",
    object: fault(
      "latency",
      { type: "NetworkLatency", networkLatency: { delayMs: 200, jitterMs: 50 } },
      { kind: "ChatRegion", name: "eu-west" },
    ),
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
    name: "NetworkLatency without its block",
    object: fault("nl", { type: "NetworkLatency" }),
    expectFieldPath: "spec.fault.networkLatency",
    expectMessageIncludes: "networkLatency must be set when type is NetworkLatency and only then",
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
    name: "jitter above delay",
    object: fault("jitter", {
      type: "NetworkLatency",
      networkLatency: { delayMs: 10, jitterMs: 20 },
    }),
    expectFieldPath: "spec.fault.networkLatency.jitterMs",
    expectMessageIncludes: "jitterMs must not exceed delayMs",
  },
  {
    name: "ProviderFailure against a Deployment",
    object: fault(
      "pfdep",
      { type: "ProviderFailure", providerFailure: { errorRate: "1" } },
      { kind: "Deployment", name: "x" },
    ),
    expectFieldPath: "spec.target.kind",
    expectMessageIncludes: "ProviderFailure faults can only target an AIModel",
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
