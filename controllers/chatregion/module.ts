// The ChatRegion controller as a ControllerModule (operators/runtime/module.ts), part of the "chat"
// operator: its flags, the least-privilege RBAC it needs (manifests/rbac is generated from this)
// and how it registers with a manager. It reads ChatRegions, their Secrets (key names only),
// Namespaces and Tenants from shared caches, owns a Deployment, Service, PodDisruptionBudget and
// regions ConfigMap per region, lists the region's pods, annotates them with pod-deletion-cost and
// reads their load from the gateways' /metrics.
import type {
  V1ConfigMap,
  V1Deployment,
  V1Namespace,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
} from "@kubernetes/client-node";
import type { ChatRegion } from "../../crds/chatregion/v1alpha1/index.ts";
import { CHATREGION_KIND } from "../../crds/chatregion/v1alpha1/index.ts";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import { TENANT_KIND, TENANT_LABEL } from "../../crds/tenant/v1alpha1/index.ts";
import { ConfigError } from "../../lib/config.ts";
import {
  CONFIG_MAP,
  DEPLOYMENT,
  EVENT,
  NAMESPACE,
  POD,
  POD_DISRUPTION_BUDGET,
  SECRET,
  SERVICE,
} from "../../operators/runtime/core-kinds.ts";
import type { Informer, KubernetesObject } from "../../operators/runtime/index.ts";
import { groupOf } from "../../operators/runtime/keys.ts";
import type {
  ControllerContext,
  ControllerModule,
  FlagSpec,
  PolicyRule,
} from "../../operators/runtime/module.ts";
import type { ChatRegionConfig } from "./desired/meta.ts";
import { appPasswordRef } from "./desired/deployment.ts";
import { DEFAULT_CONFIG } from "./desired/meta.ts";
import { readPodGauge } from "./metrics.ts";
import { chatRegionReconciler, CONTROLLER_NAME } from "./reconcile.ts";

const FLAGS = {
  "chatregion-default-image": {
    type: "string",
    env: "CHATREGION_DEFAULT_IMAGE",
    default: DEFAULT_CONFIG.defaultImage,
    description: "Chat gateway image for ChatRegions without spec.image",
  },
  "chatregion-keycloak-url": {
    type: "string",
    env: "CHATREGION_KEYCLOAK_URL",
    default: DEFAULT_CONFIG.keycloakUrl,
    description:
      "Keycloak base URL for Tenants without spec.identity.keycloak.url (issuer = <url>/realms/<realm>)",
  },
  "chatregion-oidc-audience": {
    type: "string",
    env: "CHATREGION_OIDC_AUDIENCE",
    default: DEFAULT_CONFIG.oidcAudience,
    description: "Audience the chat gateways require in access tokens",
  },
  "chatregion-inference-url": {
    type: "string",
    env: "CHATREGION_INFERENCE_URL",
    default: "",
    description: "Inference gateway base URL given to the chat gateways (empty: no replies)",
  },
  "chatregion-web-dir": {
    type: "string",
    env: "CHATREGION_WEB_DIR",
    default: DEFAULT_CONFIG.webDir,
    description:
      "Directory of the web client in the chat gateway image, served at / (empty: no web client; set it empty for images without the client)",
  },
  "chatregion-web-client-id": {
    type: "string",
    env: "CHATREGION_WEB_CLIENT_ID",
    default: DEFAULT_CONFIG.webClientId,
    description: "Public OIDC client the web client signs in with, in the owning Tenant's realm",
  },
  "chatregion-otlp-endpoint": {
    type: "string",
    env: "CHATREGION_OTLP_ENDPOINT",
    default: "",
    description:
      "OTLP/HTTP base URL the chat gateways export traces to (OTEL_EXPORTER_OTLP_ENDPOINT; empty: tracing off)",
  },
  // Shared with the AIModel module (same variable and default).
  "cluster-domain": {
    type: "string",
    env: "CLUSTER_DOMAIN",
    default: DEFAULT_CONFIG.clusterDomain,
    description: "cluster DNS domain used in model endpoints",
  },
  "chatregion-sync-period": {
    type: "string",
    env: "CHATREGION_SYNC_PERIOD",
    default: "5",
    description: "Seconds between load readings of a region's pods",
  },
  "chatregion-concurrency": {
    type: "string",
    env: "CHATREGION_CONCURRENCY",
    default: "4",
    description: "ChatRegion workers",
  },
} as const satisfies Record<string, FlagSpec>;

type FlagName = keyof typeof FLAGS;

const READ = ["get", "list", "watch"];
/** Children are written with server-side apply (create + patch); only the PDB is ever deleted (minReplicas 0). */
const APPLY = ["get", "list", "watch", "create", "patch"];

