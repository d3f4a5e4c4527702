/**
 * Circuit breaker per backend: closed → (failureThreshold consecutive failures) → open →
 * (openMs elapsed) → half-open → (halfOpenRequests probe successes) → closed, or any probe failure
 * → open again. Pure state machine; the clock is passed in.
 */

/** Breaker states; the metric value is the index (0 closed, 1 half-open, 2 open). */
export type BreakerState = "closed" | "half-open" | "open";

/** Metric value of a state. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = {
  closed: 0,
  "half-open": 1,
  open: 2,
};

/** Settings of a breaker. */
export interface BreakerSettings {
  failureThreshold: number;
  openMs: number;
  halfOpenRequests: number;
}

/** A breaker for one backend. */
export class CircuitBreaker {
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #probesInFlight = 0;
  #probeSuccesses = 0;
  settings: BreakerSettings;
  readonly #onChange: ((s: BreakerState) => void) | undefined;

  constructor(settings: BreakerSettings, onChange?: (s: BreakerState) => void) {
    this.settings = settings;
    this.#onChange = onChange;
  }

  /** The state at time `now` (open turns half-open once openMs has passed). */
  state(now: number): BreakerState {
    if (this.#state === "open" && now - this.#openedAt >= this.settings.openMs)
      this.#set("half-open");
    return this.#state;
  }

  /** Whether a request may go to the backend now; in half-open this reserves a probe slot. */
  tryAcquire(now: number): boolean {
    const s = this.state(now);
    if (s === "closed") return true;
    if (s === "open") return false;
    if (this.#probesInFlight >= this.settings.halfOpenRequests) return false;
    this.#probesInFlight++;
    return true;
  }

  /** Whether a request could be admitted now, without reserving anything. */
  isAvailable(now: number): boolean {
    const s = this.state(now);
    return (
      s === "closed" || (s === "half-open" && this.#probesInFlight < this.settings.halfOpenRequests)
    );
  }

  /** Records a successful call. */
  onSuccess(): void {
    if (this.#state === "half-open") {
      this.#probesInFlight = Math.max(0, this.#probesInFlight - 1);
      this.#probeSuccesses++;
      if (this.#probeSuccesses >= this.settings.halfOpenRequests) this.#set("closed");
      return;
    }
    this.#failures = 0;
  }

  /** Records a failed call (only failures that say something about the backend's health). */
  onFailure(now: number): void {
    if (this.#state === "half-open") {
      this.#open(now);
      return;
    }
    if (this.#state === "open") return;
    this.#failures++;
    if (this.#failures >= this.settings.failureThreshold) this.#open(now);
  }

  /** Releases a probe slot without a verdict (e.g. the client went away). */
  release(): void {
    if (this.#state === "half-open") this.#probesInFlight = Math.max(0, this.#probesInFlight - 1);
  }

  #open(now: number): void {
    this.#openedAt = now;
    this.#set("open");
  }

  #set(s: BreakerState): void {
    if (s === this.#state) return;
    this.#state = s;
    this.#failures = 0;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    this.#onChange?.(s);
  }
}
