// Tests of the Lease decision logic (take over, renew, keep) as pure functions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LeaseDecision, LeaseObservation, LeaseSpec } from "./leader-election.ts";
import { decideLease, formatMicroTime, nextLeaseSpec, sameLeaseRecord } from "./leader-election.ts";

const held = (holder: string, durationSec = 15): LeaseSpec => ({
  holderIdentity: holder,
  leaseDurationSeconds: durationSec,
  renewTime: "2026-11-27T10:00:00.000000Z",
  acquireTime: "2026-11-27T09:00:00.000000Z",
  leaseTransitions: 2,
});

void describe("decideLease", () => {
  const cases: {
    name: string;
    obs: LeaseObservation;
    want: LeaseDecision["action"];
    remaining?: number;
  }[] = [
    {
      name: "no lease → create",
      obs: { spec: undefined, identity: "me", nowMono: 0, observedAtMono: 0 },
      want: "create",
    },
    {
      name: "we hold it → renew",
      obs: { spec: held("me"), identity: "me", nowMono: 100_000, observedAtMono: 0 },
      want: "renew",
    },
    {
      name: "released (empty holder) → acquire at once",
      obs: { spec: held(""), identity: "me", nowMono: 1, observedAtMono: 0 },
      want: "acquire",
    },
    {
      name: "null holder → acquire",
      obs: {
        spec: { ...held("x"), holderIdentity: null },
        identity: "me",
        nowMono: 1,
        observedAtMono: 0,
      },
      want: "acquire",
    },
    {
      name: "foreign holder seen changing 5 s ago → wait 10 s more",
      obs: { spec: held("other"), identity: "me", nowMono: 105_000, observedAtMono: 100_000 },
      want: "wait",
      remaining: 10_000,
    },
    {
      name: "foreign holder, exactly one lease duration without change → acquire",
      obs: { spec: held("other"), identity: "me", nowMono: 115_000, observedAtMono: 100_000 },
      want: "acquire",
    },
    {
      name: "foreign holder, just under one lease duration → wait",
      obs: { spec: held("other"), identity: "me", nowMono: 114_999, observedAtMono: 100_000 },
      want: "wait",
      remaining: 1,
    },
    {
      name: "uses the record's leaseDurationSeconds, not ours",
      obs: { spec: held("other", 60), identity: "me", nowMono: 130_000, observedAtMono: 100_000 },
      want: "wait",
      remaining: 30_000,
    },
    {
      name: "renewTime far in the past on the holder's clock does not matter: only our observation counts",
      obs: {
        spec: { ...held("other"), renewTime: "2000-01-01T00:00:00.000000Z" },
        identity: "me",
        nowMono: 1_000,
        observedAtMono: 0,
      },
      want: "wait",
      remaining: 14_000,
    },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      const d = decideLease(c.obs);
      assert.equal(d.action, c.want);
      if (d.action === "wait") assert.equal(d.remainingMs, c.remaining);
    });
  }
});

void describe("nextLeaseSpec", () => {
  const now = Date.UTC(2026, 10, 27, 10, 0, 0) + 123.456;
  void it("create: holder = me, transitions 0, acquire = renew = now", () => {
    assert.deepEqual(nextLeaseSpec("create", undefined, "me", now, 15_000), {
      holderIdentity: "me",
      leaseDurationSeconds: 15,
      renewTime: "2026-11-27T10:00:00.123456Z",
      acquireTime: "2026-11-27T10:00:00.123456Z",
      leaseTransitions: 0,
    });
  });
  void it("renew keeps acquireTime and transitions", () => {
    const s = nextLeaseSpec("renew", held("me"), "me", now, 15_000);
    assert.equal(s.acquireTime, "2026-11-27T09:00:00.000000Z");
    assert.equal(s.leaseTransitions, 2);
    assert.equal(s.renewTime, "2026-11-27T10:00:00.123456Z");
  });
  void it("taking over from another holder increments transitions", () => {
    assert.equal(nextLeaseSpec("acquire", held("other"), "me", now, 15_000).leaseTransitions, 3);
  });
  void it("acquiring a released lease does not count as a transition", () => {
    assert.equal(nextLeaseSpec("acquire", held(""), "me", now, 15_000).leaseTransitions, 2);
  });
});

void describe("formatMicroTime", () => {
  const cases: [number, string][] = [
    [Date.UTC(2026, 10, 27, 10, 0, 0) + 123.456, "2026-11-27T10:00:00.123456Z"],
    [Date.UTC(2026, 10, 27, 10, 0, 0), "2026-11-27T10:00:00.000000Z"],
    [Date.UTC(2026, 10, 27, 10, 0, 0) + 0.001, "2026-11-27T10:00:00.000001Z"],
    [Date.UTC(2026, 10, 27, 23, 59, 59) + 999.999, "2026-11-27T23:59:59.999999Z"],
  ];
  for (const [ms, want] of cases)
    void it(want, () => {
      assert.equal(formatMicroTime(ms), want);
    });
  void it("always has exactly six fractional digits", () => {
    for (let i = 0; i < 200; i++)
      assert.match(
        formatMicroTime(Date.now() + Math.random() * 1e6),
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/,
      );
  });
});

void describe("sameLeaseRecord", () => {
  void it("treats null and missing alike and detects renewals", () => {
    assert.equal(sameLeaseRecord({ holderIdentity: null }, {}), true);
    assert.equal(
      sameLeaseRecord(held("a"), { ...held("a"), renewTime: "2026-11-27T10:00:02.000000Z" }),
      false,
    );
    assert.equal(sameLeaseRecord(undefined, undefined), true);
    assert.equal(sameLeaseRecord(undefined, {}), false);
  });
});
