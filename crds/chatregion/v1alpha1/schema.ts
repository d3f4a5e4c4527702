/**
 * ChatRegion (librechat.io/v1alpha1, namespaced): the chat gateway fleet of one region, with data
 * residency, connection capacity, priority-then-weight failover, a pub/sub backplane, database,
 * connection draining, and the models served in-region.
 */
import { Type } from "@sinclair/typebox";
import type { TString } from "@sinclair/typebox";
import {
  Conditions,
  ObjectName,
  ObservedGeneration,
  Resource,
  SecretKeyRef,
  StringEnum,
  StringMap,
  Timestamp,
} from "../../shared/schema.ts";
import type { CelRule } from "../../shared/schema.ts";

export const CHATREGION_PHASES = ["Pending", "Active", "Draining", "FailedOver", "Error"] as const;
export const BACKPLANE_TYPES = ["Redis", "NATS"] as const;

export const CHATREGION_DEFAULTS = {
  replicas: 2,
  minReplicas: 2,
  maxReplicas: 10,
  targetConnectionsPerPod: 1000,
  reservedForFailoverPercent: 20,
  failoverWeight: 100,
  failoverPriority: 100,
  preStopSeconds: 5,
  terminationGracePeriodSeconds: 3600,
  maxDrainSeconds: 3300,
  scaleDownStabilizationSeconds: 300,
  unhealthyAfterSeconds: 10,
  healthyAfterSeconds: 30,
} as const;

export const CHATREGION_HEALTH_STATES = ["Healthy", "Unhealthy"] as const;

const RegionId = (description: string): TString =>
  Type.String({
    description,
    minLength: 1,
    maxLength: 63,
    pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
  });

export const TolerationSchema = Type.Object(
  {
    key: Type.Optional(Type.String({ description: "Taint key.", maxLength: 316 })),
    operator: Type.Optional(
      StringEnum(["Exists", "Equal"] as const, { description: "Exists or Equal." }),
    ),
    value: Type.Optional(Type.String({ description: "Taint value.", maxLength: 63 })),
    effect: Type.Optional(
      StringEnum(["NoSchedule", "PreferNoSchedule", "NoExecute"] as const, {
        description: "Taint effect; empty matches all.",
      }),
    ),
  },
  { additionalProperties: false, description: "A pod toleration (core/v1 Toleration subset)." },
);

export const FleetSchema = Type.Object(
  {
    replicas: Type.Integer({
      description:
        "Gateway pods (scale subresource). The controller keeps it within [minReplicas, maxReplicas] from load.",
      minimum: 0,
      maximum: 1000,
      default: CHATREGION_DEFAULTS.replicas,
    }),
    minReplicas: Type.Integer({
      description: "Fewest gateway pods.",
      minimum: 0,
      maximum: 1000,
      default: CHATREGION_DEFAULTS.minReplicas,
    }),
    maxReplicas: Type.Integer({
      description: "Most gateway pods.",
      minimum: 1,
      maximum: 1000,
      default: CHATREGION_DEFAULTS.maxReplicas,
    }),
    scaleOn: StringEnum(["Connections", "Streams"] as const, {
      description: "Load signal: open WebSocket connections or in-flight model streams.",
      default: "Connections",
    }),
    targetConnectionsPerPod: Type.Integer({
      description: "Average load per pod the autoscaler aims for.",
      minimum: 1,
      maximum: 1000000,
      default: CHATREGION_DEFAULTS.targetConnectionsPerPod,
    }),
    scaleDownStabilizationSeconds: Type.Integer({
      description:
        "Scale down only to the highest replica count recommended within this many seconds (HPA's downscale stabilization window); scale-up is immediate.",
      minimum: 0,
      maximum: 3600,
      default: CHATREGION_DEFAULTS.scaleDownStabilizationSeconds,
    }),
  },
  {
    additionalProperties: false,
    description: "Size of the gateway fleet.",
    "x-kubernetes-validations": [
      {
        rule: "self.minReplicas <= self.maxReplicas",
        message: "fleet.minReplicas must be less than or equal to fleet.maxReplicas",
        fieldPath: ".minReplicas",
      },
    ] satisfies CelRule[],
  },
);

