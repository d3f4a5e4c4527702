/**
 * Shared TypeBox building blocks for the librechat.io CRDs.
 *
 * Every helper here produces a schema that is already close to a Kubernetes structural schema:
 * string enums are plain `enum` (not TypeBox's `anyOf` of literals), string maps use
 * `additionalProperties`, and every string and list carries a bound so CEL cost estimation passes.
 * `crds/generate.ts` post-processes the result (inlining, key sorting, stripping TypeBox internals).
 */
import { Type } from "@sinclair/typebox";
import type {
  SchemaOptions,
  Static,
  TArray,
  TInteger,
  TObject,
  TOptionalWithFlag,
  TSchema,
  TString,
  TUnsafe,
} from "@sinclair/typebox";

/** API group of every kind in this repository. */
export const GROUP = "librechat.io";
/** The only served and stored version. */
export const VERSION = "v1alpha1";
/** `apiVersion` value of every object. */
export const API_VERSION = `${GROUP}/${VERSION}`;

/** One CEL rule as written into `x-kubernetes-validations`. */
export interface CelRule {
  readonly rule: string;
  readonly message: string;
  /** JSONPath-ish relative path (`.minReplicas`) reported instead of the rule's own node. */
  readonly fieldPath?: string;
  readonly reason?:
    "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
}

/** Options accepted by the helpers below: a description is mandatory everywhere. */
export type Described = SchemaOptions & { description: string };

/** Kubernetes resource name (DNS-1123 subdomain, as used for most object names). */
export const DNS1123_SUBDOMAIN =
  "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
/** DNS-1123 label (namespaces, Service names, list keys). */
export const DNS1123_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
/** Go duration string restricted to non-negative ms/s/m/h units, e.g. `90s`, `5m`, `1h30m`. */
export const DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";
/** Non-negative decimal string, e.g. `0.0000002`, `12.50`. */
export const DECIMAL_PATTERN = "^(0|[1-9][0-9]*)(\\.[0-9]+)?$";
/** Ratio in [0, 1] as a decimal string, e.g. `0`, `0.25`, `1`, `1.0`. */
export const RATIO_PATTERN = "^(0(\\.[0-9]+)?|1(\\.0+)?)$";
/** Kubernetes resource quantity (same regex as apimachinery's `resource.Quantity`). */
export const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";
/** ISO 4217 currency code. */
export const CURRENCY_PATTERN = "^[A-Z]{3}$";
/** metav1.Condition reason pattern. */
export const CONDITION_REASON_PATTERN = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";

/** String restricted to a fixed set of values; emitted as `{type: string, enum: [...]}`. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Described,
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: "string", enum: [...values] });
}

/** Map from string keys to `value`; emitted as `{type: object, additionalProperties: value}`. */
export function StringMap<V extends TSchema>(
  value: V,
  options: Described & { maxProperties: number },
): TUnsafe<Record<string, Static<V>>> {
  return Type.Unsafe<Record<string, Static<V>>>({
    ...options,
    type: "object",
    additionalProperties: value,
  });
}

/** A Kubernetes object name (DNS-1123 subdomain, ≤ 253 characters). */
export function ObjectName(description: string, maxLength = 253): TString {
  return Type.String({ description, minLength: 1, maxLength, pattern: DNS1123_SUBDOMAIN });
}

/** A DNS-1123 label (≤ 63 characters). */
export function LabelName(description: string): TString {
  return Type.String({ description, minLength: 1, maxLength: 63, pattern: DNS1123_LABEL });
}

/** Duration string such as `30s`, `5m`, `1h`; CEL rules compare it with `duration(...)`. */
export function Duration(options: Described): TString {
  return Type.String({
    ...options,
    description: `${options.description} Go duration string using ms, s, m or h units, e.g. "30s", "5m", "1h30m".`,
    maxLength: 32,
    pattern: DURATION_PATTERN,
  });
}

/** Non-negative decimal string (money, rates); never a float. */
export function Decimal(options: Described): TString {
  return Type.String({
    ...options,
    description: `${options.description} Non-negative decimal string, e.g. "0.0000002" (never a float, to avoid rounding).`,
    maxLength: 32,
    pattern: DECIMAL_PATTERN,
  });
}