/** RBAC of the ChatRegion controller, least privilege: no update, no delete but the PDB's, pods only listed and patched. */
export const CHATREGION_RULES: readonly PolicyRule[] = [
  { apiGroups: [CHATREGION_KIND.group], resources: [CHATREGION_KIND.plural], verbs: READ },
  {
    apiGroups: [CHATREGION_KIND.group],
    resources: [`${CHATREGION_KIND.plural}/status`],
    verbs: ["get", "patch"],
  },
  { apiGroups: [TENANT_KIND.group], resources: [TENANT_KIND.plural], verbs: READ },
  ...[DEPLOYMENT, SERVICE, CONFIG_MAP].map((k) => ({
    apiGroups: [groupOf(k.apiVersion)],
    resources: [k.plural],
    verbs: APPLY,
  })),
  {
    apiGroups: [groupOf(POD_DISRUPTION_BUDGET.apiVersion)],
    resources: [POD_DISRUPTION_BUDGET.plural],
    verbs: [...APPLY, "delete"],
  },
  // Pods: listed for their load and annotated with pod-deletion-cost before a scale-down.
  { apiGroups: [groupOf(POD.apiVersion)], resources: [POD.plural], verbs: ["list", "patch"] },
  {
    apiGroups: [groupOf(SECRET.apiVersion)],
    resources: [SECRET.plural, NAMESPACE.plural],
    verbs: READ,
  },
  {
    apiGroups: [groupOf(EVENT.apiVersion), "events.k8s.io"],
    resources: [EVENT.plural],
    verbs: ["create", "patch", "update"],
  },
];

function positive(name: string, v: string, max: number): number {
  const n = Number(v);
  if (v === "" || !Number.isFinite(n) || n <= 0 || n > max)
    throw new ConfigError([`--${name} must be a number in (0, ${max}], got "${v}"`]);
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
  clusterRules: CHATREGION_RULES,
  checkFlags(flags) {
    positive("chatregion-sync-period", str(flags, "chatregion-sync-period"), 3600);
    positive("chatregion-concurrency", str(flags, "chatregion-concurrency"), 64);
  },
  setup(ctx: ControllerContext): void {
    const { mgr, client, flags } = ctx;
    const config: ChatRegionConfig = {
      defaultImage: str(flags, "chatregion-default-image"),
      keycloakUrl: str(flags, "chatregion-keycloak-url"),
      oidcAudience: str(flags, "chatregion-oidc-audience"),
      inferenceUrl: str(flags, "chatregion-inference-url"),
      webDir: str(flags, "chatregion-web-dir"),
      webClientId: str(flags, "chatregion-web-client-id"),
      otlpEndpoint: str(flags, "chatregion-otlp-endpoint"),
      clusterDomain: str(flags, "cluster-domain"),
    };
    const syncPeriodMs =
      positive("chatregion-sync-period", str(flags, "chatregion-sync-period"), 3600) * 1000;
    const concurrency = Math.round(
      positive("chatregion-concurrency", str(flags, "chatregion-concurrency"), 64),
    );
    const regions = mgr.informer<ChatRegion>(CHATREGION_KIND);
    const namespaces = mgr.informer<V1Namespace>(NAMESPACE);
    const tenantNamespaces = (t: KubernetesObject): string[] =>
      namespaces
        .list()
        .filter((n) => n.metadata?.labels?.[TENANT_LABEL] === t.metadata?.name)
        .flatMap((n) => regionsIn(regions, n.metadata?.name ?? ""));
    const usesSecret = (s: KubernetesObject): string[] =>
      regions
        .list(s.metadata?.namespace ?? "")
        .filter((r) =>
          [
            r.spec.database.urlSecretRef.name,
            appPasswordRef(r).name,
            r.spec.backplane.redis?.urlSecretRef.name,
          ].includes(s.metadata?.name),
        )
        .map((r) => `${r.metadata.namespace ?? ""}/${r.metadata.name ?? ""}`);
    mgr.addController({
      name: CONTROLLER_NAME,
      for: CHATREGION_KIND,
      owns: [DEPLOYMENT, SERVICE, POD_DISRUPTION_BUDGET, CONFIG_MAP],
      watches: [
        { gvk: SECRET, map: usesSecret },
        { gvk: NAMESPACE, map: (n) => regionsIn(regions, n.metadata?.name ?? "") },
        { gvk: TENANT_KIND, map: tenantNamespaces },
        // A peer's health or failover target changes this region's table and decisions.
        {
          gvk: CHATREGION_KIND,
          map: (r) =>
            regionsIn(regions, r.metadata?.namespace ?? "").filter(
              (k) => k !== `${r.metadata?.namespace ?? ""}/${r.metadata?.name ?? ""}`,
            ),
        },
      ],
      maxConcurrentReconciles: concurrency,
      reconcile: chatRegionReconciler({
        client,
        regions,
        deployments: mgr.informer<V1Deployment>(DEPLOYMENT),
        services: mgr.informer<V1Service>(SERVICE),
        pdbs: mgr.informer<V1PodDisruptionBudget>(POD_DISRUPTION_BUDGET),
        configMaps: mgr.informer<V1ConfigMap>(CONFIG_MAP),
        secrets: mgr.informer<V1Secret>(SECRET),
        namespaces,
        tenants: mgr.informer<Tenant>(TENANT_KIND),
        config,
        readLoad: (pod, metric) => readPodGauge(pod, metric, 1000),
        now: () => new Date(),
        syncPeriodMs,
      }),
    });
  },
};

export default chatRegionModule;
