// Leader election on a coordination.k8s.io/v1 Lease, following client-go `leaderelection`:
//  - the decision (create / acquire / renew / wait) is a pure function of the observed Lease, our
//    identity and our own monotonic clock, so it is table-tested;
//  - we take over a foreign lease only after a full leaseDuration passed on OUR clock since we last
//    saw the record change (clock skew between nodes cannot shorten it);
//  - writes are optimistic (PUT with resourceVersion); a 409 just means "try again next period";
//  - a leader that cannot renew within renewDeadline, or sees another holder, has lost leadership
//    and must stop reconciling at once (controller-runtime exits the process);
//  - on graceful stop we release the lease (empty holder, 1 s duration) so a standby takes over fast.
import type { KubeHttp } from "../clients/http.ts";
import { isApiError } from "../clients/http.ts";
import { resourcePath } from "../clients/paths.ts";
import { LEASE } from "./core-kinds.ts";
import { realClock, sleep } from "./clock.ts";
import type { Clock } from "./clock.ts";
import type { Logger } from "./logger.ts";

/** The Lease fields leader election reads and writes. */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

/** coordination.k8s.io/v1 Lease as plain JSON. */
export interface Lease {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; [k: string]: unknown };
  spec?: LeaseSpec;
}

/** What to do after observing the Lease. */
export type LeaseDecision =
  | { action: "create" }
  | { action: "acquire" }
  | { action: "renew" }
  | { action: "wait"; holder: string; remainingMs: number };

/** Input of `decideLease`. */
export interface LeaseObservation {
  /** The Lease as read now; undefined if it does not exist. */
  spec: LeaseSpec | undefined;
  identity: string;
  /** Our monotonic time now. */
  nowMono: number;
  /** Our monotonic time when we first saw the current record (it last changed). */
  observedAtMono: number;
}

/**
 * Pure decision of one acquire/renew round. A foreign holder is honoured until
 * `observedAtMono + leaseDurationSeconds` on our own clock; an empty holder can be taken at once.
 */
export function decideLease(o: LeaseObservation): LeaseDecision {
  if (o.spec === undefined) return { action: "create" };
  const holder = o.spec.holderIdentity ?? "";
  if (holder === o.identity) return { action: "renew" };
  if (holder === "") return { action: "acquire" };
  const durationMs = (o.spec.leaseDurationSeconds ?? 0) * 1000;
  const remainingMs = o.observedAtMono + durationMs - o.nowMono;
  return remainingMs > 0 ? { action: "wait", holder, remainingMs } : { action: "acquire" };
}

/** Compares the fields that signal a holder is alive (client-go compares the raw record). */
export function sameLeaseRecord(a: LeaseSpec | undefined, b: LeaseSpec | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const fields = [
    "holderIdentity",
    "renewTime",
    "acquireTime",
    "leaseDurationSeconds",
    "leaseTransitions",
  ] as const;
  // null and missing are the same record.
  return fields.every((f) => (a[f] ?? null) === (b[f] ?? null));
}

/**
 * Formats epoch milliseconds (fractional allowed) as a metav1.MicroTime: RFC 3339 with exactly six
 * fractional digits, e.g. "2026-11-27T10:00:00.123456Z" (the API server rejects other precisions).
 */
export function formatMicroTime(epochMs: number): string {
  const micros = Math.round(epochMs * 1000);
  const wholeMs = Math.floor(micros / 1000);
  const iso = new Date(wholeMs).toISOString(); // ...T10:00:00.123Z
  const sub = String(micros - wholeMs * 1000).padStart(3, "0");
  return `${iso.slice(0, -1)}${sub}Z`;
}

/** The spec to write for a create/acquire/renew decision. */
export function nextLeaseSpec(
  decision: "create" | "acquire" | "renew",
  current: LeaseSpec | undefined,
  identity: string,
  nowWallMs: number,
  leaseDurationMs: number,
): LeaseSpec {
  const now = formatMicroTime(nowWallMs);
  const transitions = current?.leaseTransitions ?? 0;
  const spec: LeaseSpec = {
    holderIdentity: identity,
    leaseDurationSeconds: Math.max(1, Math.round(leaseDurationMs / 1000)),
    renewTime: now,
    acquireTime: decision === "renew" ? (current?.acquireTime ?? now) : now,
    leaseTransitions:
      decision === "acquire" && (current?.holderIdentity ?? "") !== ""
        ? transitions + 1
        : transitions,
  };
  return spec;
}