/** Decimal string in [0, 1]. */
export function Ratio(options: Described): TString {
  return Type.String({
    ...options,
    description: `${options.description} Decimal string between 0 and 1 inclusive, e.g. "0.25".`,
    maxLength: 32,
    pattern: RATIO_PATTERN,
  });
}

/** Kubernetes quantity string (`500m`, `2Gi`, `1`). */
export function Quantity(options: Described): TString {
  return Type.String({ ...options, maxLength: 64, pattern: QUANTITY_PATTERN });
}

/** ISO 4217 currency code, default USD. */
export function Currency(description: string): TString {
  return Type.String({
    description: `${description} ISO 4217 code.`,
    default: "USD",
    maxLength: 3,
    pattern: CURRENCY_PATTERN,
  });
}

/** RFC 3339 timestamp string. */
export function Timestamp(description: string): TString {
  return Type.String({ description, format: "date-time", maxLength: 64 });
}

/** `metadata.generation`-style counter. */
export function ObservedGeneration(
  description = "The metadata.generation this status was computed from.",
): TInteger {
  return Type.Integer({ description, minimum: 0, format: "int64" });
}

/** Reference to one key of a Secret in the same namespace as the referring object (never the value). */
export const SecretKeyRefSchema = Type.Object(
  {
    name: ObjectName("Name of the Secret."),
    key: Type.String({
      description: "Key inside the Secret's data.",
      minLength: 1,
      maxLength: 253,
      pattern: "^[-._a-zA-Z0-9]+$",
    }),
  },
  {
    additionalProperties: false,
    description:
      "Reference to one key of a Secret. Secret values are never written inline into a custom resource.",
  },
);
export type SecretKeyRef = Static<typeof SecretKeyRefSchema>;

/** Secret key reference with a custom description. */
export function SecretKeyRef(description: string): typeof SecretKeyRefSchema {
  return Type.Object(SecretKeyRefSchema.properties, { additionalProperties: false, description });
}

/**
 * Reference to one key of a Secret in an explicit namespace, for cluster-scoped referrers (Tenant)
 * that have no namespace of their own.
 */
export function NamespacedSecretKeyRef(
  description: string,
): TObject<{ name: TString; namespace: TString; key: TString }> {
  return Type.Object(
    {
      name: SecretKeyRefSchema.properties.name,
      namespace: LabelName("Namespace of the Secret."),
      key: SecretKeyRefSchema.properties.key,
    },
    { additionalProperties: false, description },
  );
}

/** Reference to one key of a ConfigMap in the same namespace. */
export const ConfigMapKeyRefSchema = Type.Object(
  {
    name: ObjectName("Name of the ConfigMap."),
    key: Type.String({
      description: "Key inside the ConfigMap's data.",
      minLength: 1,
      maxLength: 253,
      pattern: "^[-._a-zA-Z0-9]+$",
    }),
  },
  {
    additionalProperties: false,
    description: "Reference to one key of a ConfigMap in the same namespace.",
  },
);
export type ConfigMapKeyRef = Static<typeof ConfigMapKeyRefSchema>;

/**
 * ObjectMeta subset used for TypeScript types and offline validation. In the generated CRD the
 * metadata node is emitted as a bare `{type: object}` (the API server owns its schema).
 */
