/** Valid and invalid ChatRegion objects with the error each must produce. */
import { mergePatch, withSpec } from "../../shared/cases.ts";
import type { InvalidCase, JsonObject, ValidCase } from "../../shared/cases.ts";

const base: JsonObject = {
  apiVersion: "librechat.io/v1alpha1",
  kind: "ChatRegion",
  metadata: { name: "eu-west" },
  spec: {
    region: "eu-west-1",
    residency: { dataRegion: "eu" },
    fleet: {},
    capacity: { maxConnections: 50000 },
    backplane: { redis: { urlSecretRef: { name: "redis", key: "url" } } },
    database: { urlSecretRef: { name: "postgres", key: "url" } },
    drain: {},
  },
};

export const validCases: readonly ValidCase[] = [
  { name: "defaults", object: base },
  {
    name: "failover and models",
    object: withSpec(base, "eu-central", {
      region: "eu-central-1",
      failover: { priority: 10, weight: 50, fallbackRegions: ["eu-west"] },
      models: ["llama-3-1-8b"],
    }),
  },
  {
    name: "NATS backplane",
    object: mergePatch(base, {
      metadata: { name: "nats" },
      spec: {
        backplane: {
          type: "NATS",
          redis: null,
          nats: { urlSecretRef: { name: "nats", key: "url" } },
        },
      },
    }),
  },
  {
    name: "scale to zero bounds",
    object: withSpec(base, "zero", { fleet: { replicas: 0, minReplicas: 0, maxReplicas: 3 } }),
  },
  {
    name: "drain exactly fills the grace period",
    object: withSpec(base, "drain", {
      drain: { preStopSeconds: 10, maxDrainSeconds: 590, terminationGracePeriodSeconds: 600 },
    }),
  },
  {
    name: "region unchanged on update",
    object: withSpec(base, "same", { capacity: { maxConnections: 1000 } }),
    oldObject: withSpec(base, "same", {}),
  },
];

export const invalidCases: readonly InvalidCase[] = [
  {
    name: "minReplicas above maxReplicas",
    object: withSpec(base, "minmax", { fleet: { minReplicas: 5, maxReplicas: 2 } }),
    expectFieldPath: "spec.fleet.minReplicas",
    expectMessageIncludes: "fleet.minReplicas must be less than or equal to fleet.maxReplicas",
  },
  {
    name: "Redis backplane without redis block",
    object: mergePatch(base, {
      metadata: { name: "noredis" },
      spec: { backplane: { redis: null } },
    }),
    expectFieldPath: "spec.backplane.redis",
    expectMessageIncludes: "backplane.redis must be set when type is Redis and only then",
  },
  {
    name: "NATS backplane without nats block",
    object: mergePatch(base, {
      metadata: { name: "nonats" },
      spec: { backplane: { type: "NATS", redis: null } },
    }),
    expectFieldPath: "spec.backplane.nats",
    expectMessageIncludes: "backplane.nats must be set when type is NATS and only then",
  },
  {
    name: "drain longer than the grace period",
    object: withSpec(base, "longdrain", {
      drain: { preStopSeconds: 10, maxDrainSeconds: 600, terminationGracePeriodSeconds: 600 },
    }),
    expectFieldPath: "spec.drain.maxDrainSeconds",
    expectMessageIncludes:
      "preStopSeconds + maxDrainSeconds must not exceed terminationGracePeriodSeconds",
  },
  {
    name: "fallback to itself",
    object: withSpec(base, "selfish", { failover: { fallbackRegions: ["selfish"] } }),
    expectFieldPath: "spec.failover.fallbackRegions",
    expectMessageIncludes: "failover.fallbackRegions must not contain this ChatRegion itself",
  },
  {
    name: "region changed on update",
    object: withSpec(base, "moved", { region: "us-east-1" }),
    oldObject: withSpec(base, "moved", {}),
    expectFieldPath: "spec.region",
    expectMessageIncludes: "region is immutable",
  },
  {
    name: "reserve above 90 percent",
    object: withSpec(base, "reserve", { capacity: { reservedForFailoverPercent: 95 } }),
    expectFieldPath: "spec.capacity.reservedForFailoverPercent",
    expectMessageIncludes: "should be less than or equal to 90",
  },
  {
    name: "missing database",
    object: mergePatch(base, { metadata: { name: "nodb" }, spec: { database: null } }),
    expectFieldPath: "spec.database",
    expectMessageIncludes: "Required value",
  },
];
