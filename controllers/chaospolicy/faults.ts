// What each fault asks of the cluster, as pure builders (one per injected object, table-tested):
// - LLM faults become entries of status.activeFaults (contract #3: the inference gateway's config
//   renderer copies them into its routing `faults[]`), each with expiresAt = end of the run, so the
//   gateway stops by itself if the operator dies;
// - PodDelete is a policy/v1 Eviction (PodDisruptionBudgets hold; a 429 means "not now");
// - CPUHog is an ephemeral container whose command stops itself at the run's end. Ephemeral
//   containers cannot be removed and the API server forbids resources on them, so the bound is in
//   the command (worker count = cores, hard `timeout`), and an early stop evicts the pod.
import type { V1EphemeralContainer } from "@kubernetes/client-node";
import type { ChaosActiveFault, ChaosPolicy } from "../../crds/chaospolicy/v1alpha1/index.ts";
import { LLM_FAULT_TYPES } from "../../crds/chaospolicy/v1alpha1/index.ts";

/** True for faults carried by the inference gateway. */
export function isLLMFault(policy: ChaosPolicy): boolean {
  return (LLM_FAULT_TYPES as readonly string[]).includes(policy.spec.fault.type);
}

/** Gateway backend name of an AIModel (contract #3). */
export function backendOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The activeFaults entry of an LLM fault on `backend`, in force until `expiresAt`. */
export function activeFault(
  policy: ChaosPolicy,
  backend: string,
  expiresAt: string,
): ChaosActiveFault | undefined {
  const f = policy.spec.fault;
  if (f.type === "ProviderFailure" && f.providerFailure !== undefined) {
    const p = f.providerFailure;
    return {
      backend,
      errorRate: Number(p.errorRate),
      errorStatus: p.statusCode,
      ...(p.delayMs > 0 ? { addedLatencyMs: p.delayMs } : {}),
      expiresAt,
    };
  }
  if (f.type === "ProviderLatency" && f.providerLatency !== undefined)
    return { backend, addedLatencyMs: f.providerLatency.addedLatencyMs, expiresAt };
  if (f.type === "StreamCut" && f.streamCut !== undefined)
    return {
      backend,
      midStreamDropRate: Number(f.streamCut.dropRate),
      dropAfterChunks: f.streamCut.afterChunks,
      expiresAt,
    };
  return undefined;
}

/** Body of POST pods/<name>/eviction. */
export function evictionBody(
  namespace: string,
  pod: string,
  gracePeriodSeconds: number | undefined,
): Record<string, unknown> {
  return {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: pod, namespace },
    ...(gracePeriodSeconds !== undefined ? { deleteOptions: { gracePeriodSeconds } } : {}),
  };
}

/** Name of the CPUHog ephemeral container of a run (unique per run: ephemeral containers stay). */
export function hogContainerName(runId: string): string {
  return `chaos-cpuhog-${runId}`.slice(0, 63);
}

/**
 * The CPUHog ephemeral container: `cores` busy loops under `timeout -s KILL <seconds>`, so it
 * ends by itself after the run's duration whatever happens to the operator.
 */
export function hogContainer(
  policy: ChaosPolicy,
  runId: string,
  seconds: number,
  opts: { image: string; targetContainer?: string | undefined },
): V1EphemeralContainer {
  const { image, targetContainer } = opts;
  const cores = policy.spec.fault.cpuHog?.cores ?? 1;
  const secs = Math.max(1, Math.ceil(seconds));
  return {
    name: hogContainerName(runId),
    image,
    command: [
      "timeout",
      "-s",
      "KILL",
      String(secs),
      "sh",
      "-c",
      'i=0; while [ "$i" -lt "$0" ]; do i=$((i+1)); (while :; do :; done) & done; wait',
      String(cores),
    ],
    ...(targetContainer !== undefined ? { targetContainerName: targetContainer } : {}),
    securityContext: {
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      runAsUser: 65534,
      capabilities: { drop: ["ALL"] },
    },
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}
