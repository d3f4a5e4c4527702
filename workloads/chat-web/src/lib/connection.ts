// The page's link to the chat fleet, speaking chat.v1. WebSocket first; when WebSockets are
// blocked (the socket never opens but HTTP works), the same frames over SSE (GET /v1/stream, one
// per conversation) and POST /v1/frames. Reconnects with jittered backoff across the fleet's
// endpoints, follows `reconnect` frames from draining replicas at once, reconnects with a current
// token when the gateway closes a socket whose token expired, and resubscribes every conversation
// from its last seq, so the view receives each missed event exactly once.
import { reconnectDelayMs } from "./backoff.ts";
import type { FetchLike } from "./oidc.ts";
import { SseParser } from "./sse.ts";

export type ServerFrame = Record<string, unknown> & { type: string };
export type ClientFrame = Record<string, unknown> & { type: string };

export type LinkState = "connecting" | "online" | "reconnecting" | "offline";
export type Transport = "websocket" | "sse";

export interface LinkStatus {
  state: LinkState;
  transport: Transport;
  endpoint: string;
  replica: string | undefined;
  attempt: number;
  /** When reconnecting: ms until the next try. */
  retryInMs: number | undefined;
}

/** The part of the DOM WebSocket this class uses (so tests and other runtimes can supply one). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LinkOptions {
  /** http(s) base URLs of the fleet; the first is tried first, the next after a failure. */
  endpoints: readonly string[];
  /** A current access token (the caller refreshes it). */
  token: () => Promise<string>;
  onFrame: (f: ServerFrame) => void;
  onStatus: (s: LinkStatus) => void;
  /** Conversations to (re)subscribe and the last seq the view has of each. */
  resumePoints: () => ReadonlyMap<string, number>;
  socket?: (url: string, protocols: string[]) => SocketLike;
  fetchFn?: FetchLike;
  random?: () => number;
  /** Failed WebSocket opens in a row (with HTTP reachable) before falling back to SSE. */
  wsFailuresBeforeFallback?: number;
}

interface Pending {
  frame: ClientFrame;
  resolve: (f: ServerFrame) => void;
  reject: (e: Error) => void;
}

export class LinkError extends Error {
  override name = "LinkError";
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, retryable: boolean) {
    super(message);
    this.code = code;
    this.retryable = retryable;
  }
}

const OPEN = 1;

/**
 * An unsolicited error the link answers by itself, so the page need not show it: the gateway says
 * the token the socket was opened with expired and closes it; the link reconnects with a current
 * token (the session refreshes it before expiry). A session that cannot be refreshed is reported
 * by the session itself.
 */
function handledHere(f: ServerFrame): boolean {
  return f.type === "error" && f["ref"] === undefined && f["code"] === "CG_ERR_TOKEN_EXPIRED";
}

export class ChatLink {
  readonly #o: LinkOptions;
  readonly #fetch: FetchLike;
  readonly #random: () => number;
  #endpointIdx = 0;
  #transport: Transport = "websocket";
  #state: LinkState = "offline";
  #attempt = 0;
  #replica: string | undefined;
  #ws: SocketLike | undefined;
  #wsOpened = false;
  #wsFailures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = true;
  #nextRef = 1;
  readonly #pending = new Map<string, Pending>();
  readonly #streams = new Map<string, AbortController>();

  constructor(o: LinkOptions) {
    this.#o = o;
    this.#fetch = o.fetchFn ?? ((url, init) => fetch(url, init));
    this.#random = o.random ?? Math.random;
  }

  get endpoint(): string {
    return this.#o.endpoints[this.#endpointIdx % this.#o.endpoints.length] ?? "";
  }

