/**
 * Every librechat.io kind as a CRD definition: its kind record (crds/<kind>/v1alpha1/kind.ts, the
 * only place names and scope are written) plus the printer columns and subresources the generator
 * writes into its CustomResourceDefinition.
 */
import type { TSchema } from "@sinclair/typebox";
import type { KindRecord } from "./shared/kind.ts";
import { AIModelSchema, AIMODEL_KIND } from "./aimodel/v1alpha1/index.ts";
import { AssistantSchema, ASSISTANT_KIND } from "./assistant/v1alpha1/index.ts";
import { ChaosPolicySchema, CHAOSPOLICY_KIND } from "./chaospolicy/v1alpha1/index.ts";
import { ChatRegionSchema, CHATREGION_KIND } from "./chatregion/v1alpha1/index.ts";
import { TenantSchema, TENANT_KIND, TENANT_NAME_MAX_LENGTH } from "./tenant/v1alpha1/index.ts";

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

export interface KindDefinition extends KindRecord {
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

function scopeOf(k: KindRecord): KindDefinition["scope"] {
  return k.namespaced ? "Namespaced" : "Cluster";
}

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
  ...AIMODEL_KIND,
  scope: scopeOf(AIMODEL_KIND),
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
      name: "Success",
      type: "string",
      jsonPath: ".status.successRate",
      description: "Share of successful requests the gateway measured over the last window.",
    },
    {
      name: "P99",
      type: "integer",
      jsonPath: ".status.latency.p99Ms",
      description: "99th percentile latency (ms) the gateway measured over the last window.",
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
  ...TENANT_KIND,
  scope: scopeOf(TENANT_KIND),
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
      jsonPath: '.status.conditions[?(@.type=="IdentityReady")].status',
      description: "Status of the IdentityReady condition.",
    },
    {
      name: "Namespaces",
      type: "string",
      jsonPath: ".status.namespaces[*].name",
      description: "Namespaces owned by the tenant.",
      priority: 1,
    },
    {
      name: "Last Sync",
      type: "date",
      jsonPath: ".status.identity.lastSyncTime",
      description: "Last successful sync with Keycloak.",
      priority: 1,
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
  ...ASSISTANT_KIND,
  scope: scopeOf(ASSISTANT_KIND),
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
  ...CHATREGION_KIND,
  scope: scopeOf(CHATREGION_KIND),
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
      jsonPath: ".status.desiredReplicas",
      description: "Gateway pods the connection-aware autoscaler wants.",
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
      name: "Used %",
      type: "integer",
      jsonPath: ".status.capacityUsedPercent",
      description: "Open connections as a percentage of the capacity outside the failover reserve.",
    },
    {
      name: "Health",
      type: "string",
      jsonPath: ".status.health.state",
      description: "Region health after grace period and hold-down.",
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
  ...CHAOSPOLICY_KIND,
  scope: scopeOf(CHAOSPOLICY_KIND),
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
