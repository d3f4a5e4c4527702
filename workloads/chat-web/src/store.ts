// The page's state and the commands the view calls: conversations (read model list, event-folded
// trees), the open conversation and its branch choice, presence and typing, search, and the link
// status. Components subscribe and re-render on change; all protocol traffic goes through ChatLink.
import type { ClientFrame, LinkStatus, ServerFrame } from "./lib/connection.ts";
import { ChatLink, LinkError } from "./lib/connection.ts";
import type { BranchChoice, Conversation, Message, StoredEvent } from "./lib/tree.ts";
import {
  applyDelta,
  applyEvent,
  choiceShowing,
  emptyConversation,
  stepSibling,
  visiblePath,
} from "./lib/tree.ts";
import type { Session, WebConfig } from "./session.ts";

export interface Summary {
  conversationId: string;
  title: string;
  lastEventAt: string;
}

export interface SearchHit {
  conversationId: string;
  messageId: string;
  role: string;
  content: string;
}

export interface Presence {
  count: number;
  /** connectionId → userId of the members the server listed. */
  members: Map<string, string>;
}

export interface Typist {
  userId: string;
  until: number;
}

const TYPING_SHOW_MS = 5_000;

export class ChatStore {
  readonly link: ChatLink;
  readonly config: WebConfig;
  readonly session: Session;
  status: LinkStatus;
  list: Summary[] = [];
  conversations = new Map<string, Conversation>();
  current: string | undefined;
  choice: BranchChoice = new Map();
  presence = new Map<string, Presence>();
  typing = new Map<string, Map<string, Typist>>();
  connectionId: string | undefined;
  model: string;
  hits: SearchHit[] | undefined;
  searchQuery = "";
  notice: string | undefined;
  /** The message to scroll to and highlight (a search hit). */
  focusMessage: string | undefined;
  #listeners = new Set<() => void>();
  #listTimer: ReturnType<typeof setTimeout> | undefined;
  #typingSent = 0;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(config: WebConfig, session: Session) {
    this.config = config;
    this.session = session;
    this.model = config.defaultModel;
    const endpoints = config.endpoints.length > 0 ? config.endpoints : [location.origin];
    this.status = {
      state: "offline",
      transport: "websocket",
      endpoint: endpoints[0] ?? "",
      replica: undefined,
      attempt: 0,
      retryInMs: undefined,
    };
    this.link = new ChatLink({
      endpoints,
      token: () => session.token(),
      onFrame: (f) => {
        this.#onFrame(f);
      },
      onStatus: (s) => {
        const cameOnline = s.state === "online" && this.status.state !== "online";
        this.status = s;
        if (cameOnline) void this.refreshList();
        this.#changed();
      },
      resumePoints: () => {
        const id = this.current;
        return new Map(id === undefined ? [] : [[id, this.conversations.get(id)?.lastSeq ?? 0]]);
      },
    });
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #changed(): void {
    for (const fn of this.#listeners) fn();
  }

  start(): void {
    this.link.start();
    const m = /^#\/c\/([0-9a-f-]{36})/.exec(location.hash);
    if (m?.[1] !== undefined) this.open(m[1]);
  }

  get currentConversation(): Conversation | undefined {
    return this.current === undefined ? undefined : this.conversations.get(this.current);
  }

  get path(): Message[] {
    const c = this.currentConversation;
    return c === undefined ? [] : visiblePath(c, this.choice);
  }

