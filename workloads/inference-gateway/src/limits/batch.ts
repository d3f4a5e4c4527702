/**
 * One Redis script call for a tenant (limits/limiter.ts): first the queued deltas (settlements
 * and the lease given back; they only free capacity), then the queued admissions in arrival
 * order, each with the same all-or-nothing check as a lone request, then a new lease. Keys are
 * passed once and referenced by index, so every key is declared (Redis Cluster routing) and the
 * call stays in the tenant's slot.
 *
 * A lease is at most 1/{@link LEASE_SHARE} of what is left of each limit after the admissions, and
 * is granted whole or not at all: at least one request slot and `minTokens` tokens.
 *
 * ARGV layout: D, A, then D × [keyIdx, kind (1 counter, 2 budget), add, spent],
 * then A × [rpmIdx, tpmIdx, budgetIdx, rpmLimit, tpmLimit, budget, budgetTtl, tokens],
 * then the lease [rpmIdx, tpmIdx, budgetIdx, rpmLimit, tpmLimit, budget, budgetTtl, slots,
 * tokens, minTokens]. Limits: 0 = no rpm/tpm limit, -1 = no budget.
 * Reply: A × [reason, detail] flattened (reason 0 admitted, 1 rpm, 2 tpm, 3 budget; detail 1
 * when the budget is held by reservations and leases, 2 when it is spent), then the granted
 * [slots, tokens].
 */
import type { Delta } from "./lease.ts";

/** Share of the remaining headroom a single lease may take. */
export const LEASE_SHARE = 8;

/** The Redis keys and limits an admission or lease is checked against. */
export interface LimitKeys {
  rpmKey: string;
  tpmKey: string;
  budgetKey: string;
  rpmLimit: number;
  tpmLimit: number;
  budget: number;
  budgetTtl: number;
}

/** An admission of `tokens`. */
export interface AdmitOp extends LimitKeys {
  tokens: number;
}

/** A lease request (slots 0 = none). */
export interface LeaseOp extends LimitKeys {
  slots: number;
  tokens: number;
  minTokens: number;
}

export const BATCH_LUA = `
local d = tonumber(ARGV[1])
local a = tonumber(ARGV[2])
local p = 3
for _ = 1, d do
  local key = KEYS[tonumber(ARGV[p])]
  local add = tonumber(ARGV[p + 2])
  if redis.call('EXISTS', key) == 1 then
    if ARGV[p + 1] == '1' then
      if redis.call('INCRBY', key, add) < 0 then redis.call('SET', key, 0, 'KEEPTTL') end
    else
      if redis.call('HINCRBY', key, 'reserved', add) < 0 then redis.call('HSET', key, 'reserved', 0) end
      redis.call('HINCRBY', key, 'spent', tonumber(ARGV[p + 3]))
    end
  end
  p = p + 4
end
local function counter(key) return tonumber(redis.call('GET', key) or '0') end
local function budgetUse(key)
  local v = redis.call('HMGET', key, 'spent', 'reserved')
  return tonumber(v[1] or '0'), tonumber(v[2] or '0')
end
-- The keys and limits at ARGV[p..p+6]: rpm, tpm and budget keys, their limits, the budget's TTL.
local function limitsAt(q)
  return KEYS[tonumber(ARGV[q])], KEYS[tonumber(ARGV[q + 1])], KEYS[tonumber(ARGV[q + 2])],
    tonumber(ARGV[q + 3]), tonumber(ARGV[q + 4]), tonumber(ARGV[q + 5]), tonumber(ARGV[q + 6])
end
-- Counts \`slots\` requests and reserves \`tokens\` in every limit that is set.
local function hold(rpmKey, tpmKey, budgetKey, rpmLimit, tpmLimit, budget, budgetTtl, slots, tokens)
  if rpmLimit > 0 then
    redis.call('INCRBY', rpmKey, slots)
    redis.call('EXPIRE', rpmKey, 120)
  end
  if tpmLimit > 0 then
    redis.call('INCRBY', tpmKey, tokens)
    redis.call('EXPIRE', tpmKey, 120)
  end
  if budget >= 0 then
    redis.call('HINCRBY', budgetKey, 'reserved', tokens)
    redis.call('EXPIRE', budgetKey, budgetTtl)
  end
end
local out = {}
for i = 1, a do
  local rpmKey, tpmKey, budgetKey, rpmLimit, tpmLimit, budget, budgetTtl = limitsAt(p)
  local tokens = tonumber(ARGV[p + 7])
  p = p + 8
  local reason, detail = 0, 0
  if rpmLimit > 0 and counter(rpmKey) + 1 > rpmLimit then reason = 1 end
  if reason == 0 and tpmLimit > 0 then
    local tpm = counter(tpmKey)
    if tpm > 0 and tpm + tokens > tpmLimit then reason = 2 end
  end
  if reason == 0 and budget >= 0 then
    local spent, held = budgetUse(budgetKey)
    if spent + held + tokens > budget then
      reason = 3
      if spent + tokens <= budget then detail = 1 else detail = 2 end
    end
  end
  if reason == 0 then
    hold(rpmKey, tpmKey, budgetKey, rpmLimit, tpmLimit, budget, budgetTtl, 1, tokens)
  end
  out[2 * i - 1] = reason
  out[2 * i] = detail
end
local rpmKey, tpmKey, budgetKey, rpmLimit, tpmLimit, budget, budgetTtl = limitsAt(p)
local slots = tonumber(ARGV[p + 7])
local tokens = tonumber(ARGV[p + 8])
local minTokens = tonumber(ARGV[p + 9])
local share = ${LEASE_SHARE}
if slots > 0 then
  if rpmLimit > 0 then slots = math.min(slots, math.floor((rpmLimit - counter(rpmKey)) / share)) end
  if tpmLimit > 0 then tokens = math.min(tokens, math.floor((tpmLimit - counter(tpmKey)) / share)) end
  if budget >= 0 then
    local spent, held = budgetUse(budgetKey)
    tokens = math.min(tokens, math.floor((budget - spent - held) / share))
  end
  if slots < 1 or ((tpmLimit > 0 or budget >= 0) and tokens < minTokens) then
    slots, tokens = 0, 0
  else
    hold(rpmKey, tpmKey, budgetKey, rpmLimit, tpmLimit, budget, budgetTtl, slots, tokens)
  end
else
  tokens = 0
end
out[2 * a + 1] = slots
out[2 * a + 2] = tokens
return out
`;

