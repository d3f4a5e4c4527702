// Table tests of blast-radius limits, pod selection and ledger arithmetic.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChaosBlastRadius } from "../../crds/chaospolicy/v1alpha1/index.ts";
import type { Claim, PodInfo } from "./blast.ts";
import {
  available,
  blastLimit,
  parseLedger,
  selectPods,
  withClaim,
  withoutClaims,
} from "./blast.ts";

const br = (b: Partial<ChaosBlastRadius>): ChaosBlastRadius => ({
  mode: "One",
  maxAffectedPercent: 25,
  minHealthyReplicas: 1,
  ...b,
});

const limits: {
  name: string;
  br: ChaosBlastRadius | undefined;
  replicas: number;
  ready: number;
  want: number;
  reason: string;
}[] = [
  { name: "defaults, 4 replicas", br: undefined, replicas: 4, ready: 4, want: 1, reason: "mode" },
  {
    name: "defaults, 2 replicas: 25 % of 2 is 0",
    br: undefined,
    replicas: 2,
    ready: 2,
    want: 0,
    reason: "maxAffectedPercent",
  },
  {
    name: "percent 25 of 4",
    br: br({ mode: "Percent", value: 25 }),
    replicas: 4,
    ready: 4,
    want: 1,
    reason: "mode",
  },
  {
    name: "percent 25 of 8",
    br: br({ mode: "Percent", value: 25 }),
    replicas: 8,
    ready: 8,
    want: 2,
    reason: "mode",
  },
  {
    name: "fixed 5 capped by percent",
    br: br({ mode: "Fixed", value: 5, maxAffectedPercent: 50 }),
    replicas: 6,
    ready: 6,
    want: 3,
    reason: "maxAffectedPercent",
  },
  {
    name: "min healthy binds when pods are not ready",
    br: br({ mode: "Fixed", value: 2, maxAffectedPercent: 50, minHealthyReplicas: 3 }),
    replicas: 4,
    ready: 4,
    want: 1,
    reason: "minHealthyReplicas",
  },
  {
    name: "degraded target: no headroom",
    br: br({ minHealthyReplicas: 2 }),
    replicas: 4,
    ready: 2,
    want: 0,
    reason: "minHealthyReplicas",
  },
  {
    name: "more pods than replicas do not widen the percent",
    br: br({ mode: "Percent", value: 25 }),
    replicas: 4,
    ready: 9,
    want: 1,
    reason: "mode",
  },
  {
    name: "zero replicas",
    br: undefined,
    replicas: 0,
    ready: 0,
    want: 0,
    reason: "minHealthyReplicas",
  },
];
for (const c of limits) {
  test(`blastLimit: ${c.name}`, () => {
    const got = blastLimit(c.br, c.replicas, c.ready);
    assert.equal(got.count, c.want);
    assert.equal(got.reason, c.reason);
  });
}

const pods: PodInfo[] = [
  { name: "a", namespace: "n", ready: true, terminating: false },
  { name: "b", namespace: "n", ready: true, terminating: false },
  { name: "c", namespace: "n", ready: false, terminating: false },
  { name: "d", namespace: "n", ready: true, terminating: true },
  { name: "e", namespace: "n", ready: true, terminating: false },
];

test("selectPods takes only ready, non-terminating pods, at most count", () => {
  const got = selectPods(pods, 10, "r1")
    .map((p) => p.name)
    .sort();
  assert.deepEqual(got, ["a", "b", "e"]);
  assert.equal(selectPods(pods, 1, "r1").length, 1);
  assert.equal(selectPods(pods, 0, "r1").length, 0);
});

test("selectPods is stable for a run id and independent of input order", () => {
  const one = selectPods(pods, 2, "run-7").map((p) => p.name);
  const two = selectPods([...pods].reverse(), 2, "run-7").map((p) => p.name);
  assert.deepEqual(one, two);
  const picks = new Set(
    Array.from({ length: 20 }, (_, i) => selectPods(pods, 1, `run-${i}`)[0]?.name),
  );
  assert.ok(picks.size > 1, "different runs pick different pods");
});

const now = new Date("2026-01-01T00:00:00Z");
const claim = (
  policy: string,
  count: number,
  limit: number,
  expires = "2026-01-01T01:00:00Z",
): Claim => ({
  policy,
  uid: `${policy}-uid`,
  runId: "r",
  dimension: "pods",
  count,
  limit,
  expiresAt: expires,
});

const ledgerCases: {
  name: string;
  claims: Claim[];
  limit: number;
  want: number;
  stricter: number;
}[] = [
  { name: "empty ledger", claims: [], limit: 2, want: 2, stricter: 2 },
  {
    name: "other policy holds the stricter limit",
    claims: [claim("ns/b", 1, 1)],
    limit: 2,
    want: 0,
    stricter: 1,
  },
  { name: "mine is stricter", claims: [claim("ns/b", 1, 3)], limit: 2, want: 1, stricter: 2 },
  {
    name: "expired claim is ignored",
    claims: [claim("ns/b", 1, 1, "2025-12-31T23:59:59Z")],
    limit: 2,
    want: 2,
    stricter: 2,
  },
  {
    name: "my own earlier claim does not count",
    claims: [claim("ns/a", 2, 2)],
    limit: 2,
    want: 2,
    stricter: 2,
  },
  {
    name: "two others",
    claims: [claim("ns/b", 1, 4), claim("ns/c", 1, 3)],
    limit: 4,
    want: 1,
    stricter: 3,
  },
];
for (const c of ledgerCases) {
  test(`ledger available: ${c.name}`, () => {
    const got = available(
      { claims: c.claims },
      { policy: "ns/a", dimension: "pods", limit: c.limit },
      now,
    );
    assert.equal(got.available, c.want);
    assert.equal(got.stricterLimit, c.stricter);
  });
}

test("ledger: a gateway claim does not limit pods", () => {
  const g: Claim = { ...claim("ns/b", 1, 1), dimension: "gateway" };
  assert.equal(
    available({ claims: [g] }, { policy: "ns/a", dimension: "pods", limit: 2 }, now).available,
    2,
  );
});

test("withClaim replaces the policy's claim and drops expired ones; withoutClaims removes it", () => {
  const l = withClaim(
    {
      claims: [
        claim("ns/a", 1, 1),
        claim("ns/old", 1, 1, "2025-01-01T00:00:00Z"),
        claim("ns/b", 1, 2),
      ],
    },
    claim("ns/a", 2, 2),
    now,
  );
  assert.deepEqual(
    l.claims.map((c) => [c.policy, c.count]),
    [
      ["ns/a", 2],
      ["ns/b", 1],
    ],
  );
  assert.deepEqual(
    withoutClaims(l, "ns/a", now).claims.map((c) => c.policy),
    ["ns/b"],
  );
});

test("parseLedger tolerates bad data", () => {
  assert.deepEqual(parseLedger(undefined), { claims: [] });
  assert.deepEqual(parseLedger("{"), { claims: [] });
  assert.deepEqual(parseLedger('{"claims":[{"policy":1}]}'), { claims: [] });
  assert.equal(parseLedger(JSON.stringify({ claims: [claim("ns/a", 1, 1)] })).claims.length, 1);
});
