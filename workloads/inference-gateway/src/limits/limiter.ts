/**
 * Per-tenant limits in Redis: requests per minute, tokens per minute and a token budget per
 * period. Admission is one Lua script that checks all three and, only if all pass, counts the
 * request and reserves its estimated tokens — atomically, so concurrent requests (on any number
 * of gateway replicas) cannot overspend. Settlement replaces the reservation with the actual
 * usage (refunding the difference).
 *
 * Keys (hash tag = tenant, so one Redis Cluster slot per tenant):
 *   igw:{t}:rpm:<minute>   counter, expires after 2 minutes
 *   igw:{t}:tpm:<minute>   counter, expires after 2 minutes
 *   igw:{t}:budget:<periodStart>  hash {spent, reserved}, expires after the period
 */
import type { Redis } from "ioredis";
import type { TenantConfig } from "../config/schema.ts";
import { GatewayError } from "../errors.ts";

const ADMIT = `
local rpmLimit = tonumber(ARGV[1])
local tpmLimit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local tokens = tonumber(ARGV[4])
local budgetTtl = tonumber(ARGV[5])
if rpmLimit > 0 then
  local rpm = tonumber(redis.call('GET', KEYS[1]) or '0')
  if rpm + 1 > rpmLimit then return {1, 0} end
end
if tpmLimit > 0 then
  local tpm = tonumber(redis.call('GET', KEYS[2]) or '0')
  if tpm > 0 and tpm + tokens > tpmLimit then return {2, 0} end
end
if budget >= 0 then
  local spent = tonumber(redis.call('HGET', KEYS[3], 'spent') or '0')
  local reserved = tonumber(redis.call('HGET', KEYS[3], 'reserved') or '0')
  if spent + reserved + tokens > budget then
    if spent + tokens <= budget then return {3, 1} end
    return {3, 2}
  end
  redis.call('HINCRBY', KEYS[3], 'reserved', tokens)
  redis.call('EXPIRE', KEYS[3], budgetTtl)
end
if rpmLimit > 0 then
  redis.call('INCR', KEYS[1])
  redis.call('EXPIRE', KEYS[1], 120)
end
if tpmLimit > 0 then
  redis.call('INCRBY', KEYS[2], tokens)
  redis.call('EXPIRE', KEYS[2], 120)
end
return {0, 0}
`;

const SETTLE = `
local reserved = tonumber(ARGV[1])
local actual = tonumber(ARGV[2])
local hasTpm = tonumber(ARGV[3])
local hasBudget = tonumber(ARGV[4])
if hasBudget == 1 and redis.call('EXISTS', KEYS[2]) == 1 then
  local r = redis.call('HINCRBY', KEYS[2], 'reserved', -reserved)
  if r < 0 then redis.call('HSET', KEYS[2], 'reserved', 0) end
  redis.call('HINCRBY', KEYS[2], 'spent', actual)
end
if hasTpm == 1 and redis.call('EXISTS', KEYS[1]) == 1 then
  local t = redis.call('INCRBY', KEYS[1], actual - reserved)
  if t < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
end
return 1
`;

interface LimiterCommands {
  igwAdmit(
    k1: string,
    k2: string,
    k3: string,
    ...args: (string | number)[]
  ): Promise<[number, number]>;
  igwSettle(k1: string, k2: string, ...args: (string | number)[]): Promise<number>;
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

/** Redis-backed limiter. */
export class Limiter {
  readonly #redis: Redis & LimiterCommands;

  constructor(redis: Redis) {
    redis.defineCommand("igwAdmit", { numberOfKeys: 3, lua: ADMIT });
    redis.defineCommand("igwSettle", { numberOfKeys: 2, lua: SETTLE });
    this.#redis = redis as Redis & LimiterCommands;
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
    let res: [number, number];
    try {
      res = await this.#redis.igwAdmit(
        rpmKey,
        tpmKey,
        bw.key,
        l.rpm ?? 0,
        l.tpm ?? 0,
        l.tokenBudget?.tokens ?? -1,
        tokens,
        period + 3600,
      );
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

  /** Replaces the reservation with the actual usage. Never throws (logs via the callback). */
  async settle(
    r: Reservation | undefined,
    actualTokens: number,
    onError: (err: unknown) => void,
  ): Promise<void> {
    if (r === undefined) return;
    try {
      await this.#redis.igwSettle(
        r.tpmKey,
        r.budgetKey,
        r.tokens,
        Math.max(0, Math.round(actualTokens)),
        r.hasTpm ? 1 : 0,
        r.hasBudget ? 1 : 0,
      );
    } catch (err) {
      onError(err);
    }
  }
}
