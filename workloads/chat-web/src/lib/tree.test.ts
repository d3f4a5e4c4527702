// Table tests for the conversation fold: replay idempotence, deltas, branches and navigation.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import type { Conversation, StoredEvent } from "./tree.ts";
import {
  applyDelta,
  applyEvent,
  choiceShowing,
  emptyConversation,
  siblingInfo,
  stepSibling,
  visiblePath,
} from "./tree.ts";

const ev = (type: string, data: Record<string, unknown>): StoredEvent => ({
  type,
  data,
  actor: "u1",
  at: "2026-12-02T00:00:00Z",
});
const U1 = "00000000-0000-4000-8000-000000000001";
const A1 = "00000000-0000-4000-8000-000000000002";
const U2 = "00000000-0000-4000-8000-000000000003";
const A2 = "00000000-0000-4000-8000-000000000004";
const A3 = "00000000-0000-4000-8000-000000000005";

function fold(events: [number, StoredEvent][]): Conversation {
  return events.reduce((c, [seq, e]) => applyEvent(c, seq, e), emptyConversation("c1"));
}

const base: [number, StoredEvent][] = [
  [1, ev("conversation.started", { title: "Hello" })],
  [2, ev("message.added", { messageId: U1, parentId: null, role: "user", content: "hi" })],
  [
    3,
    ev("reply.started", {
      messageId: A1,
      parentId: U1,
      role: "assistant",
      model: "m",
      regenerateOf: null,
      replica: "r",
    }),
  ],
  [4, ev("reply.completed", { messageId: A1, content: "hello there", finishReason: "stop" })],
];

test("fold builds the path and the resume point", () => {
  const c = fold(base);
  assert.equal(c.title, "Hello");
  assert.equal(c.lastSeq, 4);
  assert.deepEqual(
    visiblePath(c, new Map()).map((m) => [m.role, m.content, m.status]),
    [
      ["user", "hi", "complete"],
      ["assistant", "hello there", "complete"],
    ],
  );
});

test("replayed events (seq <= lastSeq) change nothing: nothing is shown twice", () => {
  const c = fold(base);
  const again = base.reduce((acc, [seq, e]) => applyEvent(acc, seq, e), c);
  assert.equal(again, c);
  assert.equal(visiblePath(again, new Map()).length, 2);
});

test("deltas stream text, duplicates and stale indexes are ignored, completion replaces the text", () => {
  let c = fold(base.slice(0, 3));
  c = applyDelta(c, A1, 0, "hel");
  c = applyDelta(c, A1, 0, "hel");
  c = applyDelta(c, A1, 1, "lo");
  assert.equal(c.messages.get(A1)?.content, "hello");
  assert.equal(c.messages.get(A1)?.status, "streaming");
  c = applyEvent(c, 4, base[3]![1]);
  assert.equal(c.messages.get(A1)?.content, "hello there");
  assert.equal(applyDelta(c, A1, 2, "late"), c, "a delta after completion is ignored");
});

test("incomplete replies keep their reason", () => {
  const c = fold([
    ...base.slice(0, 3),
    [4, ev("reply.incomplete", { messageId: A1, reason: "replica_lost", content: "hel" })],
  ]);
  assert.deepEqual(
    [c.messages.get(A1)?.status, c.messages.get(A1)?.reason, c.messages.get(A1)?.content],
    ["incomplete", "replica_lost", "hel"],
  );
});

test("edits and regenerations are siblings; newest shown by default; navigation steps and clamps", () => {
  const c = fold([
    ...base,
    [
      5,
      ev("reply.started", {
        messageId: A2,
        parentId: U1,
        role: "assistant",
        model: "m",
        regenerateOf: A1,
        replica: "r",
      }),
    ],
    [6, ev("reply.completed", { messageId: A2, content: "second", finishReason: "stop" })],
    [
      7,
      ev("message.edited", {
        messageId: U2,
        editOf: U1,
        parentId: null,
        role: "user",
        content: "hi (edited)",
      }),
    ],
    [
      8,
      ev("reply.started", {
        messageId: A3,
        parentId: U2,
        role: "assistant",
        model: "m",
        regenerateOf: null,
        replica: "r",
      }),
    ],
  ]);
  const path = visiblePath(c, new Map());
  assert.deepEqual(
    path.map((m) => m.id),
    [U2, A3],
  );
  assert.deepEqual(siblingInfo(c, path[0]!), { position: 2, count: 2, parentKey: "" });
  const back = stepSibling(c, new Map(), path[0]!, -1);
  const older = visiblePath(c, back);
  assert.deepEqual(
    older.map((m) => m.id),
    [U1, A2],
    "the original user message with its newest reply",
  );
  assert.deepEqual(siblingInfo(c, older[1]!), { position: 2, count: 2, parentKey: U1 });
  const first = stepSibling(c, back, older[1]!, -5);
  assert.deepEqual(
    visiblePath(c, first).map((m) => m.id),
    [U1, A1],
    "clamped at the first sibling",
  );
  assert.deepEqual(
    visiblePath(c, choiceShowing(c, new Map(), A1)).map((m) => m.id),
    [U1, A1],
    "a search hit opens its branch",
  );
});

test("deltas that arrive before a replayed reply.started are kept", () => {
  let c = fold(base.slice(0, 2));
  c = applyEvent(c, 3, base[2]![1]);
  c = applyDelta(c, A1, 0, "x");
  const replayed = applyEvent(c, 3, base[2]![1]);
  assert.equal(replayed.messages.get(A1)?.content, "x");
});
