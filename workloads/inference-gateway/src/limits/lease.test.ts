import { test } from "node:test";
import assert from "node:assert/strict";
import { TenantLease, limitsSig } from "./lease.ts";
import type { Limits, Reservation, Window } from "./lease.ts";

const win = (minute: number, periodStart = 0): Window => ({
  minute,
  periodStart,
  rpmKey: `rpm:${minute}`,
  tpmKey: `tpm:${minute}`,
  budgetKey: `budget:${periodStart}`,
  costPeriodStart: periodStart,
  costKey: `cost:${periodStart}`,
});
const ALL: Limits = {
  rpm: 100,
  tpm: 10_000,
  budget: 50_000,
  periodSeconds: 86_400,
  cost: -1,
  costPeriodSeconds: 86_400,
};
const ALL_LIMITED = { rpm: true, tpm: true, budget: true, cost: false };
/** Far in the future: a lease is usable until Redis last confirmed it plus two thirds of its TTL. */
const VALID = Number.MAX_SAFE_INTEGER;
const NOW = 1_000;
const g = (
  slots: number,
  tokens: number,
  micro = 0,
): { slots: number; tokens: number; micro: number } => ({
  slots,
  tokens,
  micro,
});

function reservation(lease: TenantLease, tokens: number, window = lease.window): Reservation {
  return {
    tenant: "t",
    tokens,
    micro: 0,
    sig: lease.sig,
    window,
    hasTpm: lease.hasTpm,
    hasBudget: lease.hasBudget,
    hasCost: lease.hasCost,
    currency: "",
  };
}

void test("take: only what was granted, slot and tokens together", () => {
  const l = new TenantLease(ALL, win(1));
  assert.equal(l.take(10, 0, NOW), false, "an empty lease admits nobody");
  l.grant(l.sig, l.window, ALL_LIMITED, g(2, 50), VALID);
  assert.equal(l.take(30, 0, NOW), true);
  assert.equal(l.take(30, 0, NOW), false, "20 tokens left");
  assert.equal(l.take(20, 0, NOW), true);
  assert.equal(l.take(0, 0, NOW), false, "no slot left");
  assert.deepEqual([l.slots, l.tokens], [0, 0]);
});

const unlimitedCases: { name: string; limits: Limits; grant: [number, number]; takes: number }[] = [
  {
    name: "rpm only: tokens are not counted",
    limits: { ...ALL, tpm: 0, budget: -1 },
    grant: [3, 0],
    takes: 3,
  },
  {
    name: "budget only: slots are not counted",
    limits: { ...ALL, rpm: 0, tpm: 0 },
    grant: [0, 100],
    takes: 10,
  },
];
for (const tc of unlimitedCases) {
  void test(`take: ${tc.name}`, () => {
    const l = new TenantLease(tc.limits, win(1));
    l.grant(
      l.sig,
      l.window,
      { rpm: tc.limits.rpm > 0, tpm: false, budget: tc.limits.budget >= 0, cost: false },
      g(...tc.grant),
      VALID,
    );
    let n = 0;
    while (n < 100 && l.take(10, 0, NOW)) n++;
    assert.equal(n, tc.takes);
  });
}

const settleCases: {
  name: string;
  reserved: number;
  actual: number;
  tokensAfter: number;
  deltas: ReturnType<TenantLease["drain"]>;
}[] = [
  {
    name: "under the reservation: the rest returns to the lease",
    reserved: 40,
    actual: 15,
    tokensAfter: 25,
    deltas: [{ key: "budget:0", kind: "budget", add: -15, spent: 15 }],
  },
  {
    name: "reported over the reservation: charged the reservation, never more",
    reserved: 40,
    actual: 55,
    tokensAfter: 0,
    deltas: [{ key: "budget:0", kind: "budget", add: -40, spent: 40 }],
  },
  {
    name: "failed (0 tokens): all of it returns to the lease",
    reserved: 40,
    actual: 0,
    tokensAfter: 40,
    deltas: [],
  },
];
for (const tc of settleCases) {
  void test(`settle in the lease's window: ${tc.name}`, () => {
    const l = new TenantLease(ALL, win(1));
    l.grant(l.sig, l.window, ALL_LIMITED, g(1, tc.reserved), VALID);
    assert.ok(l.take(tc.reserved, 0, NOW));
    l.settle(reservation(l, tc.reserved), tc.actual, 0);
    assert.equal(l.tokens, tc.tokensAfter);
    assert.deepEqual(l.drain(), tc.deltas);
  });
}

void test("settle after the window rolled: the reservation's own keys are corrected", () => {
  const l = new TenantLease(ALL, win(1));
  l.grant(l.sig, l.window, ALL_LIMITED, g(3, 120), VALID);
  assert.ok(l.take(40, 0, NOW));
  const r = reservation(l, 40);
  l.roll(win(2));
  l.settle(r, 10, 0);
  assert.equal(l.tokens, 0, "nothing enters the new window's lease");
  assert.deepEqual(l.drain(), [
    { key: "budget:0", kind: "budget", add: -80 - 40, spent: 10 },
    { key: "rpm:1", kind: "counter", add: -2, spent: 0 },
    { key: "tpm:1", kind: "counter", add: -80 - 30, spent: 0 },
  ]);
});

