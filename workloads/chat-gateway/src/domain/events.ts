/**
 * Domain events of a conversation stream. Each is stored once in chat.events with the stream's
 * next version, which is also the sequence number clients see. Deltas, typing and presence are
 * not events: they are ephemeral fan-out.
 */
export interface ConversationStarted {
  type: "conversation.started";
  data: { title: string };
}
export interface MessageAdded {
  type: "message.added";
  data: { messageId: string; parentId: string | null; role: "user"; content: string };
}
export interface MessageEdited {
  type: "message.edited";
  /** A new user message that is a sibling of `editOf` (same parent): a new branch. */
  data: {
    messageId: string;
    editOf: string;
    parentId: string | null;
    role: "user";
    content: string;
  };
}
export interface ReplyStarted {
  type: "reply.started";
  data: {
    messageId: string;
    parentId: string;
    role: "assistant";
    model: string;
    regenerateOf: string | null;
    replica: string;
  };
}
export interface ReplyCompleted {
  type: "reply.completed";
  data: { messageId: string; content: string; finishReason: string };
}
export interface ReplyIncomplete {
  type: "reply.incomplete";
  data: { messageId: string; reason: string; content: string };
}

export type ConversationEvent =
  | ConversationStarted
  | MessageAdded
  | MessageEdited
  | ReplyStarted
  | ReplyCompleted
  | ReplyIncomplete;

/** An event as read back from the store. */
export interface RecordedEvent {
  streamId: string;
  version: number;
  tenantId: string;
  userId: string;
  actor: string;
  createdAt: string;
  event: ConversationEvent;
}
