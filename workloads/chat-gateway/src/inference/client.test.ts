import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSseChunk } from "./client.ts";
import { branchHistory } from "./replies.ts";
import { fold } from "../domain/conversation.ts";
import { jsonbKeyOrder } from "../store/event-store.ts";

void test("parseSseChunk splits complete events and keeps the rest", () => {
  const r = parseSseChunk('data: {"a":1}\n\ndata: [DONE]\n\ndata: {"b"');
  assert.deepEqual(r.events, ['{"a":1}', "[DONE]"]);
  assert.equal(r.rest, 'data: {"b"');
  assert.deepEqual(parseSseChunk(": comment\r\n\r\n").events, []);
});

void test("branchHistory follows parents from the leaf to the root", () => {
  const s = fold([
    { type: "conversation.started", data: { title: "t" } },
    { type: "message.added", data: { messageId: "u1", parentId: null, role: "user", content: "q1" } },
    { type: "reply.started", data: { messageId: "a1", parentId: "u1", role: "assistant", model: "m", regenerateOf: null, replica: "r" } },
    { type: "reply.completed", data: { messageId: "a1", content: "r1", finishReason: "stop" } },
    { type: "message.added", data: { messageId: "u2", parentId: "a1", role: "user", content: "q2" } },
    { type: "message.edited", data: { messageId: "u3", editOf: "u2", parentId: "a1", role: "user", content: "q2'" } },
  ]);
  assert.deepEqual(branchHistory(s, "u3"), [
    { role: "user", content: "q1" },
    { role: "assistant", content: "r1" },
    { role: "user", content: "q2'" },
  ]);
  assert.equal(branchHistory(s, "u3", 2).length, 2);
});

void test("jsonbKeyOrder orders keys like PostgreSQL's jsonb (length, then bytes)", () => {
  assert.deepEqual(Object.keys(jsonbKeyOrder({ messageId: 1, parentId: 2, role: 3, content: 4 })), [
    "role",
    "content",
    "parentId",
    "messageId",
  ]);
});
