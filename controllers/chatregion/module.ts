// The ChatRegion controller module (operator "chat"): flags, RBAC and how it registers with the
// manager. It reads ChatRegions, their Secrets, Namespaces and Tenants from shared caches, owns a
// Deployment, Service, PodDisruptionBudget and regions ConfigMap per region, lists the region's
// pods and reads their load from the gateways' /metrics.
import type { V1ConfigMap, V1Deployment, V1Namespace, V1PodDisruptionBudget, V1Secret, V1Service } from "@kubernetes/client-node";
import type { ChatRegion } from "../../crds/chatregion/v1alpha1/index.ts";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import { TENANT_LABEL } from "../../crds/tenant/v1alpha1/index.ts";
import type { ControllerContext, ControllerModule, FlagSpec } from "../../operators/runtime/module.ts";
import type { Informer, KubernetesObject } from "../../operators/runtime/index.ts";
import type { ChatRegionConfig } from "./desired/meta.ts";
import { DEFAULT_CONFIG } from "./desired/meta.ts";
import { CHATREGION, CONFIGMAP, DEPLOYMENT, NAMESPACE, PDB, SECRET, SERVICE, TENANT } from "./gvks.ts";
import { readPodGauge } from "./metrics.ts";
import { chatRegionReconciler, CONTROLLER_NAME } from "./reconcile.ts";

const FLAGS = {
  "chatregion-default-image": { type: "string", env: "CHATREGION_DEFAULT_IMAGE", default: DEFAULT_CONFIG.defaultImage, description: "Chat gateway image for ChatRegions without spec.image" },
  "chatregion-keycloak-url": { type: "string", env: "CHATREGION_KEYCLOAK_URL", default: DEFAULT_CONFIG.keycloakUrl, description: "Keycloak base URL for Tenants without spec.identity.keycloak.url (issuer = <url>/realms/<realm>)" },
  "chatregion-oidc-audience": { type: "string", env: "CHATREGION_OIDC_AUDIENCE", default: DEFAULT_CONFIG.oidcAudience, description: "Audience the chat gateways require in access tokens" },
  "chatregion-inference-url": { type: "string", env: "CHATREGION_INFERENCE_URL", default: "", description: "Inference gateway base URL given to the chat gateways (empty: no replies)" },
  "chatregion-cluster-domain": { type: "string", env: "CLUSTER_DOMAIN", default: DEFAULT_CONFIG.clusterDomain, description: "Cluster DNS domain of in-cluster region endpoints" },
  "chatregion-sync-period": { type: "string", env: "CHATREGION_SYNC_PERIOD", default: "5", description: "Seconds between load readings of a region's pods" },
  "chatregion-concurrency": { type: "string", env: "CHATREGION_CONCURRENCY", default: "4", description: "ChatRegion workers" },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

/** Flag values from the environment, defaults applied (until the manager parses module flags). */
export function flagValuesFromEnv(env: Readonly<Record<string, string | undefined>>): Record<FlagName, string> {
  const out = {} as Record<FlagName, string>;
  for (const [name, spec] of Object.entries(FLAGS) as [FlagName, FlagSpec][]) out[name] = env[spec.env] ?? spec.default ?? "";
  return out;
}

function positive(name: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`--${name} must be a number in (0, ${max}], got "${v}"`);
  return n;
}

function str(flags: ControllerContext["flags"], name: FlagName): string {
  const v = flags[name];
  return typeof v === "string" ? v : FLAGS[name].default;
}

/** Keys of the regions in `ns` (namespaces, Tenants and peer regions map to these). */
function regionsIn(regions: Informer<ChatRegion>, ns: string | undefined): string[] {
  return regions.list(ns).map((r) => `${r.metadata.namespace ?? ""}/${r.metadata.name ?? ""}`);
}

export const chatRegionModule: ControllerModule = {
  name: CONTROLLER_NAME,
  operator: "chat",
  flags: FLAGS,
  clusterRules: [
    { apiGroups: ["librechat.io"], resources: ["chatregions", "tenants"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["librechat.io"], resources: ["chatregions/status"], verbs: ["get", "patch", "update"] },
    { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] },
    { apiGroups: [""], resources: ["services", "configmaps"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] },
    // Pods: listed for their load and annotated with pod-deletion-cost before a scale-down.
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "patch"] },
    { apiGroups: [""], resources: ["secrets", "namespaces"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
  ],
  setup(ctx: ControllerContext): void {
    const { mgr, client, flags } = ctx;
    const config: ChatRegionConfig = {
      defaultImage: str(flags, "chatregion-default-image"),
      keycloakUrl: str(flags, "chatregion-keycloak-url"),
      oidcAudience: str(flags, "chatregion-oidc-audience"),
      inferenceUrl: str(flags, "chatregion-inference-url"),
      clusterDomain: str(flags, "chatregion-cluster-domain"),
    };
    const syncPeriodMs = positive("chatregion-sync-period", str(flags, "chatregion-sync-period"), 3600) * 1000;
    const concurrency = Math.round(positive("chatregion-concurrency", str(flags, "chatregion-concurrency"), 64));
    const regions = mgr.informer<ChatRegion>(CHATREGION);
    const namespaces = mgr.informer<V1Namespace>(NAMESPACE);
    const tenantNamespaces = (t: KubernetesObject): string[] =>
      namespaces
        .list()
        .filter((n) => n.metadata?.labels?.[TENANT_LABEL] === t.metadata?.name)
        .flatMap((n) => regionsIn(regions, n.metadata?.name ?? ""));
    const usesSecret = (s: KubernetesObject): string[] =>
      regions
        .list(s.metadata?.namespace ?? "")
        .filter((r) => r.spec.database.urlSecretRef.name === s.metadata?.name || r.spec.backplane.redis?.urlSecretRef.name === s.metadata?.name)
        .map((r) => `${r.metadata.namespace ?? ""}/${r.metadata.name ?? ""}`);
    mgr.addController({
      name: CONTROLLER_NAME,
      for: CHATREGION,
      owns: [DEPLOYMENT, SERVICE, PDB, CONFIGMAP],
      watches: [
        { gvk: SECRET, map: usesSecret },
        { gvk: NAMESPACE, map: (n) => regionsIn(regions, n.metadata?.name ?? "") },
        { gvk: TENANT, map: tenantNamespaces },
        // A peer's health or failover target changes this region's table and decisions.
        { gvk: CHATREGION, map: (r) => regionsIn(regions, r.metadata?.namespace ?? "").filter((k) => k !== `${r.metadata?.namespace ?? ""}/${r.metadata?.name ?? ""}`) },
      ],
      maxConcurrentReconciles: concurrency,
      reconcile: chatRegionReconciler({
        client,
        regions,
        deployments: mgr.informer<V1Deployment>(DEPLOYMENT),
        services: mgr.informer<V1Service>(SERVICE),
        pdbs: mgr.informer<V1PodDisruptionBudget>(PDB),
        configMaps: mgr.informer<V1ConfigMap>(CONFIGMAP),
        secrets: mgr.informer<V1Secret>(SECRET),
        namespaces,
        tenants: mgr.informer<Tenant>(TENANT),
        config,
        readLoad: (pod, metric) => readPodGauge(pod, metric, 1000),
        now: () => new Date(),
        syncPeriodMs,
      }),
    });
  },
};
