// Table tests of the ChatRegion status: conditions with observedGeneration, phase and counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chatRegion } from "./fixtures.test-helpers.ts";
import { computeStatus } from "./status.ts";
import type { StatusInputs } from "./status.ts";

const now = new Date("2026-01-01T00:01:00.000Z");
const base: StatusInputs = {
  region: chatRegion("eu-a"),
  deployment: { status: { replicas: 2, readyReplicas: 2 } },
  desiredReplicas: 2,
  readyPods: 2,
  drainingPods: 0,
  open: 100,
  capacity: 8000,
  health: { state: "Healthy", since: "2026-01-01T00:00:00.000Z" },
  failover: { forbidden: [], missing: [] },
  identity: { issuers: [], ok: true, reason: "TenantFound", message: "ok" },
  missingSecrets: [],
};

function cond(
  s: ReturnType<typeof computeStatus>,
  type: string,
): { status: string; reason: string; message: string; observedGeneration?: number } | undefined {
  return s.conditions?.find((c) => c.type === type);
}

const cases: {
  name: string;
  input: Partial<StatusInputs>;
  type: string;
  status: string;
  reason: string;
  phase?: string;
  message?: RegExp;
}[] = [
  {
    name: "serving",
    input: {},
    type: "Ready",
    status: "True",
    reason: "Available",
    phase: "Active",
  },
  {
    name: "apply failure first",
    input: { applyError: "boom", missingSecrets: ["x"] },
    type: "Ready",
    status: "False",
    reason: "ApplyFailed",
    phase: "Error",
  },
  {
    name: "missing secret",
    input: { missingSecrets: ['Secret "eu-postgres" (spec.database.urlSecretRef)'] },
    type: "Ready",
    status: "False",
    reason: "SecretMissing",
    phase: "Error",
    message: /eu-postgres/,
  },
  {
    name: "too few ready pods",
    input: { readyPods: 1 },
    type: "Ready",
    status: "False",
    reason: "Unavailable",
    phase: "Pending",
  },
  {
    name: "capacity reached",
    input: { open: 8000 },
    type: "Ready",
    status: "False",
    reason: "CapacityExhausted",
  },
  {
    name: "draining pods",
    input: { drainingPods: 1 },
    type: "Draining",
    status: "True",
    reason: "ScaleDown",
    phase: "Draining",
  },
  {
    name: "failed over",
    input: {
      readyPods: 0,
      health: { state: "Unhealthy", since: "x" },
      failover: { target: "eu-b", forbidden: [], missing: [] },
    },
    type: "FailoverActive",
    status: "True",
    reason: "FailedOver",
    phase: "FailedOver",
    message: /eu-b/,
  },
  {
    name: "unhealthy without a target says why",
    input: {
      readyPods: 0,
      health: { state: "Unhealthy", since: "x" },
      failover: {
        forbidden: ["us-a"],
        missing: [],
        reason:
          'no healthy fallback region in dataRegion "eu"; us-a excluded: cross-region failover is not allowed',
      },
    },
    type: "FailoverActive",
    status: "False",
    reason: "NoFallbackAvailable",
    message: /us-a excluded/,
  },
  {
    name: "residency violation reported",
    input: { failover: { forbidden: ["us-a"], missing: [] } },
    type: "ResidencyCompliant",
    status: "False",
    reason: "CrossRegionFailoverForbidden",
  },
  {
    name: "identity missing is a condition",
    input: {
      identity: {
        issuers: [],
        ok: false,
        reason: "TenantNotFound",
        message: 'Tenant "acme" not found',
      },
    },
    type: "IdentityResolved",
    status: "False",
    reason: "TenantNotFound",
  },
];

for (const c of cases) {
  test(`status: ${c.name}`, () => {
    const s = computeStatus({ ...base, ...c.input }, now);
    const got = cond(s, c.type);
    assert.equal(got?.status, c.status);
    assert.equal(got?.reason, c.reason);
    assert.equal(got?.observedGeneration, 2);
    if (c.phase !== undefined) assert.equal(s.phase, c.phase);
    if (c.message !== undefined) assert.match(got?.message ?? "", c.message);
  });
}

test("status: numbers, selector and failover target with a stable since", () => {
  const input = {
    ...base,
    health: { state: "Unhealthy" as const, since: "x" },
    readyPods: 0,
    open: 2000,
    failover: { target: "eu-b", forbidden: [], missing: [] },
  };
  const s = computeStatus(input, now);
  assert.equal(s.observedGeneration, 2);
  assert.deepEqual(s.connections, { open: 2000, capacity: 8000 });
  assert.equal(s.capacityUsedPercent, 25);
  assert.equal(s.selector, "app.kubernetes.io/instance=eu-a,librechat.io/chatregion=eu-a");
  assert.deepEqual(s.failover, {
    regionsConfigMap: "eu-a-regions",
    activeTarget: "eu-b",
    since: now.toISOString(),
  });
  const later = computeStatus(
    { ...input, region: { ...input.region, status: s } },
    new Date(now.getTime() + 5000),
  );
  assert.equal(
    later.failover?.since,
    now.toISOString(),
    "since is when the target was first chosen",
  );
  const healthy = computeStatus(
    { ...input, region: { ...input.region, status: later }, health: base.health },
    now,
  );
  assert.equal(healthy.failover?.activeTarget, undefined);
});
