/**
 * One Redis script call for a tenant (limits/limiter.ts): first the queued deltas (settlements
 * and the lease given back; they only free capacity), then the queued admissions in arrival
 * order, each with the same all-or-nothing check as a lone request, then a new lease. Keys are
 * passed once and referenced by index, so every key is declared (Redis Cluster routing) and the
 * call stays in the tenant's slot.
 *
 * Budgets (tokens and money) are hashes: `spent`, and per replica `r:<replica>` (reserved by its
 * in-flight requests and lease) with `e:<replica>` (until when, Redis time in ms). Every call of a
 * replica renews its `e:` fields by `ttlMs`; a replica that stops calling (crashed, partitioned)
 * has its reservations ignored and deleted once they expire, so a crash returns its holdings
 * within `ttlMs` instead of at the end of the budget period. rpm/tpm counters are per minute and
 * return by themselves within two minutes.
 *
 * A lease is at most 1/{@link LEASE_SHARE} of what is left of each limit after the admissions, and
 * is granted whole or not at all: at least one request slot, `minTokens` tokens and `minMicro`
 * micro-units.
 *
 * ARGV layout: replica, ttlMs, D, A, then D × [keyIdx, kind (1 counter, 2 budget), add, spent],
 * then A × [limits…, tokens, micro], then the lease [limits…, slots, tokens, minTokens, micro,
 * minMicro], where limits = [rpmIdx, tpmIdx, budgetIdx, costIdx, rpmLimit, tpmLimit, budget,
 * budgetTtl, cost, costTtl]. Limits: 0 = no rpm/tpm limit, -1 = no budget.
 * Reply: A × [reason, detail] flattened (reason 0 admitted, 1 rpm, 2 tpm, 3 token budget, 4 cost
 * budget; detail 1 when the budget is held by reservations and leases, 2 when it is spent), then
 * the granted [slots, tokens, micro], then what is used of the token and cost budgets
 * (spent + live reservations; -1 without that budget).
 */
import type { Delta, LeaseWant } from "./lease.ts";

/** Share of the remaining headroom a single lease may take. */
export const LEASE_SHARE = 8;

/** The Redis keys and limits an admission or lease is checked against. */
export interface LimitKeys {
  rpmKey: string;
  tpmKey: string;
  budgetKey: string;
  costKey: string;
  rpmLimit: number;
  tpmLimit: number;
  budget: number;
  budgetTtl: number;
  /** Cost budget in micro-units (-1 = none). */
  cost: number;
  costTtl: number;
}

/** An admission of `tokens` and `micro` micro-units. */
export interface AdmitOp extends LimitKeys {
  tokens: number;
  micro: number;
}

/** A lease request (slots 0 = none). */
export type LeaseOp = LimitKeys & LeaseWant;

