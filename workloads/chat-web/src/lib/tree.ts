// The conversation as the page shows it: stored events (by seq) and ephemeral deltas folded into a
// message tree, plus the branch choices that pick one path through it. Pure and idempotent, so a
// replay after a reconnect can re-deliver anything without showing a message twice.

/** One stored event as the `event` frame carries it. */
export interface StoredEvent {
  type: string;
  data: Record<string, unknown>;
  actor: string;
  at: string;
}

export type MessageStatus = "complete" | "streaming" | "incomplete";

export interface Message {
  id: string;
  parentId: string | null;
  role: "user" | "assistant";
  content: string;
  status: MessageStatus;
  model: string | undefined;
  /** Seq of the event that created it (reply.started for replies). */
  seq: number;
  /** Why a reply is incomplete (`replica_lost`, `shutdown`, `upstream_error`, ...). */
  reason: string | undefined;
  /** Index of the last delta applied while streaming; -1 before the first. */
  deltaIndex: number;
}

export interface Conversation {
  id: string;
  title: string;
  /** Highest stored seq applied: the resume point (`subscribe.after`). */
  lastSeq: number;
  messages: ReadonlyMap<string, Message>;
  /** Children of a message (or of the root, key ""), in creation order: the siblings of a fork. */
  children: ReadonlyMap<string, readonly string[]>;
}

export const ROOT = "";

export function emptyConversation(id: string): Conversation {
  return { id, title: "", lastSeq: 0, messages: new Map(), children: new Map() };
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function withMessage(c: Conversation, m: Message, seq: number): Conversation {
  const messages = new Map(c.messages);
  const children = new Map(c.children);
  if (!messages.has(m.id)) {
    const key = m.parentId ?? ROOT;
    children.set(key, [...(children.get(key) ?? []), m.id]);
  }
  messages.set(m.id, m);
  return { ...c, lastSeq: seq, messages, children };
}

function updated(c: Conversation, id: string, seq: number, patch: Partial<Message>): Conversation {
  const old = c.messages.get(id);
  if (old === undefined) return { ...c, lastSeq: seq };
  const messages = new Map(c.messages);
  messages.set(id, { ...old, ...patch });
  return { ...c, lastSeq: seq, messages };
}

function newMessage(
  id: string,
  parentId: string | null,
  role: Message["role"],
  seq: number,
): Message {
  return {
    id,
    parentId,
    role,
    content: "",
    status: "complete",
    model: undefined,
    seq,
    reason: undefined,
    deltaIndex: -1,
  };
}

/**
 * Applies one stored event. Events at or below `lastSeq` were applied already and are ignored,
 * which is what makes replay after a resume show nothing twice.
 */
export function applyEvent(c: Conversation, seq: number, ev: StoredEvent): Conversation {
  if (seq <= c.lastSeq) return c;
  const d = ev.data;
  const id = str(d["messageId"]);
  switch (ev.type) {
    case "conversation.started":
      return { ...c, title: str(d["title"]), lastSeq: seq };
    case "message.added":
    case "message.edited": {
      const parent = typeof d["parentId"] === "string" ? d["parentId"] : null;
      return withMessage(
        c,
        { ...newMessage(id, parent, "user", seq), content: str(d["content"]) },
        seq,
      );
    }
    case "reply.started": {
      const m = {
        ...newMessage(id, str(d["parentId"]), "assistant", seq),
        status: "streaming" as const,
        model: str(d["model"]),
      };
      // Deltas may have arrived before the replayed reply.started: keep their text.
      const early = c.messages.get(id);
      return withMessage(
        c,
        early === undefined ? m : { ...m, content: early.content, deltaIndex: early.deltaIndex },
        seq,
      );
    }
    case "reply.completed":
      return updated(c, id, seq, { content: str(d["content"]), status: "complete" });
    case "reply.incomplete":
      return updated(c, id, seq, {
        content: str(d["content"]),
        status: "incomplete",
        reason: str(d["reason"]),
      });
    default:
      // An event type this page does not know still advances the resume point.
      return { ...c, lastSeq: seq };
  }
}

/** Applies a token delta of a streaming reply; repeated or late deltas are ignored. */
export function applyDelta(
  c: Conversation,
  messageId: string,
  index: number,
  text: string,
): Conversation {
  const m = c.messages.get(messageId);
  if (m === undefined || m.status !== "streaming" || index <= m.deltaIndex) return c;
  const messages = new Map(c.messages);
  messages.set(messageId, { ...m, content: m.content + text, deltaIndex: index });
  return { ...c, messages };
}

/** Branch choices: for a parent key, which child index is shown. Absent = the newest child. */
export type BranchChoice = ReadonlyMap<string, number>;

/** The path shown: from the root down, at each fork the chosen (default newest) sibling. */
export function visiblePath(c: Conversation, choice: BranchChoice): Message[] {
  const path: Message[] = [];
  let key = ROOT;
  for (let guard = 0; guard < 10_000; guard++) {
    const kids = c.children.get(key);
    if (kids === undefined || kids.length === 0) break;
    const want = choice.get(key);
    const idx = want === undefined ? kids.length - 1 : Math.min(Math.max(want, 0), kids.length - 1);
    const id = kids[idx];
    const m = id === undefined ? undefined : c.messages.get(id);
    if (m === undefined) break;
    path.push(m);
    key = m.id;
  }
  return path;
}

export interface SiblingInfo {
  /** 1-based position among its siblings, as "2 / 3" shows it. */
  position: number;
  count: number;
  parentKey: string;
}

export function siblingInfo(c: Conversation, m: Message): SiblingInfo {
  const parentKey = m.parentId ?? ROOT;
  const kids = c.children.get(parentKey) ?? [];
  return { position: kids.indexOf(m.id) + 1, count: kids.length, parentKey };
}

/** The choice after stepping `delta` siblings from `m` (clamped to the existing siblings). */
export function stepSibling(
  c: Conversation,
  choice: BranchChoice,
  m: Message,
  delta: number,
): BranchChoice {
  const info = siblingInfo(c, m);
  const next = Math.min(Math.max(info.position - 1 + delta, 0), info.count - 1);
  const out = new Map(choice);
  out.set(info.parentKey, next);
  return out;
}

/** Shows the branch that holds `messageId` (after an edit, a regenerate, or a search hit). */
export function choiceShowing(
  c: Conversation,
  choice: BranchChoice,
  messageId: string,
): BranchChoice {
  const out = new Map(choice);
  let m = c.messages.get(messageId);
  for (let guard = 0; m !== undefined && guard < 10_000; guard++) {
    const info = siblingInfo(c, m);
    out.set(info.parentKey, info.position - 1);
    m = m.parentId === null ? undefined : c.messages.get(m.parentId);
  }
  return out;
}
