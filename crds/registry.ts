/**
 * Every librechat.io kind with the API names, printer columns and subresources the generator
 * writes into its CustomResourceDefinition.
 */
import type { TSchema } from "@sinclair/typebox";
import { GROUP, VERSION } from "./shared/schema.ts";
import { AIModelSchema, AIMODEL_GVK } from "./aimodel/v1alpha1/index.ts";
import { AssistantSchema, ASSISTANT_GVK } from "./assistant/v1alpha1/index.ts";
import { ChaosPolicySchema, CHAOSPOLICY_GVK } from "./chaospolicy/v1alpha1/index.ts";
import { ChatRegionSchema, CHATREGION_GVK } from "./chatregion/v1alpha1/index.ts";
import { TenantSchema, TENANT_GVK, TENANT_NAME_MAX_LENGTH } from "./tenant/v1alpha1/index.ts";

export interface PrinterColumn {
  readonly name: string;
  readonly type: "string" | "integer" | "number" | "boolean" | "date";
  readonly jsonPath: string;
  readonly description: string;
  readonly priority?: number;
}

export interface ScaleSubresource {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

export interface KindDefinition {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly scope: "Namespaced" | "Cluster";
  readonly categories: readonly string[];
  readonly printerColumns: readonly PrinterColumn[];
  readonly subresources: {
    readonly status: Record<string, never>;
    readonly scale?: ScaleSubresource;
  };
  /**
   * Bound on metadata.name written into the CRD (the only metadata restriction Kubernetes allows).
   * Needed where root CEL rules use metadata.name, so the cost estimator sees a bounded string.
   */
  readonly metadataNameMaxLength?: number;
  /** The TypeBox schema of the whole object (source of truth). */
  readonly schema: TSchema;
}

const CATEGORIES = ["librechat"] as const;

const READY_COLUMN: PrinterColumn = {
  name: "Ready",
  type: "string",
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: "Status of the Ready condition.",
};
const PHASE_COLUMN: PrinterColumn = {
  name: "Phase",
  type: "string",
  jsonPath: ".status.phase",
  description: "Summary phase derived from the conditions.",
};
const AGE_COLUMN: PrinterColumn = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: "Time since the object was created.",
};
const REASON_COLUMN: PrinterColumn = {
  name: "Reason",
  type: "string",
  jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
  description: "Reason of the Ready condition.",
  priority: 1,
};

export const AIMODEL: KindDefinition = {
  group: GROUP,
  version: VERSION,
  kind: AIMODEL_GVK.kind,
  listKind: "AIModelList",
  plural: AIMODEL_GVK.plural,
  singular: AIMODEL_GVK.singular,
  shortNames: ["aim"],
  scope: "Namespaced",
  categories: CATEGORIES,
  printerColumns: [
    READY_COLUMN,
    PHASE_COLUMN,
    {
      name: "Provider",
      type: "string",
      jsonPath: ".spec.provider",
      description: "Who serves the model.",
    },
    {
      name: "Model",
      type: "string",
      jsonPath: ".spec.modelName",
      description: "Name clients request.",
    },
    {
      name: "Desired",
      type: "integer",
      jsonPath: ".spec.replicas",
      description: "Desired engine replicas.",
    },
    {
      name: "Available",
      type: "integer",
      jsonPath: ".status.readyReplicas",
      description: "Ready engine replicas.",
    },
    {
      name: "Endpoint",
      type: "string",
      jsonPath: ".status.endpoint",
      description: "URL the gateway uses.",
      priority: 1,
    },
    REASON_COLUMN,
    AGE_COLUMN,
  ],
  subresources: {
    status: {},
    scale: {
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".status.selector",
    },
  },
  schema: AIModelSchema,
};

export const TENANT: KindDefinition = {
  group: GROUP,
  version: VERSION,
  kind: TENANT_GVK.kind,
  listKind: "TenantList",
  plural: TENANT_GVK.plural,
  singular: TENANT_GVK.singular,
  shortNames: ["tnt"],
  scope: "Cluster",
  categories: CATEGORIES,
  printerColumns: [
    READY_COLUMN,
    PHASE_COLUMN,
    {
      name: "Display Name",
      type: "string",
      jsonPath: ".spec.displayName",
      description: "Human-readable tenant name.",
    },
    {
      name: "Realm",
      type: "string",
      jsonPath: ".spec.identity.realm.name",
      description: "Keycloak realm.",
    },
    {
      name: "Identity",
      type: "string",
      jsonPath: '.status.conditions[?(@.type=="IdentitySynced")].status',
      description: "Status of the IdentitySynced condition.",
    },
    {
      name: "Drifted",
      type: "string",
      jsonPath: '.status.conditions[?(@.type=="IdentityDrifted")].status',
      description: "Status of the IdentityDrifted condition.",
      priority: 1,
    },
    REASON_COLUMN,
    AGE_COLUMN,
  ],
  subresources: { status: {} },
  metadataNameMaxLength: TENANT_NAME_MAX_LENGTH,
  schema: TenantSchema,
};

