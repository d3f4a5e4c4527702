// Contracts shared by the per-kind rule modules, the handler table and the server.
import { DEFAULT_IMAGE_PREFIXES } from "../crds/aimodel/v1alpha1/image-policy.ts";
import { DEFAULT_CHAOS_LIMITS } from "../crds/chaospolicy/v1alpha1/rules.ts";
import type { JsonPatchOp, KubeObject, Operation, Violation } from "./review.ts";

/**
 * Kinds a webhook may look up, with the REST coordinates needed to GET them: a kind record
 * (crds/<kind>/v1alpha1/kind.ts) or a core kind (operators/runtime/core-kinds.ts).
 */
export interface LookupKind {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
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
  /**
   * Only the metadata of an object (a PartialObjectMetadata GET): for Secrets, whose values a
   * webhook must never receive.
   */
  getMetadata(
    kind: LookupKind,
    namespace: string,
    name: string,
    signal: AbortSignal,
  ): Promise<NamespaceInfo | null>;
  /** All objects of a cluster-scoped kind (Tenants for realm uniqueness). */
  listObjects(kind: LookupKind, signal: AbortSignal): Promise<KubeObject[]>;
}

/** Cluster-wide limits that are configuration, not CRD schema. */
export interface PolicyConfig {
  aimodel: {
    /** Engine image prefixes self-hosted AIModels may run ("*": any); see crds/aimodel image-policy. */
    imagePrefixes: readonly string[];
  };
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

/** Defaults: the official vLLM and Ollama images; crds/chaospolicy DEFAULT_CHAOS_LIMITS (1 h of chaos at most, never more than half of the targets). */
export const DEFAULT_POLICY: PolicyConfig = {
  aimodel: { imagePrefixes: DEFAULT_IMAGE_PREFIXES },
  chaos: { ...DEFAULT_CHAOS_LIMITS },
};

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