/** Keys (deduplicated, in first-use order) and ARGV for one call. */
export function encodeBatch(
  deltas: readonly Delta[],
  admits: readonly AdmitOp[],
  lease: LeaseOp,
): { keys: string[]; args: (string | number)[] } {
  const keys: string[] = [];
  const index = new Map<string, number>();
  const ref = (k: string): number => {
    let i = index.get(k);
    if (i === undefined) {
      keys.push(k);
      i = keys.length; // Lua tables are 1-based
      index.set(k, i);
    }
    return i;
  };
  const limits = (l: LimitKeys): (string | number)[] => [
    ref(l.rpmKey),
    ref(l.tpmKey),
    ref(l.budgetKey),
    l.rpmLimit,
    l.tpmLimit,
    l.budget,
    l.budgetTtl,
  ];
  const args: (string | number)[] = [deltas.length, admits.length];
  for (const d of deltas) args.push(ref(d.key), d.kind === "counter" ? 1 : 2, d.add, d.spent);
  for (const a of admits) args.push(...limits(a), a.tokens);
  args.push(...limits(lease), lease.slots, lease.tokens, lease.minTokens);
  return { keys, args };
}

/** What one call decided: [reason, detail] per admission, and the lease granted. */
export interface BatchResult {
  admits: [number, number][];
  slots: number;
  tokens: number;
}

/** Reads the flat reply; throws on a malformed one. */
export function decodeBatch(reply: unknown, admits: number): BatchResult {
  if (!Array.isArray(reply) || reply.length !== admits * 2 + 2) {
    const shown = JSON.stringify(reply) as string | undefined;
    throw new Error(`limits script answered ${(shown ?? "undefined").slice(0, 100)}`);
  }
  const nums: number[] = [];
  for (const v of reply as unknown[]) {
    if (typeof v !== "number") throw new Error("limits script answered a non-number");
    nums.push(v);
  }
  const at = (i: number): number => nums[i] ?? 0;
  const out: [number, number][] = [];
  for (let i = 0; i < admits; i++) out.push([at(2 * i), at(2 * i + 1)]);
  return { admits: out, slots: at(2 * admits), tokens: at(2 * admits + 1) };
}
