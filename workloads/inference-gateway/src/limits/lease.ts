/**
 * A replica's local share of one tenant's limits (pure: no Redis, no clock; callers pass windows
 * and counts). The replica leases request slots and tokens from Redis ahead of demand: they are
 * counted there exactly like admitted requests (rpm/tpm counters, the budget's `reserved`), so no
 * replica can hand out more than the limits allow, and requests are then admitted from the lease
 * without a round trip. Settlements refund into the lease and queue their Redis deltas; the
 * limiter writes those, and gives back what is left, on the next script call (limits/limiter.ts).
 *
 * A lease belongs to one minute (rpm/tpm) and one budget period; when either rolls over, or the
 * tenant's limits change, the whole lease is given back and a new one taken.
 */

/** A tenant's limits as the limiter reads them (0 = no rpm/tpm limit, -1 = no budget). */
export interface Limits {
  rpm: number;
  tpm: number;
  budget: number;
  periodSeconds: number;
}

/** The Redis keys a lease and its reservations live in. */
export interface Window {
  minute: number;
  /** Start of the budget period (epoch seconds). */
  periodStart: number;
  rpmKey: string;
  tpmKey: string;
  budgetKey: string;
}

/** An admitted request's reservation; settle it exactly once. */
export interface Reservation {
  tenant: string;
  tokens: number;
  /** Limits and window it was admitted under (a refund goes to the lease only if both still hold). */
  sig: string;
  window: Window;
  hasTpm: boolean;
  hasBudget: boolean;
}

/** A pending change to one Redis key: counter delta, or budget reserved/spent deltas. */
export interface Delta {
  key: string;
  kind: "counter" | "budget";
  add: number;
  spent: number;
}

/** Which limits a lease was asked under. */
export interface Limited {
  rpm: boolean;
  tpm: boolean;
  budget: boolean;
}

/** Identity of a set of limits: a lease taken under other limits is given back. */
export function limitsSig(l: Limits): string {
  return `${l.rpm}/${l.tpm}/${l.budget}/${l.periodSeconds}`;
}

/** One tenant's lease and pending deltas on this replica. */
export class TenantLease {
  sig = "";
  window: Window;
  hasRpm = false;
  hasTpm = false;
  hasBudget = false;
  /** Request slots held in the rpm counter (Infinity without an rpm limit). */
  slots = 0;
  /** Tokens held in the tpm counter and/or the budget's `reserved` (Infinity without either). */
  tokens = 0;
  /** Admissions asked for (and their tokens) in this lease window and the one before. */
  admitted = 0;
  admittedTokens = 0;
  #prevAdmitted = 0;
  #prevTokens = 0;
  #deltas = new Map<string, Delta>();

  constructor(limits: Limits, window: Window) {
    this.window = window;
    this.configure(limits);
  }

  /** Switches to new limits, giving back the lease taken under the old ones. */
  configure(limits: Limits): void {
    this.release();
    this.sig = limitsSig(limits);
    this.hasRpm = limits.rpm > 0;
    this.hasTpm = limits.tpm > 0;
    this.hasBudget = limits.budget >= 0;
    this.slots = this.hasRpm ? 0 : Infinity;
    this.tokens = this.hasTpm || this.hasBudget ? 0 : Infinity;
  }

  /** Whether this lease is for the limits with this {@link limitsSig} (else {@link configure}). */
  fits(sig: string): boolean {
    return sig === this.sig;
  }

  /** Whether `minute` and `periodStart` are this lease's window. */
  inWindow(minute: number, periodStart: number): boolean {
    return this.window.minute === minute && this.window.periodStart === periodStart;
  }

  /** Moves to a new window (a new minute or budget period), giving the lease back. */
  roll(window: Window): void {
    this.release();
    this.window = window;
  }

  /** Takes a slot and `tokens` from the lease; false (nothing taken) when it lacks either. */
  take(tokens: number): boolean {
    if (this.slots < 1 || this.tokens < tokens) return false;
    this.slots -= 1;
    this.tokens -= tokens;
    return true;
  }

  /** Counts an admission asked for, however it is decided (the demand sizes the lease). */
  demand(tokens: number): void {
    this.admitted++;
    this.admittedTokens += tokens;
  }

