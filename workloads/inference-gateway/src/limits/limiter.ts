/**
 * Per-tenant limits in Redis: requests per minute, tokens per minute and a token budget per
 * period. Admission checks all three and, only if all pass, counts the request and reserves its
 * estimated tokens — atomically inside one Lua script, so concurrent requests (on any number of
 * gateway replicas) cannot overspend. Settlement replaces the reservation with the actual usage
 * (refunding the difference).
 *
 * Admissions and settlements are batched: everything queued for a tenant leaves as a single
 * script call (see limits/batch.ts), settlements first. An admission flushes on the next
 * `setImmediate`, so it waits for nothing; a settlement rides along with the next admission
 * flush, or with its own after `settleDelayMs` (5 ms) when none comes — the client already has
 * its answer, and holding a reservation a few milliseconds longer can only refuse early, never
 * overspend. Under load this turns two Redis round trips per request into a fraction of one.
 * Urgent settlements (failed requests) flush on the next turn; close() flushes what is left.
 *
 * Keys (hash tag = tenant, so one Redis Cluster slot per tenant and per batch):
 *   igw:{t}:rpm:<minute>   counter, expires after 2 minutes
 *   igw:{t}:tpm:<minute>   counter, expires after 2 minutes
 *   igw:{t}:budget:<periodStart>  hash {spent, reserved}, expires after the period
 */
import type { Redis } from "ioredis";
import type { TenantConfig } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";
import { BATCH_LUA, decodeBatch, encodeBatch } from "./batch.ts";
import type { AdmitOp, SettleOp } from "./batch.ts";

interface LimiterCommands {
  igwLimits(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
}

/** An admitted request's reservation; settle it exactly once. */
export interface Reservation {
  tenant: string;
  tokens: number;
  tpmKey: string;
  budgetKey: string;
  hasTpm: boolean;
  hasBudget: boolean;
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
): void {
  const toNextMinute = Math.max(1, Math.ceil((60_000 - (now % 60_000)) / 1000));
  if (reason === 1) throw new GatewayError("GW_ERR_RATE_LIMITED", { retryAfter: toNextMinute });
  if (reason === 2)
    throw new GatewayError("GW_ERR_TOKEN_RATE_LIMITED", { retryAfter: toNextMinute });
  if (reason !== 3) return;
  const pending = detail === 1;
  throw new GatewayError("GW_ERR_BUDGET_EXCEEDED", {
    retryAfter: pending ? 1 : budgetResetIn,
    message: pending
      ? "Token budget fully reserved by in-flight requests; retry shortly"
      : "Token budget exhausted for this period",
  });
}

interface QueuedAdmit {
  op: AdmitOp;
  resolve: (res: [number, number]) => void;
  reject: (err: unknown) => void;
}

interface QueuedSettle {
  op: SettleOp;
  done: () => void;
  onError: (err: unknown) => void;
}

interface TenantQueue {
  admits: QueuedAdmit[];
  settles: QueuedSettle[];
}

/** Options of the limiter. */
export interface LimiterOptions {
  /** Longest time a settlement waits for an admission to ride along with (default 5 ms). */
  settleDelayMs?: number;
}

/** Redis-backed limiter. */
export class Limiter {
  readonly #redis: Redis & LimiterCommands;
  readonly #settleDelayMs: number;
  #queues = new Map<string, TenantQueue>();
  #immediate: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #sending = new Set<Promise<void>>();

  constructor(redis: Redis, opts: LimiterOptions = {}) {
    redis.defineCommand("igwLimits", { lua: BATCH_LUA });
    this.#redis = redis as Redis & LimiterCommands;
    this.#settleDelayMs = opts.settleDelayMs ?? 5;
  }

