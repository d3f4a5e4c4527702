import { test } from "node:test";
import assert from "node:assert/strict";
import { cacheKey, canonicalJSON, isCacheable } from "./key.ts";

const msgs = [{ role: "user", content: "hi" }];

for (const [name, body, want] of [
  ["temperature 0", { temperature: 0, messages: msgs }, true],
  ["temperature default", { messages: msgs }, false],
  ["temperature 0.7", { temperature: 0.7, messages: msgs }, false],
  ["n 2", { temperature: 0, n: 2, messages: msgs }, false],
  ["n 1", { temperature: 0, n: 1, messages: msgs }, true],
  ["logprobs", { temperature: 0, logprobs: true, messages: msgs }, false],
] as const) {
  void test(`isCacheable: ${name} → ${want}`, () => {
    assert.equal(isCacheable(body as Record<string, unknown>), want);
  });
}

void test("canonicalJSON sorts keys recursively and keeps array order", () => {
  assert.equal(
    canonicalJSON({ b: 1, a: { d: [2, 1], c: null } }),
    '{"a":{"c":null,"d":[2,1]},"b":1}',
  );
});

const same: [string, Record<string, unknown>, Record<string, unknown>][] = [
  [
    "key order",
    { temperature: 0, messages: msgs, max_tokens: 5 },
    { max_tokens: 5, messages: msgs, temperature: 0 },
  ],
  [
    "stream flag",
    { temperature: 0, messages: msgs, stream: true, stream_options: { include_usage: true } },
    { temperature: 0, messages: msgs },
  ],
  [
    "user field",
    { temperature: 0, messages: msgs, user: "u1" },
    { temperature: 0, messages: msgs, user: "u2" },
  ],
  [
    "alias vs name",
    { model: "alias", temperature: 0, messages: msgs },
    { model: "canonical", temperature: 0, messages: msgs },
  ],
];
for (const [name, a, b] of same) {
  void test(`cacheKey equal across ${name}`, () => {
    assert.equal(cacheKey("t", "chat", "canonical", a), cacheKey("t", "chat", "canonical", b));
  });
}

const different: [string, [string, Record<string, unknown>], [string, Record<string, unknown>]][] =
  [
    [
      "tenants",
      ["t1", { temperature: 0, messages: msgs }],
      ["t2", { temperature: 0, messages: msgs }],
    ],
    [
      "max_tokens",
      ["t", { temperature: 0, messages: msgs, max_tokens: 5 }],
      ["t", { temperature: 0, messages: msgs, max_tokens: 6 }],
    ],
    [
      "message text",
      ["t", { temperature: 0, messages: msgs }],
      ["t", { temperature: 0, messages: [{ role: "user", content: "hi!" }] }],
    ],
  ];
for (const [name, [ta, a], [tb, b]] of different) {
  void test(`cacheKey differs across ${name}`, () => {
    assert.notEqual(cacheKey(ta, "chat", "m", a), cacheKey(tb, "chat", "m", b));
  });
}

void test("cacheKey carries the tenant as a hash tag", () => {
  assert.match(cacheKey("acme", "chat", "m", {}), /^igw:\{acme\}:cache:chat:[0-9a-f]{64}$/);
});
