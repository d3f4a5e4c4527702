import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeBatch, encodeBatch } from "./batch.ts";
import type { AdmitOp, SettleOp } from "./batch.ts";

const admit = (minute: number, tokens: number): AdmitOp => ({
  rpmKey: `igw:{t}:rpm:${minute}`,
  tpmKey: `igw:{t}:tpm:${minute}`,
  budgetKey: "igw:{t}:budget:0",
  rpmLimit: 10,
  tpmLimit: 0,
  budget: 1000,
  tokens,
  budgetTtl: 3600,
});

const settle: SettleOp = {
  tpmKey: "igw:{t}:tpm:7",
  budgetKey: "igw:{t}:budget:0",
  reserved: 50,
  actual: 20,
  hasTpm: true,
  hasBudget: false,
};

void test("encodeBatch: settlements first, keys declared once and referenced 1-based", () => {
  const { keys, args } = encodeBatch([settle], [admit(7, 30), admit(8, 40)]);
  assert.deepEqual(keys, [
    "igw:{t}:tpm:7",
    "igw:{t}:budget:0",
    "igw:{t}:rpm:7",
    "igw:{t}:rpm:8",
    "igw:{t}:tpm:8",
  ]);
  // prettier-ignore
  assert.deepEqual(args, [
    1, 2,
    1, 2, 50, 20, 1, 0,
    3, 1, 2, 10, 0, 1000, 30, 3600,
    4, 5, 2, 10, 0, 1000, 40, 3600,
  ]);
});

void test("encodeBatch: an empty batch is two zeros", () => {
  assert.deepEqual(encodeBatch([], []), { keys: [], args: [0, 0] });
});

const decodeCases: {
  name: string;
  reply: unknown;
  admits: number;
  want?: [number, number][];
  error?: RegExp;
}[] = [
  { name: "pairs in order", reply: [0, 0, 3, 1, 1, 0], admits: 3, want: [[0, 0], [3, 1], [1, 0]] },
  { name: "no admissions", reply: [], admits: 0, want: [] },
  { name: "too short", reply: [0], admits: 1, error: /limits script answered \[0\]/ },
  { name: "not an array", reply: "OK", admits: 1, error: /limits script answered "OK"/ },
  { name: "non-number", reply: [0, "x"], admits: 1, error: /non-number/ },
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