  get transport(): Transport {
    return this.#transport;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect("connecting");
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#ws?.close(1000, "bye");
    this.#ws = undefined;
    for (const c of this.#streams.values()) c.abort();
    this.#streams.clear();
    this.#failPending("CG_ERR_CLOSED", "the page closed the connection", false);
    this.#setState("offline");
  }

  /** Starts or resumes delivery of a conversation's events after `after`. */
  subscribe(conversationId: string, after: number): void {
    if (this.#state !== "online") return; // resubscribed from resumePoints() once online
    if (this.#transport === "websocket")
      this.#wsSend({ v: 1, type: "subscribe", conversationId, after });
    else this.#openStream(conversationId, after);
  }

  unsubscribe(conversationId: string): void {
    this.#streams.get(conversationId)?.abort();
    this.#streams.delete(conversationId);
    if (this.#transport === "websocket" && this.#state === "online")
      this.#wsSend({ v: 1, type: "unsubscribe", conversationId });
  }

  /** Fire-and-forget frames (typing, ack): dropped while offline. */
  notify(frame: ClientFrame): void {
    if (this.#state !== "online") return;
    if (this.#transport === "websocket") this.#wsSend({ v: 1, ...frame });
    else void this.#post({ v: 1, ...frame }).catch(() => undefined);
  }

  /**
   * Sends a frame that gets an answer (`accepted`, `pong`, or an `error` with `ref`). While the
   * link is down the frame waits; a `send` in flight when the link drops is sent again after the
   * reconnect (its messageId makes that idempotent), anything else is rejected as retryable.
   */
  request(frame: ClientFrame): Promise<ServerFrame> {
    const ref = `r${this.#nextRef++}`;
    const full: ClientFrame = { v: 1, ...frame, id: ref };
    return new Promise((resolve, reject) => {
      this.#pending.set(ref, { frame: full, resolve, reject });
      if (this.#state === "online") this.#dispatch(ref, full);
    });
  }

  #dispatch(ref: string, frame: ClientFrame): void {
    if (this.#transport === "websocket") {
      this.#wsSend(frame);
      return;
    }
    this.#post(frame).then(
      (answer) => {
        this.#settle(ref, answer ?? { type: "accepted", ref });
      },
      (err: unknown) => {
        if (err instanceof LinkError && !err.retryable)
          this.#settle(ref, {
            type: "error",
            ref,
            code: err.code,
            message: err.message,
            retryable: false,
          });
        // Retryable: stays pending and is sent again once the link is back.
        else this.#lost();
      },
    );
  }

  #settle(ref: string, answer: ServerFrame): void {
    const p = this.#pending.get(ref);
    if (p === undefined) return;
    this.#pending.delete(ref);
    if (answer.type === "error") {
      const code = typeof answer["code"] === "string" ? answer["code"] : "CG_ERR_UNKNOWN";
      const msg = typeof answer["message"] === "string" ? answer["message"] : code;
      p.reject(new LinkError(code, msg, answer["retryable"] === true));
    } else {
      p.resolve(answer);
    }
  }

  #failPending(code: string, message: string, keepSends: boolean): void {
    for (const [ref, p] of this.#pending) {
      if (keepSends && p.frame.type === "send") continue;
      this.#pending.delete(ref);
      p.reject(new LinkError(code, message, true));
    }
  }

  #setState(state: LinkState, retryInMs?: number): void {
    this.#state = state;
    this.#o.onStatus({
      state,
      transport: this.#transport,
      endpoint: this.endpoint,
      replica: this.#replica,
      attempt: this.#attempt,
      retryInMs,
    });
  }

  #connect(state: LinkState): void {
    if (this.#stopped) return;
    this.#setState(state);
    if (this.#transport === "websocket") void this.#openSocket();
    else void this.#openSse();
  }

  async #openSocket(): Promise<void> {
    // The token never goes into a URL: it buys a single-use ticket (POST /v1/tickets, bearer in the
    // header), and the ticket opens this one WebSocket.
    let ticket: string;
    try {
      ticket = await this.#ticket();
    } catch {
      this.#retryLater();
      return;
    }
    if (this.#stopped) return;
    const url = `${this.endpoint.replace(/^http/, "ws")}/v1/ws?ticket=${encodeURIComponent(ticket)}`;
    const make =
      this.#o.socket ?? ((u: string, p: string[]) => new WebSocket(u, p) as unknown as SocketLike);
    let ws: SocketLike;
    try {
      ws = make(url, ["chat.v1"]);
    } catch {
      void this.#wsFailed();
      return;
    }
    this.#ws = ws;
    this.#wsOpened = false;
    // Established means the server's welcome arrived: a proxy that accepts the upgrade and then
    // drops it counts as a failed open (it may be what blocks WebSockets).
    ws.onopen = () => undefined;
    ws.onmessage = (ev) => {
      if (typeof ev.data === "string") this.#onText(ev.data);
    };
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      if (this.#wsOpened) this.#lost();
      else void this.#wsFailed();
    };
    ws.onerror = () => undefined; // onclose follows
  }

  #onText(text: string): void {
    let f: ServerFrame;
    try {
      f = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    if (typeof f.type !== "string") return;
    this.#handle(f);
  }

  #handle(f: ServerFrame): void {
    if (handledHere(f)) return;
    switch (f.type) {
      case "welcome":
        this.#wsOpened = true;
        this.#wsFailures = 0;
        this.#replica = typeof f["replica"] === "string" ? f["replica"] : undefined;
        if (this.#state !== "online") this.#online();
        break;
      case "reconnect":
        // The replica drains: move to the next endpoint now, without backoff.
        this.#endpointIdx++;
        this.#attempt = 0;
        break;
      default:
        break;
    }
    const ref = f["ref"];
    if (
      typeof ref === "string" &&
      this.#pending.has(ref) &&
      f.type !== "subscribed" &&
      f.type !== "unsubscribed"
    )
      this.#settle(ref, f);
    this.#o.onFrame(f);
  }

  #online(): void {
    this.#attempt = 0;
    this.#setState("online");
    for (const [conversationId, after] of this.#o.resumePoints())
      this.subscribe(conversationId, after);
    for (const [ref, p] of this.#pending) this.#dispatch(ref, p.frame);
  }

  /** An established link dropped: keep sends for the resend, reconnect with backoff. */
  #lost(): void {
    if (this.#stopped || this.#state === "reconnecting") return;
    this.#failPending("CG_ERR_DISCONNECTED", "the connection dropped; try again", true);
    for (const c of this.#streams.values()) c.abort();
    this.#streams.clear();
    this.#ws?.close();
    this.#ws = undefined;
    this.#retryLater();
  }

  async #wsFailed(): Promise<void> {
    this.#wsFailures++;
    const limit = this.#o.wsFailuresBeforeFallback ?? 2;
    if (this.#wsFailures >= limit && (await this.#httpReachable())) {
      // HTTP works where WebSockets do not: a proxy or firewall blocks them. Use SSE + POST.
      this.#transport = "sse";
      this.#connect("connecting");
      return;
    }
    this.#retryLater();
  }

  async #httpReachable(): Promise<boolean> {
    try {
      const res = await this.#fetch(`${this.endpoint}/healthz`, { cache: "no-store" });
      return res.ok;
    } catch {
      return false;
    }
  }

  #retryLater(): void {
    if (this.#stopped) return;
    this.#attempt++;
    if (this.#attempt > 1) this.#endpointIdx++;
    const delay = reconnectDelayMs(this.#attempt, this.#random);
    this.#setState("reconnecting", delay);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#connect("reconnecting");
    }, delay);
  }

  #wsSend(frame: ClientFrame): void {
    if (this.#ws?.readyState === OPEN) this.#ws.send(JSON.stringify(frame));
  }

  // ------------------------------------------------------------------ SSE + POST fallback

  async #openSse(): Promise<void> {
    if (!(await this.#httpReachable())) {
      this.#retryLater();
      return;
    }
    this.#replica = undefined;
    this.#online();
  }

  #openStream(conversationId: string, after: number): void {
    this.#streams.get(conversationId)?.abort();
    const ctl = new AbortController();
    this.#streams.set(conversationId, ctl);
    void this.#readStream(conversationId, after, ctl).catch(() => {
      if (!ctl.signal.aborted) this.#lost();
    });
  }

  async #readStream(conversationId: string, after: number, ctl: AbortController): Promise<void> {
    const token = await this.#o.token();
    const q = new URLSearchParams({ conversationId, after: String(after) });
    const res = await this.#fetch(`${this.endpoint}/v1/stream?${q.toString()}`, {
      headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
      signal: ctl.signal,
    });
    if (!res.ok || res.body === null)
      throw new LinkError("CG_ERR_STREAM", `stream refused: HTTP ${res.status}`, true);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const e of parser.push(value)) this.#onText(e.data);
    }
    if (!ctl.signal.aborted) throw new LinkError("CG_ERR_STREAM", "stream ended", true);
  }

  /** A fresh connection ticket from this endpoint (throws when the token or the endpoint fails). */
  async #ticket(): Promise<string> {
    const token = await this.#o.token();
    const res = await this.#fetch(`${this.endpoint}/v1/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) throw new LinkError("CG_ERR_TICKET", `ticket refused: HTTP ${res.status}`, true);
    const body = (await res.json()) as { ticket?: unknown };
    if (typeof body.ticket !== "string")
      throw new LinkError("CG_ERR_TICKET", "no ticket in the answer", true);
    return body.ticket;
  }

  async #post(frame: ClientFrame): Promise<ServerFrame | undefined> {
    const token = await this.#o.token();
    let res: Response;
    try {
      res = await this.#fetch(`${this.endpoint}/v1/frames`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(frame),
      });
    } catch {
      throw new LinkError("CG_ERR_DISCONNECTED", "the connection dropped; try again", true);
    }
    if (res.status === 204) return undefined;
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok)
      return { ...body, type: typeof body["type"] === "string" ? body["type"] : "accepted" };
    const code = typeof body["code"] === "string" ? body["code"] : `HTTP_${res.status}`;
    throw new LinkError(
      code,
      typeof body["message"] === "string" ? body["message"] : code,
      res.status >= 500,
    );
  }
}
