// Desired Namespace of one tenant namespace: the declared labels plus the tenant label, owned by
// the Tenant (so a foreign namespace of the same name shows up as a conflict, never adopted).
import type { V1Namespace } from "@kubernetes/client-node";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import { sortKeys } from "../../shared/labels.ts";
import { tenantChildLabels, tenantOwnerRef } from "./common.ts";
import { NAMESPACE } from "../gvks.ts";

/** The Namespace `name` of tenant `t`; undefined when the Tenant does not declare it. */
export function desiredNamespace(t: Tenant, name: string): V1Namespace | undefined {
  const item = t.spec.namespaces?.items?.find((n) => n.name === name);
  if (item === undefined) return undefined;
  return {
    apiVersion: NAMESPACE.apiVersion,
    kind: NAMESPACE.kind,
    metadata: {
      name,
      // Operator labels win over declared ones (the CRD forbids librechat.io/tenant there anyway).
      labels: sortKeys({ ...(item.labels ?? {}), ...tenantChildLabels(t, "namespace") }),
      ownerReferences: [tenantOwnerRef(t)],
    },
  };
}
