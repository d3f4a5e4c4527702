/**
 * Tests of presence against a real Redis: batched joins, expiry, coalesced change frames.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { memberKey, Presence } from "./presence.ts";

type Cmd = [name: string, ...args: (string | number)[]];

/**
 * In-memory stand-in for the sorted-set commands Presence uses (the join script is emulated);
 * counts round trips.
 */
class FakeRedis {
  readonly sets = new Map<string, Map<string, number>>();
  roundTrips = 0;
  /** Latency of a round trip. */
  delayMs = 0;

  #set(key: string): Map<string, number> {
    let s = this.sets.get(key);
    if (s === undefined) {
      s = new Map();
      this.sets.set(key, s);
    }
    return s;
  }

  #apply([name, key, ...args]: Cmd): unknown {
    const s = this.#set(String(key));
    switch (name) {
      case "zremrangebyscore":
        for (const [m, score] of s) if (score <= Number(args[1])) s.delete(m);
        return 0;
      case "zadd":
        for (let i = 0; i < args.length; i += 2) s.set(String(args[i + 1]), Number(args[i]));
        return args.length / 2;
      case "zrem":
        for (const m of args) s.delete(String(m));
        return args.length;
      case "zrangebyscore":
        return [...s]
          .filter(([, score]) => score >= Number(args[0]))
          .map(([m]) => m)
          .slice(0, Number(args[4]));
      case "zcard":
        return s.size;
      default:
        return 1;
    }
  }

  #chain(): Record<string, unknown> {
    const cmds: Cmd[] = [];
    const chain: Record<string, unknown> = {
      exec: async () => {
        this.roundTrips++;
        const replies = cmds.map((c) => [null, this.#apply(c)]);
        if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
        return replies;
      },
    };
    for (const name of ["zremrangebyscore", "zadd", "zrem", "pexpire", "zrangebyscore", "zcard"]) {
      chain[name] = (...args: (string | number)[]) => {
        cmds.push([name, ...args]);
        return chain;
      };
    }
    return chain;
  }

  multi(): Record<string, unknown> {
    return this.#chain();
  }

  pipeline(): Record<string, unknown> {
    return this.#chain();
  }

  defineCommand(): void {
    // cgPresenceJoin below
  }

  async cgPresenceJoin(
    key: string,
    now: number,
    expiry: number,
    _ttl: number,
    limit: number,
    ...members: string[]
  ): Promise<(string | number)[]> {
    this.roundTrips++;
    this.#apply(["zremrangebyscore", key, "-inf", now]);
    for (const m of members) this.#apply(["zadd", key, expiry, m]);
    const snapshot = this.#apply([
      "zrangebyscore",
      key,
      now,
      "+inf",
      "LIMIT",
      0,
      limit,
    ]) as string[];
    const count = this.#apply(["zcard", key]) as number;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return [count, ...snapshot];
  }

  zrem(key: string, ...members: string[]): Promise<number> {
    this.roundTrips++;
    return Promise.resolve(this.#apply(["zrem", key, ...members]) as number);
  }
}

function setup(): { presence: Presence; redis: FakeRedis; published: string[] } {
  const redis = new FakeRedis();
  const published: string[] = [];
  const presence = new Presence({
    redis: redis as unknown as Redis,
    ttlMs: 30_000,
    flushMs: 60_000,
    publish: (_conv, frame) => {
      published.push(frame);
      return Promise.resolve();
    },
    onError: (err) => {
      throw err;
    },
  });
  return { presence, redis, published };
}

const C = "conv-1";
const member = (i: number): { userId: string; connectionId: string } => ({
  userId: "u",
  connectionId: `c${i}`,
});

void test("presence: joins of one turn share one Redis round trip and one snapshot frame", async () => {
  const { presence, redis } = setup();
  const frames = await Promise.all(
    Array.from({ length: 50 }, (_, i) => presence.join(C, member(i))),
  );
  assert.equal(redis.roundTrips, 1);
  assert.ok(frames.every((f) => f === frames[0]));
  const snap = JSON.parse(frames[0]!.text) as { type: string; members: unknown[]; count: number };
  assert.equal(snap.type, "presence");
  assert.equal(snap.count, 50);
  assert.equal(snap.members.length, 20);
  await presence.close();
});

void test("presence: joins arriving while a round trip is in flight go out together in the next one", async () => {
  const { presence, redis } = setup();
  redis.delayMs = 20;
  const joined = [presence.join(C, member(0))];
  for (let i = 1; i <= 10; i++) {
    await new Promise((r) => setImmediate(r)); // one join per event-loop turn
    joined.push(presence.join(C, member(i)));
  }
  const frames = await Promise.all(joined);
  assert.equal(redis.roundTrips, 2);
  assert.equal((JSON.parse(frames[10]!.text) as { count: number }).count, 11);
  await presence.close();
});

void test("presence: a member that joins and leaves within one turn ends up absent, and the reverse present", async () => {
  const { presence, redis } = setup();
  await presence.join(C, member(1));
  const left = presence.leave(C, member(1));
  const back = presence.join(C, member(1));
  const gone = presence.join(C, member(2));
  const goneLeft = presence.leave(C, member(2));
  await Promise.all([left, back, gone, goneLeft]);
  const set = redis.sets.get(`cg:p:${C}`);
  assert.deepEqual([...(set?.keys() ?? [])], [memberKey(member(1))]);
  await presence.close();
});
