/**
 * Per-tenant limits in Redis: requests per minute, tokens per minute and a token budget per
 * period. Admission checks all three and, only if all pass, counts the request and reserves its
 * estimated tokens — atomically inside one Lua script, so concurrent requests (on any number of
 * gateway replicas) cannot overspend. Settlement replaces the reservation with the actual usage
 * (refunding the difference).
 *
 * Busy tenants are admitted from a lease (limits/lease.ts): each replica holds request slots and
 * tokens that Redis has already counted as used or reserved, sized to one and a half lease windows
 * (`leaseMs`, 100 ms) of the tenant's demand and never more than 1/8 of what is left. Admission
 * from the lease needs no round trip; a request the lease cannot cover waits for one script call
 * per tenant and turn of the event loop (limits/batch.ts) that gives the lease back, writes the
 * queued settlements, decides the waiting requests one by one exactly as before, and takes a new
 * lease. Every `leaseMs` the same call renews each busy tenant's lease, so settlements reach Redis
 * within one window and unused leases go back within two. Tenants below 4 requests per window get
 * no lease: their requests are decided in Redis one by one, as exact as ever.
 *
 * Budgets (tokens, and money in micro-units) hold each replica's reservations under its own id
 * with an expiry it renews on every call; a tenant with requests in flight is renewed at least
 * every `reservationTtlMs / 3`. A replica that crashes leaves its lease and in-flight reservations
 * counted only until they expire (`reservationTtlMs`, default 30 s), and rpm/tpm holdings until
 * their minute ends. A request is never charged more than it reserved (see chat.ts: the upstream
 * call is bounded to the reservation), so spend stays within the budget.
 *
 * What this trades: another replica may be refused (429 with Retry-After 1) while this one holds
 * a lease it will not use for up to two windows.
 *
 * When Redis cannot be reached, requests of tenants with limits are refused at once (503
 * GW_ERR_DEPENDENCY_UNAVAILABLE, no waiting for command timeouts) and queued settlements are kept
 * and written after it returns; tenants without limits are not affected.
 *
 * Keys (hash tag = tenant, so one Redis Cluster slot per tenant and per call):
 *   igw:{t}:rpm:<minute>   counter, expires after 2 minutes
 *   igw:{t}:tpm:<minute>   counter, expires after 2 minutes
 *   igw:{t}:budget:<periodStart>  hash {spent, r:<replica>, e:<replica>}, expires an hour after the period
 *   igw:{t}:cost:<periodStart>    the same for the cost budget (micro-units)
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { TenantConfig } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { BATCH_LUA, decodeBatch, encodeBatch } from "./batch.ts";
import type { AdmitOp, LimitKeys } from "./batch.ts";
import { NO_LEASE, TenantLease, limitsSig } from "./lease.ts";
import type { Limited, Limits, Reservation, Window } from "./lease.ts";

export type { Reservation } from "./lease.ts";

interface LimiterCommands {
  igwLimits(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

const DEFAULT_BUDGET_PERIOD = 30 * 86_400;

/** Budget key and seconds left for a tenant at `now` (ms). */
export function budgetWindow(
  tenant: string,
  periodSeconds: number,
  now: number,
): { key: string; resetIn: number } {
  const nowS = Math.floor(now / 1000);
  const start = nowS - (nowS % periodSeconds);
  return { key: `igw:{${tenant}}:budget:${start}`, resetIn: start + periodSeconds - nowS };
}

/** Throws the 429 matching an admission result; returns when admitted. */
export function refusal(
  [reason, detail]: [number, number],
  now: number,
  budgetResetIn: number,
  costResetIn: number = budgetResetIn,
): void {
  const toNextMinute = Math.max(1, Math.ceil((60_000 - (now % 60_000)) / 1000));
  if (reason === 1) throw new GatewayError("GW_ERR_RATE_LIMITED", { retryAfter: toNextMinute });
  if (reason === 2)
    throw new GatewayError("GW_ERR_TOKEN_RATE_LIMITED", { retryAfter: toNextMinute });
  if (reason === 4) {
    const held = detail === 1;
    throw new GatewayError("GW_ERR_COST_BUDGET_EXCEEDED", {
      retryAfter: held ? 1 : costResetIn,
      message: held
        ? "Cost budget fully reserved by in-flight requests; retry shortly"
        : "Cost budget exhausted for this period",
    });
  }
  if (reason !== 3) return;
  const pending = detail === 1;
  throw new GatewayError("GW_ERR_BUDGET_EXCEEDED", {
    retryAfter: pending ? 1 : budgetResetIn,
    message: pending
      ? "Token budget fully reserved by in-flight requests; retry shortly"
      : "Token budget exhausted for this period",
  });
}

