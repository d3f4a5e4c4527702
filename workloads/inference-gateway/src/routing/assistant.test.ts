import { test } from "node:test";
import assert from "node:assert/strict";
import { indexAssistants } from "../config/runtime.ts";
import type { AssistantConfig } from "../config/schema.ts";
import { applyVersion, bucketOf, pickVersion, stickinessKey } from "./assistant.ts";

const config = (over: Partial<AssistantConfig> = {}): AssistantConfig => ({
  name: "support",
  versions: [
    { name: "v1", model: "m1", instructions: "Be brief." },
    { name: "v2", model: "m2", parameters: { temperature: 0.2, maxTokens: 50 } },
  ],
  variants: [
    { version: "v1", weight: 70 },
    { version: "v2", weight: 30 },
  ],
  ...over,
});
const assistant = (over: Partial<AssistantConfig> = {}) => {
  const a = indexAssistants([config(over)]).get("support");
  assert.ok(a);
  return a;
};

void test("the same key always picks the same version, and keys split by weight", () => {
  const a = assistant();
  const never = (): number => {
    throw new Error("a keyed pick must not draw at random");
  };
  const counts = new Map<string, number>();
  for (let i = 0; i < 10_000; i++) {
    const v = pickVersion(a, `conv-${i}`, never)?.name ?? "";
    assert.equal(pickVersion(a, `conv-${i}`, never)?.name, v);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const v1 = (counts.get("v1") ?? 0) / 10_000;
  assert.ok(Math.abs(v1 - 0.7) < 0.02, `v1 share ${v1}`);
});

void test("sequential conversation ids split within 3 points of the weights for every assistant name", () => {
  // 50 names × 2,000 ids "conv-0".."conv-1999", weights 25/75: without the finaliser, the raw
  // FNV-1a high bits were 5 to 11 points off for about one name in five.
  let worst = 0;
  for (let n = 0; n < 50; n++) {
    let high = 0;
    for (let i = 0; i < 2000; i++) if (bucketOf(`ab-${n}`, `conv-${i}`) >= 0.25) high++;
    worst = Math.max(worst, Math.abs(high / 2000 - 0.75));
  }
  assert.ok(worst <= 0.03, `worst deviation ${worst}`);
});

void test("without a key the draw is random by weight; weight 0 is never drawn", () => {
  const table: { random: number; want: string }[] = [
    { random: 0, want: "v1" },
    { random: 0.69, want: "v1" },
    { random: 0.7, want: "v2" },
    { random: 0.999, want: "v2" },
  ];
  const a = assistant();
  for (const row of table)
    assert.equal(pickVersion(a, undefined, () => row.random)?.name, row.want);
  const pinned = assistant({
    variants: [
      { version: "v1", weight: 0 },
      { version: "v2", weight: 100 },
    ],
  });
  for (const r of [0, 0.5, 0.99]) assert.equal(pickVersion(pinned, undefined, () => r)?.name, "v2");
  assert.equal(pickVersion(pinned, "any-key", Math.random)?.name, "v2");
});

void test("the stickiness key comes from the documented header or field", () => {
  const table: {
    name: string;
    stickiness: "conversation" | "user";
    headers: Record<string, string>;
    body: { user?: unknown };
    want: string | undefined;
  }[] = [
    {
      name: "conversation header",
      stickiness: "conversation",
      headers: { "x-conversation-id": "c1" },
      body: {},
      want: "c1",
    },
    {
      name: "conversation ignores user",
      stickiness: "conversation",
      headers: {},
      body: { user: "u" },
      want: undefined,
    },
    {
      name: "user field",
      stickiness: "user",
      headers: { "x-user-id": "h" },
      body: { user: "u" },
      want: "u",
    },
    {
      name: "user header fallback",
      stickiness: "user",
      headers: { "x-user-id": "h" },
      body: {},
      want: "h",
    },
    {
      name: "empty header is no key",
      stickiness: "conversation",
      headers: { "x-conversation-id": "" },
      body: {},
      want: undefined,
    },
  ];
  for (const row of table)
    assert.equal(
      stickinessKey({ stickiness: row.stickiness }, row.headers, row.body),
      row.want,
      row.name,
    );
});

void test("a version adds its instructions first and its parameters; max tokens only shrink", () => {
  const [v1, v2] = config().versions;
  assert.ok(v1 && v2);
  const body = {
    model: "support",
    messages: [
      { role: "system", content: "client system" },
      { role: "user", content: "hi" },
    ],
    temperature: 1.5,
    max_tokens: 500,
  };
  const out1 = applyVersion(body, v1);
  assert.deepEqual(out1["messages"], [
    { role: "system", content: "Be brief." },
    { role: "system", content: "client system" },
    { role: "user", content: "hi" },
  ]);
  assert.equal(out1["model"], "m1");
  assert.equal(out1["temperature"], 1.5);
  const out2 = applyVersion(body, v2);
  assert.equal(out2["messages"], body.messages);
  assert.equal(out2["temperature"], 0.2);
  assert.equal(out2["max_tokens"], 50);
  assert.equal(applyVersion({ ...body, max_tokens: 10 }, v2)["max_tokens"], 10);
  assert.equal(applyVersion({ messages: [] }, v2)["max_tokens"], 50);
  assert.equal(body.messages.length, 2, "input not changed");
});
