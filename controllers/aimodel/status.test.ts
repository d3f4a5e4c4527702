// Table tests of the AIModel status verdict: Ready/Progressing/Degraded and phase from what was
// observed.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Deployment } from "@kubernetes/client-node";
import { computeStatus, ownedStatusUnchanged, phaseOf } from "./status.ts";
import type { StatusInputs } from "./status.ts";
import { openai, vllm } from "./fixtures.test-helpers.ts";

const t0 = new Date("2026-01-01T00:00:00Z");
const t1 = new Date("2026-01-01T00:05:00Z");
const dep = (s: {
  replicas?: number;
  ready?: number;
  updated?: number;
  gen?: number;
  observed?: number;
}): V1Deployment => ({
  metadata: { generation: s.gen ?? 1 },
  spec: { selector: {}, template: {} },
  status: {
    replicas: s.replicas ?? 0,
    readyReplicas: s.ready ?? 0,
    updatedReplicas: s.updated ?? 0,
    observedGeneration: s.observed ?? 1,
  },
});

const wasReady = (m: ReturnType<typeof vllm>): ReturnType<typeof vllm> => ({
  ...m,
  status: {
    conditions: [
      {
        type: "Ready",
        status: "True",
        reason: "Available",
        message: "",
        lastTransitionTime: "2025-12-31T00:00:00Z",
      },
    ],
  },
});

