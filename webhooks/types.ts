// Contracts shared by the per-kind rule modules, the handler table and the server.
import type { JsonPatchOp, KubeObject, Operation, Violation } from "./review.ts";

/** Kinds a webhook may look up, with the REST coordinates needed to GET them. */
export interface LookupKind {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** A namespace as the rules need it. */
export interface NamespaceInfo {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * Read-only view of the cluster used by validating rules. Implementations must honour `signal`
 * (the review deadline); `null` means "does not exist" (404). Any other failure throws.
 */
export interface Lookup {
  getNamespace(name: string, signal: AbortSignal): Promise<NamespaceInfo | null>;
  getObject(
    kind: LookupKind,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<KubeObject | null>;
  /** All objects of a cluster-scoped kind (Tenants for realm uniqueness). */
  listObjects(kind: LookupKind, signal: AbortSignal): Promise<KubeObject[]>;
}

/** Cluster-wide limits that are configuration, not CRD schema. */
export interface PolicyConfig {
  chaos: {
    /** Upper bound for ChaosPolicy spec.duration, in seconds. */
    maxDurationSeconds: number;
    /** Upper bound for any affected percentage (blastRadius value/maxAffectedPercent). */
    maxAffectedPercent: number;
    /**
     * Namespace whose `librechat.io/chaos-kill-switch: engaged` annotation stops chaos cluster-wide
     * (the operator's namespace); undefined: only Tenant-level kill switches apply.
     */
    killSwitchNamespace?: string;
  };
}

/** Defaults: 1 h of chaos at most, never more than half of the targets. */
export const DEFAULT_POLICY: PolicyConfig = {
  chaos: { maxDurationSeconds: 3600, maxAffectedPercent: 50 },
};

/** Annotation that stops all chaos when "engaged" (crds/chaospolicy CHAOS_KILL_SWITCH_ANNOTATION). */
export const KILL_SWITCH_ANNOTATION = "librechat.io/chaos-kill-switch";
export const KILL_SWITCH_ENGAGED = "engaged";

/** Everything a validating rule may read. */
export interface ValidateInput {
  operation: Operation;
  object: KubeObject;
  oldObject: KubeObject | null;
  /** Namespace of the request (empty for cluster-scoped kinds). */
  namespace: string;
  lookup: Lookup;
  policy: PolicyConfig;
  signal: AbortSignal;
}

/** Everything a defaulting rule may read: no lookups, defaulting is pure. */
export interface DefaultInput {
  operation: Operation;
  object: KubeObject;
  oldObject: KubeObject | null;
}

/** What the API server does if the webhook cannot answer; also what we answer on our own deadline. */
export type FailurePolicy = "Fail" | "Ignore";

/** One admission webhook: a route, the resource it watches and its rule function. */
export type WebhookHandler =
  | {
      type: "validating";
      /** Short name used in the route (`/validate/<name>`) and the webhook name. */
      name: string;
      kind: LookupKind;
      failurePolicy: FailurePolicy;
      validate(input: ValidateInput): Promise<Violation[]>;
    }
  | {
      type: "mutating";
      name: string;
      kind: LookupKind;
      failurePolicy: FailurePolicy;
      default(input: DefaultInput): JsonPatchOp[];
    };

export const GROUP = "librechat.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

export const KINDS = {
  AIModel: { apiVersion: API_VERSION, kind: "AIModel", plural: "aimodels", namespaced: true },
  Tenant: { apiVersion: API_VERSION, kind: "Tenant", plural: "tenants", namespaced: false },
  Assistant: { apiVersion: API_VERSION, kind: "Assistant", plural: "assistants", namespaced: true },
  ChatRegion: {
    apiVersion: API_VERSION,
    kind: "ChatRegion",
    plural: "chatregions",
    namespaced: true,
  },
  ChaosPolicy: {
    apiVersion: API_VERSION,
    kind: "ChaosPolicy",
    plural: "chaospolicies",
    namespaced: true,
  },
  Deployment: {
    apiVersion: "apps/v1",
    kind: "Deployment",
    plural: "deployments",
    namespaced: true,
  },
} as const satisfies Record<string, LookupKind>;

/** Label that ties a namespace to its Tenant. */
export const TENANT_LABEL = "librechat.io/tenant";
/** Label the AIModel defaulter sets to spec.modelName. */
export const MODEL_NAME_LABEL = "librechat.io/model-name";
