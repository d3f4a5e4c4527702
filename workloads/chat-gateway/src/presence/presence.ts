import type { Redis } from "ioredis";
import { PROTOCOL_VERSION } from "../protocol/frames.ts";

const KEY_PREFIX = "cg:p:";
const SNAPSHOT_LIMIT = 20;
/** Members listed per coalesced change frame (the count is always exact). */
const CHANGE_LIMIT = 20;

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
 */
export class Presence {
  readonly #redis: Redis;
  readonly #ttlMs: number;
  readonly #publish: (conversationId: string, frame: string) => Promise<void>;
  readonly #local = new Map<string, Set<string>>(); // conversation -> member keys on this replica
  readonly #changes = new Map<string, { joined: PresenceMember[]; left: PresenceMember[] }>();
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
    this.#ttlMs = deps.ttlMs;
    this.#publish = deps.publish;
    this.#onError = deps.onError;
    this.#refresh = setInterval(() => {
      this.#refreshAll().catch(this.#onError);
    }, Math.max(100, Math.floor(deps.ttlMs / 3)));
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

  /** Adds a member and returns a snapshot (at most 20 members, plus the count) for the joiner. */
  async join(conversationId: string, m: PresenceMember): Promise<{ members: PresenceMember[]; count: number }> {
    const key = KEY_PREFIX + conversationId;
    const member = memberKey(m);
    let set = this.#local.get(conversationId);
    if (set === undefined) {
      set = new Set();
      this.#local.set(conversationId, set);
    }
    set.add(member);
    const now = Date.now();
    const res = await this.#redis
      .multi()
      .zremrangebyscore(key, "-inf", now)
      .zadd(key, now + this.#ttlMs, member)
      .pexpire(key, this.#ttlMs * 2)
      .zrangebyscore(key, now, "+inf", "LIMIT", 0, SNAPSHOT_LIMIT)
      .zcard(key)
      .exec();
    const members = (res?.[3]?.[1] as string[] | undefined) ?? [];
    const count = (res?.[4]?.[1] as number | undefined) ?? 0;
    const c = this.#change(conversationId);
    if (c.joined.length < CHANGE_LIMIT) c.joined.push(m);
    return { members: members.map(parseMember), count };
  }

  /** Removes a member (connection left or unsubscribed). */
  async leave(conversationId: string, m: PresenceMember): Promise<void> {
    const member = memberKey(m);
    const set = this.#local.get(conversationId);
    set?.delete(member);
    if (set?.size === 0) this.#local.delete(conversationId);
    await this.#redis.zrem(KEY_PREFIX + conversationId, member);
    const c = this.#change(conversationId);
    if (c.left.length < CHANGE_LIMIT) c.left.push(m);
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
    const pipe = this.#redis.pipeline();
    for (const [conv, members] of this.#local) for (const m of members) pipe.zrem(KEY_PREFIX + conv, m);
    this.#local.clear();
    await pipe.exec().catch(() => undefined);
  }
}
