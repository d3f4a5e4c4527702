// Builders of ChatRegion and Tenant objects for the table tests (test-only; not shipped logic).
import type { ChatRegion, ChatRegionSpec } from "../../crds/chatregion/v1alpha1/index.ts";
import type { Tenant } from "../../crds/tenant/v1alpha1/index.ts";

type SpecPatch = Partial<Omit<ChatRegionSpec, "fleet" | "capacity" | "drain" | "residency">> & {
  fleet?: Partial<ChatRegionSpec["fleet"]>;
  capacity?: Partial<ChatRegionSpec["capacity"]>;
  drain?: Partial<ChatRegionSpec["drain"]>;
  residency?: Partial<ChatRegionSpec["residency"]>;
};

/** A ChatRegion with the API server's defaults filled in, as the cache would hold it. */
export function chatRegion(
  name: string,
  patch: SpecPatch = {},
  meta: Partial<ChatRegion["metadata"]> = {},
): ChatRegion {
  const { fleet, capacity, drain, residency, ...rest } = patch;
  return {
    apiVersion: "librechat.io/v1alpha1",
    kind: "ChatRegion",
    metadata: { name, namespace: "acme-chat", uid: `uid-${name}`, generation: 2, ...meta },
    spec: {
      region: `${name}-1`,
      residency: { dataRegion: "eu", allowCrossRegionFailover: false, ...residency },
      fleet: {
        replicas: 2,
        minReplicas: 2,
        maxReplicas: 10,
        scaleOn: "Connections",
        targetConnectionsPerPod: 500,
        scaleDownStabilizationSeconds: 300,
        ...fleet,
      },
      capacity: { maxConnections: 10000, reservedForFailoverPercent: 20, ...capacity },
      backplane: { type: "Redis", redis: { urlSecretRef: { name: "eu-redis", key: "url" } } },
      database: { urlSecretRef: { name: "eu-postgres", key: "url" } },
      drain: {
        preStopSeconds: 5,
        terminationGracePeriodSeconds: 600,
        maxDrainSeconds: 300,
        ...drain,
      },
      ...rest,
    },
  };
}

export function tenant(name: string, identity?: { realm: string; url?: string }): Tenant {
  const t: Tenant = {
    apiVersion: "librechat.io/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      displayName: name,
      owners: [{ kind: "User", name: "alice" }],
      deletionPolicy: "Retain",
    },
  };
  if (identity !== undefined) {
    t.spec.identity = {
      keycloak: {
        ...(identity.url === undefined ? {} : { url: identity.url }),
        credentialsSecretRef: { name: "kc", namespace: "ops", key: "secret" },
        clientId: "librechat-operator",
      },
      realm: { name: identity.realm },
    };
  }
  return t;
}
