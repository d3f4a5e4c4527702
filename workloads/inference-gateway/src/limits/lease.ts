/**
 * A replica's local share of one tenant's limits (pure: no Redis, no clock; callers pass windows
 * and counts). The replica leases request slots and tokens from Redis ahead of demand: they are
 * counted there exactly like admitted requests (rpm/tpm counters, the budget's `reserved`), so no
 * replica can hand out more than the limits allow, and requests are then admitted from the lease
 * without a round trip. Settlements refund into the lease and queue their Redis deltas; the
 * limiter writes those, and gives back what is left, on the next script call (limits/limiter.ts).
 *
 * A lease belongs to one minute (rpm/tpm) and one budget period per budget (tokens, cost); when any
 * rolls over, or the tenant's limits change, the whole lease is given back and a new one taken.
 *
 * Two pools are leased besides request slots: tokens (held in the tpm counter and the token
 * budget) and micro-units of money (held in the cost budget). Budgets are held per replica in
 * Redis with an expiry the replica keeps renewing (limits/batch.ts), so a lease is only usable
 * until {@link TenantLease.validUntil}: past it Redis may already have returned it.
 */

/** A tenant's limits as the limiter reads them (0 = no rpm/tpm limit, -1 = no budget). */
export interface Limits {
  rpm: number;
  tpm: number;
  budget: number;
  periodSeconds: number;
  /** Cost budget in micro-units (-1 = none). */
  cost: number;
  costPeriodSeconds: number;
}

/** The Redis keys a lease and its reservations live in. */
export interface Window {
  minute: number;
  /** Start of the budget period (epoch seconds). */
  periodStart: number;
  rpmKey: string;
  tpmKey: string;
  budgetKey: string;
  /** Start of the cost budget period (epoch seconds). */
  costPeriodStart: number;
  costKey: string;
}

/** An admitted request's reservation; settle it exactly once. */
export interface Reservation {
  tenant: string;
  tokens: number;
  /** Micro-units of money reserved (0 without a cost budget). */
  micro: number;
  /** Limits and window it was admitted under (a refund goes to the lease only if both still hold). */
  sig: string;
  window: Window;
  hasTpm: boolean;
  hasBudget: boolean;
  hasCost: boolean;
  /** Currency of the cost budget ("" without one). */
  currency: string;
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
  cost: boolean;
}

/** Identity of a set of limits: a lease taken under other limits is given back. */
export function limitsSig(l: Limits): string {
  return `${l.rpm}/${l.tpm}/${l.budget}/${l.periodSeconds}/${l.cost}/${l.costPeriodSeconds}`;
}

