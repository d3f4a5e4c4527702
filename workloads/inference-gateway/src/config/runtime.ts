/**
 * Turns a validated routing file into the runtime snapshot the request path reads: defaults
 * applied, credentials read, lookup maps built. A snapshot is immutable; a reload builds a new
 * one and swaps the reference, so in-flight requests keep the snapshot they started with.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { validateRoutingConfig } from "./schema.ts";
import type {
  AssistantConfig,
  AssistantVersionConfig,
  BackendConfig,
  Credential,
  FaultConfig,
  ModelConfig,
  RoutingConfig,
  TenantConfig,
} from "./schema.ts";

/** Resolved timeouts, retry and breaker settings. */
export interface ResolvedPolicy {
  connectMs: number;
  firstTokenMs: number;
  totalMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  failureThreshold: number;
  openMs: number;
  halfOpenRequests: number;
}

/** A backend with defaults applied and its credential read. */
export interface RuntimeBackend {
  name: string;
  provider: BackendConfig["provider"];
  baseURL: string;
  apiKey: string | undefined;
  apiVersion: string | undefined;
  headers: Record<string, string>;
  policy: ResolvedPolicy;
  costIn: number;
  costOut: number;
  maxConnections: number;
  /** Changes when anything that needs a new connection pool changes. */
  poolKey: string;
  /** Active health check (self-hosted engines). */
  healthCheck: { url: string; intervalMs: number; timeoutMs: number } | undefined;
}

/** A model with defaults applied. */
export interface RuntimeModel {
  name: string;
  type: "chat" | "embedding";
  strategy: "weighted" | "cost-latency";
  defaultMaxTokens: number;
  /** Most output tokens a request may ask for; undefined = no clamp. */
  maxTokens: number | undefined;
  cacheEnabled: boolean;
  cacheTtlSeconds: number;
  routes: { backend: string; upstreamModel: string; weight: number; priority: number }[];
}

/** An assistant ready for selection: versions by name and variants with cumulative weights. */
export interface RuntimeAssistant {
  name: string;
  stickiness: "conversation" | "user";
  versions: Map<string, AssistantVersionConfig>;
  /** Variants with weight > 0, each with the upper bound of its cumulative weight range. */
  variants: { version: string; upTo: number }[];
  totalWeight: number;
}

/** The immutable snapshot used by requests. */
export interface RuntimeConfig {
  generation: number;
  /** SHA-free fingerprint of the source text plus credentials, used to skip no-op reloads. */
  fingerprint: string;
  backends: Map<string, RuntimeBackend>;
  models: Map<string, RuntimeModel>;
  /** Model name or alias → model. */
  modelIndex: Map<string, RuntimeModel>;
  tenants: Map<string, TenantConfig>;
  tenantByKeyHash: Map<string, TenantConfig>;
  /** OIDC issuer → tenants trusting it. */
  tenantsByIssuer: Map<string, TenantConfig[]>;
  faults: Map<string, FaultConfig>;
  /** Assistant name → assistant (names never collide with model names or aliases). */
  assistants: Map<string, RuntimeAssistant>;
  scoring: { costWeight: number; latencyWeight: number };
}

/** Thrown when a routing file cannot be used; `errors` lists every problem. */
export class ConfigError extends Error {
  readonly errors: string[];
  constructor(errors: string[]) {
    super(`Invalid routing config: ${errors.join("; ")}`);
    this.name = "ConfigError";
    this.errors = errors;
  }
}

/**
 * Parses YAML or JSON text (JSON is YAML) into a value. Text that opens with `{` is tried as JSON
 * first: the operator writes compact JSON, and the YAML parser takes about 100 times longer on it
 * (470 ms against 4 ms for 1,000 AIModels), which sat on the critical path of every reload. JSON
 * that does not parse (a YAML flow mapping, a typo) goes to the YAML parser, whose errors name the
 * line. One difference: JSON keeps the last of duplicate keys where YAML refuses them.
 */
export function parseConfigText(text: string): unknown {
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not strict JSON: the YAML parser decides, and explains.
    }
  }
  return parseYaml(text, { maxAliasCount: 100 }) as unknown;
}

