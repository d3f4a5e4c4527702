// Rate-limited delaying work queue with client-go semantics:
//  - `dirty` holds items that need processing; adding a dirty item again is a no-op (dedup);
//  - `processing` holds items handed to a worker; an item added while processing is not queued
//    until `done`, so one key is never in two workers at once and is processed once more after;
//  - `addAfter` keeps only the earliest pending ready time per item;
//  - `addRateLimited` delays by the rate limiter; `forget` resets the item's backoff.
import { realClock } from "./clock.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import { defaultControllerRateLimiter } from "./ratelimiter.ts";
import type { RateLimiter } from "./ratelimiter.ts";

/** Hooks the queue calls so metrics stay out of the queue logic. */
export interface WorkQueueMetrics {
  added(): void;
  depth(n: number): void;
  retried(): void;
  /** Seconds an item waited in the queue before a worker took it. */
  queueLatency(seconds: number): void;
  /** Seconds a worker held an item. */
  workDuration(seconds: number): void;
}

/** Options for `WorkQueue`. */
export interface WorkQueueOptions {
  name: string;
  rateLimiter?: RateLimiter;
  clock?: Clock;
  metrics?: WorkQueueMetrics;
}

interface Waiting {
  readyAt: number;
  timer: TimerHandle;
}

/** The queue a controller's workers pull keys from. */
export class WorkQueue {
  readonly name: string;
  readonly #clock: Clock;
  readonly #limiter: RateLimiter;
  readonly #metrics: WorkQueueMetrics | undefined;
  #queue: string[] = [];
  readonly #dirty = new Set<string>();
  /** Item → monotonic time it was handed out. */
  readonly #processing = new Map<string, number>();
  /** Item → monotonic time it entered the queue (for queue latency). */
  readonly #enqueuedAt = new Map<string, number>();
  readonly #waiting = new Map<string, Waiting>();
  #getters: ((item: string | undefined) => void)[] = [];
  #drainers: (() => void)[] = [];
  #shuttingDown = false;

  constructor(opts: WorkQueueOptions) {
    this.name = opts.name;
    this.#clock = opts.clock ?? realClock;
    this.#limiter = opts.rateLimiter ?? defaultControllerRateLimiter(this.#clock);
    this.#metrics = opts.metrics;
  }

  /** Marks `item` as needing processing. No-op if already dirty or after shutdown. */
  add(item: string): void {
    if (this.#shuttingDown || this.#dirty.has(item)) return;
    this.#metrics?.added();
    this.#dirty.add(item);
    if (this.#processing.has(item)) return; // re-queued by done()
    this.#push(item);
  }

  /** Adds `item` after `delayMs`; only the earliest pending delay per item is kept. */
  addAfter(item: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const readyAt = this.#clock.monotonic() + delayMs;
    const existing = this.#waiting.get(item);
    if (existing !== undefined) {
      if (existing.readyAt <= readyAt) return;
      existing.timer.cancel();
    }
    const timer = this.#clock.setTimer(() => {
      this.#waiting.delete(item);
      this.add(item);
    }, delayMs);
    this.#waiting.set(item, { readyAt, timer });
  }

  /** Adds `item` after the rate limiter's delay (counts a retry). */
  addRateLimited(item: string): void {
    if (this.#shuttingDown) return;
    this.#metrics?.retried();
    this.addAfter(item, this.#limiter.when(item));
  }

  /** Resets the item's backoff (call after a successful pass). */
  forget(item: string): void {
    this.#limiter.forget(item);
  }

  /** Failures recorded for the item since the last forget. */
  numRequeues(item: string): number {
    return this.#limiter.numRequeues(item);
  }

  /** Next item, waiting if the queue is empty; `undefined` once shut down. Call `done` afterwards. */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const item = this.#queue.shift();
    if (item !== undefined) return Promise.resolve(this.#take(item));
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Ends processing of `item`; if it was added meanwhile it goes back into the queue. */
  done(item: string): void {
    const started = this.#processing.get(item);
    if (started === undefined) return;
    this.#processing.delete(item);
    this.#metrics?.workDuration((this.#clock.monotonic() - started) / 1000);
    if (this.#dirty.has(item) && !this.#shuttingDown) this.#push(item);
    if (this.#processing.size === 0) this.#resolveDrainers();
  }

  /** Items waiting for a worker (not counting delayed or in-process items). */
  len(): number {
    return this.#queue.length;
  }

  /** Items currently held by workers. */
  processingCount(): number {
    return this.#processing.size;
  }

  /** Items scheduled by addAfter/addRateLimited that are not yet due. */
  waitingCount(): number {
    return this.#waiting.size;
  }

  shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Stops taking work: new adds are ignored, pending and delayed items are dropped (the next
   * leader relists anyway), and blocked `get` calls return `undefined`. In-flight items may
   * still call `done`.
   */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const w of this.#waiting.values()) w.timer.cancel();
    this.#waiting.clear();
    this.#queue = [];
    this.#dirty.clear();
    this.#enqueuedAt.clear();
    this.#metrics?.depth(0);
    const getters = this.#getters;
    this.#getters = [];
    for (const g of getters) g(undefined);
    if (this.#processing.size === 0) this.#resolveDrainers();
  }

  /** Shuts down and resolves once every in-flight item is `done` (or `timeoutMs` passed → false). */
  async shutDownWithDrain(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.shutDown();
    if (this.#processing.size === 0) return true;
    return new Promise<boolean>((resolve) => {
      let timer: TimerHandle | undefined;
      const onDrained = (): void => {
        timer?.cancel();
        resolve(true);
      };
      this.#drainers.push(onDrained);
      if (Number.isFinite(timeoutMs)) {
        timer = this.#clock.setTimer(() => {
          this.#drainers = this.#drainers.filter((d) => d !== onDrained);
          resolve(false);
        }, timeoutMs);
      }
    });
  }

  /** Sum of seconds in-flight items have been processed so far (workqueue_unfinished_work_seconds). */
  unfinishedWorkSeconds(): number {
    const now = this.#clock.monotonic();
    let total = 0;
    for (const started of this.#processing.values()) total += now - started;
    return total / 1000;
  }

  /** Seconds the longest in-flight item has been processed (workqueue_longest_running_processor_seconds). */
  longestRunningProcessorSeconds(): number {
    const now = this.#clock.monotonic();
    let oldest = now;
    for (const started of this.#processing.values()) oldest = Math.min(oldest, started);
    return (now - oldest) / 1000;
  }

  #push(item: string): void {
    this.#enqueuedAt.set(item, this.#clock.monotonic());
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      getter(this.#take(item));
      return;
    }
    this.#queue.push(item);
    this.#metrics?.depth(this.#queue.length);
  }

  #take(item: string): string {
    const now = this.#clock.monotonic();
    const enq = this.#enqueuedAt.get(item);
    this.#enqueuedAt.delete(item);
    if (enq !== undefined) this.#metrics?.queueLatency((now - enq) / 1000);
    this.#dirty.delete(item);
    this.#processing.set(item, now);
    this.#metrics?.depth(this.#queue.length);
    return item;
  }

  #resolveDrainers(): void {
    const drainers = this.#drainers;
    this.#drainers = [];
    for (const d of drainers) d();
  }
}
