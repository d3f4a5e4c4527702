// Resource types the ChaosPolicy controller reads and writes, under the names it uses: core kinds
// from the shared table (operators/runtime/core-kinds.ts), librechat.io kinds from their records.
import type { GroupVersionKind } from "../../operators/runtime/index.ts";
import { AIMODEL_GVK } from "../../crds/aimodel/v1alpha1/index.ts";
import { CHAOSPOLICY_GVK } from "../../crds/chaospolicy/v1alpha1/index.ts";
import { CHATREGION_GVK } from "../../crds/chatregion/v1alpha1/index.ts";
import { TENANT_GVK } from "../../crds/tenant/v1alpha1/index.ts";
import {
  CONFIG_MAP,
  DEPLOYMENT as CORE_DEPLOYMENT,
  NAMESPACE as CORE_NAMESPACE,
  POD as CORE_POD,
} from "../../operators/runtime/core-kinds.ts";

export const CHAOSPOLICY: GroupVersionKind = CHAOSPOLICY_GVK;
export const AIMODEL: GroupVersionKind = AIMODEL_GVK;
export const CHATREGION: GroupVersionKind = CHATREGION_GVK;
export const TENANT: GroupVersionKind = TENANT_GVK;
export const NAMESPACE: GroupVersionKind = CORE_NAMESPACE;
export const POD: GroupVersionKind = CORE_POD;
export const CONFIGMAP: GroupVersionKind = CONFIG_MAP;
export const DEPLOYMENT: GroupVersionKind = CORE_DEPLOYMENT;

/** Namespace label naming the Tenant that owns the namespace. */
export const TENANT_LABEL = "librechat.io/tenant";
