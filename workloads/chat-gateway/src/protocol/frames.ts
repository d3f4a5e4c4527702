/**
 * The `chat.v1` protocol: TypeBox schemas of every client frame and of the server frames, the
 * protocol version and subprotocol name, and the parser that turns raw text into a typed frame or
 * a coded error.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { RegionsTableSchema } from "../regions.ts";

/** Protocol version carried in every frame (`v`). Bump on breaking changes. */
export const PROTOCOL_VERSION = 1;
/** WebSocket subprotocol name offered by clients (optional). */
export const SUBPROTOCOL = "chat.v1";

const Uuid = Type.String({
  pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
});
const Ref = Type.String({ minLength: 1, maxLength: 64 });
const Seq = Type.Integer({ minimum: 0 });
const V = Type.Literal(PROTOCOL_VERSION);

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the inferred TypeBox type is the point
function frame<T extends string, P extends Record<string, TSchema>>(type: T, props: P) {
  return Type.Object({ v: V, type: Type.Literal(type), ...props }, { additionalProperties: false });
}

// ---------------------------------------------------------------- client -> server
export const SubscribeFrame = frame("subscribe", {
  id: Type.Optional(Ref),
  conversationId: Uuid,
  /** Last sequence the client has; events with seq > after are replayed, then live. */
  after: Type.Optional(Seq),
});
export const UnsubscribeFrame = frame("unsubscribe", {
  id: Type.Optional(Ref),
  conversationId: Uuid,
});
export const SendFrame = frame("send", {
  id: Type.Optional(Ref),
  /** Omit to start a new conversation; the `accepted` frame carries the id. */
  conversationId: Type.Optional(Uuid),
  /** Client-chosen id; resending the same id is idempotent. */
  messageId: Type.Optional(Uuid),
  /** Message this one answers (branch point); default: the latest message of the branch. */
  parentId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  content: Type.String({ minLength: 1 }),
  /** Ask the assistant for a reply (default true). */
  reply: Type.Optional(Type.Boolean()),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  expectedVersion: Type.Optional(Seq),
  title: Type.Optional(Type.String({ maxLength: 200 })),
});
export const EditFrame = frame("edit", {
  id: Type.Optional(Ref),
  conversationId: Uuid,
  /** The user message being edited; the edit becomes a sibling (new branch). */
  messageId: Uuid,
  newMessageId: Type.Optional(Uuid),
  content: Type.String({ minLength: 1 }),
  expectedVersion: Seq,
  reply: Type.Optional(Type.Boolean()),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export const RegenerateFrame = frame("regenerate", {
  id: Type.Optional(Ref),
  conversationId: Uuid,
  /** The assistant message to regenerate; the new reply becomes its sibling. */
  messageId: Uuid,
  expectedVersion: Seq,
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export const TypingFrame = frame("typing", { conversationId: Uuid, typing: Type.Boolean() });
export const AckFrame = frame("ack", { conversationId: Uuid, seq: Seq });
export const PingFrame = frame("ping", { id: Type.Optional(Ref) });

export const ClientFrame = Type.Union([
  SubscribeFrame,
  UnsubscribeFrame,
  SendFrame,
  EditFrame,
  RegenerateFrame,
  TypingFrame,
  AckFrame,
  PingFrame,
]);
export type ClientFrame = Static<typeof ClientFrame>;
export type SubscribeFrame = Static<typeof SubscribeFrame>;
export type SendFrame = Static<typeof SendFrame>;
export type EditFrame = Static<typeof EditFrame>;
export type RegenerateFrame = Static<typeof RegenerateFrame>;
export type ClientFrameType = ClientFrame["type"];

export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = [
  "subscribe",
  "unsubscribe",
  "send",
  "edit",
  "regenerate",
  "typing",
  "ack",
  "ping",
];

const compiled = {
  subscribe: TypeCompiler.Compile(SubscribeFrame),
  unsubscribe: TypeCompiler.Compile(UnsubscribeFrame),
  send: TypeCompiler.Compile(SendFrame),
  edit: TypeCompiler.Compile(EditFrame),
  regenerate: TypeCompiler.Compile(RegenerateFrame),
  typing: TypeCompiler.Compile(TypingFrame),
  ack: TypeCompiler.Compile(AckFrame),
  ping: TypeCompiler.Compile(PingFrame),
} as const;

// ---------------------------------------------------------------- server -> client
export const StoredEvent = Type.Object({
  type: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  actor: Type.String(),
  at: Type.String(),
});
export const EventFrame = frame("event", { conversationId: Uuid, seq: Seq, event: StoredEvent });
export const DeltaFrame = frame("delta", {
  conversationId: Uuid,
  messageId: Uuid,
  /** Sequence of the reply.started event this delta belongs to (deltas are not stored). */
  replySeq: Seq,
  index: Type.Integer({ minimum: 0 }),
  text: Type.String(),
});
export const ErrorFrame = frame("error", {
  ref: Type.Optional(Ref),
  code: Type.String(),
  message: Type.String(),
  retryable: Type.Boolean(),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export const WelcomeFrame = frame("welcome", {
  protocol: Type.Literal(SUBPROTOCOL),
  connectionId: Type.String(),
  tenantId: Type.String(),
  userId: Type.String(),
  replica: Type.String(),
  heartbeatMs: Type.Integer({ minimum: 1 }),
  maxFrameBytes: Type.Integer({ minimum: 1 }),
  /** Present when the replica has a regions table (CHAT_REGIONS_FILE). */
  regions: Type.Optional(RegionsTableSchema),
});
export const ReconnectFrame = frame("reconnect", {
  reason: Type.String(),
  retryAfterMs: Type.Integer({ minimum: 0 }),
  regions: Type.Optional(RegionsTableSchema),
});
export type StoredEvent = Static<typeof StoredEvent>;

/** Result of parsing one client frame: a typed frame, or a stable error code. */
export type ParseResult =
  | { ok: true; frame: ClientFrame }
  | {
      ok: false;
      code:
        | "CG_ERR_BAD_FRAME"
        | "CG_ERR_INVALID_FRAME"
        | "CG_ERR_UNKNOWN_TYPE"
        | "CG_ERR_UNSUPPORTED_VERSION"
        | "CG_ERR_FRAME_TOO_LARGE";
      ref?: string;
      detail?: string;
    };

function isKnownType(t: unknown): t is ClientFrameType {
  return typeof t === "string" && (CLIENT_FRAME_TYPES as readonly string[]).includes(t);
}

/** Parses and validates one client frame (pure). */
export function parseClientFrame(raw: string, maxBytes: number): ParseResult {
  if (Buffer.byteLength(raw) > maxBytes) return { ok: false, code: "CG_ERR_FRAME_TOO_LARGE" };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: "CG_ERR_BAD_FRAME" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, code: "CG_ERR_BAD_FRAME" };
  }
  const obj = value as Record<string, unknown>;
  const ref = typeof obj["id"] === "string" && obj["id"].length <= 64 ? obj["id"] : undefined;
  const withRef = ref === undefined ? {} : { ref };
  if (obj["v"] !== PROTOCOL_VERSION)
    return { ok: false, code: "CG_ERR_UNSUPPORTED_VERSION", ...withRef };
  const type = obj["type"];
  if (!isKnownType(type)) return { ok: false, code: "CG_ERR_UNKNOWN_TYPE", ...withRef };
  const checker = compiled[type];
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    const detail = first === undefined ? "invalid" : `${first.path || "/"}: ${first.message}`;
    return { ok: false, code: "CG_ERR_INVALID_FRAME", ...withRef, detail };
  }
  return { ok: true, frame: value };
}
