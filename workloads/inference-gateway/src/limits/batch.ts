/**
 * One Redis script call for a tenant's queued settlements and admissions (limits/limiter.ts).
 * Settlements run first (they only free capacity), then admissions in arrival order, each with
 * the same all-or-nothing check as a lone request. Keys are passed once and referenced by index,
 * so every key is declared (Redis Cluster routing) and the batch stays in the tenant's slot.
 *
 * ARGV layout: S, A, then S × [tpmIdx, budgetIdx, reserved, actual, hasTpm, hasBudget],
 * then A × [rpmIdx, tpmIdx, budgetIdx, rpmLimit, tpmLimit, budget, tokens, budgetTtl].
 * Reply: A × [reason, detail] flattened (reason 0 admitted, 1 rpm, 2 tpm, 3 budget; detail 1
 * when the budget is held by in-flight reservations, 2 when it is spent).
 */

/** An admission: the keys of its minute and budget period, limits (0 / -1 = none), tokens. */
export interface AdmitOp {
  rpmKey: string;
  tpmKey: string;
  budgetKey: string;
  rpmLimit: number;
  tpmLimit: number;
  budget: number;
  tokens: number;
  budgetTtl: number;
}

/** A settlement of an earlier admission. */
export interface SettleOp {
  tpmKey: string;
  budgetKey: string;
  reserved: number;
  actual: number;
  hasTpm: boolean;
  hasBudget: boolean;
}

export const BATCH_LUA = `
local s = tonumber(ARGV[1])
local a = tonumber(ARGV[2])
local p = 3
for _ = 1, s do
  local tpmKey = KEYS[tonumber(ARGV[p])]
  local budgetKey = KEYS[tonumber(ARGV[p + 1])]
  local reserved = tonumber(ARGV[p + 2])
  local actual = tonumber(ARGV[p + 3])
  if ARGV[p + 5] == '1' and redis.call('EXISTS', budgetKey) == 1 then
    local r = redis.call('HINCRBY', budgetKey, 'reserved', -reserved)
    if r < 0 then redis.call('HSET', budgetKey, 'reserved', 0) end
    redis.call('HINCRBY', budgetKey, 'spent', actual)
  end
  if ARGV[p + 4] == '1' and redis.call('EXISTS', tpmKey) == 1 then
    local t = redis.call('INCRBY', tpmKey, actual - reserved)
    if t < 0 then redis.call('SET', tpmKey, 0, 'KEEPTTL') end
  end
  p = p + 6
end
local out = {}
for i = 1, a do
  local rpmKey = KEYS[tonumber(ARGV[p])]
  local tpmKey = KEYS[tonumber(ARGV[p + 1])]
  local budgetKey = KEYS[tonumber(ARGV[p + 2])]
  local rpmLimit = tonumber(ARGV[p + 3])
  local tpmLimit = tonumber(ARGV[p + 4])
  local budget = tonumber(ARGV[p + 5])
  local tokens = tonumber(ARGV[p + 6])
  local budgetTtl = tonumber(ARGV[p + 7])
  p = p + 8
  local reason, detail = 0, 0
  if rpmLimit > 0 and tonumber(redis.call('GET', rpmKey) or '0') + 1 > rpmLimit then
    reason = 1
  end
  if reason == 0 and tpmLimit > 0 then
    local tpm = tonumber(redis.call('GET', tpmKey) or '0')
    if tpm > 0 and tpm + tokens > tpmLimit then reason = 2 end
  end
  if reason == 0 and budget >= 0 then
    local spent = tonumber(redis.call('HGET', budgetKey, 'spent') or '0')
    local held = tonumber(redis.call('HGET', budgetKey, 'reserved') or '0')
    if spent + held + tokens > budget then
      reason = 3
      if spent + tokens <= budget then detail = 1 else detail = 2 end
    else
      redis.call('HINCRBY', budgetKey, 'reserved', tokens)
      redis.call('EXPIRE', budgetKey, budgetTtl)
    end
  end
  if reason == 0 then
    if rpmLimit > 0 then
      redis.call('INCR', rpmKey)
      redis.call('EXPIRE', rpmKey, 120)
    end
    if tpmLimit > 0 then
      redis.call('INCRBY', tpmKey, tokens)
      redis.call('EXPIRE', tpmKey, 120)
    end
  end
  out[2 * i - 1] = reason
  out[2 * i] = detail
end
return out
`;

/** Keys (deduplicated, in first-use order) and ARGV for one batch. */
export function encodeBatch(
  settles: readonly SettleOp[],
  admits: readonly AdmitOp[],
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
  const args: (string | number)[] = [settles.length, admits.length];
  for (const s of settles)
    args.push(
      ref(s.tpmKey),
      ref(s.budgetKey),
      s.reserved,
      s.actual,
      s.hasTpm ? 1 : 0,
      s.hasBudget ? 1 : 0,
    );
  for (const a of admits)
    args.push(
      ref(a.rpmKey),
      ref(a.tpmKey),
      ref(a.budgetKey),
      a.rpmLimit,
      a.tpmLimit,
      a.budget,
      a.tokens,
      a.budgetTtl,
    );
  return { keys, args };
}

/** Pairs the flat reply into one [reason, detail] per admission; throws on a malformed reply. */
export function decodeBatch(reply: unknown, admits: number): [number, number][] {
  if (!Array.isArray(reply) || reply.length !== admits * 2) {
    const shown = JSON.stringify(reply) as string | undefined;
    throw new Error(`limits script answered ${(shown ?? "undefined").slice(0, 100)}`);
  }
  const out: [number, number][] = [];
  for (let i = 0; i < admits; i++) {
    const reason: unknown = reply[2 * i];
    const detail: unknown = reply[2 * i + 1];
    if (typeof reason !== "number" || typeof detail !== "number")
      throw new Error("limits script answered a non-number");
    out.push([reason, detail]);
  }
  return out;
}