void test("configure with other limits gives the lease back; a stale grant is given back too", () => {
  const l = new TenantLease(ALL, win(1));
  l.grant(l.sig, l.window, ALL_LIMITED, g(5, 200), VALID);
  const oldSig = l.sig;
  const next = { ...ALL, rpm: 50 };
  assert.equal(l.fits(limitsSig(next)), false);
  l.configure(next);
  assert.deepEqual([l.slots, l.tokens], [0, 0]);
  l.grant(oldSig, l.window, ALL_LIMITED, g(4, 100), VALID);
  assert.deepEqual([l.slots, l.tokens], [0, 0], "granted under the old limits: not usable");
  assert.deepEqual(l.drain(), [
    { key: "budget:0", kind: "budget", add: -300, spent: 0 },
    { key: "rpm:1", kind: "counter", add: -9, spent: 0 },
    { key: "tpm:1", kind: "counter", add: -300, spent: 0 },
  ]);
  assert.equal(l.idle, true);
});

const wantCases: {
  name: string;
  prev: number[];
  cur: number[];
  want: ReturnType<TenantLease["want"]>;
}[] = [
  {
    name: "too few admissions: no lease",
    prev: [],
    cur: [10, 10, 10],
    want: { slots: 0, tokens: 0, minTokens: 0, micro: 0, minMicro: 0 },
  },
  {
    name: "one and a half windows of demand",
    prev: [],
    cur: [10, 20, 30, 40],
    want: { slots: 6, tokens: 150, minTokens: 25, micro: 0, minMicro: 0 },
  },
  {
    name: "the busier of two windows",
    prev: [10, 10, 10, 10, 10, 10],
    cur: [50, 50, 50, 50],
    want: { slots: 9, tokens: 90, minTokens: 10, micro: 0, minMicro: 0 },
  },
];
for (const tc of wantCases) {
  void test(`want: ${tc.name}`, () => {
    const l = new TenantLease(ALL, win(1));
    for (const t of tc.prev) l.demand(t, 0);
    l.tick();
    for (const t of tc.cur) l.demand(t, 0);
    assert.deepEqual(l.want(4), tc.want);
  });
}

void test("quiet and idle: after two windows without demand and nothing held or queued", () => {
  const l = new TenantLease(ALL, win(1));
  l.demand(10, 0);
  l.grant(l.sig, l.window, ALL_LIMITED, g(1, 10), VALID);
  assert.deepEqual([l.quiet, l.idle], [false, false]);
  l.tick();
  l.tick();
  assert.equal(l.quiet, true);
  l.release();
  assert.equal(l.idle, false, "the release is queued");
  assert.equal(l.drain().length, 3);
  assert.equal(l.idle, true);
});

void test("cost pool: slots, tokens and micro-units are taken together and settled apart", () => {
  const limits: Limits = { ...ALL, cost: 1_000_000 };
  const l = new TenantLease(limits, win(1));
  l.grant(l.sig, l.window, { ...ALL_LIMITED, cost: true }, g(3, 300, 900), VALID);
  assert.equal(l.take(100, 600, NOW), true);
  assert.equal(l.take(100, 400, NOW), false, "300 micro-units left");
  const r = { ...reservation(l, 100), micro: 600 };
  l.settle(r, 30, 250);
  assert.deepEqual([l.tokens, l.micro], [270, 650]);
  assert.deepEqual(l.drain(), [
    { key: "budget:0", kind: "budget", add: -30, spent: 30 },
    { key: "cost:0", kind: "budget", add: -250, spent: 250 },
  ]);
  l.settle({ ...r, micro: 100 }, 0, 5_000);
  assert.deepEqual(l.drain(), [{ key: "cost:0", kind: "budget", add: -100, spent: 100 }]);
});

void test("a lease Redis has not confirmed within its validity is not used", () => {
  const l = new TenantLease(ALL, win(1));
  l.grant(l.sig, l.window, ALL_LIMITED, g(5, 500), 2_000);
  assert.equal(l.take(10, 0, 1_999), true);
  assert.equal(l.take(10, 0, 2_001), false, "lapsed: Redis may have returned it");
  l.confirm(l.window, 3_000);
  assert.equal(l.take(10, 0, 2_001), true, "renewed");
  const unbudgeted = new TenantLease({ ...ALL, budget: -1, tpm: 0 }, win(1));
  unbudgeted.grant(unbudgeted.sig, unbudgeted.window, ALL_LIMITED, g(5, 0), 0);
  assert.equal(unbudgeted.take(10, 0, 5_000), true, "rpm slots expire with their minute anyway");
});