async function readCredential(
  c: Credential | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if (c === undefined) return undefined;
  if ("env" in c) {
    const v = env[c.env];
    if (v === undefined || v === "") throw new Error(`environment variable ${c.env} is empty`);
    return v.trim();
  }
  const v = (await readFile(c.file, "utf8")).trim();
  if (v === "") throw new Error(`credential file ${c.file} is empty`);
  return v;
}

function policyOf(b: BackendConfig, d: RoutingConfig["defaults"]): ResolvedPolicy {
  const t = { ...d?.timeouts, ...b.timeouts };
  const r = { ...d?.retry, ...b.retry };
  const br = { ...d?.breaker, ...b.breaker };
  return {
    connectMs: t.connectMs ?? 2_000,
    firstTokenMs: t.firstTokenMs ?? 60_000,
    totalMs: t.totalMs ?? 600_000,
    maxAttempts: r.maxAttempts ?? 2,
    baseDelayMs: r.baseDelayMs ?? 50,
    maxDelayMs: r.maxDelayMs ?? 2_000,
    failureThreshold: br.failureThreshold ?? 5,
    openMs: br.openMs ?? 10_000,
    halfOpenRequests: br.halfOpenRequests ?? 1,
  };
}

function modelOf(m: ModelConfig, d: RoutingConfig["defaults"]): RuntimeModel {
  return {
    name: m.name,
    type: m.type ?? "chat",
    strategy: m.strategy ?? "weighted",
    defaultMaxTokens: Math.min(
      m.defaultMaxTokens ?? d?.defaultMaxTokens ?? 1024,
      m.maxTokens ?? Number.MAX_SAFE_INTEGER,
    ),
    maxTokens: m.maxTokens,
    cacheEnabled: m.cache?.enabled ?? true,
    cacheTtlSeconds: m.cache?.ttlSeconds ?? d?.cacheTtlSeconds ?? 300,
    routes: m.routes.map((r) => ({
      backend: r.backend,
      upstreamModel: r.upstreamModel ?? m.name,
      weight: r.weight ?? 1,
      priority: r.priority ?? 0,
    })),
  };
}

async function backendOf(
  b: BackendConfig,
  d: RoutingConfig["defaults"],
  env: NodeJS.ProcessEnv,
): Promise<RuntimeBackend> {
  let apiKey: string | undefined;
  try {
    apiKey = await readCredential(b.apiKey, env);
  } catch (err) {
    throw new ConfigError([`/backends/${b.name}/apiKey: ${(err as Error).message}`]);
  }
  const policy = policyOf(b, d);
  const maxConnections = b.maxConnections ?? 256;
  return {
    name: b.name,
    provider: b.provider,
    baseURL: b.baseURL.replace(/\/+$/, ""),
    apiKey,
    apiVersion: b.apiVersion,
    headers: b.headers ?? {},
    policy,
    costIn: b.cost?.inputPerMillion ?? 0,
    costOut: b.cost?.outputPerMillion ?? 0,
    maxConnections,
    poolKey: `${new URL(b.baseURL).origin}|${policy.connectMs}|${maxConnections}`,
    healthCheck:
      b.healthCheck === undefined
        ? undefined
        : {
            url: new URL(b.healthCheck.path, new URL(b.baseURL).origin).toString(),
            intervalMs: b.healthCheck.intervalSeconds * 1000,
            timeoutMs: (b.healthCheck.timeoutSeconds ?? 5) * 1000,
          },
  };
}

/**
 * Credential files read at once. One after another, the 500 keys of 1,000 AIModels took 100–200 ms
 * of a reload waiting on the file system; a bounded number in flight keeps the thread pool (four
 * threads by default, shared with DNS) from being monopolised.
 */
const CREDENTIAL_READS = 16;

