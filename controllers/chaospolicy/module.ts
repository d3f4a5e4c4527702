// The ChaosPolicy controller module (operator "chaos"): caches, watches and RBAC. Kill-switch
// changes on the operator Namespace or a Tenant enqueue the affected policies at once (watches),
// which is what removes running faults within seconds.
import type { V1Namespace } from "@kubernetes/client-node";
import type { ChaosPolicy } from "../../crds/chaospolicy/v1alpha1/index.ts";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import type {
  ControllerContext,
  ControllerModule,
  FlagSpec,
} from "../../operators/runtime/module.ts";
import type { Informer, KubernetesObject } from "../../operators/runtime/index.ts";
import { CHAOSPOLICY, NAMESPACE, TENANT, TENANT_LABEL } from "./gvks.ts";
import { chaosMetrics } from "./metrics.ts";
import { chaosReconciler, CONTROLLER_NAME } from "./reconcile.ts";

const FLAGS: Readonly<Record<string, FlagSpec>> = {
  "chaos-prometheus-url": {
    type: "string",
    env: "CHAOS_PROMETHEUS_URL",
    description:
      "Prometheus base URL for Prometheus steady-state probes (e.g. http://prometheus:9090).",
  },
  "chaos-stress-image": {
    type: "string",
    env: "CHAOS_STRESS_IMAGE",
    default: "busybox:1.37",
    description: "Image of the CPUHog ephemeral container (needs sh and timeout).",
  },
  "chaos-probe-timeout": {
    type: "string",
    env: "CHAOS_PROBE_TIMEOUT_MS",
    default: "5000",
    description: "Timeout of one steady-state probe, in milliseconds.",
  },
};

const keysOf = (ps: readonly ChaosPolicy[]): string[] =>
  ps.map((p) => `${p.metadata.namespace ?? ""}/${p.metadata.name ?? ""}`);

/** Policies affected by a change of `ns`: all of them for the operator namespace, else its own. */
export function policiesForNamespace(
  policies: Pick<Informer<ChaosPolicy>, "list">,
  operatorNs: string,
  ns: KubernetesObject,
): string[] {
  const name = ns.metadata?.name ?? "";
  return keysOf(name === operatorNs ? policies.list() : policies.list(name));
}

/** Policies in the namespaces of `tenant`. */
export function policiesForTenant(
  policies: Pick<Informer<ChaosPolicy>, "list">,
  namespaces: Pick<Informer<V1Namespace>, "list">,
  tenant: KubernetesObject,
): string[] {
  const t = tenant.metadata?.name ?? "";
  return namespaces
    .list()
    .filter((n) => n.metadata?.labels?.[TENANT_LABEL] === t)
    .flatMap((n) => keysOf(policies.list(n.metadata?.name ?? "")));
}

export const chaosPolicyModule: ControllerModule = {
  name: CONTROLLER_NAME,
  operator: "chaos",
  flags: FLAGS,
  clusterRules: [
    {
      apiGroups: ["librechat.io"],
      resources: ["chaospolicies"],
      verbs: ["get", "list", "watch", "update", "patch"],
    },
    {
      apiGroups: ["librechat.io"],
      resources: ["chaospolicies/status"],
      verbs: ["get", "update", "patch"],
    },
    { apiGroups: ["librechat.io"], resources: ["chaospolicies/finalizers"], verbs: ["update"] },
    {
      apiGroups: ["librechat.io"],
      resources: ["aimodels", "chatregions", "tenants"],
      verbs: ["get", "list", "watch"],
    },
    { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
    // RBAC cannot exclude namespaces from a ClusterRole: guard.ts refuses system namespaces and
    // other tenants' namespaces before every run. Evictions only (PDBs hold), never pod delete.
    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
    { apiGroups: [""], resources: ["pods/ephemeralcontainers"], verbs: ["patch"] },
    { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] },
    // The per-target ledger (chaos-ledger.<kind>.<name>) lives in the target's namespace.
    { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create", "update"] },
    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
  ],
  setup(ctx: ControllerContext): void {
    const { mgr, client } = ctx;
    const policies = mgr.informer<ChaosPolicy>(CHAOSPOLICY);
    const namespaces = mgr.informer<V1Namespace>(NAMESPACE);
    const tenants = mgr.informer<Tenant>(TENANT);
    const str = (k: string): string | undefined => {
      const v = ctx.flags[k];
      return typeof v === "string" && v !== "" ? v : undefined;
    };
    const metrics = chaosMetrics(mgr.registry, () => policies.list());
    mgr.addController({
      name: CONTROLLER_NAME,
      for: CHAOSPOLICY,
      watches: [
        { gvk: NAMESPACE, map: (ns) => policiesForNamespace(policies, ctx.operatorNamespace, ns) },
        { gvk: TENANT, map: (t) => policiesForTenant(policies, namespaces, t) },
      ],
      maxConcurrentReconciles: 4,
      reconcile: chaosReconciler({
        client,
        namespaces,
        tenants,
        config: {
          operatorNamespace: ctx.operatorNamespace,
          prometheusUrl: str("chaos-prometheus-url"),
          stressImage: str("chaos-stress-image") ?? "busybox:1.37",
          probeTimeoutMs: Number(str("chaos-probe-timeout") ?? "5000") || 5000,
        },
        metrics,
        now: () => new Date(),
        fetch: (url, init) => fetch(url, init),
      }),
    });
  },
};
