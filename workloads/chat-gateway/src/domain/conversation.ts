/**
 * The conversation aggregate (pure): state folded from events, and the decide functions that
 * turn commands into new events or coded errors.
 */
import type { ErrorCode } from "../errors.ts";
import type { ConversationEvent } from "./events.ts";

/** What the decide functions need to know about one message. */
export interface MessageState {
  role: "user" | "assistant";
  parentId: string | null;
  status: "complete" | "streaming" | "incomplete";
  content: string;
}

/** Write-side state of one conversation stream, folded from its events. */
export interface ConversationState {
  exists: boolean;
  version: number;
  messages: Map<string, MessageState>;
  /** Latest message in log order: the default parent of a new message. */
  lastMessageId: string | null;
}

/** Empty state of a stream that has no events yet. */
export function initialState(): ConversationState {
  return { exists: false, version: 0, messages: new Map(), lastMessageId: null };
}

/** Applies one event in place (the state is owned by its cache entry) and returns it. */
export function evolve(state: ConversationState, event: ConversationEvent): ConversationState {
  state.version += 1;
  switch (event.type) {
    case "conversation.started":
      state.exists = true;
      break;
    case "message.added":
    case "message.edited":
      state.messages.set(event.data.messageId, {
        role: "user",
        parentId: event.data.parentId,
        status: "complete",
        content: event.data.content,
      });
      state.lastMessageId = event.data.messageId;
      break;
    case "reply.started":
      state.messages.set(event.data.messageId, {
        role: "assistant",
        parentId: event.data.parentId,
        status: "streaming",
        content: "",
      });
      state.lastMessageId = event.data.messageId;
      break;
    case "reply.completed":
    case "reply.incomplete": {
      const m = state.messages.get(event.data.messageId);
      if (m !== undefined) {
        m.status = event.type === "reply.completed" ? "complete" : "incomplete";
        m.content = event.data.content;
      }
      break;
    }
  }
  return state;
}

/** Folds a list of events into a fresh state. */
export function fold(events: readonly ConversationEvent[]): ConversationState {
  const s = initialState();
  for (const e of events) evolve(s, e);
  return s;
}

export interface ReplyRequest {
  replyMessageId: string;
  model: string;
  replica: string;
}

export type Command =
  | {
      kind: "send";
      messageId: string;
      /** undefined: the latest message; null: a new root. */
      parentId: string | null | undefined;
      content: string;
      title: string;
      reply: ReplyRequest | null;
    }
  | {
      kind: "edit";
      messageId: string;
      newMessageId: string;
      content: string;
      reply: ReplyRequest | null;
    }
  | { kind: "regenerate"; messageId: string; reply: ReplyRequest }
  | { kind: "completeReply"; messageId: string; content: string; finishReason: string }
  | { kind: "markIncomplete"; messageId: string; reason: string; content: string };

export type Decision =
  | { ok: true; events: ConversationEvent[]; duplicate: boolean }
  | { ok: false; code: ErrorCode; details?: Record<string, unknown> };

const fail = (code: ErrorCode, details?: Record<string, unknown>): Decision =>
  details === undefined ? { ok: false, code } : { ok: false, code, details };
const ok = (events: ConversationEvent[], duplicate = false): Decision => ({
  ok: true,
  events,
  duplicate,
});

function replyStarted(
  parentId: string,
  r: ReplyRequest,
  regenerateOf: string | null,
): ConversationEvent {
  return {
    type: "reply.started",
    data: {
      messageId: r.replyMessageId,
      parentId,
      role: "assistant",
      model: r.model,
      regenerateOf,
      replica: r.replica,
    },
  };
}

function decideSend(s: ConversationState, c: Extract<Command, { kind: "send" }>): Decision {
  const existing = s.messages.get(c.messageId);
  if (existing !== undefined) {
    // Idempotent resend of the same client message id.
    return existing.role === "user" && existing.content === c.content
      ? ok([], true)
      : fail("CG_ERR_INVALID_COMMAND", { reason: "messageId already used" });
  }
  const parentId = c.parentId === undefined ? s.lastMessageId : c.parentId;
  if (parentId !== null && !s.messages.has(parentId))
    return fail("CG_ERR_MESSAGE_NOT_FOUND", { messageId: parentId });
  if (c.reply !== null && s.messages.has(c.reply.replyMessageId)) {
    return fail("CG_ERR_INVALID_COMMAND", { reason: "reply id already used" });
  }
  const events: ConversationEvent[] = [];
  if (!s.exists) events.push({ type: "conversation.started", data: { title: c.title } });
  events.push({
    type: "message.added",
    data: { messageId: c.messageId, parentId, role: "user", content: c.content },
  });
  if (c.reply !== null) events.push(replyStarted(c.messageId, c.reply, null));
  return ok(events);
}

function decideEdit(s: ConversationState, c: Extract<Command, { kind: "edit" }>): Decision {
  const orig = s.messages.get(c.messageId);
  if (orig === undefined) return fail("CG_ERR_MESSAGE_NOT_FOUND", { messageId: c.messageId });
  if (orig.role !== "user")
    return fail("CG_ERR_INVALID_COMMAND", { reason: "only user messages can be edited" });
  if (s.messages.has(c.newMessageId))
    return fail("CG_ERR_INVALID_COMMAND", { reason: "newMessageId already used" });
  const events: ConversationEvent[] = [
    {
      type: "message.edited",
      data: {
        messageId: c.newMessageId,
        editOf: c.messageId,
        parentId: orig.parentId,
        role: "user",
        content: c.content,
      },
    },
  ];
  if (c.reply !== null) events.push(replyStarted(c.newMessageId, c.reply, null));
  return ok(events);
}

function decideRegenerate(
  s: ConversationState,
  c: Extract<Command, { kind: "regenerate" }>,
): Decision {
  const orig = s.messages.get(c.messageId);
  if (orig === undefined) return fail("CG_ERR_MESSAGE_NOT_FOUND", { messageId: c.messageId });
  if (orig.role !== "assistant" || orig.parentId === null) {
    return fail("CG_ERR_INVALID_COMMAND", { reason: "only assistant replies can be regenerated" });
  }
  if (orig.status === "streaming")
    return fail("CG_ERR_REPLY_IN_PROGRESS", { messageId: c.messageId });
  if (s.messages.has(c.reply.replyMessageId))
    return fail("CG_ERR_INVALID_COMMAND", { reason: "reply id already used" });
  return ok([replyStarted(orig.parentId, c.reply, c.messageId)]);
}

/**
 * Decides which events a command produces against the current state. Pure: ids, model and
 * replica come in the command; the caller appends the events with expectedVersion = s.version.
 */
export function decide(s: ConversationState, c: Command): Decision {
  if (c.kind !== "send" && !s.exists) return fail("CG_ERR_CONVERSATION_NOT_FOUND");
  switch (c.kind) {
    case "send":
      return decideSend(s, c);
    case "edit":
      return decideEdit(s, c);
    case "regenerate":
      return decideRegenerate(s, c);
    case "completeReply":
    case "markIncomplete": {
      const m = s.messages.get(c.messageId);
      if (m === undefined) return fail("CG_ERR_MESSAGE_NOT_FOUND", { messageId: c.messageId });
      if (m.status !== "streaming") return ok([], true);
      return c.kind === "completeReply"
        ? ok([
            {
              type: "reply.completed",
              data: { messageId: c.messageId, content: c.content, finishReason: c.finishReason },
            },
          ])
        : ok([
            {
              type: "reply.incomplete",
              data: { messageId: c.messageId, reason: c.reason, content: c.content },
            },
          ]);
    }
  }
}