export const BATCH_LUA = `
local rid = ARGV[1]
local ttl = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rf, ef = 'r:' .. rid, 'e:' .. rid
local d = tonumber(ARGV[3])
local a = tonumber(ARGV[4])
local p = 5
-- Renews this replica's reservations in a budget hash.
local function renew(key)
  redis.call('HSET', key, ef, now + ttl)
end
for _ = 1, d do
  local key = KEYS[tonumber(ARGV[p])]
  local add = tonumber(ARGV[p + 2])
  if redis.call('EXISTS', key) == 1 then
    if ARGV[p + 1] == '1' then
      if redis.call('INCRBY', key, add) < 0 then redis.call('SET', key, 0, 'KEEPTTL') end
    else
      if redis.call('HINCRBY', key, rf, add) < 0 then redis.call('HSET', key, rf, 0) end
      redis.call('HINCRBY', key, 'spent', tonumber(ARGV[p + 3]))
      renew(key)
    end
  end
  p = p + 4
end
local function counter(key) return tonumber(redis.call('GET', key) or '0') end
-- Spent and live reservations of a budget; expired replicas' reservations are deleted.
local function budgetUse(key)
  local f = redis.call('HGETALL', key)
  local spent, held = 0, 0
  local res, exp = {}, {}
  for i = 1, #f, 2 do
    local name, v = f[i], tonumber(f[i + 1])
    if name == 'spent' then spent = v
    else
      local kind, id = string.sub(name, 1, 2), string.sub(name, 3)
      if kind == 'r:' then res[id] = v elseif kind == 'e:' then exp[id] = v end
    end
  end
  for id, v in pairs(res) do
    local e = exp[id]
    if e == nil or e < now then
      redis.call('HDEL', key, 'r:' .. id, 'e:' .. id)
    else
      held = held + v
    end
  end
  for id, _ in pairs(exp) do
    if res[id] == nil then redis.call('HDEL', key, 'e:' .. id) end
  end
  return spent, held
end
-- The keys and limits at ARGV[q..q+9].
local function limitsAt(q)
  return {
    rpmKey = KEYS[tonumber(ARGV[q])], tpmKey = KEYS[tonumber(ARGV[q + 1])],
    budgetKey = KEYS[tonumber(ARGV[q + 2])], costKey = KEYS[tonumber(ARGV[q + 3])],
    rpm = tonumber(ARGV[q + 4]), tpm = tonumber(ARGV[q + 5]), budget = tonumber(ARGV[q + 6]),
    budgetTtl = tonumber(ARGV[q + 7]), cost = tonumber(ARGV[q + 8]), costTtl = tonumber(ARGV[q + 9])
  }
end
local function holdBudget(key, n, keyTtl)
  redis.call('HINCRBY', key, rf, n)
  renew(key)
  redis.call('EXPIRE', key, keyTtl)
end
-- Counts \`slots\` requests and reserves \`tokens\` and \`micro\` in every limit that is set.
local function hold(l, slots, tokens, micro)
  if l.rpm > 0 then
    redis.call('INCRBY', l.rpmKey, slots)
    redis.call('EXPIRE', l.rpmKey, 120)
  end
  if l.tpm > 0 then
    redis.call('INCRBY', l.tpmKey, tokens)
    redis.call('EXPIRE', l.tpmKey, 120)
  end
  if l.budget >= 0 then holdBudget(l.budgetKey, tokens, l.budgetTtl) end
  if l.cost >= 0 then holdBudget(l.costKey, micro, l.costTtl) end
end
-- Checks one budget: 0 fits, else detail 1 (held by reservations) or 2 (spent).
local function over(key, limit, n)
  local spent, held = budgetUse(key)
  if spent + held + n <= limit then return 0 end
  if spent + n <= limit then return 1 end
  return 2
end
local out = {}
for i = 1, a do
  local l = limitsAt(p)
  local tokens = tonumber(ARGV[p + 10])
  local micro = tonumber(ARGV[p + 11])
  p = p + 12
  local reason, detail = 0, 0
  if l.rpm > 0 and counter(l.rpmKey) + 1 > l.rpm then reason = 1 end
  if reason == 0 and l.tpm > 0 then
    local tpm = counter(l.tpmKey)
    if tpm > 0 and tpm + tokens > l.tpm then reason = 2 end
  end
  if reason == 0 and l.budget >= 0 then
    detail = over(l.budgetKey, l.budget, tokens)
    if detail ~= 0 then reason = 3 end
  end
  if reason == 0 and l.cost >= 0 then
    detail = over(l.costKey, l.cost, micro)
    if detail ~= 0 then reason = 4 end
  end
  if reason == 0 then hold(l, 1, tokens, micro) end
  out[2 * i - 1] = reason
  out[2 * i] = detail
end
local l = limitsAt(p)
local slots = tonumber(ARGV[p + 10])
local tokens = tonumber(ARGV[p + 11])
local minTokens = tonumber(ARGV[p + 12])
local micro = tonumber(ARGV[p + 13])
local minMicro = tonumber(ARGV[p + 14])
local share = ${LEASE_SHARE}
if slots > 0 then
  if l.rpm > 0 then slots = math.min(slots, math.floor((l.rpm - counter(l.rpmKey)) / share)) end
  if l.tpm > 0 then tokens = math.min(tokens, math.floor((l.tpm - counter(l.tpmKey)) / share)) end
  if l.budget >= 0 then
    local spent, held = budgetUse(l.budgetKey)
    tokens = math.min(tokens, math.floor((l.budget - spent - held) / share))
  end
  if l.cost >= 0 then
    local spent, held = budgetUse(l.costKey)
    micro = math.min(micro, math.floor((l.cost - spent - held) / share))
  end
  if slots < 1 or ((l.tpm > 0 or l.budget >= 0) and tokens < minTokens)
    or (l.cost >= 0 and micro < minMicro) then
    slots, tokens, micro = 0, 0, 0
  else
    hold(l, slots, tokens, micro)
  end
else
  tokens, micro = 0, 0
end
-- Renew what this replica still holds (in-flight requests), even when nothing changed.
local usedBudget, usedCost = -1, -1
if l.budget >= 0 then
  if redis.call('HEXISTS', l.budgetKey, rf) == 1 then renew(l.budgetKey) end
  local spent, held = budgetUse(l.budgetKey)
  usedBudget = spent + held
end
if l.cost >= 0 then
  if redis.call('HEXISTS', l.costKey, rf) == 1 then renew(l.costKey) end
  local spent, held = budgetUse(l.costKey)
  usedCost = spent + held
end
out[2 * a + 1] = slots
out[2 * a + 2] = tokens
out[2 * a + 3] = micro
out[2 * a + 4] = usedBudget
out[2 * a + 5] = usedCost
return out
`;

/** Keys (deduplicated, in first-use order) and ARGV for one call. */
export function encodeBatch(
  deltas: readonly Delta[],
  admits: readonly AdmitOp[],
  lease: LeaseOp,
  replica: { id: string; ttlMs: number },
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
    ref(l.costKey),
    l.rpmLimit,
    l.tpmLimit,
    l.budget,
    l.budgetTtl,
    l.cost,
    l.costTtl,
  ];
  const args: (string | number)[] = [replica.id, replica.ttlMs, deltas.length, admits.length];
  for (const d of deltas) args.push(ref(d.key), d.kind === "counter" ? 1 : 2, d.add, d.spent);
  for (const a of admits) args.push(...limits(a), a.tokens, a.micro);
  args.push(
    ...limits(lease),
    lease.slots,
    lease.tokens,
    lease.minTokens,
    lease.micro,
    lease.minMicro,
  );
  return { keys, args };
}

/** What one call decided: [reason, detail] per admission, and the lease granted. */
export interface BatchResult {
  admits: [number, number][];
  slots: number;
  tokens: number;
  micro: number;
  /** Spent + live reservations of the token budget (-1 without one). */
  usedBudget: number;
  /** Spent + live reservations of the cost budget in micro-units (-1 without one). */
  usedCost: number;
}

/** Reads the flat reply; throws on a malformed one. */
export function decodeBatch(reply: unknown, admits: number): BatchResult {
  if (!Array.isArray(reply) || reply.length !== admits * 2 + 5) {
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
  return {
    admits: out,
    slots: at(2 * admits),
    tokens: at(2 * admits + 1),
    micro: at(2 * admits + 2),
    usedBudget: at(2 * admits + 3),
    usedCost: at(2 * admits + 4),
  };
}