  /**
   * Adds what Redis granted for a lease asked under `sig` and `window`; if the limits or the
   * window changed meanwhile, the grant is given back instead.
   */
  grant(sig: string, window: Window, limited: Limited, slots: number, tokens: number): void {
    if (sig === this.sig && window === this.window) {
      if (this.hasRpm) this.slots += slots;
      if (this.hasTpm || this.hasBudget) this.tokens += tokens;
      return;
    }
    if (limited.rpm && slots > 0) this.#add(window.rpmKey, "counter", -slots, 0);
    if (tokens <= 0) return;
    if (limited.tpm) this.#add(window.tpmKey, "counter", -tokens, 0);
    if (limited.budget) this.#add(window.budgetKey, "budget", -tokens, 0);
  }

  /**
   * Settles `r` at `actual` tokens. Admitted under this lease's limits and window, the unused
   * part of its reservation returns to the lease (still held in Redis) and only the conversion
   * to spent, or usage beyond the reservation, is queued; otherwise its own keys are corrected.
   */
  settle(r: Reservation, actual: number): void {
    const w = r.window;
    if (r.sig === this.sig && w === this.window) {
      const used = Math.min(actual, r.tokens);
      if (this.hasTpm || this.hasBudget) this.tokens += r.tokens - used;
      if (r.hasTpm && actual > r.tokens) this.#add(w.tpmKey, "counter", actual - r.tokens, 0);
      if (r.hasBudget) this.#add(w.budgetKey, "budget", -used, actual);
      return;
    }
    if (r.hasTpm) this.#add(w.tpmKey, "counter", actual - r.tokens, 0);
    if (r.hasBudget) this.#add(w.budgetKey, "budget", -r.tokens, actual);
  }

  /** Gives the whole lease back (queued as deltas). */
  release(): void {
    const w = this.window;
    if (this.hasRpm && this.slots > 0) this.#add(w.rpmKey, "counter", -this.slots, 0);
    if (this.tokens > 0 && Number.isFinite(this.tokens)) {
      if (this.hasTpm) this.#add(w.tpmKey, "counter", -this.tokens, 0);
      if (this.hasBudget) this.#add(w.budgetKey, "budget", -this.tokens, 0);
    }
    if (this.hasRpm) this.slots = 0;
    if (this.hasTpm || this.hasBudget) this.tokens = 0;
  }

  /** Takes the queued deltas (sorted by key, zero deltas dropped). */
  drain(): Delta[] {
    const out = [...this.#deltas.values()]
      .filter((d) => d.add !== 0 || d.spent !== 0)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#deltas.clear();
    return out;
  }

  /** Whether nothing is held or queued (the lease can be forgotten). */
  get idle(): boolean {
    return (
      this.#deltas.size === 0 &&
      (!this.hasRpm || this.slots === 0) &&
      (!Number.isFinite(this.tokens) || this.tokens === 0)
    );
  }

  /** Starts a new lease window (the limiter calls it on its timer). */
  tick(): void {
    this.#prevAdmitted = this.admitted;
    this.#prevTokens = this.admittedTokens;
    this.admitted = 0;
    this.admittedTokens = 0;
  }

  /**
   * The lease to ask for: one and a half windows of the demand seen in this window or the last
   * (whichever is larger), or nothing below `minAdmissions` per window (slow tenants stay exact).
   * `minTokens` is the average reservation: a smaller token grant would admit nobody.
   */
  want(minAdmissions: number): { slots: number; tokens: number; minTokens: number } {
    const cur = this.admitted >= this.#prevAdmitted;
    const n = cur ? this.admitted : this.#prevAdmitted;
    if (n < minAdmissions) return { slots: 0, tokens: 0, minTokens: 0 };
    const avg = Math.ceil((cur ? this.admittedTokens : this.#prevTokens) / n);
    const slots = Math.ceil(n * 1.5);
    return { slots, tokens: slots * avg, minTokens: avg };
  }

  /** Whether the tenant admitted nothing for two windows. */
  get quiet(): boolean {
    return this.admitted === 0 && this.#prevAdmitted === 0;
  }

  #add(key: string, kind: Delta["kind"], add: number, spent: number): void {
    const d = this.#deltas.get(key);
    if (d === undefined) this.#deltas.set(key, { key, kind, add, spent });
    else {
      d.add += add;
      d.spent += spent;
    }
  }
}
