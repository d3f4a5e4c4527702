import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeBatch, encodeBatch } from "./batch.ts";
import type { AdmitOp, LeaseOp, LimitKeys } from "./batch.ts";
import type { Delta } from "./lease.ts";

const keys = (minute: number): LimitKeys => ({
  rpmKey: `igw:{t}:rpm:${minute}`,
  tpmKey: `igw:{t}:tpm:${minute}`,
  budgetKey: "igw:{t}:budget:0",
  costKey: "igw:{t}:cost:0",
  rpmLimit: 10,
  tpmLimit: 0,
  budget: 1000,
  budgetTtl: 3600,
  cost: 5000,
  costTtl: 7200,
});
const admit = (minute: number, tokens: number): AdmitOp => ({
  ...keys(minute),
  tokens,
  micro: tokens * 2,
});
const lease: LeaseOp = {
  ...keys(8),
  slots: 6,
  tokens: 240,
  minTokens: 40,
  micro: 480,
  minMicro: 80,
};
const replica = { id: "r1", ttlMs: 30_000 };
const deltas: Delta[] = [
  { key: "igw:{t}:budget:0", kind: "budget", add: -50, spent: 20 },
  { key: "igw:{t}:tpm:7", kind: "counter", add: -30, spent: 0 },
];

void test("encodeBatch: deltas, then admissions, then the lease; keys declared once, 1-based", () => {
  const { keys: k, args } = encodeBatch(deltas, [admit(7, 30), admit(8, 40)], lease, replica);
  assert.deepEqual(k, [
    "igw:{t}:budget:0",
    "igw:{t}:tpm:7",
    "igw:{t}:rpm:7",
    "igw:{t}:cost:0",
    "igw:{t}:rpm:8",
    "igw:{t}:tpm:8",
  ]);
  // prettier-ignore
  assert.deepEqual(args, [
    "r1", 30_000, 2, 2,
    1, 2, -50, 20,
    2, 1, -30, 0,
    3, 2, 1, 4, 10, 0, 1000, 3600, 5000, 7200, 30, 60,
    5, 6, 1, 4, 10, 0, 1000, 3600, 5000, 7200, 40, 80,
    5, 6, 1, 4, 10, 0, 1000, 3600, 5000, 7200, 6, 240, 40, 480, 80,
  ]);
});

void test("encodeBatch: nothing queued still carries the lease request", () => {
  const { keys: k, args } = encodeBatch(
    [],
    [],
    { ...lease, slots: 0, tokens: 0, minTokens: 0, micro: 0, minMicro: 0 },
    replica,
  );
  assert.deepEqual(k, ["igw:{t}:rpm:8", "igw:{t}:tpm:8", "igw:{t}:budget:0", "igw:{t}:cost:0"]);
  // prettier-ignore
  assert.deepEqual(args, ["r1", 30_000, 0, 0, 1, 2, 3, 4, 10, 0, 1000, 3600, 5000, 7200, 0, 0, 0, 0, 0]);
});

const decodeCases: {
  name: string;
  reply: unknown;
  admits: number;
  want?: ReturnType<typeof decodeBatch>;
  error?: RegExp;
}[] = [
  {
    name: "pairs in order, then the grant",
    reply: [0, 0, 3, 1, 4, 2, 6, 240, 480, 700, -1],
    admits: 3,
    want: {
      admits: [
        [0, 0],
        [3, 1],
        [4, 2],
      ],
      slots: 6,
      tokens: 240,
      micro: 480,
      usedBudget: 700,
      usedCost: -1,
    },
  },
  {
    name: "no admissions",
    reply: [0, 0, 0, -1, -1],
    admits: 0,
    want: { admits: [], slots: 0, tokens: 0, micro: 0, usedBudget: -1, usedCost: -1 },
  },
  {
    name: "too short",
    reply: [0, 0, 0, 0, 0],
    admits: 1,
    error: /limits script answered \[0,0,0,0,0\]/,
  },
  { name: "not an array", reply: "OK", admits: 1, error: /limits script answered "OK"/ },
  { name: "non-number", reply: [0, "x", 0, 0, 0, 0, 0], admits: 1, error: /non-number/ },
];

for (const tc of decodeCases) {
  void test(`decodeBatch: ${tc.name}`, () => {
    if (tc.error !== undefined) {
      assert.throws(() => decodeBatch(tc.reply, tc.admits), tc.error);
      return;
    }
    assert.deepEqual(decodeBatch(tc.reply, tc.admits), tc.want);
  });
}
