/**
 * Table tests of the conversation's decide and evolve functions.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decide,
  fold,
  initialState,
  type Command,
  type ConversationState,
} from "./conversation.ts";
import type { ConversationEvent } from "./events.ts";

const U1 = "11111111-1111-4111-8111-111111111111";
const U2 = "22222222-2222-4222-8222-222222222222";
const A1 = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa1";
const A2 = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa2";
const reply = (id: string) => ({ replyMessageId: id, model: "m", replica: "r" });

const started: ConversationEvent = { type: "conversation.started", data: { title: "t" } };
const added: ConversationEvent = {
  type: "message.added",
  data: { messageId: U1, parentId: null, role: "user", content: "hi" },
};
const replyStarted: ConversationEvent = {
  type: "reply.started",
  data: {
    messageId: A1,
    parentId: U1,
    role: "assistant",
    model: "m",
    regenerateOf: null,
    replica: "r",
  },
};
const replyDone: ConversationEvent = {
  type: "reply.completed",
  data: { messageId: A1, content: "hello", finishReason: "stop" },
};

const streaming = (): ConversationState => fold([started, added, replyStarted]);
const finished = (): ConversationState => fold([started, added, replyStarted, replyDone]);

const cases: {
  name: string;
  state: () => ConversationState;
  cmd: Command;
  expect: string[] | string;
}[] = [
  {
    name: "first send starts the conversation",
    state: initialState,
    cmd: {
      kind: "send",
      messageId: U1,
      parentId: undefined,
      content: "hi",
      title: "t",
      reply: reply(A1),
    },
    expect: ["conversation.started", "message.added", "reply.started"],
  },
  {
    name: "send without reply",
    state: finished,
    cmd: {
      kind: "send",
      messageId: U2,
      parentId: undefined,
      content: "more",
      title: "t",
      reply: null,
    },
    expect: ["message.added"],
  },
  {
    name: "resending the same message id is idempotent",
    state: finished,
    cmd: {
      kind: "send",
      messageId: U1,
      parentId: undefined,
      content: "hi",
      title: "t",
      reply: null,
    },
    expect: [],
  },
  {
    name: "reusing a message id with other content is refused",
    state: finished,
    cmd: {
      kind: "send",
      messageId: U1,
      parentId: undefined,
      content: "other",
      title: "t",
      reply: null,
    },
    expect: "CG_ERR_INVALID_COMMAND",
  },
  {
    name: "unknown parent",
    state: finished,
    cmd: { kind: "send", messageId: U2, parentId: A2, content: "x", title: "t", reply: null },
    expect: "CG_ERR_MESSAGE_NOT_FOUND",
  },
  {
    name: "edit makes a sibling message",
    state: finished,
    cmd: { kind: "edit", messageId: U1, newMessageId: U2, content: "hi!", reply: reply(A2) },
    expect: ["message.edited", "reply.started"],
  },
  {
    name: "assistant messages cannot be edited",
    state: finished,
    cmd: { kind: "edit", messageId: A1, newMessageId: U2, content: "x", reply: null },
    expect: "CG_ERR_INVALID_COMMAND",
  },
  {
    name: "edit on a conversation that does not exist",
    state: initialState,
    cmd: { kind: "edit", messageId: U1, newMessageId: U2, content: "x", reply: null },
    expect: "CG_ERR_CONVERSATION_NOT_FOUND",
  },
  {
    name: "regenerate a finished reply",
    state: finished,
    cmd: { kind: "regenerate", messageId: A1, reply: reply(A2) },
    expect: ["reply.started"],
  },
  {
    name: "regenerate a streaming reply is refused",
    state: streaming,
    cmd: { kind: "regenerate", messageId: A1, reply: reply(A2) },
    expect: "CG_ERR_REPLY_IN_PROGRESS",
  },
  {
    name: "regenerate a user message is refused",
    state: finished,
    cmd: { kind: "regenerate", messageId: U1, reply: reply(A2) },
    expect: "CG_ERR_INVALID_COMMAND",
  },
  {
    name: "complete a streaming reply",
    state: streaming,
    cmd: { kind: "completeReply", messageId: A1, content: "x", finishReason: "stop" },
    expect: ["reply.completed"],
  },
  {
    name: "completing twice is a no-op",
    state: finished,
    cmd: { kind: "completeReply", messageId: A1, content: "x", finishReason: "stop" },
    expect: [],
  },
  {
    name: "mark a streaming reply incomplete",
    state: streaming,
    cmd: { kind: "markIncomplete", messageId: A1, reason: "replica_lost", content: "" },
    expect: ["reply.incomplete"],
  },
  {
    name: "marking a finished reply is a no-op",
    state: finished,
    cmd: { kind: "markIncomplete", messageId: A1, reason: "replica_lost", content: "" },
    expect: [],
  },
];

for (const c of cases) {
  void test(`decide: ${c.name}`, () => {
    const d = decide(c.state(), c.cmd);
    assert.deepEqual(d.ok ? d.events.map((e) => e.type) : d.code, c.expect);
  });
}

void test("decide is pure: the state is not changed", () => {
  const s = finished();
  const before = JSON.stringify([...s.messages]);
  decide(s, { kind: "edit", messageId: U1, newMessageId: U2, content: "x", reply: null });
  assert.equal(JSON.stringify([...s.messages]), before);
  assert.equal(s.version, 4);
});

void test("send defaults the parent to the latest message; edits keep the original's parent", () => {
  const s = finished();
  const d = decide(s, {
    kind: "send",
    messageId: U2,
    parentId: undefined,
    content: "next",
    title: "t",
    reply: null,
  });
  assert.deepEqual(d.ok ? d.events[0]?.data : d.code, {
    messageId: U2,
    parentId: A1,
    role: "user",
    content: "next",
  });
  const e = decide(s, {
    kind: "edit",
    messageId: U1,
    newMessageId: U2,
    content: "edited",
    reply: null,
  });
  assert.equal(e.ok ? (e.events[0]?.data as { parentId: string | null }).parentId : e.code, null);
});

void test("fold tracks version, status and content", () => {
  const s = finished();
  assert.equal(s.version, 4);
  assert.equal(s.exists, true);
  assert.deepEqual(s.messages.get(A1), {
    role: "assistant",
    parentId: U1,
    status: "complete",
    content: "hello",
  });
  assert.equal(s.lastMessageId, A1);
});