export const ChatRegionSpecSchema = Type.Object(
  {
    region: Type.String({
      description:
        "Region identifier, e.g. eu-west-1. Immutable: moving a region means a new ChatRegion.",
      minLength: 1,
      maxLength: 63,
      pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
      "x-kubernetes-validations": [
        { rule: "self == oldSelf", message: "region is immutable" },
      ] satisfies CelRule[],
    }),
    image: Type.Optional(
      Type.String({
        description: "Chat gateway image; absent uses the operator's default.",
        minLength: 1,
        maxLength: 512,
      }),
    ),
    endpoint: Type.Optional(
      Type.String({
        description:
          "WebSocket URL clients use for this region (published in the regions table); absent uses the in-cluster Service URL.",
        minLength: 1,
        maxLength: 512,
        pattern: "^wss?://",
      }),
    ),
    placement: Type.Optional(
      Type.Object(
        {
          nodeSelector: Type.Optional(
            StringMap(Type.String({ description: "Label value.", maxLength: 63 }), {
              description:
                "Node labels the gateway pods must run on (e.g. the region's node pool).",
              maxProperties: 16,
            }),
          ),
          tolerations: Type.Optional(
            Type.Array(TolerationSchema, {
              description: "Taints the gateway pods tolerate.",
              maxItems: 16,
              "x-kubernetes-list-type": "atomic",
            }),
          ),
        },
        { additionalProperties: false, description: "Where the gateway pods run." },
      ),
    ),
    residency: Type.Object(
      {
        dataRegion: RegionId("Jurisdiction conversation data must stay in, e.g. eu, us."),
        allowCrossRegionFailover: Type.Boolean({
          description:
            "Allow failover to ChatRegions of another dataRegion (checked by the admission webhook).",
          default: false,
        }),
      },
      { additionalProperties: false, description: "Data residency of the region." },
    ),
    fleet: FleetSchema,
    capacity: Type.Object(
      {
        maxConnections: Type.Integer({
          description: "Open connections the region accepts before refusing new ones.",
          minimum: 1,
          maximum: 100000000,
        }),
        reservedForFailoverPercent: Type.Integer({
          description:
            "Share of maxConnections kept free for traffic failing over from other regions.",
          minimum: 0,
          maximum: 90,
          default: CHATREGION_DEFAULTS.reservedForFailoverPercent,
        }),
      },
      { additionalProperties: false, description: "Connection capacity." },
    ),
    failover: Type.Optional(
      Type.Object(
        {
          priority: Type.Integer({
            description:
              "Lower is preferred; regions of equal priority share traffic by weight (Agones-style priority then weight).",
            minimum: 0,
            maximum: 1000,
            default: CHATREGION_DEFAULTS.failoverPriority,
          }),
          weight: Type.Integer({
            description: "Traffic share among regions of equal priority.",
            minimum: 0,
            maximum: 100,
            default: CHATREGION_DEFAULTS.failoverWeight,
          }),
          fallbackRegions: Type.Optional(
            Type.Array(ObjectName("Name of another ChatRegion in the same namespace."), {
              description:
                "ChatRegions that take over when this one is unavailable, tried in order.",
              maxItems: 8,
              "x-kubernetes-list-type": "set",
            }),
          ),
          unhealthyAfterSeconds: Type.Integer({
            description:
              "Grace period: the region is marked unhealthy only after its fleet has been below minReplicas ready (or failing readiness) this long.",
            minimum: 0,
            maximum: 3600,
            default: CHATREGION_DEFAULTS.unhealthyAfterSeconds,
          }),
          healthyAfterSeconds: Type.Integer({
            description:
              "Hold-down: an unhealthy region is marked healthy again only after it has been healthy this long (hysteresis against flapping).",
            minimum: 0,
            maximum: 3600,
            default: CHATREGION_DEFAULTS.healthyAfterSeconds,
          }),
        },
        { additionalProperties: false, description: "Failover routing." },
      ),
    ),
    backplane: Type.Object(
      {
        type: StringEnum(BACKPLANE_TYPES, {
          description: "Pub/sub used between gateway pods.",
          default: "Redis",
        }),
        redis: Type.Optional(
          Type.Object(
            {
              urlSecretRef: SecretKeyRef(
                "Secret key holding the redis:// or rediss:// URL (with credentials).",
              ),
            },
            {
              additionalProperties: false,
              description: "Redis backplane; required when type is Redis.",
            },
          ),
        ),
        nats: Type.Optional(
          Type.Object(
            {
              urlSecretRef: SecretKeyRef("Secret key holding the nats:// URL (with credentials)."),
            },
            {
              additionalProperties: false,
              description: "NATS backplane; required when type is NATS.",
            },
          ),
        ),
      },
      {
        additionalProperties: false,
        description: "Pub/sub backplane that fans messages out across gateway pods.",
        "x-kubernetes-validations": [
          {
            rule: "(self.type == 'Redis') == has(self.redis)",
            message: "backplane.redis must be set when type is Redis and only then",
            fieldPath: ".redis",
          },
          {
            rule: "(self.type == 'NATS') == has(self.nats)",
            message: "backplane.nats must be set when type is NATS and only then",
            fieldPath: ".nats",
          },
        ] satisfies CelRule[],
      },
    ),
    database: Type.Object(
      {
        urlSecretRef: SecretKeyRef(
          "Secret key holding the postgres:// admin URL (with credentials) of the in-region database: the gateways run the migrations with it at start, then drop it.",
        ),
        appPasswordSecretRef: Type.Optional(
          SecretKeyRef(
            "Secret key holding the password the gateways set on, and log in with as, the chat_gateway_app role (row-level security applies to it). Absent: key appPassword of the urlSecretRef Secret.",
          ),
        ),
      },
      { additionalProperties: false, description: "Conversation database of the region." },
    ),
    drain: Type.Object(
      {
        preStopSeconds: Type.Integer({
          description: "Seconds a terminating pod keeps serving while it leaves the load balancer.",
          minimum: 0,
          maximum: 300,
          default: CHATREGION_DEFAULTS.preStopSeconds,
        }),
        terminationGracePeriodSeconds: Type.Integer({
          description: "Pod terminationGracePeriodSeconds.",
          minimum: 1,
          maximum: 86400,
          default: CHATREGION_DEFAULTS.terminationGracePeriodSeconds,
        }),
        maxDrainSeconds: Type.Integer({
          description:
            "Longest wait for open connections and streams to finish before they are closed.",
          minimum: 0,
          maximum: 86400,
          default: CHATREGION_DEFAULTS.maxDrainSeconds,
        }),
      },
      {
        additionalProperties: false,
        description: "Connection draining when pods stop (scale-down, rollout, failover).",
        "x-kubernetes-validations": [
          {
            rule: "self.preStopSeconds + self.maxDrainSeconds <= self.terminationGracePeriodSeconds",
            message:
              "preStopSeconds + maxDrainSeconds must not exceed terminationGracePeriodSeconds",
            fieldPath: ".maxDrainSeconds",
          },
        ] satisfies CelRule[],
      },
    ),
    models: Type.Optional(
      Type.Array(ObjectName("Name of an AIModel in the same namespace."), {
        description: "AIModels served in this region.",
        maxItems: 64,
        "x-kubernetes-list-type": "set",
      }),
    ),
  },
  { additionalProperties: false, description: "Desired state of the ChatRegion." },
);

