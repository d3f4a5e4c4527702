// ChatRegion reconcile: re-read the region, its peers, its Tenant and its children from the
// caches, read the fleet's load from the gateways' own /metrics, decide replicas, health and the
// failover target with the pure functions, apply the children, then write status once if it
// changed. Level-based: it never asks which event arrived. It requeues itself every sync period,
// because load lives in the pods, not in the API.
import type {
  V1ConfigMap,
  V1Deployment,
  V1Namespace,
  V1PodDisruptionBudget,
  V1Pod,
  V1Secret,
  V1Service,
} from "@kubernetes/client-node";
import type { ChatRegion } from "../../crds/chatregion/v1alpha1/index.ts";
import { CHATREGION_DEFAULTS, CHATREGION_KIND } from "../../crds/chatregion/v1alpha1/index.ts";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import { TENANT_LABEL } from "../../crds/tenant/v1alpha1/index.ts";
import type { KubeClient } from "../../operators/clients/kube.ts";
import type {
  Informer,
  KubernetesObject,
  ReconcileContext,
  ReconcileResult,
} from "../../operators/runtime/index.ts";
import { KubeApiError } from "../../operators/runtime/index.ts";
import { conflictMessage, planChildren } from "../shared/plan.ts";
import { selectorString } from "../shared/labels.ts";
import { sameOwnedFields } from "../shared/stable.ts";
import { desiredRegionsConfigMap } from "./desired/configmap.ts";
import {
  appPasswordRef,
  desiredDeployment,
  inferenceKeyRef,
  initialReplicas,
} from "./desired/deployment.ts";
import type { ChatRegionConfig } from "./desired/meta.ts";
import { regionsConfigMapName, selectorLabels } from "./desired/meta.ts";
import { desiredPDB } from "./desired/pdb.ts";
import { desiredService, regionEndpoint } from "./desired/service.ts";
import type { PeerView } from "./failover.ts";
import { chooseFailover, regionsTable, webEndpoints } from "./failover.ts";
import {
  CONFIG_MAP as CONFIGMAP,
  DEPLOYMENT,
  POD,
  POD_DISRUPTION_BUDGET as PDB,
  SERVICE,
} from "../../operators/runtime/core-kinds.ts";
import type { HealthStep } from "./health.ts";
import { fleetLooksHealthy, nextHealth } from "./health.ts";
import type { IdentityResult } from "./identity.ts";
import { resolveIssuers } from "./identity.ts";
import type { Recommendation, ScaleDecision } from "./scaling.ts";
import { decideReplicas, podDeletionCosts } from "./scaling.ts";
import { computeStatus } from "./status.ts";

export const CONTROLLER_NAME = "chatregion";
export const DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

/** Reads the load of one pod (connections or streams); undefined when unreadable. */
export type LoadReader = (pod: V1Pod, metric: string) => Promise<number | undefined>;

export interface ChatRegionDeps {
  client: Pick<KubeClient, "apply" | "applyStatus" | "delete" | "event" | "list">;
  regions: Informer<ChatRegion>;
  deployments: Informer<V1Deployment>;
  services: Informer<V1Service>;
  pdbs: Informer<V1PodDisruptionBudget>;
  configMaps: Informer<V1ConfigMap>;
  secrets: Informer<V1Secret>;
  namespaces: Informer<V1Namespace>;
  tenants: Informer<Tenant>;
  config: ChatRegionConfig;
  readLoad: LoadReader;
  now: () => Date;
  /** How often a region is re-read (its load is polled from the pods at this rate). */
  syncPeriodMs: number;
}

/** What the autoscaler remembers between rounds (like the HPA controller, in memory). */
interface ScaleMemory {
  history: Recommendation[];
  /** Last load read and when, so peer-triggered reconciles do not re-poll every pod. */
  loads?: { atMs: number; byPod: Map<string, number | undefined> };
}

const METRIC_BY_SIGNAL = {
  Connections: "chat_gateway_connections",
  Streams: "chat_gateway_active_replies",
} as const;

