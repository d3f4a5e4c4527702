/**
 * Assistant (librechat.io/v1alpha1, namespaced): a versioned assistant configuration (model,
 * instructions, parameters, tools) with weighted A/B variants, sticky routing and rollback.
 */
import { Type } from "@sinclair/typebox";
import type { TString } from "@sinclair/typebox";
import {
  ConfigMapKeyRefSchema,
  Conditions,
  LabelName,
  ObjectName,
  ObservedGeneration,
  Ratio,
  Resource,
  SecretKeyRef,
  StringEnum,
  Timestamp,
} from "../../shared/schema.ts";
import type { CelRule } from "../../shared/schema.ts";

export const TOOL_TYPES = ["WebSearch", "FileSearch", "CodeInterpreter", "MCP"] as const;
export const STICKINESS = ["Conversation", "User"] as const;
export const ASSISTANT_PHASES = ["Pending", "Active", "RolledBack", "Error"] as const;

const VersionName = (description: string): TString => LabelName(description);

export const ToolSchema = Type.Object(
  {
    name: LabelName("Tool name, unique within the version."),
    type: StringEnum(TOOL_TYPES, { description: "Kind of tool." }),
    url: Type.Optional(
      Type.String({
        description: "MCP server URL; required for type MCP, forbidden otherwise.",
        format: "uri",
        maxLength: 2048,
        pattern: "^https?://",
      }),
    ),
    headersSecretRef: Type.Optional(
      SecretKeyRef(
        "Secret key holding HTTP headers (one `Name: value` per line) sent to the MCP server; only for type MCP.",
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "A tool the assistant may call.",
    "x-kubernetes-validations": [
      {
        rule: "(self.type == 'MCP') == has(self.url)",
        message: "url is required for MCP tools and forbidden for other tool types",
        fieldPath: ".url",
      },
      {
        rule: "self.type == 'MCP' || !has(self.headersSecretRef)",
        message: "headersSecretRef is only allowed for MCP tools",
        fieldPath: ".headersSecretRef",
        reason: "FieldValueForbidden",
      },
    ] satisfies CelRule[],
  },
);

export const ParametersSchema = Type.Object(
  {
    temperature: Type.Optional(
      Type.String({
        description: 'Sampling temperature as a decimal string between 0 and 2, e.g. "0.7".',
        maxLength: 8,
        pattern: "^(0(\\.[0-9]{1,4})?|1(\\.[0-9]{1,4})?|2(\\.0{1,4})?)$",
      }),
    ),
    topP: Type.Optional(Ratio({ description: "Nucleus sampling probability mass." })),
    maxTokens: Type.Optional(
      Type.Integer({
        description: "Most tokens generated per reply.",
        minimum: 1,
        maximum: 1000000,
      }),
    ),
  },
  { additionalProperties: false, description: "Generation parameters." },
);

export const AssistantVersionSchema = Type.Object(
  {
    name: VersionName(
      "Version name, e.g. v1, 2025-07-support. Versions are immutable once created: add a new one instead of editing.",
    ),
    modelRef: ObjectName("Name of the AIModel (same namespace) the version uses."),
    instructions: Type.Optional(
      Type.String({
        description: "System prompt written inline; set either instructions or promptRef.",
        minLength: 1,
        maxLength: 16384,
      }),
    ),
    promptRef: Type.Optional(ConfigMapKeyRefSchema),
    parameters: Type.Optional(ParametersSchema),
    tools: Type.Optional(
      Type.Array(ToolSchema, {
        description: "Tools the version may call.",
        maxItems: 16,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "One immutable, named assistant configuration.",
    "x-kubernetes-validations": [
      {
        rule: "has(self.instructions) != has(self.promptRef)",
        message: "exactly one of instructions or promptRef must be set",
      },
      {
        rule: "self == oldSelf",
        message: "a version is immutable once created; add a new version instead of editing it",
      },
    ] satisfies CelRule[],
  },
);

export const VariantSchema = Type.Object(
  {
    version: VersionName("Name of a version in spec.versions."),
    weight: Type.Integer({
      description:
        "Percentage of new conversations (or users) routed to this variant; weights sum to 100.",
      minimum: 0,
      maximum: 100,
    }),
  },
  { additionalProperties: false, description: "A traffic share for one version." },
);

export const AssistantSpecSchema = Type.Object(
  {
    displayName: Type.Optional(
      Type.String({ description: "Name shown to users.", maxLength: 128 }),
    ),
    description: Type.Optional(
      Type.String({ description: "What the assistant is for.", maxLength: 1024 }),
    ),
    versions: Type.Array(AssistantVersionSchema, {
      description:
        "Named, immutable configurations. Remove old ones to stay within revisionHistoryLimit.",
      minItems: 1,
      maxItems: 16,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    }),
    variants: Type.Array(VariantSchema, {
      description:
        "A/B traffic split between versions; a single variant of weight 100 serves one version.",
      minItems: 1,
      maxItems: 8,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["version"],
    }),
    stickiness: StringEnum(STICKINESS, {
      description: "What keeps seeing the same variant: a conversation or a user.",
      default: "Conversation",
    }),
    rollback: Type.Optional(
      Type.Object(
        {
          toVersion: Type.Optional(
            VersionName(
              "Version that receives all traffic on rollback; absent means status.stableVersion.",
            ),
          ),
          auto: Type.Boolean({
            description:
              "Roll back automatically when a variant's error rate exceeds errorRateThreshold.",
            default: false,
          }),
          errorRateThreshold: Type.Optional(
            Ratio({
              description:
                "Error rate that triggers an automatic rollback; required when auto is true.",
            }),
          ),
        },
        {
          additionalProperties: false,
          description: "Rollback target and automation.",
          "x-kubernetes-validations": [
            {
              rule: "!self.auto || has(self.errorRateThreshold)",
              message: "errorRateThreshold is required when auto is true",
              fieldPath: ".errorRateThreshold",
              reason: "FieldValueRequired",
            },
          ] satisfies CelRule[],
        },
      ),
    ),
    revisionHistoryLimit: Type.Integer({
      description: "Most versions kept in spec.versions (including active ones).",
      minimum: 1,
      maximum: 16,
      default: 10,
    }),
  },
  {
    additionalProperties: false,
    description: "Desired state of the Assistant.",
    "x-kubernetes-validations": [
      {
        rule: "self.variants.all(v, self.versions.exists(x, x.name == v.version))",
        message: "every variants[].version must name an entry of versions",
        fieldPath: ".variants",
      },
      {
        rule: "self.variants.map(v, v.weight).sum() == 100",
        message: "variant weights must sum to 100",
        fieldPath: ".variants",
      },
      {
        rule: "!has(self.rollback) || !has(self.rollback.toVersion) || self.versions.exists(x, x.name == self.rollback.toVersion)",
        message: "rollback.toVersion must name an entry of versions",
        fieldPath: ".rollback.toVersion",
      },
      {
        rule: "size(self.versions) <= self.revisionHistoryLimit",
        message: "versions must not hold more entries than revisionHistoryLimit",
        fieldPath: ".versions",
      },
    ] satisfies CelRule[],
  },
);

export const AssistantStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration()),
    phase: Type.Optional(
      StringEnum(ASSISTANT_PHASES, { description: "Summary derived from conditions." }),
    ),
    conditions: Type.Optional(Conditions("Ready, VariantsHealthy and RolledBack, keyed by type.")),
    activeVariants: Type.Optional(
      Type.Array(
        Type.Object(
          {
            version: VersionName("Version served."),
            weight: Type.Integer({ description: "Effective weight.", minimum: 0, maximum: 100 }),
            hash: Type.Optional(
              Type.String({
                description: "Hash of the version's configuration as routed.",
                maxLength: 64,
              }),
            ),
          },
          { additionalProperties: false, description: "A variant as the gateway routes it." },
        ),
        {
          description: "Variants currently routed (differs from spec after a rollback).",
          maxItems: 8,
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["version"],
        },
      ),
    ),
    stableVersion: Type.Optional(
      VersionName("Last version that served 100% of traffic healthily."),
    ),
    lastRollback: Type.Optional(
      Type.Object(
        {
          from: Type.Optional(VersionName("Version rolled back from.")),
          to: VersionName("Version rolled back to."),
          reason: Type.String({
            description: "Why (e.g. ErrorRateExceeded, Manual).",
            maxLength: 256,
          }),
          at: Timestamp("When."),
        },
        { additionalProperties: false, description: "The most recent rollback." },
      ),
    ),
  },
  { additionalProperties: false, description: "Observed state of the Assistant." },
);

export const AssistantSchema = Resource("Assistant", AssistantSpecSchema, AssistantStatusSchema, {
  description: "A versioned assistant configuration with A/B variants and rollback.",
});