  /** GET on the fleet (the endpoint the link uses) with the user's token. */
  async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.link.endpoint}${path}`, {
      headers: { authorization: `Bearer ${await this.session.token()}` },
    });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  async refreshList(): Promise<void> {
    try {
      const r = await this.api<{ conversations: Summary[] }>("/v1/conversations?limit=100");
      this.list = r.conversations;
      this.#changed();
    } catch {
      // The list is refreshed again on the next event or reconnect.
    }
  }

  #refreshListSoon(): void {
    clearTimeout(this.#listTimer);
    this.#listTimer = setTimeout(() => void this.refreshList(), 300);
  }

  open(id: string | undefined, focusMessage?: string): void {
    if (this.current !== undefined && this.current !== id) this.link.unsubscribe(this.current);
    this.current = id;
    this.choice = new Map();
    this.focusMessage = focusMessage;
    history.replaceState(null, "", id === undefined ? location.pathname : `#/c/${id}`);
    if (id !== undefined) {
      if (!this.conversations.has(id)) this.conversations.set(id, emptyConversation(id));
      this.link.subscribe(id, this.conversations.get(id)?.lastSeq ?? 0);
    }
    this.#changed();
  }

  #onFrame(f: ServerFrame): void {
    switch (f.type) {
      case "welcome":
        this.connectionId = typeof f["connectionId"] === "string" ? f["connectionId"] : undefined;
        break;
      case "event":
        this.#onEvent(f);
        break;
      case "delta":
        this.#update(str(f["conversationId"]), (c) =>
          applyDelta(c, str(f["messageId"]), num(f["index"]), str(f["text"])),
        );
        break;
      case "presence":
        this.#onPresence(f);
        break;
      case "typing":
        this.#onTyping(f);
        break;
      case "error":
        if (f["ref"] === undefined) this.notice = str(f["message"]) || str(f["code"]);
        break;
      default:
        return;
    }
    this.#changed();
  }

  #update(id: string, fn: (c: Conversation) => Conversation): void {
    const c = this.conversations.get(id);
    if (c !== undefined) this.conversations.set(id, fn(c));
  }

  #onEvent(f: ServerFrame): void {
    const id = str(f["conversationId"]);
    const before = this.conversations.get(id) ?? emptyConversation(id);
    const after = applyEvent(before, num(f["seq"]), f["event"] as StoredEvent);
    this.conversations.set(id, after);
    if (after !== before) {
      if (!this.list.some((s) => s.conversationId === id) || after.title !== before.title)
        this.#refreshListSoon();
      const e = f["event"] as StoredEvent;
      // A new branch of ours (edit, regenerate) is shown at once.
      if (
        e.type === "message.edited" ||
        (e.type === "reply.started" && e.data["regenerateOf"] !== null)
      ) {
        this.choice = choiceShowing(after, this.choice, str(e.data["messageId"]));
      }
      // A search hit opens the branch that holds it once its event has arrived.
      if (
        id === this.current &&
        this.focusMessage !== undefined &&
        after.messages.has(this.focusMessage)
      ) {
        this.choice = choiceShowing(after, this.choice, this.focusMessage);
      }
      this.link.notify({ type: "ack", conversationId: id, seq: after.lastSeq });
    }
  }

  #onPresence(f: ServerFrame): void {
    const id = str(f["conversationId"]);
    const p = this.presence.get(id) ?? { count: 0, members: new Map<string, string>() };
    const list = (k: string): { userId: string; connectionId: string }[] =>
      Array.isArray(f[k]) ? (f[k] as { userId: string; connectionId: string }[]) : [];
    if (Array.isArray(f["members"]))
      p.members = new Map(list("members").map((m) => [m.connectionId, m.userId]));
    for (const m of list("joined")) p.members.set(m.connectionId, m.userId);
    for (const m of list("left")) p.members.delete(m.connectionId);
    p.count = num(f["count"]);
    this.presence.set(id, p);
  }

  #onTyping(f: ServerFrame): void {
    const id = str(f["conversationId"]);
    const conn = str(f["connectionId"]);
    if (conn === this.connectionId) return;
    const m = this.typing.get(id) ?? new Map<string, Typist>();
    if (f["typing"] === true)
      m.set(conn, { userId: str(f["userId"]), until: Date.now() + TYPING_SHOW_MS });
    else m.delete(conn);
    this.typing.set(id, m);
    setTimeout(() => {
      this.#changed();
    }, TYPING_SHOW_MS + 50);
  }

  /** Others typing in the open conversation right now. */
  get typists(): Typist[] {
    const m = this.current === undefined ? undefined : this.typing.get(this.current);
    const now = Date.now();
    return m === undefined ? [] : [...m.values()].filter((t) => t.until > now);
  }

  async #request(frame: ClientFrame): Promise<ServerFrame | undefined> {
    try {
      this.notice = undefined;
      return await this.link.request(frame);
    } catch (err) {
      this.notice = err instanceof LinkError ? `${err.message} (${err.code})` : String(err);
      this.#changed();
      return undefined;
    }
  }

  async send(content: string): Promise<boolean> {
    const conv = this.currentConversation;
    const last = this.path.at(-1);
    const frame: ClientFrame = {
      type: "send",
      content,
      messageId: crypto.randomUUID(),
      model: this.model,
    };
    if (conv !== undefined) {
      frame["conversationId"] = conv.id;
      frame["parentId"] = last?.id ?? null;
    } else {
      frame["title"] = content.slice(0, 80);
    }
    this.setTyping(false);
    const answer = await this.#request(frame);
    if (answer === undefined) return false;
    if (conv === undefined) this.open(str(answer["conversationId"]));
    return true;
  }

  /** Commands that carry expectedVersion retry once after a conflict, from the caught-up version. */
  async #versioned(make: (version: number) => ClientFrame): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const conv = this.currentConversation;
      if (conv === undefined) return false;
      try {
        this.notice = undefined;
        await this.link.request(make(conv.lastSeq));
        return true;
      } catch (err) {
        if (!(
          err instanceof LinkError &&
          err.code === "CG_ERR_VERSION_CONFLICT" &&
          attempt === 0
        )) {
          this.notice = err instanceof Error ? err.message : String(err);
          this.#changed();
          return false;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    return false;
  }

  edit(messageId: string, content: string): Promise<boolean> {
    const id = this.current ?? "";
    return this.#versioned((v) => ({
      type: "edit",
      conversationId: id,
      messageId,
      content,
      expectedVersion: v,
      newMessageId: crypto.randomUUID(),
      model: this.model,
    }));
  }

  /** Regenerates an assistant reply (also the retry of an incomplete one). */
  regenerate(messageId: string): Promise<boolean> {
    const id = this.current ?? "";
    return this.#versioned((v) => ({
      type: "regenerate",
      conversationId: id,
      messageId,
      expectedVersion: v,
      model: this.model,
    }));
  }

  step(m: Message, delta: number): void {
    const c = this.currentConversation;
    if (c === undefined) return;
    this.choice = stepSibling(c, this.choice, m, delta);
    this.#changed();
  }

  /** Typing indicator: at most one `typing: true` per 2 s, `false` after 3 s without input. */
  setTyping(typing: boolean): void {
    const id = this.current;
    if (id === undefined) return;
    clearTimeout(this.#typingTimer);
    if (!typing) {
      if (this.#typingSent > 0)
        this.link.notify({ type: "typing", conversationId: id, typing: false });
      this.#typingSent = 0;
      return;
    }
    if (Date.now() - this.#typingSent > 2_000) {
      this.link.notify({ type: "typing", conversationId: id, typing: true });
      this.#typingSent = Date.now();
    }
    this.#typingTimer = setTimeout(() => {
      this.setTyping(false);
    }, 3_000);
  }

  async search(q: string): Promise<void> {
    this.searchQuery = q;
    if (q.trim() === "") {
      this.hits = undefined;
      this.#changed();
      return;
    }
    try {
      const r = await this.api<{ hits: SearchHit[] }>(
        `/v1/search?q=${encodeURIComponent(q)}&limit=20`,
      );
      this.hits = r.hits;
    } catch (err) {
      this.notice = `Search failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.#changed();
  }

  setModel(m: string): void {
    this.model = m;
    this.#changed();
  }

  dismissNotice(): void {
    this.notice = undefined;
    this.#changed();
  }
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}