/** Options for `LeaderElector`. */
export interface LeaderElectorOptions {
  http: KubeHttp;
  leaseName: string;
  leaseNamespace: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  /** Called once when leadership is lost (not on release). */
  onLost: () => void;
  /** Called with true/false as leadership changes (metrics). */
  onStatus?: (leader: boolean) => void;
}

/** Runs the acquire → renew loop for one Lease. */
export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectorOptions, "onStatus" | "clock" | "random">> &
    Pick<LeaderElectorOptions, "onStatus">;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #stop = new AbortController();
  #observed: LeaseSpec | undefined;
  #observedAt = 0;
  #lease: Lease | undefined;
  #leader = false;
  /** Monotonic time of the last successful acquire or renew. */
  #lastRenew = 0;
  #renewLoop: Promise<void> | undefined;

  constructor(opts: LeaderElectorOptions) {
    this.#o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      ...opts,
    };
    if (this.#o.renewDeadlineMs >= this.#o.leaseDurationMs)
      throw new Error("renewDeadline must be shorter than leaseDuration");
    this.#clock = opts.clock ?? realClock;
    this.#random = opts.random ?? Math.random;
  }

  isLeader(): boolean {
    return this.#leader;
  }

  /**
   * Whether this replica may act as leader right now: it holds the lease and renewed it within
   * renewDeadline. A process that was frozen (SIGSTOP, a VM pause, a long GC) wakes up with its
   * timers late and its watch events queued; this check runs before each reconcile, so it steps
   * down before acting on them instead of writing as a leader another replica has replaced.
   */
  stillLeader(): boolean {
    if (!this.#leader) return false;
    if (this.#clock.monotonic() - this.#lastRenew >= this.#o.renewDeadlineMs) {
      this.#lose();
      return false;
    }
    return true;
  }

  /** Blocks until this replica holds the lease (true) or `stop` was called (false). Then keeps renewing. */
  async acquire(): Promise<boolean> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      // A standby's hung request is harmless, but bound it so `stop` is not held up for long.
      if (
        await this.#tryAcquireOrRenew(
          AbortSignal.any([signal, AbortSignal.timeout(Math.ceil(this.#o.leaseDurationMs))]),
        )
      ) {
        this.#lastRenew = this.#clock.monotonic();
        this.#setLeader(true);
        this.#o.logger.info(
          { lease: this.#o.leaseName, identity: this.#o.identity },
          "Acquired leadership",
        );
        this.#renewLoop = this.#renew().catch((err: unknown) => {
          // A crashed renew loop would leave us acting as leader without renewing: step down.
          this.#o.logger.error({ err }, "Lease renew loop failed");
          this.#lose();
        });
        return true;
      }
      // client-go JitterFactor 1.2: spread standby polls.
      await sleep(this.#o.retryPeriodMs * (1 + this.#random() * 1.2), this.#clock, signal);
    }
    return false;
  }

  /** Stops renewing and, if leader, releases the lease so another replica can take over at once. */
  async release(): Promise<void> {
    this.#stop.abort();
    await this.#renewLoop;
    if (!this.#leader || this.#lease === undefined) return;
    this.#setLeader(false);
    const now = formatMicroTime(this.#clock.now());
    const spec: LeaseSpec = {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      renewTime: now,
      acquireTime: now,
      leaseTransitions: this.#lease.spec?.leaseTransitions ?? 0,
    };
    try {
      await this.#put(
        { ...this.#lease, spec },
        AbortSignal.timeout(Math.ceil(this.#o.renewDeadlineMs)),
      );
      this.#o.logger.info({ lease: this.#o.leaseName }, "Released leadership");
    } catch (err) {
      this.#o.logger.warn({ err }, "Failed to release lease");
    }
  }

  async #renew(): Promise<void> {
    const signal = this.#stop.signal;
    let lastRenew = this.#clock.monotonic();
    while (!signal.aborted) {
      await sleep(this.#o.retryPeriodMs, this.#clock, signal);
      if (this.#stopped()) return;
      // A request hanging on a black-holed API server must not outlive the renew deadline: the
      // leader has to step down before other replicas may consider the lease expired.
      const remaining = this.#o.renewDeadlineMs - (this.#clock.monotonic() - lastRenew);
      const ok = await this.#tryAcquireOrRenew(
        AbortSignal.timeout(Math.max(1, Math.ceil(remaining))),
      );
      if (this.#stopped()) return;
      if (ok) {
        lastRenew = this.#clock.monotonic();
        this.#lastRenew = lastRenew;
        continue;
      }
      const otherHolder =
        (this.#observed?.holderIdentity ?? "") !== this.#o.identity && this.#observed !== undefined;
      if (otherHolder || this.#clock.monotonic() - lastRenew >= this.#o.renewDeadlineMs) {
        this.#lose();
        return;
      }
    }
  }

  #lose(): void {
    if (this.#stop.signal.aborted) return;
    this.#setLeader(false);
    this.#o.logger.error(
      { lease: this.#o.leaseName, holder: this.#observed?.holderIdentity },
      "Lost leadership",
    );
    this.#stop.abort();
    this.#o.onLost();
  }

  /** One round: read, decide, write. Returns true if we hold the lease afterwards. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    try {
      const current = await this.#get(signal);
      const nowMono = this.#clock.monotonic();
      const seen = current === undefined ? undefined : (current.spec ?? {});
      if (
        !sameLeaseRecord(seen, this.#observed) ||
        (seen === undefined) !== (this.#observed === undefined)
      ) {
        this.#observed = seen;
        this.#observedAt = nowMono;
      }
      const d = decideLease({
        spec: this.#observed,
        identity: this.#o.identity,
        nowMono,
        observedAtMono: this.#observedAt,
      });
      if (d.action === "wait") return false;
      const spec = nextLeaseSpec(
        d.action,
        this.#observed,
        this.#o.identity,
        this.#clock.now(),
        this.#o.leaseDurationMs,
      );
      this.#lease =
        d.action === "create" || current === undefined
          ? await this.#create(spec, signal)
          : await this.#put({ ...current, spec }, signal);
      this.#observed = this.#lease.spec;
      this.#observedAt = this.#clock.monotonic();
      return true;
    } catch (err) {
      // 409: someone else wrote first; anything else: API trouble. Either way retry next period.
      if (!isApiError(err, 409)) this.#o.logger.warn({ err }, "Lease update failed");
      return false;
    }
  }

  #path(name?: string): string {
    return resourcePath(LEASE, this.#o.leaseNamespace, name);
  }

  async #get(signal: AbortSignal): Promise<Lease | undefined> {
    try {
      return (
        await this.#o.http.request<Lease>({
          method: "GET",
          path: this.#path(this.#o.leaseName),
          signal,
        })
      ).body;
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw err;
    }
  }

  async #create(spec: LeaseSpec, signal: AbortSignal): Promise<Lease> {
    const body: Lease = {
      apiVersion: LEASE.apiVersion,
      kind: LEASE.kind,
      metadata: { name: this.#o.leaseName, namespace: this.#o.leaseNamespace },
      spec,
    };
    return (await this.#o.http.request<Lease>({ method: "POST", path: this.#path(), body, signal }))
      .body;
  }

  /** PUT carries metadata.resourceVersion, so a concurrent writer makes it fail with 409. */
  async #put(lease: Lease, signal: AbortSignal): Promise<Lease> {
    return (
      await this.#o.http.request<Lease>({
        method: "PUT",
        path: this.#path(this.#o.leaseName),
        body: lease,
        signal,
      })
    ).body;
  }

  /** Read through a method: TS narrows `signal.aborted` across awaits as if it could not change. */
  #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  #setLeader(v: boolean): void {
    if (this.#leader === v) return;
    this.#leader = v;
    this.#o.onStatus?.(v);
  }
}
