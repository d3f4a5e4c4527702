// Injectable time so queue, backoff and leader election can be tested without real sleeps.

/** Opaque timer handle. */
export interface TimerHandle {
  cancel(): void;
}

/** Time source. `monotonic` never jumps with wall-clock changes; use it for durations. */
export interface Clock {
  /** Wall clock, epoch milliseconds (may be fractional). */
  now(): number;
  /** Monotonic milliseconds since an arbitrary origin. */
  monotonic(): number;
  /** Runs `fn` after `ms`; timers do not keep the process alive. */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

/** The process clock: `performance` for both wall (with microseconds) and monotonic time. */
export const realClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  monotonic: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return {
      cancel: () => {
        clearTimeout(t);
      },
    };
  },
};

/** Resolves after `ms` on `clock`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, clock: Clock = realClock, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Manually advanced clock for tests; `advance` fires due timers in order. */
export class FakeClock implements Clock {
  #now: number;
  #mono = 0;
  #seq = 0;
  #timers = new Set<FakeTimer>();

  constructor(startWallMs = Date.UTC(2026, 10, 27, 10, 0, 0)) {
    this.#now = startWallMs;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#mono;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const t: FakeTimer = { at: this.#mono + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.add(t);
    return { cancel: () => this.#timers.delete(t) };
  }

  /** Number of pending timers. */
  pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.#mono + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.#timers) {
        if (
          t.at <= target &&
          (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))
        )
          next = t;
      }
      if (next === undefined) break;
      this.#timers.delete(next);
      this.#now += next.at - this.#mono;
      this.#mono = next.at;
      next.fn();
    }
    this.#now += target - this.#mono;
    this.#mono = target;
  }
}