/** A tenant's limits as read from its config (cached per config object). */
interface TenantLimits {
  limits: Limits;
  sig: string;
}

const limitsCache = new WeakMap<TenantConfig, TenantLimits | null>();

function readLimits(l: TenantConfig["limits"]): TenantLimits | null {
  if (l === undefined) return null;
  if (Object.keys(l).length === 0) return null;
  const limits: Limits = {
    rpm: l.rpm ?? 0,
    tpm: l.tpm ?? 0,
    budget: l.tokenBudget?.tokens ?? -1,
    periodSeconds: l.tokenBudget?.periodSeconds ?? DEFAULT_BUDGET_PERIOD,
    cost: l.costBudget?.microUnits ?? -1,
    costPeriodSeconds: l.costBudget?.periodSeconds ?? DEFAULT_BUDGET_PERIOD,
  };
  return { limits, sig: limitsSig(limits) };
}

function limitsOf(tenant: TenantConfig): TenantLimits | null {
  let v = limitsCache.get(tenant);
  if (v === undefined) {
    v = readLimits(tenant.limits);
    limitsCache.set(tenant, v);
  }
  return v;
}

/** How a waiting admission was decided, and the window its reservation lives in. */
interface Decided {
  res: [number, number];
  window: Window;
}

interface Waiting {
  tokens: number;
  micro: number;
  op: AdmitOp;
  window: Window;
  resolve: (v: Decided) => void;
  reject: (err: unknown) => void;
}

interface TenantState {
  id: string;
  lease: TenantLease;
  limits: Limits;
  waiting: Waiting[];
  /** A script call for this tenant is in flight. */
  busy: boolean;
  /** Admitted and not yet settled (the state is kept while any are). */
  outstanding: number;
  /** When the last script call for this tenant was sent (ms). */
  lastSent: number;
}

/** Options of the limiter. */
export interface LimiterOptions {
  /** Lease window: leases are renewed and settlements written this often (default 100 ms). */
  leaseMs?: number;
  /** Fewest admissions per window for a tenant to get a lease (default 4). */
  minLeaseAdmissions?: number;
  /** Told when settlements or a returned lease could not be written. */
  onError?: (err: unknown) => void;
  /**
   * How long Redis keeps this replica's budget reservations without hearing from it (default
   * 30 s): the bound on how long a crashed replica's reservations stay counted.
   */
  reservationTtlMs?: number;
  /** Told what is used (spent + reserved) of a tenant's budgets after each script call. */
  onUsage?: (tenant: string, usedTokens: number, usedMicro: number) => void;
  /** This replica's id in Redis (default: random). */
  replicaId?: string;
}

const ADMITTED: [number, number] = [0, 0];

/** Redis-backed limiter. */
export class Limiter {
  readonly #redis: Redis & LimiterCommands;
  readonly #minLease: number;
  readonly #onError: (err: unknown) => void;
  readonly #onUsage: (tenant: string, usedTokens: number, usedMicro: number) => void;
  readonly #replica: { id: string; ttlMs: number };
  readonly #tenants = new Map<string, TenantState>();
  readonly #sending = new Set<Promise<void>>();
  /** Tenants with requests waiting for a script call. */
  readonly #due = new Set<TenantState>();
  #immediate: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** The connection was lost and is not back (set on close, cleared on ready). */
  #down = false;