  /** Admits a request estimated at `tokens`, or throws a 429 {@link GatewayError}. Undefined when the tenant has no limits. */
  async admit(
    tenant: TenantConfig,
    tokens: number,
    now: number = Date.now(),
  ): Promise<Reservation | undefined> {
    const l = tenant.limits;
    if (
      l === undefined ||
      (l.rpm === undefined && l.tpm === undefined && l.tokenBudget === undefined)
    )
      return undefined;
    const minute = Math.floor(now / 60_000);
    const rpmKey = `igw:{${tenant.id}}:rpm:${minute}`;
    const tpmKey = `igw:{${tenant.id}}:tpm:${minute}`;
    const period = l.tokenBudget?.periodSeconds ?? DEFAULT_BUDGET_PERIOD;
    const bw = budgetWindow(tenant.id, period, now);
    const op: AdmitOp = {
      rpmKey,
      tpmKey,
      budgetKey: bw.key,
      rpmLimit: l.rpm ?? 0,
      tpmLimit: l.tpm ?? 0,
      budget: l.tokenBudget?.tokens ?? -1,
      tokens,
      budgetTtl: period + 3600,
    };
    let res: [number, number];
    try {
      res = await new Promise<[number, number]>((resolve, reject) => {
        this.#queue(tenant.id).admits.push({ op, resolve, reject });
        this.#schedule(true);
      });
    } catch (err) {
      throw new GatewayError("GW_ERR_DEPENDENCY_UNAVAILABLE", { cause: err, retryAfter: 1 });
    }
    refusal(res, now, bw.resetIn);
    return {
      tenant: tenant.id,
      tokens,
      tpmKey,
      budgetKey: bw.key,
      hasTpm: l.tpm !== undefined,
      hasBudget: l.tokenBudget !== undefined,
    };
  }

  /**
   * Replaces the reservation with the actual usage; resolves once written. Never rejects (errors
   * go to `onError`). `urgent` flushes on the next turn instead of waiting to ride along.
   */
  settle(
    r: Reservation | undefined,
    actualTokens: number,
    onError: (err: unknown) => void,
    urgent = false,
  ): Promise<void> {
    if (r === undefined) return Promise.resolve();
    const op: SettleOp = {
      tpmKey: r.tpmKey,
      budgetKey: r.budgetKey,
      reserved: r.tokens,
      actual: Math.max(0, Math.round(actualTokens)),
      hasTpm: r.hasTpm,
      hasBudget: r.hasBudget,
    };
    return new Promise<void>((done) => {
      this.#queue(r.tenant).settles.push({ op, done, onError });
      this.#schedule(urgent);
    });
  }

  /** Sends everything queued and waits for all batches in flight (call before closing Redis). */
  async close(): Promise<void> {
    this.#flush();
    await Promise.all(this.#sending);
  }

  #queue(tenant: string): TenantQueue {
    let q = this.#queues.get(tenant);
    if (q === undefined) {
      q = { admits: [], settles: [] };
      this.#queues.set(tenant, q);
    }
    return q;
  }

  #schedule(urgent: boolean): void {
    if (this.#immediate !== undefined) return;
    if (urgent) {
      this.#immediate = setImmediate(() => {
        this.#flush();
      });
    } else {
      this.#timer ??= setTimeout(() => {
        this.#flush();
      }, this.#settleDelayMs);
    }
  }

  #flush(): void {
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#immediate = undefined;
    this.#timer = undefined;
    const queues = this.#queues;
    this.#queues = new Map();
    for (const q of queues.values()) {
      const p = this.#send(q);
      this.#sending.add(p);
      void p.finally(() => this.#sending.delete(p));
    }
  }

  async #send(q: TenantQueue): Promise<void> {
    const { keys, args } = encodeBatch(
      q.settles.map((s) => s.op),
      q.admits.map((a) => a.op),
    );
    let results: [number, number][];
    try {
      const raw = await this.#redis.igwLimits(keys.length, ...keys, ...args);
      results = decodeBatch(raw, q.admits.length);
    } catch (err) {
      for (const s of q.settles) {
        s.onError(err);
        s.done();
      }
      for (const a of q.admits) a.reject(err);
      return;
    }
    for (const s of q.settles) s.done();
    results.forEach((res, i) => {
      q.admits[i]?.resolve(res);
    });
  }
}
