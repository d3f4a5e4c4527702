// Tests of the work queue: dedup, one worker per key, delayed adds, drain on shutdown.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "./clock.ts";
import { ItemExponentialFailureRateLimiter } from "./ratelimiter.ts";
import { WorkQueue } from "./workqueue.ts";
import type { WorkQueueMetrics } from "./workqueue.ts";

function newQueue(clock = new FakeClock(), metrics?: WorkQueueMetrics) {
  const q = new WorkQueue({
    name: "test",
    clock,
    rateLimiter: new ItemExponentialFailureRateLimiter(5, 1_000_000),
    ...(metrics !== undefined ? { metrics } : {}),
  });
  return { q, clock };
}

/** Resolves to the item if `p` settles within the current macrotask, else "pending". */
async function peek<T>(p: Promise<T>): Promise<T | "pending"> {
  return Promise.race([
    p,
    new Promise<"pending">((r) =>
      setImmediate(() => {
        r("pending");
      }),
    ),
  ]);
}

void describe("WorkQueue", () => {
  void it("de-duplicates items that are already queued", async () => {
    const { q } = newQueue();
    q.add("a");
    q.add("b");
    q.add("a");
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), "a");
    assert.equal(await q.get(), "b");
    assert.equal(q.len(), 0);
  });

  void it("never hands one key to two workers at once", async () => {
    const { q } = newQueue();
    q.add("a");
    assert.equal(await q.get(), "a");
    q.add("a"); // while processing
    assert.equal(q.len(), 0, "must not be queued while processing");
    const second = q.get();
    assert.equal(await peek(second), "pending");
    q.done("a");
    assert.equal(await second, "a");
  });

  void it("re-queues an item added (even repeatedly) while processing exactly once after done", async () => {
    const { q } = newQueue();
    q.add("a");
    await q.get();
    q.add("a");
    q.add("a");
    q.done("a");
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), "a");
    q.done("a");
    assert.equal(q.len(), 0);
  });

  void it("does not re-queue an item that was not added again while processing", async () => {
    const { q } = newQueue();
    q.add("a");
    await q.get();
    q.done("a");
    assert.equal(q.len(), 0);
  });

  void it("wakes a blocked get when an item arrives", async () => {
    const { q } = newQueue();
    const p = q.get();
    assert.equal(await peek(p), "pending");
    q.add("x");
    assert.equal(await p, "x");
  });

  void it("addAfter delays until the time has passed (requeueAfter)", () => {
    const { q, clock } = newQueue();
    q.addAfter("a", 1000);
    assert.equal(q.len(), 0);
    clock.advance(999);
    assert.equal(q.len(), 0);
    clock.advance(1);
    assert.equal(q.len(), 1);
  });

  void it("addAfter keeps the earliest pending time per item", () => {
    const { q, clock } = newQueue();
    q.addAfter("a", 1000);
    q.addAfter("a", 100); // earlier wins
    q.addAfter("a", 5000); // later ignored
    clock.advance(100);
    assert.equal(q.len(), 1);
    assert.equal(q.waitingCount(), 0);
    clock.advance(10_000);
    assert.equal(q.len(), 1, "the replaced timers must not fire again");
  });

  void it("addRateLimited backs off exponentially per item and forget resets it", async () => {
    const { q, clock } = newQueue();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      q.addRateLimited("a");
      let waited = 0;
      while (q.len() === 0 && waited < 10_000) {
        clock.advance(1);
        waited++;
      }
      delays.push(waited);
      q.done((await q.get())!);
    }
    assert.deepEqual(delays, [5, 10, 20, 40]);
    assert.equal(q.numRequeues("a"), 4);
    q.forget("a");
    assert.equal(q.numRequeues("a"), 0);
    q.addRateLimited("a");
    clock.advance(5);
    assert.equal(q.len(), 1, "after forget the backoff starts again at 5 ms");
  });

  void it("ignores adds after shutdown and returns undefined to blocked and new getters", async () => {
    const { q } = newQueue();
    const blocked = q.get();
    q.shutDown();
    assert.equal(await blocked, undefined);
    q.add("a");
    q.addAfter("b", 10);
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
  });

  void it("shutDownWithDrain waits for in-flight items to be done", async () => {
    const { q } = newQueue();
    q.add("a");
    q.add("b");
    await q.get(); // a in flight, b queued (dropped on shutdown)
    let drained: boolean | undefined;
    const p = q.shutDownWithDrain().then((v) => {
      drained = v;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, undefined, "must wait for a");
    assert.equal(await q.get(), undefined, "no new work after shutdown");
    q.done("a");
    await p;
    assert.equal(drained, true);
  });

  void it("shutDownWithDrain gives up after its timeout", async () => {
    const { q, clock } = newQueue();
    q.add("a");
    await q.get();
    const p = q.shutDownWithDrain(1000);
    clock.advance(1000);
    assert.equal(await p, false);
  });

  void it("cancels delayed items on shutdown", () => {
    const { q, clock } = newQueue();
    q.addAfter("a", 10);
    q.shutDown();
    assert.equal(clock.pending(), 0);
  });

  void it("reports metrics: adds, depth, retries, latency and work duration", async () => {
    const seen = {
      adds: 0,
      depth: [] as number[],
      retries: 0,
      latency: [] as number[],
      work: [] as number[],
    };
    const metrics: WorkQueueMetrics = {
      added: () => {
        seen.adds++;
      },
      depth: (n) => {
        seen.depth.push(n);
      },
      retried: () => {
        seen.retries++;
      },
      queueLatency: (s) => {
        seen.latency.push(s);
      },
      workDuration: (s) => {
        seen.work.push(s);
      },
    };
    const { q, clock } = newQueue(new FakeClock(), metrics);
    q.add("a");
    q.add("a"); // deduped: not an add
    clock.advance(250);
    await q.get();
    clock.advance(1500);
    assert.equal(q.unfinishedWorkSeconds(), 1.5);
    assert.equal(q.longestRunningProcessorSeconds(), 1.5);
    q.done("a");
    q.addRateLimited("a");
    assert.equal(seen.adds, 1);
    assert.equal(seen.retries, 1);
    assert.deepEqual(seen.latency, [0.25]);
    assert.deepEqual(seen.work, [1.5]);
    assert.equal(seen.depth.at(-1), 0);
    assert.equal(q.unfinishedWorkSeconds(), 0);
  });
});
