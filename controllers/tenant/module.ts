// The Tenant controller as a ControllerModule (operators/runtime/module.ts), part of the "identity"
// operator: its flags (default Keycloak URL, deletion timeout, workers), the least-privilege RBAC it
// needs (manifests/rbac is generated from TENANT_RULES) and how it registers with a manager: the
// caches it reads (Tenants, their namespaces and namespaced children, the owners' viewer roles).
import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1LimitRange,
  V1Namespace,
  V1NetworkPolicy,
  V1ResourceQuota,
  V1RoleBinding,
} from "@kubernetes/client-node";
import { Counter } from "prom-client";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";
import { TENANT_KIND } from "../../crds/tenant/v1alpha1/index.ts";
import { ConfigError } from "../../lib/config.ts";
import { EVENT } from "../../operators/runtime/core-kinds.ts";
import { groupOf } from "../../operators/runtime/keys.ts";
import type { Informer, KubernetesObject } from "../../operators/runtime/index.ts";
import type {
  ControllerContext,
  ControllerModule,
  PolicyRule,
} from "../../operators/runtime/module.ts";
import { TENANT_ADMIN_CLUSTER_ROLE, namespaceNames } from "./desired/common.ts";
import { keycloakConnector } from "./keycloak/connector.ts";
import { DEFAULT_TOKEN_AUDIENCE, durationSeconds } from "./keycloak/desired.ts";
import {
  CHILD_KINDS,
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  LIMIT_RANGE,
  NAMESPACE,
  NETWORK_POLICY,
  RESOURCE_QUOTA,
  ROLE_BINDING,
  SECRET,
  TENANT,
} from "./gvks.ts";
import type { TenantConfig, TenantDeps } from "./reconcile.ts";
import { CONTROLLER_NAME, tenantReconciler } from "./reconcile.ts";

const WRITE_CHILD = ["get", "list", "watch", "create", "update", "patch", "delete"];

/**
 * RBAC of the Tenant controller. Cluster-wide because Tenants are cluster-scoped and their
 * namespaces are created on demand; nothing beyond what it writes:
 * - Tenants read, finalizer added/removed (update/patch), status and finalizers subresources;
 * - the children it applies and deletes (namespaces, quotas, limit ranges, network policies, the
 *   owners' RoleBindings, the per-Tenant viewer ClusterRole and its binding);
 * - `bind` on the shipped librechat-tenant-admin ClusterRole only (resourceNames), so it can grant
 *   owners that role without holding its permissions; no `escalate`: the viewer roles it creates only
 *   grant reading a Tenant, which it holds itself;
 * - Secrets get (credentials, client and IdP secrets: direct GETs, never listed or cached) and
 *   create/patch (Keycloak-generated client secrets it stores);
 * - Events.
 */
export const TENANT_RULES: readonly PolicyRule[] = [
  {
    apiGroups: [TENANT_KIND.group],
    resources: [TENANT_KIND.plural],
    verbs: ["get", "list", "watch", "update", "patch"],
  },
  {
    apiGroups: [TENANT_KIND.group],
    resources: [`${TENANT_KIND.plural}/status`],
    verbs: ["get", "update", "patch"],
  },
  {
    apiGroups: [TENANT_KIND.group],
    resources: [`${TENANT_KIND.plural}/finalizers`],
    verbs: ["update"],
  },
  ...CHILD_KINDS.map((k) => ({
    apiGroups: [groupOf(k.apiVersion)],
    resources: [k.plural],
    verbs: WRITE_CHILD,
  })),
  {
    apiGroups: [groupOf(CLUSTER_ROLE.apiVersion)],
    resources: [CLUSTER_ROLE.plural],
    verbs: ["bind"],
    resourceNames: [TENANT_ADMIN_CLUSTER_ROLE],
  },
  {
    apiGroups: [groupOf(SECRET.apiVersion)],
    resources: [SECRET.plural],
    verbs: ["get", "create", "patch"],
  },
  {
    apiGroups: [groupOf(EVENT.apiVersion), "events.k8s.io"],
    resources: [EVENT.plural],
    verbs: ["create", "patch", "update"],
  },
];

const str = (v: string | boolean | undefined): string | undefined =>
  typeof v === "string" && v !== "" ? v : undefined;

export interface TenantModuleConfig extends TenantConfig {
  concurrency: number;
}

/** --tenant-token-audience, its default when unset ("" turns the audience mapper off). */
function tokenAudience(flags: ControllerContext["flags"]): string {
  return str(flags["tenant-token-audience"]) ?? DEFAULT_TOKEN_AUDIENCE;
}

