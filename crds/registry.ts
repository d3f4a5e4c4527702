/**
 * Every librechat.io kind with the API names, printer columns and subresources the generator
 * writes into its CustomResourceDefinition.
 */
import type { TSchema } from "@sinclair/typebox";
import { GROUP, VERSION } from "./shared/schema.ts";
import { AIModelSchema, AIMODEL_GVK } from "./aimodel/v1alpha1/index.ts";

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
  readonly subresources: { readonly status: Record<string, never>; readonly scale?: ScaleSubresource };
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
    { name: "Provider", type: "string", jsonPath: ".spec.provider", description: "Who serves the model." },
    { name: "Model", type: "string", jsonPath: ".spec.modelName", description: "Name clients request." },
    { name: "Desired", type: "integer", jsonPath: ".spec.replicas", description: "Desired engine replicas." },
    { name: "Available", type: "integer", jsonPath: ".status.readyReplicas", description: "Ready engine replicas." },
    { name: "Endpoint", type: "string", jsonPath: ".status.endpoint", description: "URL the gateway uses.", priority: 1 },
    REASON_COLUMN,
    AGE_COLUMN,
  ],
  subresources: {
    status: {},
    scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector" },
  },
  schema: AIModelSchema,
};

/** All kinds, in a stable order. */
export const KINDS: readonly KindDefinition[] = [AIMODEL];

/** Finds a kind by `apiVersion` and `kind` as written in a document. */
export function findKind(apiVersion: unknown, kind: unknown): KindDefinition | undefined {
  return KINDS.find((k) => `${k.group}/${k.version}` === apiVersion && k.kind === kind);
}

/** Finds a kind by kind name, plural, singular or short name (case-insensitive). */
export function lookupKind(name: string): KindDefinition | undefined {
  const n = name.toLowerCase();
  return KINDS.find(
    (k) => k.kind.toLowerCase() === n || k.plural === n || k.singular === n || k.shortNames.includes(n),
  );
}