export const ASSISTANT: KindDefinition = {
  group: GROUP,
  version: VERSION,
  kind: ASSISTANT_GVK.kind,
  listKind: "AssistantList",
  plural: ASSISTANT_GVK.plural,
  singular: ASSISTANT_GVK.singular,
  shortNames: ["asst"],
  scope: "Namespaced",
  categories: CATEGORIES,
  printerColumns: [
    READY_COLUMN,
    PHASE_COLUMN,
    {
      name: "Stable",
      type: "string",
      jsonPath: ".status.stableVersion",
      description: "Last version that served all traffic healthily.",
    },
    {
      name: "Stickiness",
      type: "string",
      jsonPath: ".spec.stickiness",
      description: "What keeps seeing the same variant.",
      priority: 1,
    },
    REASON_COLUMN,
    AGE_COLUMN,
  ],
  subresources: { status: {} },
  schema: AssistantSchema,
};

export const CHATREGION: KindDefinition = {
  group: GROUP,
  version: VERSION,
  kind: CHATREGION_GVK.kind,
  listKind: "ChatRegionList",
  plural: CHATREGION_GVK.plural,
  singular: CHATREGION_GVK.singular,
  // "cr" is deliberately not used: it reads as "custom resource" and is claimed by other projects.
  shortNames: ["chatrgn"],
  scope: "Namespaced",
  categories: CATEGORIES,
  printerColumns: [
    READY_COLUMN,
    PHASE_COLUMN,
    { name: "Region", type: "string", jsonPath: ".spec.region", description: "Region identifier." },
    {
      name: "Data Region",
      type: "string",
      jsonPath: ".spec.residency.dataRegion",
      description: "Residency jurisdiction.",
    },
    {
      name: "Desired",
      type: "integer",
      jsonPath: ".spec.fleet.replicas",
      description: "Desired gateway pods.",
    },
    {
      name: "Available",
      type: "integer",
      jsonPath: ".status.readyReplicas",
      description: "Ready gateway pods.",
    },
    {
      name: "Connections",
      type: "integer",
      jsonPath: ".status.connections.open",
      description: "Open connections.",
    },
    {
      name: "Failover",
      type: "string",
      jsonPath: ".status.failover.activeTarget",
      description: "Region receiving this region's traffic.",
      priority: 1,
    },
    REASON_COLUMN,
    AGE_COLUMN,
  ],
  subresources: {
    status: {},
    scale: {
      specReplicasPath: ".spec.fleet.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".status.selector",
    },
  },
  schema: ChatRegionSchema,
};

export const CHAOSPOLICY: KindDefinition = {
  group: GROUP,
  version: VERSION,
  kind: CHAOSPOLICY_GVK.kind,
  listKind: "ChaosPolicyList",
  plural: CHAOSPOLICY_GVK.plural,
  singular: CHAOSPOLICY_GVK.singular,
  shortNames: ["chaos"],
  scope: "Namespaced",
  categories: CATEGORIES,
  printerColumns: [
    READY_COLUMN,
    PHASE_COLUMN,
    { name: "Fault", type: "string", jsonPath: ".spec.fault.type", description: "Fault type." },
    { name: "Target", type: "string", jsonPath: ".spec.target.name", description: "Target name." },
    {
      name: "Duration",
      type: "string",
      jsonPath: ".spec.duration",
      description: "Fault duration.",
    },
    { name: "Dry Run", type: "boolean", jsonPath: ".spec.dryRun", description: "Inject nothing." },
    {
      name: "Verdict",
      type: "string",
      jsonPath: ".status.verdict",
      description: "Outcome of the last run.",
    },
    {
      name: "Target Kind",
      type: "string",
      jsonPath: ".spec.target.kind",
      description: "Target kind.",
      priority: 1,
    },
    REASON_COLUMN,
    AGE_COLUMN,
  ],
  subresources: { status: {} },
  schema: ChaosPolicySchema,
};

/** All kinds, in a stable order. */
export const KINDS: readonly KindDefinition[] = [
  AIMODEL,
  TENANT,
  ASSISTANT,
  CHATREGION,
  CHAOSPOLICY,
];

/** Finds a kind by `apiVersion` and `kind` as written in a document. */
export function findKind(apiVersion: unknown, kind: unknown): KindDefinition | undefined {
  return KINDS.find((k) => `${k.group}/${k.version}` === apiVersion && k.kind === kind);
}

/** Finds a kind by kind name, plural, singular or short name (case-insensitive). */
export function lookupKind(name: string): KindDefinition | undefined {
  const n = name.toLowerCase();
  return KINDS.find(
    (k) =>
      k.kind.toLowerCase() === n || k.plural === n || k.singular === n || k.shortNames.includes(n),
  );
}