/** Builds the reconcile function of the ChatRegion controller. */
export function chatRegionReconciler(
  deps: ChatRegionDeps,
): (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | undefined> {
  const memory = new Map<string, ScaleMemory>();
  return async (key, ctx) => {
    const region = deps.regions.get(key);
    if (region === undefined || region.metadata.deletionTimestamp !== undefined) {
      // Children go with their owner references; only our memory needs forgetting.
      memory.delete(key);
      return undefined;
    }
    const mem = memory.get(key) ?? { history: [] };
    memory.set(key, mem);
    try {
      return await reconcileRegion(deps, region, mem, ctx);
    } catch (err) {
      throw new Error(`reconciling ChatRegion ${key}`, { cause: err });
    }
  };
}

function isReady(p: V1Pod): boolean {
  return (
    p.status?.phase === "Running" &&
    (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

/** What the reconcile read about a region before deciding anything. */
interface Observed {
  ns: string;
  name: string;
  now: Date;
  pods: V1Pod[];
  ready: V1Pod[];
  loads: Map<string, number | undefined>;
  deployment: V1Deployment | undefined;
  identity: IdentityResult;
  peers: Map<string, PeerView>;
  receivingFailover: boolean;
}

async function observe(
  deps: ChatRegionDeps,
  region: ChatRegion,
  mem: ScaleMemory,
): Promise<Observed> {
  const ns = region.metadata.namespace ?? "";
  const name = region.metadata.name ?? "";
  const key = `${ns}/${name}`;
  const now = deps.now();
  // Identity: the Tenant owning the namespace (a missing one is a condition).
  const tenantName = deps.namespaces.get(ns)?.metadata?.labels?.[TENANT_LABEL];
  const identity = resolveIssuers(
    ns,
    tenantName,
    tenantName === undefined ? undefined : deps.tenants.get(tenantName),
    deps.config,
  );
  // The fleet as it is: pods (listed, not cached: load lives in them) and their load.
  const pods = await deps.client.list<V1Pod>(POD, ns, {
    labelSelector: selectorString(selectorLabels(name)),
  });
  const ready = pods.filter((p) => p.metadata?.deletionTimestamp === undefined && isReady(p));
  const loads = await readLoads(deps, mem, ready, {
    metric: METRIC_BY_SIGNAL[region.spec.fleet.scaleOn],
    nowMs: now.getTime(),
  });
  return {
    ns,
    name,
    now,
    pods,
    ready,
    loads,
    deployment: deps.deployments.get(key),
    identity,
    peers: peerViews(deps, region),
    receivingFailover: deps.regions.list(ns).some((r) => r.status?.failover?.activeTarget === name),
  };
}

function healthStep(region: ChatRegion, o: Observed): HealthStep {
  const spec = region.spec;
  // Pods listed now are fresher than the Deployment's status for the health clock.
  const ready = o.ready.length;
  return nextHealth({
    previous: region.status?.health,
    observedHealthy: fleetLooksHealthy(ready, spec.fleet.minReplicas),
    message: `${ready} ready of at least ${Math.max(spec.fleet.minReplicas, 1)} needed`,
    now: o.now,
    graceSeconds: spec.failover?.unhealthyAfterSeconds ?? CHATREGION_DEFAULTS.unhealthyAfterSeconds,
    holdDownSeconds: spec.failover?.healthyAfterSeconds ?? CHATREGION_DEFAULTS.healthyAfterSeconds,
  });
}

function scaleStep(
  region: ChatRegion,
  o: Observed,
  mem: ScaleMemory,
): { current: number; decision: ScaleDecision } {
  const f = region.spec.fleet;
  const current = Math.min(
    Math.max(region.status?.desiredReplicas ?? initialReplicas(region), f.minReplicas),
    f.maxReplicas,
  );
  const decision = decideReplicas({
    current,
    podConnections: o.ready.map((p) => o.loads.get(p.metadata?.name ?? "")),
    minReplicas: f.minReplicas,
    maxReplicas: f.maxReplicas,
    targetPerPod: f.targetConnectionsPerPod,
    maxConnections: region.spec.capacity.maxConnections,
    reservedPercent: region.spec.capacity.reservedForFailoverPercent,
    receivingFailover: o.receivingFailover,
    history: mem.history,
    nowMs: o.now.getTime(),
    scaleDownWindowSeconds: f.scaleDownStabilizationSeconds,
  });
  mem.history = decision.history;
  return { current, decision };
}

async function reconcileRegion(
  deps: ChatRegionDeps,
  region: ChatRegion,
  mem: ScaleMemory,
  ctx: ReconcileContext,
): Promise<ReconcileResult> {
  const o = await observe(deps, region, mem);
  const step = healthStep(region, o);
  const decision = chooseFailover(region, o.peers);
  const { current, decision: scale } = scaleStep(region, o, mem);
  if (scale.replicas !== current)
    ctx.log.info(
      { name: o.name, namespace: o.ns, from: current, to: scale.replicas, reason: scale.reason },
      "Scaled ChatRegion fleet",
    );
  // Emptiest pods go first: costs are set before the Deployment shrinks.
  if (scale.replicas < (o.deployment?.spec?.replicas ?? current))
    await setDeletionCosts(deps, o.ready, o.loads);

  const table = regionsTable(
    region,
    { healthy: step.health.state === "Healthy", endpoint: regionEndpoint(region, deps.config) },
    o.peers,
  );
  const { applied, applyError } = await applyChildren(
    deps,
    { region, ...o },
    {
      deployment: desiredDeployment({
        region,
        replicas: scale.replicas,
        issuers: o.identity.issuers,
        config: deps.config,
        webEndpoints: webEndpoints(region, o.peers),
      }),
      service: desiredService(region),
      pdb: desiredPDB(region),
      configMap: desiredRegionsConfigMap(region, table),
    },
    ctx,
  );

  const status = computeStatus(
    {
      region,
      deployment: applied,
      desiredReplicas: scale.replicas,
      readyPods: o.ready.length,
      drainingPods: o.pods.filter((p) => p.metadata?.deletionTimestamp !== undefined).length,
      open: scale.open,
      capacity: scale.capacity,
      health: step.health,
      failover: decision,
      identity: o.identity,
      missingSecrets: missingSecrets(deps.secrets, region, deps.config.inferenceUrl !== ""),
      applyError,
    },
    o.now,
  );
  if (!sameOwnedFields(status, region.status)) {
    await deps.client.applyStatus(
      {
        apiVersion: CHATREGION_KIND.apiVersion,
        kind: CHATREGION_KIND.kind,
        metadata: { name: o.name, namespace: o.ns },
        status,
      },
      { fieldManager: CONTROLLER_NAME },
    );
  }
  if (applyError !== undefined) {
    await deps.client.event(
      region,
      { type: "Warning", reason: "ApplyFailed", message: applyError },
      CONTROLLER_NAME,
    );
  }
  const requeue = Math.min(deps.syncPeriodMs, step.recheckAfterMs ?? Infinity);
  return { requeueAfterMs: Math.max(100, Math.ceil(requeue)) };
}

interface DesiredChildren {
  deployment: V1Deployment;
  service: V1Service;
  pdb: V1PodDisruptionBudget | undefined;
  configMap: V1ConfigMap;
}

/** Plan, then execute; a failed apply is reported in status (and the pass is retried next sync). */
async function applyChildren(
  deps: ChatRegionDeps,
  o: Observed & { region: ChatRegion },
  desired: DesiredChildren,
  ctx: ReconcileContext,
): Promise<{ applied: V1Deployment | undefined; applyError: string | undefined }> {
  const { region } = o;
  const key = `${o.ns}/${o.name}`;
  const plan = planChildren(region.metadata.uid ?? "", [
    {
      gvk: CONFIGMAP,
      desired: desired.configMap,
      observed: deps.configMaps.get(`${o.ns}/${regionsConfigMapName(region)}`),
    },
    { gvk: DEPLOYMENT, desired: desired.deployment, observed: o.deployment },
    { gvk: SERVICE, desired: desired.service, observed: deps.services.get(key) },
    { gvk: PDB, desired: desired.pdb, observed: deps.pdbs.get(key) },
  ]);
  let applied = o.deployment;
  try {
    for (const a of plan.apply) {
      const out: KubernetesObject = await deps.client.apply(a.object, {
        fieldManager: CONTROLLER_NAME,
        force: true,
      });
      if (a.gvk === DEPLOYMENT) applied = out as V1Deployment;
      ctx.log.info(
        { kind: a.gvk.kind, name: a.object.metadata?.name, namespace: o.ns, reason: a.reason },
        `Applied ${a.gvk.kind}`,
      );
    }
    for (const d of plan.delete) {
      await deps.client.delete(d.gvk, d.namespace, d.name, {
        preconditionUid: d.uid,
        propagationPolicy: "Background",
      });
      ctx.log.info({ kind: d.gvk.kind, name: d.name, namespace: o.ns }, `Deleted ${d.gvk.kind}`);
    }
  } catch (err) {
    const text = err instanceof KubeApiError ? (err.status?.message ?? err.message) : String(err);
    return { applied, applyError: `Applying children failed: ${text}` };
  }
  return { applied, applyError: conflictMessage(plan) };
}

/** Load per ready pod, polled at most once per sync period (older readings are re-polled). */
async function readLoads(
  deps: ChatRegionDeps,
  mem: ScaleMemory,
  ready: V1Pod[],
  at: { metric: string; nowMs: number },
): Promise<Map<string, number | undefined>> {
  const { metric, nowMs } = at;
  const fresh = mem.loads !== undefined && nowMs - mem.loads.atMs < deps.syncPeriodMs / 2;
  const cached = mem.loads?.byPod;
  if (fresh && cached !== undefined && ready.every((p) => cached.has(p.metadata?.name ?? "")))
    return cached;
  const values = await Promise.all(ready.map((p) => deps.readLoad(p, metric)));
  const byPod = new Map(ready.map((p, i) => [p.metadata?.name ?? "", values[i]]));
  mem.loads = { atMs: nowMs, byPod };
  return byPod;
}

async function setDeletionCosts(
  deps: ChatRegionDeps,
  ready: V1Pod[],
  loads: Map<string, number | undefined>,
): Promise<void> {
  const costs = podDeletionCosts(
    ready.map((p) => ({
      name: p.metadata?.name ?? "",
      connections: loads.get(p.metadata?.name ?? ""),
    })),
  );
  for (const p of ready) {
    const name = p.metadata?.name ?? "";
    const cost = costs.get(name);
    if (cost === undefined || p.metadata?.annotations?.[DELETION_COST] === cost) continue;
    await deps.client.apply(
      {
        apiVersion: POD.apiVersion,
        kind: POD.kind,
        metadata: {
          name,
          namespace: p.metadata?.namespace ?? "",
          annotations: { [DELETION_COST]: cost },
        },
      },
      { fieldManager: CONTROLLER_NAME, force: true },
    );
  }
}

/** The other ChatRegions of the namespace as failover candidates. */
function peerViews(deps: ChatRegionDeps, self: ChatRegion): Map<string, PeerView> {
  const out = new Map<string, PeerView>();
  for (const r of deps.regions.list(self.metadata.namespace ?? "")) {
    if (r.metadata.name === self.metadata.name || r.metadata.deletionTimestamp !== undefined)
      continue;
    out.set(r.metadata.name ?? "", {
      region: r,
      healthy: r.status?.health?.state === "Healthy",
      endpoint: regionEndpoint(r, deps.config),
    });
  }
  return out;
}

/** Secret references that do not resolve (the values are never read). */
export function missingSecrets(
  secrets: Pick<Informer<V1Secret>, "get">,
  region: ChatRegion,
  inference: boolean,
): string[] {
  const ns = region.metadata.namespace ?? "";
  const refs: [string, { name: string; key: string }][] = [
    ["spec.database.urlSecretRef", region.spec.database.urlSecretRef],
    ["spec.database.appPasswordSecretRef", appPasswordRef(region)],
  ];
  const redis = region.spec.backplane.redis;
  if (redis !== undefined) refs.push(["spec.backplane.redis.urlSecretRef", redis.urlSecretRef]);
  // Written by gateway-config into the Tenant's first namespace only: a region elsewhere says so.
  if (inference) refs.push(["the Tenant's inference gateway key", inferenceKeyRef()]);
  const out: string[] = [];
  for (const [field, ref] of refs) {
    const s = secrets.get(`${ns}/${ref.name}`);
    if (s === undefined) out.push(`Secret "${ref.name}" not found (${field})`);
    else if (s.data?.[ref.key] === undefined && s.stringData?.[ref.key] === undefined)
      out.push(`Secret "${ref.name}" has no key "${ref.key}" (${field})`);
  }
  return out;
}