/** One tenant's lease and pending deltas on this replica. */
export class TenantLease {
  sig = "";
  window: Window;
  hasRpm = false;
  hasTpm = false;
  hasBudget = false;
  hasCost = false;
  /** Request slots held in the rpm counter (Infinity without an rpm limit). */
  slots = 0;
  /** Tokens held in the tpm counter and/or the budget's reservations (Infinity without either). */
  tokens = 0;
  /** Micro-units held in the cost budget's reservations (Infinity without a cost budget). */
  micro = 0;
  /**
   * Until when (epoch ms) the lease may be used: Redis keeps a replica's budget reservations only
   * while the replica renews them, so a lease not confirmed for a while is not trusted.
   */
  validUntil = 0;
  /** Admissions asked for (and their tokens and micro-units) in this lease window and the one before. */
  admitted = 0;
  admittedTokens = 0;
  admittedMicro = 0;
  #prevAdmitted = 0;
  #prevTokens = 0;
  #prevMicro = 0;
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
    this.hasCost = limits.cost >= 0;
    this.slots = this.hasRpm ? 0 : Infinity;
    this.tokens = this.hasTpm || this.hasBudget ? 0 : Infinity;
    this.micro = this.hasCost ? 0 : Infinity;
  }

  /** Whether this lease is for the limits with this {@link limitsSig} (else {@link configure}). */
  fits(sig: string): boolean {
    return sig === this.sig;
  }

  /** Whether `minute` and the period starts are this lease's window. */
  inWindow(minute: number, periodStart: number, costPeriodStart: number): boolean {
    const w = this.window;
    return (
      w.minute === minute && w.periodStart === periodStart && w.costPeriodStart === costPeriodStart
    );
  }

  /** Moves to a new window (a new minute or budget period), giving the lease back. */
  roll(window: Window): void {
    this.release();
    this.window = window;
  }

  /** Takes a slot, `tokens` and `micro` from the lease; false (nothing taken) when it lacks any or has lapsed. */
  take(tokens: number, micro: number, now: number): boolean {
    if (this.slots < 1 || this.tokens < tokens || this.micro < micro) return false;
    if (now > this.validUntil && (this.hasBudget || this.hasCost)) return false;
    this.slots -= 1;
    this.tokens -= tokens;
    this.micro -= micro;
    return true;
  }

  /** Counts an admission asked for, however it is decided (the demand sizes the lease). */
  demand(tokens: number, micro: number): void {
    this.admitted++;
    this.admittedTokens += tokens;
    this.admittedMicro += micro;
  }

  /**
   * Adds what Redis granted for a lease asked under `sig` and `window` (confirmed until
   * `validUntil`); if the limits or the window changed meanwhile, the grant is given back instead.
   */
  grant(
    sig: string,
    window: Window,
    limited: Limited,
    granted: { slots: number; tokens: number; micro: number },
    validUntil: number,
  ): void {
    const { slots, tokens, micro } = granted;
    if (sig === this.sig && window === this.window) {
      if (this.hasRpm) this.slots += slots;
      if (this.hasTpm || this.hasBudget) this.tokens += tokens;
      if (this.hasCost) this.micro += micro;
      this.validUntil = validUntil;
      return;
    }
    if (limited.rpm && slots > 0) this.#add(window.rpmKey, "counter", -slots, 0);
    if (tokens > 0) {
      if (limited.tpm) this.#add(window.tpmKey, "counter", -tokens, 0);
      if (limited.budget) this.#add(window.budgetKey, "budget", -tokens, 0);
    }
    if (limited.cost && micro > 0) this.#add(window.costKey, "budget", -micro, 0);
  }

  /** Records that Redis confirmed (renewed) this replica's holdings until `validUntil`. */
  confirm(window: Window, validUntil: number): void {
    if (window === this.window) this.validUntil = validUntil;
  }

  /**
   * Settles `r` at `actual` tokens and `actualMicro` micro-units, each at most what was reserved
   * (the caller charges no more than the reservation; see limiter.ts). Admitted under this lease's
   * limits and window, the unused part returns to the lease (still held in Redis) and only the
   * conversion to spent is queued; otherwise its own keys are corrected.
   */
  settle(r: Reservation, actual: number, actualMicro: number): void {
    const w = r.window;
    const used = Math.min(actual, r.tokens);
    const usedMicro = Math.min(actualMicro, r.micro);
    if (r.sig === this.sig && w === this.window) {
      if (this.hasTpm || this.hasBudget) this.tokens += r.tokens - used;
      if (this.hasCost) this.micro += r.micro - usedMicro;
      if (r.hasBudget) this.#add(w.budgetKey, "budget", -used, used);
      if (r.hasCost) this.#add(w.costKey, "budget", -usedMicro, usedMicro);
      return;
    }
    if (r.hasTpm) this.#add(w.tpmKey, "counter", used - r.tokens, 0);
    if (r.hasBudget) this.#add(w.budgetKey, "budget", -r.tokens, used);
    if (r.hasCost) this.#add(w.costKey, "budget", -r.micro, usedMicro);
  }

  /** Gives the whole lease back (queued as deltas). */
  release(): void {
    const w = this.window;
    if (this.hasRpm && this.slots > 0) this.#add(w.rpmKey, "counter", -this.slots, 0);
    if (this.tokens > 0 && Number.isFinite(this.tokens)) {
      if (this.hasTpm) this.#add(w.tpmKey, "counter", -this.tokens, 0);
      if (this.hasBudget) this.#add(w.budgetKey, "budget", -this.tokens, 0);
    }
    if (this.hasCost && this.micro > 0) this.#add(w.costKey, "budget", -this.micro, 0);
    if (this.hasRpm) this.slots = 0;
    if (this.hasTpm || this.hasBudget) this.tokens = 0;
    if (this.hasCost) this.micro = 0;
  }

  /** Takes the queued deltas (sorted by key, zero deltas dropped). */
  drain(): Delta[] {
    const out = [...this.#deltas.values()]
      .filter((d) => d.add !== 0 || d.spent !== 0)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#deltas.clear();
    return out;
  }

  /** Puts deltas that could not be written back in the queue (they were never sent). */
  requeue(deltas: readonly Delta[]): void {
    for (const d of deltas) this.#add(d.key, d.kind, d.add, d.spent);
  }

  /** Whether nothing is held or queued (the lease can be forgotten). */
  get idle(): boolean {
    return (
      this.#deltas.size === 0 &&
      (!this.hasRpm || this.slots === 0) &&
      (!Number.isFinite(this.tokens) || this.tokens === 0) &&
      (!Number.isFinite(this.micro) || this.micro === 0)
    );
  }

  /** Starts a new lease window (the limiter calls it on its timer). */
  tick(): void {
    this.#prevAdmitted = this.admitted;
    this.#prevTokens = this.admittedTokens;
    this.#prevMicro = this.admittedMicro;
    this.admitted = 0;
    this.admittedTokens = 0;
    this.admittedMicro = 0;
  }

  /**
   * The lease to ask for: one and a half windows of the demand seen in this window or the last
   * (whichever is larger), or nothing below `minAdmissions` per window (slow tenants stay exact).
   * `minTokens` / `minMicro` are the average reservation: a smaller grant would admit nobody.
   */
  want(minAdmissions: number): LeaseWant {
    const cur = this.admitted >= this.#prevAdmitted;
    const n = cur ? this.admitted : this.#prevAdmitted;
    if (n < minAdmissions) return NO_LEASE;
    const avg = Math.ceil((cur ? this.admittedTokens : this.#prevTokens) / n);
    const avgMicro = Math.ceil((cur ? this.admittedMicro : this.#prevMicro) / n);
    const slots = Math.ceil(n * 1.5);
    return {
      slots,
      tokens: slots * avg,
      minTokens: avg,
      micro: slots * avgMicro,
      minMicro: avgMicro,
    };
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

/** What a lease asks Redis for. */
export interface LeaseWant {
  slots: number;
  tokens: number;
  minTokens: number;
  micro: number;
  minMicro: number;
}

/** No lease (a slow tenant, or a call that only settles). */
export const NO_LEASE: LeaseWant = { slots: 0, tokens: 0, minTokens: 0, micro: 0, minMicro: 0 };
