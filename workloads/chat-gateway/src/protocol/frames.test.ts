/**
 * Tests of the client-frame parser: valid frames, unknown types and fields, versions and sizes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseClientFrame } from "./frames.ts";

const C = "11111111-1111-4111-8111-111111111111";

const cases: [string, string, string | null][] = [
  ["ping", JSON.stringify({ v: 1, type: "ping", id: "a" }), null],
  [
    "subscribe with after",
    JSON.stringify({ v: 1, type: "subscribe", conversationId: C, after: 10 }),
    null,
  ],
  ["send new conversation", JSON.stringify({ v: 1, type: "send", content: "hi" }), null],
  [
    "edit",
    JSON.stringify({
      v: 1,
      type: "edit",
      conversationId: C,
      messageId: C,
      content: "x",
      expectedVersion: 3,
    }),
    null,
  ],
  [
    "regenerate",
    JSON.stringify({
      v: 1,
      type: "regenerate",
      conversationId: C,
      messageId: C,
      expectedVersion: 3,
    }),
    null,
  ],
  ["typing", JSON.stringify({ v: 1, type: "typing", conversationId: C, typing: true }), null],
  ["ack", JSON.stringify({ v: 1, type: "ack", conversationId: C, seq: 7 }), null],
  ["not json", "{", "CG_ERR_BAD_FRAME"],
  ["array", "[]", "CG_ERR_BAD_FRAME"],
  ["string", '"x"', "CG_ERR_BAD_FRAME"],
  ["no version", JSON.stringify({ type: "ping" }), "CG_ERR_UNSUPPORTED_VERSION"],
  ["future version", JSON.stringify({ v: 2, type: "ping" }), "CG_ERR_UNSUPPORTED_VERSION"],
  ["unknown type", JSON.stringify({ v: 1, type: "hack" }), "CG_ERR_UNKNOWN_TYPE"],
  ["missing content", JSON.stringify({ v: 1, type: "send" }), "CG_ERR_INVALID_FRAME"],
  ["empty content", JSON.stringify({ v: 1, type: "send", content: "" }), "CG_ERR_INVALID_FRAME"],
  ["extra property", JSON.stringify({ v: 1, type: "ping", x: 1 }), "CG_ERR_INVALID_FRAME"],
  [
    "bad uuid",
    JSON.stringify({ v: 1, type: "subscribe", conversationId: "x" }),
    "CG_ERR_INVALID_FRAME",
  ],
  [
    "negative seq",
    JSON.stringify({ v: 1, type: "ack", conversationId: C, seq: -1 }),
    "CG_ERR_INVALID_FRAME",
  ],
  [
    "edit without expectedVersion",
    JSON.stringify({ v: 1, type: "edit", conversationId: C, messageId: C, content: "x" }),
    "CG_ERR_INVALID_FRAME",
  ],
  [
    "too large",
    JSON.stringify({ v: 1, type: "send", content: "x".repeat(300) }),
    "CG_ERR_FRAME_TOO_LARGE",
  ],
];

for (const [name, raw, code] of cases) {
  void test(`parseClientFrame: ${name}`, () => {
    const r = parseClientFrame(raw, 256);
    assert.equal(r.ok ? null : r.code, code, JSON.stringify(r));
  });
}

void test("parseClientFrame keeps the client's id as ref on errors", () => {
  const r = parseClientFrame(JSON.stringify({ v: 1, type: "send", id: "req-1" }), 1024);
  assert.deepEqual(r.ok ? null : r.ref, "req-1");
});