/** `fn` over `items` with at most `limit` in flight; results in input order, first error (in input order) thrown. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      try {
        out[i] = { status: "fulfilled", value: await fn(items[i] as T) };
      } catch (reason) {
        out[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out.map((r) => {
    if (r.status === "rejected") throw r.reason;
    return r.value;
  });
}

/**
 * Lets requests that arrived meanwhile run between the phases of a reload (parse, validate,
 * build, indexes): each phase is a few milliseconds at 1,000 AIModels, all of them in one go
 * were 5–14 ms of event loop no request could use, a latency spike on every reload.
 */
function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Builds a snapshot from a validated config. Reads credential files and env. */
export async function buildRuntimeConfig(
  config: RoutingConfig,
  fingerprint: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RuntimeConfig> {
  const d = config.defaults;
  const built = await mapBounded(config.backends, CREDENTIAL_READS, (b) => backendOf(b, d, env));
  const backends = new Map<string, RuntimeBackend>();
  for (const b of built) backends.set(b.name, b);
  const faults = new Map<string, FaultConfig>();
  for (const f of config.faults ?? []) faults.set(f.backend, f);
  await yieldToRequests();
  const models = indexModels(config.models, d);
  await yieldToRequests();
  const tenants = indexTenants(config.tenants);
  const assistants = indexAssistants(config.assistants ?? []);
  return {
    generation: config.generation ?? 0,
    fingerprint,
    backends,
    ...models,
    ...tenants,
    faults,
    assistants,
    scoring: {
      costWeight: d?.scoring?.costWeight ?? 1,
      latencyWeight: d?.scoring?.latencyWeight ?? 1,
    },
  };
}

function indexModels(
  list: readonly ModelConfig[],
  d: RoutingConfig["defaults"],
): Pick<RuntimeConfig, "models" | "modelIndex"> {
  const models = new Map<string, RuntimeModel>();
  const modelIndex = new Map<string, RuntimeModel>();
  for (const m of list) {
    const rm = modelOf(m, d);
    models.set(m.name, rm);
    for (const k of [m.name, ...(m.aliases ?? [])]) modelIndex.set(k, rm);
  }
  return { models, modelIndex };
}

/** Builds the assistant lookup (variants of weight 0 are never drawn). */
export function indexAssistants(list: readonly AssistantConfig[]): Map<string, RuntimeAssistant> {
  const out = new Map<string, RuntimeAssistant>();
  for (const a of list) {
    let total = 0;
    const variants: RuntimeAssistant["variants"] = [];
    for (const v of a.variants) {
      if (v.weight <= 0) continue;
      total += v.weight;
      variants.push({ version: v.version, upTo: total });
    }
    out.set(a.name, {
      name: a.name,
      stickiness: a.stickiness ?? "conversation",
      versions: new Map(a.versions.map((v) => [v.name, v])),
      variants,
      totalWeight: total,
    });
  }
  return out;
}

function indexTenants(
  list: readonly TenantConfig[],
): Pick<RuntimeConfig, "tenants" | "tenantByKeyHash" | "tenantsByIssuer"> {
  const tenants = new Map<string, TenantConfig>();
  const tenantByKeyHash = new Map<string, TenantConfig>();
  const tenantsByIssuer = new Map<string, TenantConfig[]>();
  for (const t of list) {
    tenants.set(t.id, t);
    for (const k of t.apiKeys ?? []) tenantByKeyHash.set(k.sha256, t);
    for (const o of t.oidc ?? [])
      tenantsByIssuer.set(o.issuer, [...(tenantsByIssuer.get(o.issuer) ?? []), t]);
  }
  return { tenants, tenantByKeyHash, tenantsByIssuer };
}

/** Parses, validates and resolves routing text; throws {@link ConfigError} with every problem. */
export async function loadRuntimeConfig(
  text: string,
  fingerprint: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RuntimeConfig> {
  let parsed: unknown;
  try {
    parsed = parseConfigText(text);
  } catch (err) {
    throw new ConfigError([`/: not valid YAML or JSON: ${(err as Error).message}`]);
  }
  await yieldToRequests();
  const result = validateRoutingConfig(parsed);
  if (!result.ok) throw new ConfigError(result.errors);
  await yieldToRequests();
  return buildRuntimeConfig(result.config, fingerprint, env);
}
