// The AIModel controller as a ControllerModule (operators/runtime/module.ts): its flags, the RBAC
// it needs (manifests/rbac is generated from this), and how it registers with a manager. Part of
// the "inference" operator.
import { AIMODEL_KIND } from "../../crds/aimodel/v1alpha1/index.ts";
import { ConfigError } from "../../lib/config.ts";
import {
  DEPLOYMENT,
  EVENT,
  POD_DISRUPTION_BUDGET,
  SECRET,
  SERVICE,
} from "../../operators/runtime/core-kinds.ts";
import type { ControllerModule, PolicyRule } from "../../operators/runtime/module.ts";
import { groupOf } from "../../operators/runtime/keys.ts";
import { addAIModelController } from "./controller.ts";
import { CONTROLLER_NAME } from "./reconcile.ts";

const WRITE_CHILD = ["get", "list", "watch", "create", "patch", "update", "delete"];

/** RBAC of the AIModel controller: its kind and status, the children it applies, Secrets read-only (cached as key names only), Events. */
export const AIMODEL_RULES: readonly PolicyRule[] = [
  {
    apiGroups: [AIMODEL_KIND.group],
    resources: [AIMODEL_KIND.plural],
    verbs: ["get", "list", "watch"],
  },
  {
    apiGroups: [AIMODEL_KIND.group],
    resources: [`${AIMODEL_KIND.plural}/status`],
    verbs: ["get", "patch", "update"],
  },
  ...[DEPLOYMENT, SERVICE, POD_DISRUPTION_BUDGET].map((k) => ({
    apiGroups: [groupOf(k.apiVersion)],
    resources: [k.plural],
    verbs: WRITE_CHILD,
  })),
  {
    apiGroups: [groupOf(SECRET.apiVersion)],
    resources: [SECRET.plural],
    verbs: ["get", "list", "watch"],
  },
  {
    apiGroups: [groupOf(EVENT.apiVersion), "events.k8s.io"],
    resources: [EVENT.plural],
    verbs: ["create", "patch", "update"],
  },
];

function positiveInt(name: string, v: unknown): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw new ConfigError([`--${name} must be an integer from 1 to 1024, got "${String(v)}"`]);
  return n;
}

export const aimodelModule: ControllerModule = {
  name: CONTROLLER_NAME,
  operator: "inference",
  flags: {
    "aimodel-concurrency": {
      type: "string",
      env: "AIMODEL_CONCURRENCY",
      default: "4",
      description: "AIModel workers",
    },
    "cluster-domain": {
      type: "string",
      env: "CLUSTER_DOMAIN",
      default: "cluster.local",
      description: "cluster DNS domain used in model endpoints",
    },
  },
  clusterRules: AIMODEL_RULES,
  checkFlags(flags) {
    positiveInt("aimodel-concurrency", flags["aimodel-concurrency"]);
  },
  setup(ctx) {
    addAIModelController(ctx.mgr, ctx.client, {
      maxConcurrentReconciles: positiveInt("aimodel-concurrency", ctx.flags["aimodel-concurrency"]),
      config: { clusterDomain: String(ctx.flags["cluster-domain"] ?? "cluster.local") },
    });
  },
};

export default aimodelModule;