  constructor(redis: Redis, opts: LimiterOptions = {}) {
    redis.defineCommand("igwLimits", { lua: BATCH_LUA });
    redis.on("close", () => {
      this.#down = true;
    });
    redis.on("ready", () => {
      this.#down = false;
    });
    this.#redis = redis as Redis & LimiterCommands;
    this.#minLease = opts.minLeaseAdmissions ?? 4;
    this.#onError = opts.onError ?? (() => undefined);
    this.#onUsage = opts.onUsage ?? (() => undefined);
    this.#replica = {
      id: opts.replicaId ?? randomBytes(6).toString("hex"),
      ttlMs: opts.reservationTtlMs ?? 30_000,
    };
    this.#timer = setInterval(() => {
      this.#renew();
    }, opts.leaseMs ?? 100);
    this.#timer.unref();
  }

  /**
   * Admits a request that may cost up to `tokens` and `micro` micro-units, or throws a 429
   * {@link GatewayError} (503 when Redis cannot be reached). Undefined when the tenant has no limits.
   */
  async admit(
    tenant: TenantConfig,
    tokens: number,
    now: number = Date.now(),
    micro = 0,
  ): Promise<Reservation | undefined> {
    const tl = limitsOf(tenant);
    if (tl === null) return undefined;
    if (tl.limits.cost < 0) micro = 0;
    const st = this.#state(tenant.id, tl, now);
    const lease = st.lease;
    // What the reservation was admitted under, even if the limits change while it waits.
    const sig = lease.sig;
    lease.demand(tokens, micro);
    let window = lease.window;
    if (st.waiting.length > 0 || !lease.take(tokens, micro, now)) {
      if (this.#down) throw new GatewayError("GW_ERR_DEPENDENCY_UNAVAILABLE", { retryAfter: 1 });
      let res: [number, number];
      try {
        ({ res, window } = await new Promise<Decided>((resolve, reject) => {
          st.waiting.push({
            tokens,
            micro,
            op: this.#admitOp(st, tokens, micro),
            window,
            resolve,
            reject,
          });
          this.#schedule(st);
        }));
      } catch (err) {
        throw new GatewayError("GW_ERR_DEPENDENCY_UNAVAILABLE", { cause: err, retryAfter: 1 });
      }
      if (res[0] !== 0)
        refusal(
          res,
          now,
          budgetWindow(tenant.id, tl.limits.periodSeconds, now).resetIn,
          budgetWindow(tenant.id, tl.limits.costPeriodSeconds, now).resetIn,
        );
    }
    st.outstanding++;
    return {
      tenant: tenant.id,
      tokens,
      micro,
      sig,
      window,
      hasTpm: tl.limits.tpm > 0,
      hasBudget: tl.limits.budget >= 0,
      hasCost: tl.limits.cost >= 0,
      currency: tenant.limits?.costBudget?.currency ?? "",
    };
  }

  /**
   * Replaces the reservation with the actual usage, charging at most what was reserved (the
   * upstream call was bounded to it; anything an upstream produced beyond is not the tenant's).
   * Local and immediate: the unused part returns to the tenant's lease, and the Redis deltas leave
   * with the next call (within one lease window, or at close()).
   */
  settle(r: Reservation | undefined, actualTokens: number, actualMicro = 0): void {
    if (r === undefined) return;
    const st = this.#tenants.get(r.tenant);
    if (st === undefined) return; // only after close()
    st.outstanding--;
    st.lease.settle(
      r,
      Math.min(r.tokens, Math.max(0, Math.ceil(actualTokens))),
      Math.min(r.micro, Math.max(0, Math.ceil(actualMicro))),
    );
  }

  /**
   * Writes what is queued and gives every lease back (call before closing Redis). With Redis
   * unreachable it gives up: what is held expires by itself (reservationTtlMs).
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    for (let round = 0; round < 5; round++) {
      while (this.#sending.size > 0) await Promise.all(this.#sending);
      const left = [...this.#tenants.values()].filter(
        (st) => !st.busy && (st.waiting.length > 0 || !st.lease.idle),
      );
      if (left.length === 0 || this.#down) return;
      for (const st of left) this.#send(st, false);
    }
  }

  #state(id: string, tl: TenantLimits, now: number): TenantState {
    let st = this.#tenants.get(id);
    const minute = Math.floor(now / 60_000);
    const nowS = Math.floor(now / 1000);
    const periodStart = nowS - (nowS % tl.limits.periodSeconds);
    const costStart = nowS - (nowS % tl.limits.costPeriodSeconds);
    if (st === undefined) {
      st = {
        id,
        lease: new TenantLease(tl.limits, window(id, minute, periodStart, costStart)),
        limits: tl.limits,
        waiting: [],
        busy: false,
        outstanding: 0,
        lastSent: 0,
      };
      this.#tenants.set(id, st);
      return st;
    }
    if (!st.lease.fits(tl.sig)) {
      st.lease.configure(tl.limits);
      st.limits = tl.limits;
    }
    if (!st.lease.inWindow(minute, periodStart, costStart))
      st.lease.roll(window(id, minute, periodStart, costStart));
    return st;
  }

  #keys(st: TenantState): LimitKeys {
    const w = st.lease.window;
    const l = st.limits;
    return {
      rpmKey: w.rpmKey,
      tpmKey: w.tpmKey,
      budgetKey: w.budgetKey,
      costKey: w.costKey,
      rpmLimit: l.rpm,
      tpmLimit: l.tpm,
      budget: l.budget,
      budgetTtl: l.periodSeconds + 3600,
      cost: l.cost,
      costTtl: l.costPeriodSeconds + 3600,
    };
  }

  #admitOp(st: TenantState, tokens: number, micro: number): AdmitOp {
    return { ...this.#keys(st), tokens, micro };
  }

  #schedule(st: TenantState): void {
    this.#due.add(st);
    this.#immediate ??= setImmediate(() => {
      this.#immediate = undefined;
      const due = [...this.#due];
      this.#due.clear();
      for (const s of due) if (!s.busy && s.waiting.length > 0) this.#send(s, !this.#closed);
    });
  }

  /**
   * Every lease window: renew busy tenants' leases, write settlements, forget idle tenants, and
   * renew the reservations of tenants with requests in flight (a third of their TTL at the latest).
   * Nothing is sent while Redis is unreachable (queued settlements wait for it).
   */
  #renew(): void {
    if (this.#down) return;
    const now = Date.now();
    const heartbeat = this.#replica.ttlMs / 3;
    for (const [id, st] of this.#tenants) {
      st.lease.tick();
      if (st.busy) continue;
      if (st.lease.idle && st.waiting.length === 0) {
        if (st.lease.quiet && st.outstanding === 0) this.#tenants.delete(id);
        const renewDue =
          st.outstanding > 0 &&
          (st.limits.budget >= 0 || st.limits.cost >= 0) &&
          now - st.lastSent >= heartbeat;
        if (st.lease.want(this.#minLease).slots === 0 && !renewDue) continue;
      }
      this.#send(st, true);
    }
  }

  /** One script call for a tenant: give back and settle, decide the waiting, take a new lease. */
  #send(st: TenantState, takeLease: boolean): void {
    st.busy = true;
    const waiting = st.waiting;
    st.waiting = [];
    const lease = st.lease;
    lease.release();
    const deltas = lease.drain();
    const want = takeLease ? lease.want(this.#minLease) : NO_LEASE;
    const keys = this.#keys(st);
    const sig = lease.sig;
    const window = lease.window;
    const limited: Limited = {
      rpm: keys.rpmLimit > 0,
      tpm: keys.tpmLimit > 0,
      budget: keys.budget >= 0,
      cost: keys.cost >= 0,
    };
    const { keys: k, args } = encodeBatch(
      deltas,
      waiting.map((w) => w.op),
      { ...keys, ...want },
      this.#replica,
    );
    const sentAt = Date.now();
    st.lastSent = sentAt;
    // Renewed holdings are trusted for two thirds of their TTL from the moment of sending.
    const validUntil = sentAt + (this.#replica.ttlMs * 2) / 3;
    // A command that never left (Redis down) is failed at once and its deltas kept; one that
    // timed out may have run, so its deltas are not sent twice.
    const sent = !this.#down;
    const call: Promise<unknown> = sent
      ? this.#redis.igwLimits(k.length, ...k, ...args)
      : Promise.reject(new Error("Redis connection lost"));
    const p = call
      .then((raw) => decodeBatch(raw, waiting.length))
      .then(
        (r) => {
          lease.grant(sig, window, limited, r, validUntil);
          lease.confirm(window, validUntil);
          this.#onUsage(st.id, r.usedBudget, r.usedCost);
          r.admits.forEach((res, i) => {
            const w = waiting[i];
            w?.resolve({ res, window: w.window });
          });
        },
        (err: unknown) => {
          if (!sent) lease.requeue(deltas);
          if (deltas.length > 0) this.#onError(err);
          for (const w of waiting) w.reject(err);
        },
      )
      .finally(() => {
        st.busy = false;
        this.#sending.delete(p);
        this.#serveFromLease(st);
      });
    this.#sending.add(p);
  }

  /** Admits waiting requests the new lease covers, in order; the rest wait for another call. */
  #serveFromLease(st: TenantState): void {
    let i = 0;
    const now = Date.now();
    for (const w of st.waiting) {
      if (!st.lease.take(w.tokens, w.micro, now)) break;
      i++;
    }
    if (i > 0) {
      const window = st.lease.window;
      for (const w of st.waiting.splice(0, i)) w.resolve({ res: ADMITTED, window });
    }
    if (st.waiting.length > 0) this.#schedule(st);
  }
}

function window(
  tenant: string,
  minute: number,
  periodStart: number,
  costPeriodStart: number,
): Window {
  return {
    minute,
    periodStart,
    rpmKey: `igw:{${tenant}}:rpm:${minute}`,
    tpmKey: `igw:{${tenant}}:tpm:${minute}`,
    budgetKey: `igw:{${tenant}}:budget:${periodStart}`,
    costPeriodStart,
    costKey: `igw:{${tenant}}:cost:${costPeriodStart}`,
  };
}