export const ObjectMetaSchema = Type.Object(
  {
    name: Type.Optional(
      ObjectName("Name of the object, unique within its namespace (or the cluster)."),
    ),
    generateName: Type.Optional(
      Type.String({ description: "Prefix for a server-generated name.", maxLength: 253 }),
    ),
    namespace: Type.Optional(
      LabelName("Namespace of the object; absent for cluster-scoped kinds."),
    ),
    uid: Type.Optional(
      Type.String({ description: "Server-assigned unique identifier.", maxLength: 64 }),
    ),
    resourceVersion: Type.Optional(
      Type.String({ description: "Opaque version for optimistic concurrency.", maxLength: 64 }),
    ),
    generation: Type.Optional(
      Type.Integer({ description: "Sequence number of spec changes.", format: "int64" }),
    ),
    creationTimestamp: Type.Optional(Timestamp("Time the object was created.")),
    deletionTimestamp: Type.Optional(Timestamp("Time deletion was requested.")),
    labels: Type.Optional(
      StringMap(Type.String({ description: "Label value.", maxLength: 63 }), {
        description: "Labels of the object.",
        maxProperties: 256,
      }),
    ),
    annotations: Type.Optional(
      StringMap(Type.String({ description: "Annotation value.", maxLength: 262144 }), {
        description: "Annotations of the object.",
        maxProperties: 256,
      }),
    ),
    finalizers: Type.Optional(
      Type.Array(Type.String({ description: "Finalizer name.", maxLength: 253 }), {
        description: "Finalizers blocking deletion.",
        maxItems: 64,
      }),
    ),
    ownerReferences: Type.Optional(
      Type.Array(
        Type.Object(
          {
            apiVersion: Type.String({ description: "API version of the owner." }),
            kind: Type.String({ description: "Kind of the owner." }),
            name: Type.String({ description: "Name of the owner." }),
            uid: Type.String({ description: "UID of the owner." }),
            controller: Type.Optional(
              Type.Boolean({ description: "True if the owner is the managing controller." }),
            ),
            blockOwnerDeletion: Type.Optional(
              Type.Boolean({
                description: "True if the owner cannot be deleted before this object.",
              }),
            ),
          },
          { additionalProperties: true, description: "Owner reference." },
        ),
        {
          description: "Owners of the object.",
          maxItems: 64,
        },
      ),
    ),
    managedFields: Type.Optional(
      Type.Array(
        Type.Object({}, { additionalProperties: true, description: "Managed-fields entry." }),
        {
          description: "Server-side apply bookkeeping.",
          maxItems: 256,
        },
      ),
    ),
  },
  { additionalProperties: true, description: "Standard object metadata." },
);
export type ObjectMeta = Static<typeof ObjectMetaSchema>;

/** metav1.Condition. */
export const ConditionSchema = Type.Object(
  {
    type: Type.String({
      description: "Type of condition in CamelCase, e.g. Ready.",
      maxLength: 316,
      pattern:
        "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
    }),
    status: StringEnum(["True", "False", "Unknown"] as const, {
      description: "Status of the condition.",
    }),
    observedGeneration: Type.Optional(
      ObservedGeneration("The metadata.generation the condition was set from."),
    ),
    lastTransitionTime: Timestamp("Last time the condition's status changed."),
    reason: Type.String({
      description: "Programmatic CamelCase reason for the last transition.",
      minLength: 1,
      maxLength: 1024,
      pattern: CONDITION_REASON_PATTERN,
    }),
    message: Type.String({
      description: "Human-readable detail of the last transition.",
      maxLength: 32768,
    }),
  },
  { additionalProperties: false, description: "A metav1.Condition." },
);
export type Condition = Static<typeof ConditionSchema>;

/** The conditions list: a list-map keyed by `type`. */
export function Conditions(
  description = "Current state of the object as standard conditions, keyed by type.",
): TArray<typeof ConditionSchema> {
  return Type.Array(ConditionSchema, {
    description,
    maxItems: 32,
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
  });
}

/** Builds the top-level resource schema `{apiVersion, kind, metadata, spec, status?}`. */
/** Shape of every top-level resource schema. */
export type TResource<K extends string, S extends TSchema, St extends TSchema> = TObject<{
  apiVersion: TUnsafe<typeof API_VERSION>;
  kind: TUnsafe<K>;
  metadata: typeof ObjectMetaSchema;
  spec: S;
  status: TOptionalWithFlag<St, true>;
}>;

export function Resource<K extends string, S extends TSchema, St extends TSchema>(
  kind: K,
  spec: S,
  status: St,
  options: Described & { "x-kubernetes-validations"?: readonly CelRule[] },
): TResource<K, S, St> {
  return Type.Object(
    {
      apiVersion: Type.Unsafe<typeof API_VERSION>({
        type: "string",
        enum: [API_VERSION],
        description: "APIVersion of this representation of the object.",
      }),
      kind: Type.Unsafe<K>({ type: "string", enum: [kind], description: "Kind of the object." }),
      metadata: ObjectMetaSchema,
      spec,
      status: Type.Optional(status),
    },
    { ...options, additionalProperties: false },
  );
}