/** Parses the module's flags; throws a ConfigError naming the flag on bad input. */
export function tenantConfig(
  ctx: Pick<ControllerContext, "flags" | "operatorNamespace">,
): TenantModuleConfig {
  const problems: string[] = [];
  const timeout = str(ctx.flags["tenant-deletion-timeout"]) ?? "5m";
  if (!/^([0-9]+(ms|s|m|h))+$/.test(timeout))
    problems.push(`--tenant-deletion-timeout must be a duration like 5m, got "${timeout}"`);
  const concurrency = Number(str(ctx.flags["tenant-concurrency"]) ?? "4");
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    problems.push(`--tenant-concurrency must be an integer from 1 to 64`);
  const url = str(ctx.flags["keycloak-url"]);
  if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url))
    problems.push(`--keycloak-url must be an http(s) URL, got "${url}"`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    keycloakUrl: url,
    tokenAudience: tokenAudience(ctx.flags),
    deletionTimeoutMs: durationSeconds(timeout) * 1000,
    concurrency,
    operatorNamespace: ctx.operatorNamespace,
  };
}

/** Tenants that declare a namespace of this name (a foreign one leaving frees the name at once). */
export function tenantsDeclaring(
  tenants: Pick<Informer<Tenant>, "list">,
  ns: KubernetesObject,
): string[] {
  const name = ns.metadata?.name ?? "";
  return tenants
    .list()
    .filter((t) => namespaceNames(t).includes(name))
    .map((t) => t.metadata.name ?? "");
}

export const tenantModule: ControllerModule = {
  name: CONTROLLER_NAME,
  operator: "identity",
  flags: {
    "keycloak-url": {
      type: "string",
      env: "KEYCLOAK_URL",
      description: "Keycloak base URL for Tenants whose spec.identity.keycloak names none",
    },
    "tenant-deletion-timeout": {
      type: "string",
      env: "TENANT_DELETION_TIMEOUT",
      default: "5m",
      description:
        "how long deleting a Tenant (deletionPolicy Delete) retries an unreachable Keycloak before leaving the realm behind",
    },
    "tenant-concurrency": {
      type: "string",
      env: "TENANT_CONCURRENCY",
      default: "4",
      description: "Tenant workers",
    },
    "tenant-token-audience": {
      type: "string",
      env: "TENANT_TOKEN_AUDIENCE",
      default: DEFAULT_TOKEN_AUDIENCE,
      description:
        "audience added to the access tokens of every declared realm client (the chat fleets' --chatregion-oidc-audience); empty adds none",
    },
  },
  clusterRules: TENANT_RULES,
  checkFlags(flags) {
    tenantConfig({ flags, operatorNamespace: "" });
  },
  setup(ctx) {
    const cfg = tenantConfig(ctx);
    const { mgr } = ctx;
    const counter = new Counter({
      name: "keycloak_requests_total",
      help: "Keycloak admin API calls made by the Tenant controller, by HTTP method and status code (error: no response).",
      labelNames: ["method", "code"] as const,
      registers: [mgr.registry],
    });
    const tenants = mgr.informer<Tenant>(TENANT);
    const deps: TenantDeps = {
      client: ctx.client,
      tenants,
      namespaces: mgr.informer<V1Namespace>(NAMESPACE),
      quotas: mgr.informer<V1ResourceQuota>(RESOURCE_QUOTA),
      limitRanges: mgr.informer<V1LimitRange>(LIMIT_RANGE),
      networkPolicies: mgr.informer<V1NetworkPolicy>(NETWORK_POLICY),
      roleBindings: mgr.informer<V1RoleBinding>(ROLE_BINDING),
      clusterRoles: mgr.informer<V1ClusterRole>(CLUSTER_ROLE),
      clusterRoleBindings: mgr.informer<V1ClusterRoleBinding>(CLUSTER_ROLE_BINDING),
      keycloak: keycloakConnector(counter),
      config: {
        keycloakUrl: cfg.keycloakUrl,
        operatorNamespace: cfg.operatorNamespace,
        deletionTimeoutMs: cfg.deletionTimeoutMs,
        tokenAudience: cfg.tokenAudience,
      },
      now: () => new Date(),
    };
    mgr.addController({
      name: CONTROLLER_NAME,
      for: TENANT,
      owns: [...CHILD_KINDS],
      watches: [{ gvk: NAMESPACE, map: (ns) => tenantsDeclaring(tenants, ns) }],
      maxConcurrentReconciles: cfg.concurrency,
      reconcile: tenantReconciler(deps),
    });
  },
};

export default tenantModule;
