// When the Keycloak side of a Tenant runs. Kubernetes-side reconciles are cheap (cache reads), so
// every event runs them; Keycloak calls run only when the spec changed (generation), the resync
// interval elapsed, or a failed sync's backoff is over. This is the generation-changed predicate,
// kept here (in memory, per Tenant UID) until the runtime has one: our own status writes enqueue
// the Tenant but do not re-run the Keycloak sync.
import { durationSeconds } from "./keycloak/desired.ts";

interface Entry<O> {
  generation: number | undefined;
  lastSyncMs: number | undefined;
  failures: number;
  nextAttemptMs: number;
  /** Hashes of secrets last written to Keycloak (rotation detection). */
  memory: Map<string, string>;
  /** Outcome of the last identity pass, reported again while no pass is due. */
  last: O | undefined;
}

const MAX_BACKOFF_MS = 5 * 60_000;

export class IdentitySchedule<O = unknown> {
  readonly #entries = new Map<string, Entry<O>>();

  #entry(uid: string): Entry<O> {
    let e = this.#entries.get(uid);
    if (e === undefined) {
      e = {
        generation: undefined,
        lastSyncMs: undefined,
        failures: 0,
        nextAttemptMs: 0,
        memory: new Map(),
        last: undefined,
      };
      this.#entries.set(uid, e);
    }
    return e;
  }

  memory(uid: string): Map<string, string> {
    return this.#entry(uid).memory;
  }

  /**
   * Remembers the outcome of an identity pass. Between passes the status is computed from it, not
   * from the cached Tenant, whose status may not show our last write yet (a stale cache would
   * otherwise drop fields such as the generated client secrets' Secret names).
   */
  remember(uid: string, outcome: O): void {
    this.#entry(uid).last = outcome;
  }

  /** The outcome of the last identity pass in this process, if any. */
  last(uid: string): O | undefined {
    return this.#entries.get(uid)?.last;
  }

  /** Generation of the last successful sync (undefined: never synced in this process). */
  syncedGeneration(uid: string): number | undefined {
    return this.#entries.get(uid)?.generation;
  }

  /** Whether a Keycloak sync should run now. */
  due(uid: string, generation: number, resyncInterval: string, nowMs: number): boolean {
    const e = this.#entry(uid);
    if (e.failures > 0) return nowMs >= e.nextAttemptMs;
    if (e.generation !== generation || e.lastSyncMs === undefined) return true;
    return nowMs - e.lastSyncMs >= durationSeconds(resyncInterval) * 1000;
  }

  /** Milliseconds until the next sync is due (for requeueAfter). */
  dueInMs(uid: string, resyncInterval: string, nowMs: number): number {
    const e = this.#entry(uid);
    if (e.failures > 0) return Math.max(e.nextAttemptMs - nowMs, 1000);
    const last = e.lastSyncMs ?? nowMs;
    return Math.max(last + durationSeconds(resyncInterval) * 1000 - nowMs, 1000);
  }

  succeeded(uid: string, generation: number, nowMs: number): void {
    const e = this.#entry(uid);
    e.generation = generation;
    e.lastSyncMs = nowMs;
    e.failures = 0;
    e.nextAttemptMs = 0;
  }

  /** Exponential backoff 1 s → 5 min between failed attempts. */
  failed(uid: string, nowMs: number): void {
    const e = this.#entry(uid);
    e.failures++;
    e.nextAttemptMs = nowMs + Math.min(1000 * 2 ** (e.failures - 1), MAX_BACKOFF_MS);
  }

  forget(uid: string): void {
    this.#entries.delete(uid);
  }
}
