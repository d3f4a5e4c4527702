// The Tenant controller as a ControllerModule (operator "identity"): flags, RBAC and wiring of the
// caches it reads (Tenants, their namespaces and namespaced children, the owners' viewer role).
import type { V1ClusterRole, V1ClusterRoleBinding, V1LimitRange, V1Namespace, V1NetworkPolicy, V1ResourceQuota, V1RoleBinding } from "@kubernetes/client-node";
import { Counter } from "prom-client";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import type { ControllerContext, ControllerModule } from "../../operators/runtime/module.ts";
import { durationSeconds } from "./keycloak/desired.ts";
import { keycloakConnector } from "./keycloak/connector.ts";
import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, LIMIT_RANGE, NAMESPACE, NETWORK_POLICY, RESOURCE_QUOTA, ROLE_BINDING, TENANT } from "./gvks.ts";
import { CONTROLLER_NAME, tenantReconciler } from "./reconcile.ts";
import type { TenantDeps } from "./reconcile.ts";

const str = (v: string | boolean | undefined): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Parses the module's flags; throws an Error naming the flag on bad input. */
export function tenantConfig(ctx: Pick<ControllerContext, "flags" | "operatorNamespace">): { keycloakUrl: string | undefined; deletionTimeoutMs: number; concurrency: number; operatorNamespace: string } {
  const timeout = str(ctx.flags["tenant-deletion-timeout"]) ?? "5m";
  if (!/^([0-9]+(ms|s|m|h))+$/.test(timeout)) throw new Error(`--tenant-deletion-timeout must be a duration like 5m, got "${timeout}"`);
  const concurrency = Number(str(ctx.flags["tenant-concurrency"]) ?? "4");
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new Error(`--tenant-concurrency must be an integer from 1 to 64`);
  const url = str(ctx.flags["keycloak-url"]);
  if (url !== undefined && !/^https?:\/\//.test(url)) throw new Error(`--keycloak-url must be an http(s) URL, got "${url}"`);
  return { keycloakUrl: url, deletionTimeoutMs: durationSeconds(timeout) * 1000, concurrency, operatorNamespace: ctx.operatorNamespace };
}

export const tenantModule: ControllerModule = {
  name: CONTROLLER_NAME,
  operator: "identity",
  flags: {
    "keycloak-url": { type: "string", env: "KEYCLOAK_URL", description: "Keycloak base URL for Tenants that do not name one" },
    "tenant-deletion-timeout": {
      type: "string",
      env: "TENANT_DELETION_TIMEOUT",
      default: "5m",
      description: "How long deleting a Tenant (deletionPolicy Delete) waits for an unreachable Keycloak before leaving the realm behind",
    },
    "tenant-concurrency": { type: "string", env: "TENANT_CONCURRENCY", default: "4", description: "Tenant workers" },
  },
  clusterRules: [
    { apiGroups: ["librechat.io"], resources: ["tenants"], verbs: ["get", "list", "watch", "update", "patch"] },
    { apiGroups: ["librechat.io"], resources: ["tenants/status"], verbs: ["get", "update", "patch"] },
    { apiGroups: ["librechat.io"], resources: ["tenants/finalizers"], verbs: ["update"] },
    { apiGroups: [""], resources: ["namespaces", "resourcequotas", "limitranges"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
    { apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings", "clusterroles", "clusterrolebindings"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
    // Binding the shipped tenant-admin role and the per-tenant viewer roles without holding them.
    { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"] },
    // Credentials and client secrets: read by name (direct GET), generated client secrets written.
    { apiGroups: [""], resources: ["secrets"], verbs: ["get", "create", "patch"] },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
  ],
  setup(ctx) {
    const cfg = tenantConfig(ctx);
    const { mgr } = ctx;
    const counter = new Counter({
      name: "keycloak_requests_total",
      help: "Keycloak admin API calls made by the Tenant controller (token requests excluded), by HTTP method and status code (error: no response).",
      labelNames: ["method", "code"] as const,
      registers: [mgr.registry],
    });
    const deps: TenantDeps = {
      client: ctx.client,
      tenants: mgr.informer<Tenant>(TENANT),
      namespaces: mgr.informer<V1Namespace>(NAMESPACE),
      quotas: mgr.informer<V1ResourceQuota>(RESOURCE_QUOTA),
      limitRanges: mgr.informer<V1LimitRange>(LIMIT_RANGE),
      networkPolicies: mgr.informer<V1NetworkPolicy>(NETWORK_POLICY),
      roleBindings: mgr.informer<V1RoleBinding>(ROLE_BINDING),
      clusterRoles: mgr.informer<V1ClusterRole>(CLUSTER_ROLE),
      clusterRoleBindings: mgr.informer<V1ClusterRoleBinding>(CLUSTER_ROLE_BINDING),
      keycloak: keycloakConnector(counter),
      config: { keycloakUrl: cfg.keycloakUrl, operatorNamespace: cfg.operatorNamespace, deletionTimeoutMs: cfg.deletionTimeoutMs },
      now: () => new Date(),
    };
    mgr.addController({
      name: CONTROLLER_NAME,
      for: TENANT,
      owns: [NAMESPACE, RESOURCE_QUOTA, LIMIT_RANGE, NETWORK_POLICY, ROLE_BINDING, CLUSTER_ROLE, CLUSTER_ROLE_BINDING],
      maxConcurrentReconciles: cfg.concurrency,
      reconcile: tenantReconciler(deps),
    });
  },
};