export const ChatRegionStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration()),
    phase: Type.Optional(
      StringEnum(CHATREGION_PHASES, { description: "Summary derived from conditions." }),
    ),
    conditions: Type.Optional(
      Conditions(
        "Ready, Draining, FailoverActive, ResidencyCompliant and IdentityResolved, keyed by type.",
      ),
    ),
    replicas: Type.Optional(
      Type.Integer({
        description: "Gateway pods that exist (scale subresource statusReplicasPath).",
        minimum: 0,
        format: "int32",
      }),
    ),
    desiredReplicas: Type.Optional(
      Type.Integer({
        description: "Gateway pods the autoscaler wants (connection-aware, within the bounds).",
        minimum: 0,
        format: "int32",
      }),
    ),
    capacityUsedPercent: Type.Optional(
      Type.Integer({
        description: "Open connections as a percentage of connections.capacity.",
        minimum: 0,
      }),
    ),
    health: Type.Optional(
      Type.Object(
        {
          state: StringEnum(CHATREGION_HEALTH_STATES, {
            description: "Region health after grace period and hold-down (hysteresis).",
          }),
          since: Timestamp("When the region entered this state."),
          pendingSince: Type.Optional(
            Timestamp(
              "When the observed health first differed from state (the grace or hold-down clock).",
            ),
          ),
          message: Type.Optional(Type.String({ description: "Why, in words.", maxLength: 1024 })),
        },
        { additionalProperties: false, description: "Health used for failover decisions." },
      ),
    ),
    readyReplicas: Type.Optional(
      Type.Integer({ description: "Gateway pods that are ready.", minimum: 0, format: "int32" }),
    ),
    drainingReplicas: Type.Optional(
      Type.Integer({
        description: "Gateway pods draining connections.",
        minimum: 0,
        format: "int32",
      }),
    ),
    selector: Type.Optional(
      Type.String({
        description: "Label selector of the gateway pods (scale subresource labelSelectorPath).",
        maxLength: 1024,
      }),
    ),
    connections: Type.Optional(
      Type.Object(
        {
          open: Type.Integer({ description: "Open connections.", minimum: 0 }),
          capacity: Type.Integer({
            description: "Connections accepted (maxConnections less the failover reserve).",
            minimum: 0,
          }),
        },
        { additionalProperties: false, description: "Connection counts." },
      ),
    ),
    failover: Type.Optional(
      Type.Object(
        {
          activeTarget: Type.Optional(
            ObjectName(
              "ChatRegion currently receiving this region's traffic; absent when not failed over.",
            ),
          ),
          since: Type.Optional(Timestamp("When the failover started.")),
          regionsConfigMap: Type.Optional(
            ObjectName("ConfigMap holding the regions table the gateways of this region read."),
          ),
        },
        { additionalProperties: false, description: "Failover state." },
      ),
    ),
  },
  { additionalProperties: false, description: "Observed state of the ChatRegion." },
);

export const ChatRegionSchema = Resource(
  "ChatRegion",
  ChatRegionSpecSchema,
  ChatRegionStatusSchema,
  {
    description: "The chat gateway fleet of one region with residency, capacity and failover.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.spec.failover) || !has(self.spec.failover.fallbackRegions) || !(self.metadata.name in self.spec.failover.fallbackRegions)",
        message: "failover.fallbackRegions must not contain this ChatRegion itself",
        fieldPath: ".spec.failover.fallbackRegions",
      },
    ],
  },
);

/** Label key used for ChatRegion pods (exported for selectors). */
export const CHATREGION_NAME_LABEL = "librechat.io/chatregion";