const cases: {
  name: string;
  inputs: StatusInputs;
  ready: string;
  reason: string;
  phase: string;
  degraded?: string;
  progressing?: string;
}[] = [
  {
    name: "all replicas ready",
    inputs: {
      model: vllm({ replicas: 2, maxReplicas: 2 }),
      deployment: dep({ replicas: 2, ready: 2, updated: 2 }),
    },
    ready: "True",
    reason: "Available",
    phase: "Active",
    degraded: "False",
    progressing: "False",
  },
  {
    name: "starting up is not degraded",
    inputs: { model: vllm(), deployment: dep({ replicas: 1, updated: 1 }) },
    ready: "False",
    reason: "Unavailable",
    phase: "Pending",
    progressing: "False",
    degraded: "False",
  },
  {
    name: "no deployment observed yet",
    inputs: { model: vllm() },
    ready: "False",
    reason: "Unavailable",
    phase: "Pending",
    progressing: "True",
  },
  {
    name: "partially ready while rolling",
    inputs: {
      model: vllm({ replicas: 3, maxReplicas: 3 }),
      deployment: dep({ replicas: 3, ready: 1, updated: 1 }),
    },
    ready: "True",
    reason: "Available",
    phase: "Active",
    progressing: "True",
    degraded: "False",
  },
  {
    name: "losing a replica after being ready is degraded",
    inputs: {
      model: wasReady(vllm({ replicas: 3, maxReplicas: 3 })),
      deployment: dep({ replicas: 3, ready: 2, updated: 3 }),
    },
    ready: "True",
    reason: "Available",
    phase: "Active",
    degraded: "True",
  },
  {
    name: "rollout past its progress deadline is degraded",
    inputs: {
      model: vllm(),
      deployment: {
        ...dep({ replicas: 1, updated: 1 }),
        status: {
          replicas: 1,
          updatedReplicas: 1,
          observedGeneration: 1,
          conditions: [
            { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" },
          ],
        },
      },
    },
    ready: "False",
    reason: "Unavailable",
    phase: "Pending",
    degraded: "True",
  },
  {
    name: "stale deployment status counts as progressing",
    inputs: {
      model: vllm(),
      deployment: dep({ replicas: 1, ready: 1, updated: 1, gen: 2, observed: 1 }),
    },
    ready: "True",
    reason: "Available",
    phase: "Active",
    progressing: "True",
  },
  {
    name: "scaled to zero",
    inputs: { model: vllm({ replicas: 0, minReplicas: 0 }), deployment: dep({}) },
    ready: "False",
    reason: "ScaledToZero",
    phase: "Inactive",
  },
  {
    name: "apply failure",
    inputs: { model: vllm(), applyError: "boom" },
    ready: "False",
    reason: "ApplyFailed",
    phase: "Error",
  },
  {
    name: "child name held by a foreign object",
    inputs: {
      model: vllm(),
      conflict: "Deployment llama already exists and is controlled by no controller",
    },
    ready: "False",
    reason: "ChildConflict",
    phase: "Error",
    progressing: "True",
  },
  {
    name: "external with credentials",
    inputs: { model: openai(), credentials: "present" },
    ready: "True",
    reason: "Available",
    phase: "Active",
  },
  {
    name: "external, secret missing",
    inputs: { model: openai(), credentials: "secret-missing" },
    ready: "False",
    reason: "CredentialsMissing",
    phase: "Error",
  },
  {
    name: "external, key missing",
    inputs: { model: openai(), credentials: "key-missing" },
    ready: "False",
    reason: "CredentialsKeyMissing",
    phase: "Error",
  },
  {
    name: "external, credentials Secret not labelled for model use",
    inputs: { model: openai(), credentials: "not-allowed" },
    ready: "False",
    reason: "SecretNotAllowed",
    phase: "Error",
    progressing: "False",
  },
  {
    name: "self-hosted, engine env Secret not labelled (even with a ready Deployment)",
    inputs: {
      model: vllm(),
      deployment: dep({ replicas: 1, ready: 1, updated: 1 }),
      disallowedSecrets: ["db-admin", "sa-token"],
    },
    ready: "False",
    reason: "SecretNotAllowed",
    phase: "Error",
  },
];
for (const c of cases) {
  test(`computeStatus: ${c.name}`, () => {
    const s = computeStatus(c.inputs, t0);
    const cond = (type: string) => s.conditions?.find((x) => x.type === type);
    assert.equal(cond("Ready")?.status, c.ready);
    assert.equal(cond("Ready")?.reason, c.reason);
    assert.equal(s.phase, c.phase);
    if (c.degraded) assert.equal(cond("Degraded")?.status, c.degraded);
    if (c.progressing) assert.equal(cond("Progressing")?.status, c.progressing);
    assert.equal(s.observedGeneration, 3);
    for (const x of s.conditions ?? []) assert.equal(x.observedGeneration, 3);
  });
}

test("Secret policy message names every Secret, the label and the field, never a value", () => {
  const s = computeStatus({ model: vllm(), disallowedSecrets: ["db-admin", "sa-token"] }, t0);
  assert.equal(
    s.conditions?.find((x) => x.type === "Ready")?.message,
    'Secret "db-admin", "sa-token" in namespace "team-a" is not labelled librechat.io/model-secret=true (spec.engine.env[].valueFrom.secretKeyRef); only Secrets labelled for model use may be referenced',
  );
});

test("missing Secret message names the Secret and the field", () => {
  const s = computeStatus({ model: openai(), credentials: "secret-missing" }, t0);
  assert.match(
    s.conditions?.find((x) => x.type === "Ready")?.message ?? "",
    /Secret "openai" not found in namespace "team-a".*credentialsSecretRef/,
  );
});

test("lastTransitionTime moves only when status flips", () => {
  const m = vllm();
  const s0 = computeStatus(
    { model: m, deployment: dep({ replicas: 1, ready: 1, updated: 1 }) },
    t0,
  );
  const again = computeStatus(
    { model: { ...m, status: s0 }, deployment: dep({ replicas: 1, ready: 1, updated: 1 }) },
    t1,
  );
  assert.equal(
    again.conditions?.find((x) => x.type === "Ready")?.lastTransitionTime,
    "2026-01-01T00:00:00Z",
  );
  const flipped = computeStatus(
    { model: { ...m, status: s0 }, deployment: dep({ replicas: 1, ready: 0, updated: 1 }) },
    t1,
  );
  assert.equal(
    flipped.conditions?.find((x) => x.type === "Ready")?.lastTransitionTime,
    "2026-01-01T00:05:00Z",
  );
});

test("self-hosted status carries replica counts and the scale selector", () => {
  const s = computeStatus(
    {
      model: vllm({ replicas: 2, maxReplicas: 2 }),
      deployment: dep({ replicas: 2, ready: 1, updated: 2 }),
    },
    t0,
  );
  assert.equal(s.replicas, 2);
  assert.equal(s.readyReplicas, 1);
  assert.equal(s.selector, "app.kubernetes.io/instance=llama,librechat.io/aimodel=llama");
});

test("phaseOf without conditions is Pending", () => {
  assert.equal(phaseOf(undefined), "Pending");
});

const routed = (status: "True" | "False", message: string) => ({
  type: "Routed",
  status,
  reason: status === "True" ? "Routed" : "ModelNameConflict",
  message,
  lastTransitionTime: "2026-01-01T00:01:00Z",
});

test("status leaves conditions of other writers alone and is not rewritten for them", () => {
  const m = vllm();
  const inputs = (model: typeof m) => ({
    model,
    deployment: dep({ replicas: 1, ready: 1, updated: 1 }),
  });
  const s0 = computeStatus(inputs(m), t0);
  // gateway-config adds Routed: computed status does not carry it (so applying it never takes
  // that condition over or writes a stale copy), and nothing of ours changed, so no write.
  const withRouted = { ...s0, conditions: [...(s0.conditions ?? []), routed("True", "in")] };
  const s1 = computeStatus(inputs({ ...m, status: withRouted }), t1);
  assert.deepEqual(s1.conditions?.map((c) => c.type).sort(), ["Degraded", "Progressing", "Ready"]);
  assert.equal(ownedStatusUnchanged(s1, withRouted), true);
  // Routed flips: still no write of ours.
  const flipped = { ...s0, conditions: [...(s0.conditions ?? []), routed("False", "conflict")] };
  assert.equal(
    ownedStatusUnchanged(computeStatus(inputs({ ...m, status: flipped }), t1), flipped),
    true,
  );
  // One of ours changes: a write.
  const notReady = computeStatus(
    { model: { ...m, status: withRouted }, deployment: dep({ replicas: 1, ready: 0, updated: 1 }) },
    t1,
  );
  assert.equal(ownedStatusUnchanged(notReady, withRouted), false);
});

test("Degraded reports the gateway's measurements when nothing else is wrong", () => {
  const traffic = (status: "True" | "False" | "Unknown", reason: string) => ({
    type: "TrafficHealthy",
    status,
    reason,
    message: "success rate 0.4000 over 50 requests in the last 60s",
    lastTransitionTime: "2026-01-01T00:00:00Z",
  });
  const rows: { name: string; inputs: StatusInputs; degraded: string; reason: string }[] = [
    {
      name: "replicas fine, traffic failing",
      inputs: {
        model: { ...vllm(), status: { conditions: [traffic("False", "SuccessRateLow")] } },
        deployment: dep({ replicas: 1, ready: 1, updated: 1 }),
      },
      degraded: "True",
      reason: "TrafficUnhealthy",
    },
    {
      name: "external model, health check failing",
      inputs: {
        model: { ...openai(), status: { conditions: [traffic("False", "HealthCheckFailing")] } },
        credentials: "present",
      },
      degraded: "True",
      reason: "TrafficUnhealthy",
    },
    {
      name: "traffic healthy",
      inputs: {
        model: { ...vllm(), status: { conditions: [traffic("True", "AsExpected")] } },
        deployment: dep({ replicas: 1, ready: 1, updated: 1 }),
      },
      degraded: "False",
      reason: "AsExpected",
    },
    {
      name: "not measured yet",
      inputs: {
        model: { ...vllm(), status: { conditions: [traffic("Unknown", "NotMeasured")] } },
        deployment: dep({ replicas: 1, ready: 1, updated: 1 }),
      },
      degraded: "False",
      reason: "AsExpected",
    },
    {
      name: "missing replicas win over traffic",
      inputs: {
        model: {
          ...vllm({ replicas: 2, maxReplicas: 2 }),
          status: {
            conditions: [
              traffic("False", "SuccessRateLow"),
              ...(wasReady(vllm()).status?.conditions ?? []),
            ],
          },
        },
        deployment: dep({ replicas: 2, ready: 1, updated: 2 }),
      },
      degraded: "True",
      reason: "ReplicasUnavailable",
    },
  ];
  for (const r of rows) {
    const s = computeStatus(r.inputs, t0);
    const d = s.conditions?.find((c) => c.type === "Degraded");
    assert.equal(d?.status, r.degraded, r.name);
    assert.equal(d?.reason, r.reason, r.name);
    if (r.reason === "TrafficUnhealthy") assert.match(d?.message ?? "", /success rate 0\.4000/);
    // The measured condition stays with its writer.
    assert.equal(
      s.conditions?.some((c) => c.type === "TrafficHealthy"),
      false,
      r.name,
    );
  }
});
