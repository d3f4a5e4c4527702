/**
 * Presence per conversation in Redis (who is connected), batched and coalesced so a reconnect
 * storm costs few Redis round trips and few frames.
 */
import type { Redis, Result } from "ioredis";
import { PROTOCOL_VERSION } from "../protocol/frames.ts";
import { SharedFrame } from "../session/connection.ts";

const KEY_PREFIX = "cg:p:";
const SNAPSHOT_LIMIT = 20;
/** Members listed per coalesced change frame (the count is always exact). */
const CHANGE_LIMIT = 20;

/**
 * A batch of joins as one command (atomic, like MULTI): drop expired members, add the batch,
 * extend the key's expiry, and reply `[count, ...first SNAPSHOT_LIMIT members]`. One command
 * instead of a seven-command MULTI keeps the client's per-batch work (command objects,
 * promises, one reply per command) small during a connection storm.
 *   KEYS[1] the set   ARGV: now, member expiry, key ttl ms, snapshot limit, members...
 */
const JOIN_SCRIPT = `
local key, now = KEYS[1], ARGV[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
for i = 5, #ARGV do redis.call('ZADD', key, ARGV[2], ARGV[i]) end
redis.call('PEXPIRE', key, ARGV[3])
local out = redis.call('ZRANGEBYSCORE', key, now, '+inf', 'LIMIT', 0, ARGV[4])
table.insert(out, 1, redis.call('ZCARD', key))
return out`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    /** {@link JOIN_SCRIPT}, defined by Presence (EVALSHA, EVAL when the script is not loaded). */
    cgPresenceJoin(key: string, ...args: (string | number)[]): Result<(string | number)[], Context>;
  }
}

/** Members of one conversation waiting for the next Redis round trip, and its outcome. */
interface Batch<T> extends PromiseWithResolvers<T> {
  members: PresenceMember[];
}

export interface PresenceMember {
  userId: string;
  connectionId: string;
}

/** Encodes a sorted-set member; the connection id never contains "|". */
export function memberKey(m: PresenceMember): string {
  return `${m.connectionId}|${m.userId}`;
}

/** Decodes a sorted-set member written by {@link memberKey}. */
export function parseMember(raw: string): PresenceMember {
  const i = raw.indexOf("|");
  return { connectionId: raw.slice(0, i), userId: raw.slice(i + 1) };
}

/**
 * Presence per conversation in a Redis sorted set `cg:p:<conversation>`: member
 * `<connectionId>|<userId>`, score = expiry time in ms. Local memberships are refreshed every
 * ttl/3; expired members are removed lazily (ZREMRANGEBYSCORE) before each read. Changes are
 * coalesced per conversation and published at most once per `flushMs` as a `presence` frame
 * with joined/left lists and the member count, so N joins cost O(N) frames per subscriber set,
 * not O(N^2).
 *
 * Joins and leaves are batched per conversation (what arrives within one event-loop turn, or
 * while the previous batch is in flight): a reconnect storm of N connections costs far fewer
 * than N Redis round trips, and the joiners of one batch share one snapshot frame (serialised
 * and encoded once) instead of N copies.
 */
export class Presence {
  readonly #redis: Redis;
  readonly #ttlMs: number;
  readonly #publish: (conversationId: string, frame: string) => Promise<void>;
  readonly #local = new Map<string, Set<string>>(); // conversation -> member keys on this replica
  readonly #changes = new Map<string, { joined: PresenceMember[]; left: PresenceMember[] }>();
  readonly #joins = new Map<string, Batch<SharedFrame>>();
  readonly #leaves = new Map<string, Batch<void>>();
  /** A flush is scheduled, or its Redis round trips are in flight. */
  #flushing = false;
  readonly #refresh: NodeJS.Timeout;
  readonly #flush: NodeJS.Timeout;
  readonly #onError: (err: unknown) => void;

