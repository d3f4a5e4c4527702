/**
 * Per-backend runtime state that survives config reloads: connection pool, circuit breaker and
 * observed latency. Keyed by backend name; a pool is replaced (old one drained) when its origin
 * or pool settings change.
 */
import { Agent } from "undici";
import type { RuntimeBackend } from "./config/runtime.ts";
import { CircuitBreaker } from "./resilience/breaker.ts";
import type { BreakerState } from "./resilience/breaker.ts";

/** Runtime state of one backend. */
export interface BackendState {
  name: string;
  breaker: CircuitBreaker;
  agent: Agent;
  poolKey: string;
  /** EWMA of successful call latency (ms, time to first token for streams). */
  latencyMs: number | undefined;
}

/** Holds {@link BackendState} per backend name. */
export class BackendRegistry {
  readonly #states = new Map<string, BackendState>();
  readonly #onBreakerChange: (backend: string, s: BreakerState, initial: boolean) => void;

  /** `onBreakerChange` is called on every transition, and once with `initial` when a backend appears. */
  constructor(onBreakerChange: (backend: string, s: BreakerState, initial: boolean) => void) {
    this.#onBreakerChange = onBreakerChange;
  }

  /** State of a backend, created or updated to match its config. */
  get(b: RuntimeBackend): BackendState {
    let s = this.#states.get(b.name);
    const settings = {
      failureThreshold: b.policy.failureThreshold,
      openMs: b.policy.openMs,
      halfOpenRequests: b.policy.halfOpenRequests,
    };
    if (s === undefined) {
      s = {
        name: b.name,
        breaker: new CircuitBreaker(settings, (st) => {
          this.#onBreakerChange(b.name, st, false);
        }),
        agent: this.#agent(b),
        poolKey: b.poolKey,
        latencyMs: undefined,
      };
      this.#states.set(b.name, s);
      this.#onBreakerChange(b.name, "closed", true);
      return s;
    }
    s.breaker.settings = settings;
    if (s.poolKey !== b.poolKey) {
      const old = s.agent;
      s.agent = this.#agent(b);
      s.poolKey = b.poolKey;
      void old.close().catch(() => undefined);
    }
    return s;
  }

  /** The state if it exists (no creation). */
  peek(name: string): BackendState | undefined {
    return this.#states.get(name);
  }

  /** Records a successful call's latency into the EWMA (alpha 0.2). */
  observeLatency(s: BackendState, ms: number): void {
    s.latencyMs = s.latencyMs === undefined ? ms : s.latencyMs * 0.8 + ms * 0.2;
  }

  /** Drops state of backends no longer configured. */
  prune(keep: ReadonlySet<string>): void {
    for (const [name, s] of this.#states) {
      if (keep.has(name)) continue;
      this.#states.delete(name);
      void s.agent.close().catch(() => undefined);
    }
  }

  /** Closes all pools (waits for in-flight requests). */
  async close(): Promise<void> {
    await Promise.all(
      [...this.#states.values()].map((s) => s.agent.close().catch(() => undefined)),
    );
    this.#states.clear();
  }

  #agent(b: RuntimeBackend): Agent {
    return new Agent({
      connect: { timeout: b.policy.connectMs },
      connections: b.maxConnections,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }
}
