/**
 * Tests of the fan-out hub: ordering, gap filling, replay then live, exactly once per subscriber.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Redis } from "ioredis";
import type { RecordedEvent } from "../domain/events.ts";
import type { Connection, SharedFrame } from "../session/connection.ts";
import { eventFrame, FanoutHub } from "./hub.ts";

const S = "11111111-1111-4111-8111-111111111111";
const scope = { tenantId: "t", userId: "u" };

function rec(version: number): RecordedEvent {
  return {
    streamId: S,
    version,
    tenantId: "t",
    userId: "u",
    actor: "u",
    createdAt: new Date(0).toISOString(),
    event: {
      type: "message.added",
      data: { messageId: `m${version}`, parentId: null, role: "user", content: `c${version}` },
    },
  };
}

/** In-memory stand-in for the two Redis connections (pub/sub only). */
class FakeRedis extends EventEmitter {
  channels = new Set<string>();
  subscribe(ch: string): Promise<number> {
    this.channels.add(ch);
    return Promise.resolve(1);
  }
  unsubscribe(ch: string): Promise<number> {
    this.channels.delete(ch);
    return Promise.resolve(0);
  }
  deliver(ch: string, msg: string): void {
    if (this.channels.has(ch)) this.emit("messageBuffer", Buffer.from(ch), Buffer.from(msg));
  }
}

function setup(log: RecordedEvent[], opts: { loadDelayMs?: number } = {}) {
  const sub = new FakeRedis();
  const published: string[] = [];
  const pub = {
    publish: (ch: string, msg: string) => {
      published.push(msg);
      sub.deliver(ch, msg);
      return Promise.resolve(1);
    },
    pipeline: () => {
      const q: [string, string][] = [];
      const p = {
        publish: (ch: string, msg: string) => {
          q.push([ch, msg]);
          return p;
        },
        exec: async () => {
          for (const [ch, msg] of q) await pub.publish(ch, msg);
          return [];
        },
      };
      return p;
    },
  };
  const hub = new FanoutHub({
    pub: pub as unknown as Redis,
    sub: sub as unknown as Redis,
    load: async (_s, _id, after, limit) => {
      if (opts.loadDelayMs !== undefined) await new Promise((r) => setTimeout(r, opts.loadDelayMs));
      return log.filter((r) => r.version > after).slice(0, limit);
    },
    heads: () => Promise.resolve(new Map([[S, log.length]])),
    metrics: {
      delivered: () => undefined,
      latency: () => undefined,
      replayed: () => undefined,
      gapFilled: () => undefined,
    },
    headPollMs: 60_000,
    onError: (err) => {
      throw err;
    },
  });
  return { hub, sub };
}

function conn(id: string): Connection & { got: number[] } {
  const got: number[] = [];
  return {
    id,
    scope,
    transport: "ws",
    closed: false,
    got,
    send(data: string | SharedFrame) {
      const frame = typeof data === "string" ? data : data.text;
      const f = JSON.parse(frame) as { type: string; seq?: number };
      if (f.type === "event" && f.seq !== undefined) got.push(f.seq);
      return true;
    },
    bufferedAmount: () => 0,
    drained: () => Promise.resolve(),
    close: () => undefined,
  };
}

const raw = (r: RecordedEvent): string => `e|${r.version}|0|${eventFrame(r)}`;

void test("hub: out-of-order live events are delivered in sequence order", async () => {
  const log = [rec(1)];
  const { hub, sub } = setup(log);
  const c = conn("c1");
  await hub.subscribe(c, S, 1);
  log.push(rec(2), rec(3));
  sub.deliver(`cg:c:${S}`, raw(rec(3)));
  sub.deliver(`cg:c:${S}`, raw(rec(2)));
  sub.deliver(`cg:c:${S}`, raw(rec(2))); // duplicate
  assert.deepEqual(c.got, [2, 3]);
  hub.close();
});

void test("hub: a gap that is never published is filled from the store", async () => {
  const log = [rec(1)];
  const { hub, sub } = setup(log);
  const c = conn("c1");
  await hub.subscribe(c, S, 0);
  log.push(rec(2), rec(3));
  sub.deliver(`cg:c:${S}`, raw(rec(3))); // seq 2's publisher crashed after commit
  assert.deepEqual(c.got, [1]);
  await new Promise((r) => setTimeout(r, 120));
  assert.deepEqual(c.got, [1, 2, 3]);
  hub.close();
});

void test("hub: replay then live without gaps or duplicates when events arrive during the replay", async () => {
  const log = Array.from({ length: 1200 }, (_, i) => rec(i + 1));
  const { hub, sub } = setup(log, { loadDelayMs: 5 });
  const early = conn("early");
  await hub.subscribe(early, S, 1200);
  const late = conn("late");
  const p = hub.subscribe(late, S, 0);
  for (let v = 1201; v <= 1210; v++) {
    log.push(rec(v));
    await new Promise((r) => setTimeout(r, 2));
    sub.deliver(`cg:c:${S}`, raw(rec(v)));
  }
  await p;
  log.push(rec(1211));
  sub.deliver(`cg:c:${S}`, raw(rec(1211)));
  assert.deepEqual(
    late.got,
    Array.from({ length: 1211 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    early.got,
    Array.from({ length: 11 }, (_, i) => 1201 + i),
  );
  hub.close();
});

void test("hub: the channel is unsubscribed when the last subscriber leaves", async () => {
  const { hub, sub } = setup([rec(1)]);
  const c = conn("c1");
  await hub.subscribe(c, S, 1);
  assert.equal(sub.channels.size, 1);
  hub.removeConnection("c1");
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(sub.channels.size, 0);
  assert.equal(hub.feedCount, 0);
  hub.close();
});
