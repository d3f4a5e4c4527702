/**
 * Cross-replica fan-out of conversation events and ephemeral frames through Redis pub/sub, with
 * ordering, gap filling and a PostgreSQL head poll that keeps delivery going when Redis is down.
 */
import type { Redis } from "ioredis";
import type { RecordedEvent } from "../domain/events.ts";
import type { Scope } from "../store/db.ts";
import { SharedFrame, type Connection } from "../session/connection.ts";
import { PROTOCOL_VERSION } from "../protocol/frames.ts";

/** Loads events of a stream after a version (scoped; RLS applies). */
export type LoadEvents = (
  scope: Scope,
  streamId: string,
  after: number,
  limit: number,
) => Promise<RecordedEvent[]>;
/** Current versions of streams (cross-tenant, versions only). */
export type LoadHeads = (streamIds: string[]) => Promise<Map<string, number>>;

export interface HubMetrics {
  delivered(n: number): void;
  latency(seconds: number): void;
  replayed(n: number): void;
  gapFilled(n: number): void;
}

interface Subscriber {
  conn: Connection;
  cursor: number;
  live: boolean;
}

interface Feed {
  streamId: string;
  scope: Scope;
  head: number;
  ready: boolean;
  init: Promise<void>;
  subs: Set<Subscriber>;
  /** Out-of-order live events waiting for the gap before them: seq -> frame. */
  pending: Map<number, string>;
  gapTimer: NodeJS.Timeout | null;
  filling: boolean;
  /** The Redis channel is subscribed (false while Redis is unavailable: the poll retries). */
  channel: boolean;
}

const CHANNEL_PREFIX = "cg:c:";
const REPLAY_BATCH = 500;
const MAX_PENDING = 10_000;

/** Serialises a recorded event as a protocol `event` frame. */
export function eventFrame(r: RecordedEvent): string {
  return JSON.stringify({
    v: PROTOCOL_VERSION,
    type: "event",
    conversationId: r.streamId,
    seq: r.version,
    event: { type: r.event.type, data: r.event.data, actor: r.actor, at: r.createdAt },
  });
}

/**
 * Cross-replica fan-out. One Redis channel per conversation (`cg:c:<id>`), subscribed while
 * this replica has a subscriber for it. Stored events travel as `e|<seq>|<publishedMs>|<frame>`,
 * ephemeral frames (deltas, typing, presence) as `x|<frame>`.
 *
 * Ordering and exactly-once per subscriber: the feed keeps `head`, the highest contiguous seq
 * it has seen; later seqs wait in `pending` and a gap is filled from PostgreSQL. A subscriber
 * first replays from PostgreSQL up to the head, then turns live in the same tick it catches up,
 * and only ever receives seq = cursor + 1.
 *
 * Redis unavailable: a feed still starts (its head comes from PostgreSQL), publishing failures
 * are the caller's to log, and the head poll (every headPollMs) delivers committed events from
 * PostgreSQL, so live delivery degrades to the poll period instead of stopping. Ephemeral frames
 * (deltas, typing, presence) are lost while Redis is down. Channels that could not be subscribed
 * are retried by the poll; ioredis resubscribes the others after a reconnect.
 */
export class FanoutHub {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #load: LoadEvents;
  readonly #heads: LoadHeads;
  readonly #metrics: HubMetrics;
  readonly #feeds = new Map<string, Feed>();
  readonly #byConn = new Map<string, Map<string, Subscriber>>();
  readonly #pollTimer: NodeJS.Timeout;
  readonly #onError: (err: unknown, msg: string) => void;