  constructor(deps: {
    redis: Redis;
    ttlMs: number;
    flushMs: number;
    publish: (conversationId: string, frame: string) => Promise<void>;
    onError: (err: unknown) => void;
  }) {
    this.#redis = deps.redis;
    if (typeof this.#redis.cgPresenceJoin !== "function") {
      this.#redis.defineCommand("cgPresenceJoin", { numberOfKeys: 1, lua: JOIN_SCRIPT });
    }
    this.#ttlMs = deps.ttlMs;
    this.#publish = deps.publish;
    this.#onError = deps.onError;
    this.#refresh = setInterval(
      () => {
        this.#refreshAll().catch(this.#onError);
      },
      Math.max(100, Math.floor(deps.ttlMs / 3)),
    );
    this.#refresh.unref();
    this.#flush = setInterval(() => {
      this.#flushChanges().catch(this.#onError);
    }, deps.flushMs);
    this.#flush.unref();
  }

  #change(conversationId: string): { joined: PresenceMember[]; left: PresenceMember[] } {
    let c = this.#changes.get(conversationId);
    if (c === undefined) {
      c = { joined: [], left: [] };
      this.#changes.set(conversationId, c);
    }
    return c;
  }

  /**
   * Adds a member; resolves with the `presence` snapshot frame for the joiner (at most 20
   * members, plus the count), shared with the other joiners of the same batch.
   */
  join(conversationId: string, m: PresenceMember): Promise<SharedFrame> {
    let set = this.#local.get(conversationId);
    if (set === undefined) {
      set = new Set();
      this.#local.set(conversationId, set);
    }
    set.add(memberKey(m));
    return this.#enqueue(this.#joins, conversationId, m);
  }

  /** Removes a member (connection left or unsubscribed). */
  leave(conversationId: string, m: PresenceMember): Promise<void> {
    const set = this.#local.get(conversationId);
    set?.delete(memberKey(m));
    if (set?.size === 0) this.#local.delete(conversationId);
    return this.#enqueue(this.#leaves, conversationId, m);
  }

  #enqueue<T>(
    batches: Map<string, Batch<T>>,
    conversationId: string,
    m: PresenceMember,
  ): Promise<T> {
    let b = batches.get(conversationId);
    if (b === undefined) {
      b = { members: [], ...Promise.withResolvers<T>() };
      batches.set(conversationId, b);
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => {
          this.#flushBatches();
        });
      }
    }
    b.members.push(m);
    return b.promise;
  }

  /**
   * Sends the batched joins and leaves; once their replies are in, sends what queued meanwhile.
   * One flush is in flight at a time, so under a burst the batches grow instead of the round
   * trips, and a join waits at most one extra round trip. A member that joined and left (or left
   * and joined again) within a batch gets its final state, which `#local` holds: leaves remove
   * only members no longer local, joins add only members still local.
   */
  #flushBatches(): void {
    const joins = [...this.#joins];
    const leaves = [...this.#leaves];
    this.#joins.clear();
    this.#leaves.clear();
    const sent: Promise<unknown>[] = [];
    for (const [conv, b] of leaves) {
      const p = this.#runLeaves(conv, b.members);
      p.then(b.resolve, b.reject);
      sent.push(p);
    }
    for (const [conv, b] of joins) {
      const p = this.#runJoins(conv, b.members);
      p.then(b.resolve, b.reject);
      sent.push(p);
    }
    void Promise.allSettled(sent).then(() => {
      if (this.#joins.size > 0 || this.#leaves.size > 0) this.#flushBatches();
      else this.#flushing = false;
    });
  }

  async #runLeaves(conversationId: string, members: PresenceMember[]): Promise<void> {
    const local = this.#local.get(conversationId);
    const gone = members.filter((m) => local?.has(memberKey(m)) !== true);
    if (gone.length > 0)
      await this.#redis.zrem(KEY_PREFIX + conversationId, ...gone.map(memberKey));
    const c = this.#change(conversationId);
    for (const m of gone) if (c.left.length < CHANGE_LIMIT) c.left.push(m);
  }

  async #runJoins(conversationId: string, members: PresenceMember[]): Promise<SharedFrame> {
    const local = this.#local.get(conversationId);
    const here = members.filter((m) => local?.has(memberKey(m)) === true);
    const now = Date.now();
    const [count, ...snapshot] = await this.#redis.cgPresenceJoin(
      KEY_PREFIX + conversationId,
      now,
      now + this.#ttlMs,
      this.#ttlMs * 2,
      SNAPSHOT_LIMIT,
      ...here.map(memberKey),
    );
    const c = this.#change(conversationId);
    for (const m of here) if (c.joined.length < CHANGE_LIMIT) c.joined.push(m);
    return new SharedFrame(
      JSON.stringify({
        v: PROTOCOL_VERSION,
        type: "presence",
        conversationId,
        members: snapshot.map((raw) => parseMember(String(raw))),
        count: Number(count ?? 0),
      }),
    );
  }

  async #refreshAll(): Promise<void> {
    if (this.#local.size === 0) return;
    const until = Date.now() + this.#ttlMs;
    const pipe = this.#redis.pipeline();
    for (const [conv, members] of this.#local) {
      const key = KEY_PREFIX + conv;
      const args: (string | number)[] = [];
      for (const m of members) args.push(until, m);
      if (args.length > 0) pipe.zadd(key, ...args);
      pipe.pexpire(key, this.#ttlMs * 2);
    }
    await pipe.exec();
  }

  async #flushChanges(): Promise<void> {
    if (this.#changes.size === 0) return;
    const batch = [...this.#changes];
    this.#changes.clear();
    for (const [conv, c] of batch) {
      const key = KEY_PREFIX + conv;
      const now = Date.now();
      const res = await this.#redis.multi().zremrangebyscore(key, "-inf", now).zcard(key).exec();
      const count = (res?.[1]?.[1] as number | undefined) ?? 0;
      const frame = JSON.stringify({
        v: PROTOCOL_VERSION,
        type: "presence",
        conversationId: conv,
        joined: c.joined,
        left: c.left,
        count,
      });
      await this.#publish(conv, frame);
    }
  }

  /** Stops timers and removes this replica's members (graceful shutdown). */
  async close(): Promise<void> {
    clearInterval(this.#refresh);
    clearInterval(this.#flush);
    // Send batched leaves now, before the Redis connection is closed (a scheduled flush then
    // finds nothing left to send).
    if (this.#joins.size > 0 || this.#leaves.size > 0) this.#flushBatches();
    const pipe = this.#redis.pipeline();
    for (const [conv, members] of this.#local)
      for (const m of members) pipe.zrem(KEY_PREFIX + conv, m);
    this.#local.clear();
    await pipe.exec().catch(() => undefined);
  }
}
