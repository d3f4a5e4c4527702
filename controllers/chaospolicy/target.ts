// Reads what a run needs to know about its target, fresh from the API server (chaos decisions
// must not act on a stale cache): the replica count by the shared effective-replicas rule, the
// pods behind it, and whether a rollout is in progress. AIModel and ChatRegion pods are those of
// the Deployment of the same name (what their controllers create).
import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import type { AIModel } from "../../crds/aimodel/v1alpha1/index.ts";
import type { ChaosPolicy } from "../../crds/chaospolicy/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
// The one shared effective-replicas rule; it moves next to the AIModel schema with the structure
// helper's kind records (import path to update then).
import { effectiveReplicas, isSelfHosted } from "../aimodel/desired.ts";
import type { PodInfo } from "./blast.ts";
import { AIMODEL, CHATREGION, DEPLOYMENT, POD } from "./gvks.ts";

export interface TargetView {
  namespace: string;
  name: string;
  /** Effective desired replicas (0 for external AIModels). */
  replicas: number;
  pods: PodInfo[];
  readyPods: number;
  rolloutInProgress: boolean;
  /** First container of the pod template (the ephemeral container's target). */
  mainContainer?: string;
}

export function targetNamespace(policy: ChaosPolicy): string {
  const ns = policy.spec.target.namespace;
  return ns !== undefined && ns !== "" ? ns : (policy.metadata.namespace ?? "");
}

function podInfo(p: V1Pod): PodInfo {
  const ready =
    p.status?.phase === "Running" &&
    (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
  return {
    name: p.metadata?.name ?? "",
    namespace: p.metadata?.namespace ?? "",
    ready,
    terminating: p.metadata?.deletionTimestamp !== undefined,
  };
}

function deploymentRolling(d: V1Deployment | undefined): boolean {
  if (d === undefined) return false;
  const s = d.status ?? {};
  if ((s.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) return true;
  return replicasRolling(d.spec?.replicas, s.updatedReplicas, s.replicas);
}

/** Fewer pods of the new template than wanted, or old ones still around. */
function replicasRolling(want = 1, updated = 0, total = 0): boolean {
  return updated < want || total > updated;
}

async function podsOf(
  client: Pick<KubeClient, "list">,
  d: V1Deployment | undefined,
  ns: string,
): Promise<PodInfo[]> {
  const sel = d?.spec?.selector.matchLabels;
  if (sel === undefined || Object.keys(sel).length === 0) return [];
  const labelSelector = Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const pods = await client.list<V1Pod>(POD, ns, { labelSelector });
  return pods.map(podInfo).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Replicas and rollout state from the target object itself (AIModel), or -1 to use its Deployment. */
async function ownView(
  client: Pick<KubeClient, "get">,
  kind: string,
  ns: string,
  name: string,
): Promise<{ replicas: number; rolling: boolean } | undefined> {
  if (kind === "AIModel") {
    const m = await client.get<AIModel>(AIMODEL, ns, name);
    if (m === undefined) return undefined;
    const rolling = (m.status?.conditions ?? []).some(
      (c) => c.type === "Progressing" && c.status === "True" && c.reason === "RolloutInProgress",
    );
    return { replicas: isSelfHosted(m) ? effectiveReplicas(m) : 0, rolling };
  }
  if (kind === "ChatRegion" && (await client.get(CHATREGION, ns, name)) === undefined)
    return undefined;
  return { replicas: -1, rolling: false };
}

/** The target as it is now, or undefined if it does not exist. */
export async function observeTarget(
  client: Pick<KubeClient, "get" | "list">,
  policy: ChaosPolicy,
): Promise<TargetView | undefined> {
  const ns = targetNamespace(policy);
  const { kind, name } = policy.spec.target;
  const own = await ownView(client, kind, ns, name);
  if (own === undefined) return undefined;
  const d = await client.get<V1Deployment>(DEPLOYMENT, ns, name);
  if (kind === "Deployment" && d === undefined) return undefined;
  const pods = await podsOf(client, d, ns);
  return viewOf({ namespace: ns, name, own, deployment: d, pods });
}

const mainContainer = (d: V1Deployment | undefined): string | undefined =>
  d?.spec?.template.spec?.containers[0]?.name;
const deploymentReplicas = (d: V1Deployment | undefined): number => d?.spec?.replicas ?? 0;

/** The view from what was read: replicas from the target itself unless it defers to its Deployment. */
export function viewOf(o: {
  namespace: string;
  name: string;
  own: { replicas: number; rolling: boolean };
  deployment: V1Deployment | undefined;
  pods: PodInfo[];
}): TargetView {
  const d = o.deployment;
  const main = mainContainer(d);
  return {
    namespace: o.namespace,
    name: o.name,
    replicas: o.own.replicas >= 0 ? o.own.replicas : deploymentReplicas(d),
    pods: o.pods,
    readyPods: o.pods.filter((p) => p.ready && !p.terminating).length,
    rolloutInProgress: o.own.rolling || deploymentRolling(d),
    ...(main !== undefined ? { mainContainer: main } : {}),
  };
}