  constructor(deps: {
    pub: Redis;
    sub: Redis;
    load: LoadEvents;
    heads: LoadHeads;
    metrics: HubMetrics;
    headPollMs: number;
    onError: (err: unknown, msg: string) => void;
  }) {
    this.#pub = deps.pub;
    this.#sub = deps.sub;
    this.#load = deps.load;
    this.#heads = deps.heads;
    this.#metrics = deps.metrics;
    this.#onError = deps.onError;
    this.#sub.on("messageBuffer", (channel: Buffer, message: Buffer) => {
      this.#onMessage(channel.toString(), message.toString());
    });
    this.#pollTimer = setInterval(() => {
      this.#pollHeads().catch((err: unknown) => {
        this.#onError(err, "Failed to poll stream heads");
      });
    }, deps.headPollMs);
    this.#pollTimer.unref();
  }

  /** Number of conversations with a local subscriber. */
  get feedCount(): number {
    return this.#feeds.size;
  }

  /** Conversations a connection is subscribed to. */
  subscriptionsOf(connId: string): string[] {
    return [...(this.#byConn.get(connId)?.keys() ?? [])];
  }

  /** Whether a connection is subscribed to a conversation. */
  isSubscribed(connId: string, streamId: string): boolean {
    return this.#byConn.get(connId)?.has(streamId) === true;
  }

  /** Number of conversations a connection is subscribed to. */
  subscriptionCount(connId: string): number {
    return this.#byConn.get(connId)?.size ?? 0;
  }

  /** Publishes committed events (call after COMMIT). */
  async publishEvents(recorded: readonly RecordedEvent[]): Promise<void> {
    if (recorded.length === 0) return;
    const now = Date.now();
    const pipe = this.#pub.pipeline();
    for (const r of recorded)
      pipe.publish(CHANNEL_PREFIX + r.streamId, `e|${r.version}|${now}|${eventFrame(r)}`);
    await pipe.exec();
  }

  /** Publishes an ephemeral frame (not stored, no seq) to every subscriber of a conversation. */
  async publishEphemeral(streamId: string, frame: string): Promise<void> {
    await this.#pub.publish(CHANNEL_PREFIX + streamId, `x|${frame}`);
  }

  /**
   * Subscribes a connection to a conversation and replays every event with seq > after, then
   * switches it to live delivery. Resolves with the head at the moment it went live.
   */
  async subscribe(conn: Connection, streamId: string, after: number): Promise<number> {
    const feed = this.#feedFor(streamId, conn.scope);
    const existing = this.#byConn.get(conn.id)?.get(streamId);
    if (existing !== undefined) {
      feed.subs.delete(existing);
    }
    const sub: Subscriber = { conn, cursor: after, live: false };
    feed.subs.add(sub);
    let perConn = this.#byConn.get(conn.id);
    if (perConn === undefined) {
      perConn = new Map();
      this.#byConn.set(conn.id, perConn);
    }
    perConn.set(streamId, sub);
    try {
      await feed.init;
      return await this.#replay(feed, sub);
    } catch (err) {
      this.unsubscribe(conn.id, streamId);
      throw err;
    }
  }

  async #replay(feed: Feed, sub: Subscriber): Promise<number> {
    for (;;) {
      if (sub.conn.closed || !feed.subs.has(sub)) return sub.cursor;
      if (sub.cursor >= feed.head) {
        sub.live = true; // same tick as the check: no live event can slip between
        return sub.cursor;
      }
      const limit = Math.min(REPLAY_BATCH, feed.head - sub.cursor);
      const batch = await this.#load(feed.scope, feed.streamId, sub.cursor, limit);
      if (batch.length === 0) {
        sub.live = true;
        return sub.cursor;
      }
      let n = 0;
      for (const r of batch) {
        if (r.version !== sub.cursor + 1) continue;
        if (!sub.conn.send(eventFrame(r))) return sub.cursor;
        sub.cursor = r.version;
        n++;
      }
      this.#metrics.replayed(n);
      await sub.conn.drained();
    }
  }

  /** Removes one subscription; the feed and its channel go when the last subscriber leaves. */
  unsubscribe(connId: string, streamId: string): void {
    const perConn = this.#byConn.get(connId);
    const sub = perConn?.get(streamId);
    if (perConn === undefined || sub === undefined) return;
    perConn.delete(streamId);
    if (perConn.size === 0) this.#byConn.delete(connId);
    const feed = this.#feeds.get(streamId);
    if (feed === undefined) return;
    feed.subs.delete(sub);
    if (feed.subs.size === 0) this.#dropFeed(feed);
  }

  /** Removes every subscription of a connection (on close). */
  removeConnection(connId: string): void {
    for (const streamId of this.subscriptionsOf(connId)) this.unsubscribe(connId, streamId);
  }

  #feedFor(streamId: string, scope: Scope): Feed {
    const found = this.#feeds.get(streamId);
    if (found !== undefined) return found;
    const feed: Feed = {
      streamId,
      scope,
      head: 0,
      ready: false,
      init: Promise.resolve(),
      subs: new Set(),
      pending: new Map(),
      gapTimer: null,
      filling: false,
      channel: false,
    };
    feed.init = this.#initFeed(feed);
    this.#feeds.set(streamId, feed);
    return feed;
  }

  async #initFeed(feed: Feed): Promise<void> {
    try {
      await this.#subscribeChannel(feed);
      const heads = await this.#heads([feed.streamId]);
      feed.head = Math.max(feed.head, heads.get(feed.streamId) ?? 0);
      feed.ready = true;
      this.#drainPending(feed);
    } catch (err) {
      if (this.#feeds.get(feed.streamId) === feed) this.#feeds.delete(feed.streamId);
      throw err;
    }
  }

  async #subscribeChannel(feed: Feed): Promise<void> {
    try {
      await this.#sub.subscribe(CHANNEL_PREFIX + feed.streamId);
      feed.channel = true;
    } catch (err) {
      this.#onError(
        err,
        "Failed to subscribe a conversation channel; polling PostgreSQL until Redis is back",
      );
    }
  }

  #dropFeed(feed: Feed): void {
    if (this.#feeds.get(feed.streamId) !== feed) return;
    this.#feeds.delete(feed.streamId);
    if (feed.gapTimer !== null) clearTimeout(feed.gapTimer);
    const channel = CHANNEL_PREFIX + feed.streamId;
    feed.init
      .then(async () => {
        if (!this.#feeds.has(feed.streamId)) await this.#sub.unsubscribe(channel);
      })
      .catch(() => undefined);
  }

  #onMessage(channel: string, message: string): void {
    if (!channel.startsWith(CHANNEL_PREFIX)) return;
    const feed = this.#feeds.get(channel.slice(CHANNEL_PREFIX.length));
    if (feed === undefined) return;
    if (message.startsWith("x|")) {
      const frame = new SharedFrame(message.slice(2)); // encoded once per transport, not per socket
      let n = 0;
      for (const s of feed.subs) if (s.live && s.conn.send(frame)) n++;
      this.#metrics.delivered(n);
      return;
    }
    if (!message.startsWith("e|")) return;
    const p1 = message.indexOf("|", 2);
    const p2 = message.indexOf("|", p1 + 1);
    const seq = Number(message.slice(2, p1));
    const sentMs = Number(message.slice(p1 + 1, p2));
    const frame = message.slice(p2 + 1);
    if (!feed.ready) {
      if (feed.pending.size < MAX_PENDING) feed.pending.set(seq, frame);
      return;
    }
    if (seq <= feed.head) return;
    if (seq === feed.head + 1) {
      this.#deliver(feed, seq, frame, sentMs);
      this.#drainPending(feed);
      return;
    }
    if (feed.pending.size < MAX_PENDING) feed.pending.set(seq, frame);
    this.#scheduleGapFill(feed);
  }

  #deliver(feed: Feed, seq: number, text: string, sentMs: number): void {
    feed.head = seq;
    const frame = new SharedFrame(text); // encoded once per transport, not per socket
    let n = 0;
    for (const s of feed.subs) {
      if (!s.live || s.cursor !== seq - 1) continue;
      if (s.conn.send(frame)) {
        s.cursor = seq;
        n++;
      }
    }
    this.#metrics.delivered(n);
    if (sentMs > 0) this.#metrics.latency((Date.now() - sentMs) / 1000);
  }

  #drainPending(feed: Feed): void {
    for (const seq of [...feed.pending.keys()]) if (seq <= feed.head) feed.pending.delete(seq);
    for (;;) {
      const next = feed.pending.get(feed.head + 1);
      if (next === undefined) break;
      feed.pending.delete(feed.head + 1);
      this.#deliver(feed, feed.head + 1, next, 0);
    }
    if (feed.pending.size > 0) this.#scheduleGapFill(feed);
  }

  #scheduleGapFill(feed: Feed): void {
    if (feed.gapTimer !== null) return;
    feed.gapTimer = setTimeout(() => {
      feed.gapTimer = null;
      this.#fillGap(feed, Infinity).catch((err: unknown) => {
        this.#onError(err, "Failed to fill a gap from PostgreSQL");
      });
    }, 50);
    feed.gapTimer.unref();
  }

  /** Loads missing events after the feed head from PostgreSQL and delivers them in order. */
  async #fillGap(feed: Feed, upTo: number): Promise<void> {
    if (feed.filling || !this.#feeds.has(feed.streamId)) return;
    feed.filling = true;
    try {
      for (;;) {
        const batch = await this.#load(feed.scope, feed.streamId, feed.head, REPLAY_BATCH);
        let n = 0;
        for (const r of batch) {
          if (r.version !== feed.head + 1) continue;
          feed.pending.delete(r.version);
          this.#deliver(feed, r.version, eventFrame(r), 0);
          n++;
        }
        this.#metrics.gapFilled(n);
        if (batch.length < REPLAY_BATCH || feed.head >= upTo) break;
      }
      this.#drainPending(feed);
    } finally {
      feed.filling = false;
    }
  }

  async #pollHeads(): Promise<void> {
    const ready = [...this.#feeds.values()].filter((f) => f.ready && f.subs.size > 0);
    if (ready.length === 0) return;
    await Promise.all(ready.filter((f) => !f.channel).map((f) => this.#subscribeChannel(f)));
    const heads = await this.#heads(ready.map((f) => f.streamId));
    for (const f of ready) {
      const h = heads.get(f.streamId) ?? 0;
      if (h > f.head) await this.#fillGap(f, h);
    }
  }

  /** Stops timers (the Redis clients are closed by their plugin). */
  close(): void {
    clearInterval(this.#pollTimer);
    for (const f of this.#feeds.values()) if (f.gapTimer !== null) clearTimeout(f.gapTimer);
    this.#feeds.clear();
    this.#byConn.clear();
  }
}
