// Desired NetworkPolicies of a tenant namespace for spec.network.isolation. Written as separate,
// named policies so `kubectl get netpol` reads like the rule set:
//   tenant-default-deny        nothing may connect in (ingress; egress is not restricted)
//   tenant-allow-same-tenant   pods in any namespace of the same tenant may connect
//   tenant-allow-<component>   each allowFrom component may connect; a component's namespace is
//                              the one labelled librechat.io/platform-component=<component>
// NetworkPolicies are additive, so the allow rules open holes in the default deny.
import type { V1NetworkPolicy, V1NetworkPolicyPeer } from "@kubernetes/client-node";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { TENANT_LABEL } from "../../../crds/tenant/v1alpha1/index.ts";
import { tenantChildLabels, tenantName, tenantOwnerRef } from "./common.ts";
import { NETWORK_POLICY } from "../gvks.ts";

/** Label a cluster admin puts on the namespace of a platform component named in allowFrom. */
export const PLATFORM_COMPONENT_LABEL = "librechat.io/platform-component";
export const DEFAULT_DENY = "tenant-default-deny";
export const ALLOW_SAME_TENANT = "tenant-allow-same-tenant";

function policy(
  t: Tenant,
  ns: string,
  name: string,
  from: V1NetworkPolicyPeer[] | undefined,
): V1NetworkPolicy {
  // Plain JSON with the API's field name `from` (client-node's model calls it `_from`).
  const spec: Record<string, unknown> = { podSelector: {}, policyTypes: ["Ingress"] };
  if (from !== undefined) spec["ingress"] = [{ from }];
  const obj = {
    apiVersion: NETWORK_POLICY.apiVersion,
    kind: NETWORK_POLICY.kind,
    metadata: {
      name,
      namespace: ns,
      labels: tenantChildLabels(t, "network-policy"),
      ownerReferences: [tenantOwnerRef(t)],
    },
    spec,
  };
  return obj;
}

/** The policies of namespace `ns`, sorted by name; empty when isolation is None. */
export function desiredNetworkPolicies(t: Tenant, ns: string): V1NetworkPolicy[] {
  const isolation = t.spec.network?.isolation ?? "DenyAllExceptSameTenant";
  if (isolation === "None") return [];
  const out = [
    policy(t, ns, DEFAULT_DENY, undefined),
    policy(t, ns, ALLOW_SAME_TENANT, [
      { namespaceSelector: { matchLabels: { [TENANT_LABEL]: tenantName(t) } } },
    ]),
  ];
  for (const c of [...(t.spec.network?.allowFrom ?? [])].sort()) {
    out.push(
      policy(t, ns, `tenant-allow-${c}`, [
        { namespaceSelector: { matchLabels: { [PLATFORM_COMPONENT_LABEL]: c } } },
      ]),
    );
  }
  return out.sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1));
}

/** Names every policy this builder may produce for a tenant (to find ours that must go). */
export function isTenantPolicyName(name: string): boolean {
  return name === DEFAULT_DENY || name === ALLOW_SAME_TENANT || name.startsWith("tenant-allow-");
}
