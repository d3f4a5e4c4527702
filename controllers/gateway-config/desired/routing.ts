// The inference gateway's routing config as a pure function of the custom resources: AIModels →
// backends and models (fallbacks as higher priorities, maxTokens as a clamp, costPerToken as
// cost), Tenants → who may call what with which limits and credentials, Assistants → model names
// with versions and variants, ChaosPolicy status.activeFaults → faults. What cannot be routed is
// returned as a problem of the object it came from; it never reaches the config. Deterministic:
// inputs are sorted by key, so the same objects always give the same bytes.
import type { AIModel } from "../../../crds/aimodel/v1alpha1/index.ts";
import type { Assistant, AssistantVersion } from "../../../crds/assistant/v1alpha1/index.ts";
import type { Tenant } from "../../../crds/tenant/v1alpha1/index.ts";
import {
  ROUTING_CONFIG_API_VERSION,
  ROUTING_CONFIG_KIND,
} from "../../../workloads/inference-gateway/src/config/schema.ts";
import type {
  AssistantConfig,
  AssistantVersionConfig,
  BackendConfig,
  FaultConfig,
  ModelConfig,
  RoutingConfig,
  TenantConfig,
} from "../../../workloads/inference-gateway/src/config/schema.ts";

/** Settings of the renderer (operator flags). */
export interface RenderOptions {
  clusterDomain: string;
  /** Where the gateway finds the copied provider keys (the mounted credentials Secret). */
  credentialsDir: string;
  /** Keycloak base URL for tenants whose spec names none; undefined = no OIDC. */
  keycloakURL: string | undefined;
  /** Token audience accepted when a tenant declares no OIDC clients. */
  defaultAudience: string;
}

/** The kinds whose objects can have a routing problem. */
export type SourceKind = "AIModel" | "Tenant" | "Assistant";

/** Why an object is not (fully) routed. `blocking`: the object is not in the config. */
export interface Problem {
  kind: SourceKind;
  /** "namespace/name", or "name" for Tenants. */
  key: string;
  reason: string;
  message: string;
  blocking: boolean;
}

/** Everything the renderer reads. */
export interface RenderInput {
  aimodels: readonly AIModel[];
  tenants: readonly Tenant[];
  assistants: readonly Assistant[];
  /** ChaosPolicies' status.activeFaults, any shape (validated here). */
  activeFaults: readonly unknown[];
  /** AIModel key → credentials present (copied into the gateway's credentials Secret). */
  credentials: ReadonlySet<string>;
  /** Tenant name → sha256 of its generated API key. */
  tenantKeys: ReadonlyMap<string, string>;
  /** "namespace/configmap" → data, for Assistant promptRefs. */
  prompts: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The config now served: its assistants are kept when their new spec cannot be routed. */
  previous: RoutingConfig | undefined;
  now: Date;
  generation: number;
}

/** The rendered config and what could not be routed. */
export interface RenderResult {
  config: RoutingConfig;
  problems: Problem[];
}

const keyOf = (o: {
  metadata: { namespace?: string | undefined; name?: string | undefined };
}): string =>
  o.metadata.namespace === undefined
    ? (o.metadata.name ?? "")
    : `${o.metadata.namespace}/${o.metadata.name ?? ""}`;

const byKey = <
  T extends { metadata: { namespace?: string | undefined; name?: string | undefined } },
>(
  list: readonly T[],
): T[] => [...list].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));

/** Oldest first (creation time, then key): the incumbent keeps a contested name. */
const byAge = <
  T extends {
    metadata: {
      namespace?: string | undefined;
      name?: string | undefined;
      creationTimestamp?: string | Date | undefined;
    };
  },
>(
  list: readonly T[],
): T[] =>
  [...list].sort((a, b) => {
    const ta = String(a.metadata.creationTimestamp ?? "");
    const tb = String(b.metadata.creationTimestamp ?? "");
    return ta < tb ? -1 : ta > tb ? 1 : keyOf(a) < keyOf(b) ? -1 : 1;
  });

/**
 * A non-negative decimal string times 10^shift as a number, by moving the decimal point in the
 * string ("0.0000002" × 10^6 = 0.2 exactly, where 0.0000002 * 1e6 is 0.19999999999999998).
 */
export function shiftDecimal(decimal: string, shift: number): number {
  const [int = "0", frac = ""] = decimal.split(".");
  const digits = `${int}${frac.padEnd(shift, "0")}`;
  const point = int.length + shift;
  return Number(`${digits.slice(0, point)}.${digits.slice(point) || "0"}`);
}

function isSelfHosted(m: AIModel): boolean {
  return m.spec.provider === "vllm" || m.spec.provider === "ollama";
}

/** Credentials Secret key of an AIModel: "<namespace>.<name>" (namespaces have no dots). */
export function credentialKey(m: AIModel): string {
  return `${m.metadata.namespace ?? ""}.${m.metadata.name ?? ""}`;
}

const EXTERNAL_BASE: Record<string, string> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
  google: "https://generativelanguage.googleapis.com/v1beta/openai",
};

/** The backend of one AIModel (name "<namespace>/<name>"). */
export function backendOf(m: AIModel, o: RenderOptions): BackendConfig {
  const out = isSelfHosted(m) ? selfHostedBackend(m, o) : externalBackend(m, o);
  const c = m.spec.costPerToken;
  if (c !== undefined)
    out.cost = {
      inputPerMillion: shiftDecimal(c.input, 6),
      outputPerMillion: shiftDecimal(c.output, 6),
    };
  return out;
}

function healthCheckOf(m: AIModel): NonNullable<BackendConfig["healthCheck"]> {
  const hc = m.spec.healthCheck;
  return {
    path: hc?.path ?? "/health",
    intervalSeconds: hc?.intervalSeconds ?? 30,
    timeoutSeconds: hc?.timeoutSeconds ?? 5,
  };
}

function selfHostedBackend(m: AIModel, o: RenderOptions): BackendConfig {
  const port = m.spec.engine?.port ?? 8000;
  const { name = "", namespace = "" } = m.metadata;
  return {
    name: keyOf(m),
    provider: "openai",
    baseURL: `http://${name}.${namespace}.svc.${o.clusterDomain}:${port}/v1`,
    healthCheck: healthCheckOf(m),
  };
}

const PROVIDER: Record<string, BackendConfig["provider"]> = {
  azure: "azure-openai",
  anthropic: "anthropic",
};

function externalBackend(m: AIModel, o: RenderOptions): BackendConfig {
  const ext = m.spec.external;
  const out: BackendConfig = {
    name: keyOf(m),
    provider: PROVIDER[m.spec.provider] ?? "openai",
    baseURL: (ext?.baseURL ?? EXTERNAL_BASE[m.spec.provider] ?? "").replace(/\/+$/, ""),
  };
  if (ext?.apiVersion !== undefined) out.apiVersion = ext.apiVersion;
  out.apiKey = { file: `${o.credentialsDir.replace(/\/+$/, "")}/${credentialKey(m)}` };
  return out;
}

function upstreamModelOf(m: AIModel): string {
  return m.spec.external?.providerModel ?? m.spec.modelName;
}

interface ModelIndex {
  /** AIModel key → routed AIModel (its name is not contested and it has what it needs). */
  routed: Map<string, AIModel>;
  problems: Problem[];
}

/** Why an AIModel cannot be routed, if it cannot (its modelName taken, its key missing). */
function blockerOf(
  m: AIModel,
  owner: ReadonlyMap<string, string>,
  credentials: ReadonlySet<string>,
): Problem | undefined {
  const key = keyOf(m);
  const holder = owner.get(m.spec.modelName);
  if (holder !== undefined)
    return {
      kind: "AIModel",
      key,
      blocking: true,
      reason: "ModelNameConflict",
      message: `modelName "${m.spec.modelName}" is already served by AIModel ${holder}`,
    };
  if (isSelfHosted(m) || credentials.has(key)) return undefined;
  const ref = m.spec.external?.credentialsSecretRef;
  return {
    kind: "AIModel",
    key,
    blocking: true,
    reason: "CredentialsMissing",
    message: `Secret "${ref?.name ?? ""}" key "${ref?.key ?? ""}" not found (spec.external.credentialsSecretRef)`,
  };
}

/**
 * Decides which AIModels are routed: a contested modelName goes to the oldest claimant; a model
 * priced in another currency than the budgets is not routed.
 */
function indexModels(
  aimodels: readonly AIModel[],
  credentials: ReadonlySet<string>,
  currency: string | undefined,
): ModelIndex {
  const routed = new Map<string, AIModel>();
  const owner = new Map<string, string>();
  const problems: Problem[] = [];
  for (const m of byAge(aimodels)) {
    const key = keyOf(m);
    const blocker = blockerOf(m, owner, credentials);
    if (blocker !== undefined) problems.push(blocker);
    else if (
      sameCurrency(m.spec.costPerToken?.currency, currency, { kind: "AIModel", key }, problems)
    ) {
      owner.set(m.spec.modelName, key);
      routed.set(key, m);
    }
  }
  return { routed, problems };
}

/** The model entry of a routed AIModel: itself at priority 0, its fallbacks after it. */
function modelOf(
  m: AIModel,
  routed: ReadonlyMap<string, AIModel>,
  problems: Problem[],
): ModelConfig {
  const key = keyOf(m);
  const ns = m.metadata.namespace ?? "";
  const routes: ModelConfig["routes"] = [
    { backend: key, upstreamModel: upstreamModelOf(m), priority: 0 },
  ];
  const missing: string[] = [];
  for (const f of m.spec.fallbacks ?? []) {
    const target = routed.get(`${ns}/${f.modelRef}`);
    if (target === undefined) missing.push(f.modelRef);
    else
      routes.push({
        backend: keyOf(target),
        upstreamModel: upstreamModelOf(target),
        priority: routes.length,
      });
  }
  if (missing.length > 0)
    problems.push({
      kind: "AIModel",
      key,
      blocking: false,
      reason: "FallbackNotFound",
      message: `Fallbacks not routed (no such AIModel, or not routable): ${missing.join(", ")}`,
    });
  const out: ModelConfig = { name: m.spec.modelName, routes };
  if (isEmbeddingOnly(m)) out.type = "embedding";
  if (m.spec.maxTokens !== undefined) out.maxTokens = m.spec.maxTokens;
  return out;
}

/** An AIModel whose features name embeddings and not text generation. */
function isEmbeddingOnly(m: AIModel): boolean {
  const features = m.spec.features ?? [];
  return !features.includes("TextGeneration") && features.includes("TextEmbedding");
}

/**
 * The currency of the gateway's money budgets: that of the oldest Tenant with a budget. The gateway
 * reads every backend price and budget in one currency and converts none.
 */
export function budgetCurrency(tenants: readonly Tenant[]): string | undefined {
  return byAge(tenants).find((t) => t.spec.models?.budget !== undefined)?.spec.models?.budget
    ?.currency;
}

/**
 * Whether an object priced or budgeted in `theirs` can be routed next to budgets in `currency`;
 * if not, a blocking problem says so (fail closed: a price in another currency would be counted
 * as if it were in the budget's, and a budget in another currency would be read in the wrong one).
 */
function sameCurrency(
  theirs: string | undefined,
  currency: string | undefined,
  who: { kind: "AIModel" | "Tenant"; key: string },
  problems: Problem[],
): boolean {
  if (theirs === undefined || currency === undefined || theirs === currency) return true;
  const isModel = who.kind === "AIModel";
  problems.push({
    ...who,
    blocking: true,
    reason: "CurrencyMismatch",
    message: isModel
      ? `costPerToken is in ${theirs}, but Tenant budgets are in ${currency}; the gateway converts no currency`
      : `budget is in ${theirs}, but the oldest Tenant budget is in ${currency}; the gateway keeps one currency`,
  });
  return false;
}

/** Tenant budget in micro-units of its currency per period (the gateway's costBudget). */
export function costBudgetOf(
  t: Tenant,
): { microUnits: number; currency: string; periodSeconds: number } | undefined {
  const b = t.spec.models?.budget;
  if (b === undefined) return undefined;
  // Monthly is a 30-day window aligned to the epoch (the gateway's budget windows are fixed).
  return {
    microUnits: Math.floor(shiftDecimal(b.amount, 6)),
    currency: b.currency,
    periodSeconds: b.period === "Daily" ? 86_400 : 2_592_000,
  };
}

function limitsOf(t: Tenant): TenantConfig["limits"] {
  const r = t.spec.models?.rateLimits;
  const limits: NonNullable<TenantConfig["limits"]> = {};
  if (r?.requestsPerMinute !== undefined) limits.rpm = r.requestsPerMinute;
  if (r?.tokensPerMinute !== undefined) limits.tpm = r.tokensPerMinute;
  const budget = costBudgetOf(t);
  if (budget !== undefined) limits.costBudget = budget;
  return Object.keys(limits).length > 0 ? limits : undefined;
}

function oidcOf(t: Tenant, o: RenderOptions): TenantConfig["oidc"] {
  const id = t.spec.identity;
  const base = (id?.keycloak.url ?? o.keycloakURL)?.replace(/\/+$/, "");
  if (id === undefined || base === undefined) return undefined;
  const clients = (id.clients ?? []).map((c) => c.clientId).sort();
  return [
    {
      issuer: `${base}/realms/${id.realm.name}`,
      audience: clients.length > 0 ? clients : o.defaultAudience,
    },
  ];
}

/** What rendering a Tenant needs besides the Tenant. */
interface TenantScope {
  /** Model and assistant names the gateway serves. */
  callable: ReadonlySet<string>;
  input: RenderInput;
  o: RenderOptions;
  problems: Problem[];
}

/** Gateway tenant id: the Tenant's name (a DNS label, as the gateway wants). */
function tenantOf(t: Tenant, scope: TenantScope): TenantConfig {
  const { callable, input, o, problems } = scope;
  const name = t.metadata.name ?? "";
  const allowed = [...(t.spec.models?.allowed ?? [])].sort();
  const unknown = allowed.filter((m) => !callable.has(m));
  if (unknown.length > 0)
    problems.push({
      kind: "Tenant",
      key: name,
      blocking: false,
      reason: "ModelsNotFound",
      message: `Allowed models not served (yet): ${unknown.join(", ")}`,
    });
  const out: TenantConfig = { id: name, models: allowed.filter((m) => callable.has(m)) };
  const hash = input.tenantKeys.get(name);
  if (hash !== undefined) out.apiKeys = [{ id: "generated", sha256: hash }];
  const oidc = oidcOf(t, o);
  if (oidc !== undefined) out.oidc = oidc;
  const limits = limitsOf(t);
  if (limits !== undefined) out.limits = limits;
  return out;
}

const STICKINESS: Record<string, AssistantConfig["stickiness"]> = {
  Conversation: "conversation",
  User: "user",
};

/** The effective variants: status.activeVariants while rolled back, spec.variants otherwise. */
export function effectiveVariants(a: Assistant): { version: string; weight: number }[] {
  const rolledBack = (a.status?.conditions ?? []).some(
    (c) => c.type === "RolledBack" && c.status === "True",
  );
  const src =
    rolledBack && (a.status?.activeVariants?.length ?? 0) > 0
      ? (a.status?.activeVariants ?? [])
      : a.spec.variants;
  return src.map((v) => ({ version: v.version, weight: v.weight }));
}

function versionOf(
  a: Assistant,
  v: AssistantVersion,
  models: ReadonlyMap<string, AIModel>,
  prompts: RenderInput["prompts"],
): AssistantVersionConfig | Problem {
  const ns = a.metadata.namespace ?? "";
  const key = keyOf(a);
  const model = models.get(`${ns}/${v.modelRef}`);
  if (model === undefined)
    return {
      kind: "Assistant",
      key,
      blocking: true,
      reason: "ModelNotFound",
      message: `Version ${v.name}: AIModel ${ns}/${v.modelRef} does not exist or is not routed`,
    };
  const out: AssistantVersionConfig = { name: v.name, model: model.spec.modelName };
  const instructions = instructionsOf(v, ns, prompts);
  if (typeof instructions === "object")
    return { kind: "Assistant", key, blocking: true, ...instructions };
  if (instructions !== undefined) out.instructions = instructions;
  if (v.parameters !== undefined) out.parameters = parametersOf(v.parameters);
  if (v.tools !== undefined && v.tools.length > 0)
    out.tools = v.tools.map((t) =>
      t.url === undefined
        ? { name: t.name, type: t.type }
        : { name: t.name, type: t.type, url: t.url },
    );
  return out;
}

/** A version's instructions: inline, or the text its promptRef names (or why it is missing). */
function instructionsOf(
  v: AssistantVersion,
  ns: string,
  prompts: RenderInput["prompts"],
): string | { reason: string; message: string } | undefined {
  if (v.promptRef === undefined) return v.instructions;
  const text = prompts.get(`${ns}/${v.promptRef.name}`)?.[v.promptRef.key];
  if (text !== undefined) return text;
  return {
    reason: "PromptNotFound",
    message: `Version ${v.name}: ConfigMap ${ns}/${v.promptRef.name} has no key "${v.promptRef.key}"`,
  };
}

function parametersOf(
  p: NonNullable<AssistantVersion["parameters"]>,
): NonNullable<AssistantVersionConfig["parameters"]> {
  const params: NonNullable<AssistantVersionConfig["parameters"]> = {};
  if (p.temperature !== undefined) params.temperature = Number(p.temperature);
  if (p.topP !== undefined) params.topP = Number(p.topP);
  if (p.maxTokens !== undefined) params.maxTokens = p.maxTokens;
  return params;
}

/** An Assistant as the gateway routes it, or the first reason it cannot be. */
export function assistantOf(
  a: Assistant,
  models: ReadonlyMap<string, AIModel>,
  prompts: RenderInput["prompts"],
): AssistantConfig | Problem {
  const versions: AssistantVersionConfig[] = [];
  for (const v of a.spec.versions) {
    const r = versionOf(a, v, models, prompts);
    if ("reason" in r) return r;
    versions.push(r);
  }
  const out: AssistantConfig = {
    name: a.metadata.name ?? "",
    versions,
    variants: effectiveVariants(a),
  };
  const s = STICKINESS[a.spec.stickiness];
  if (s !== undefined) out.stickiness = s;
  return out;
}

function renderAssistants(
  input: RenderInput,
  routed: ReadonlyMap<string, AIModel>,
  taken: ReadonlySet<string>,
  problems: Problem[],
): AssistantConfig[] {
  const out: AssistantConfig[] = [];
  const names = new Map<string, string>();
  const served = new Set([...routed.values()].map((m) => m.spec.modelName));
  for (const a of byAge(input.assistants)) {
    const key = keyOf(a);
    const name = a.metadata.name ?? "";
    const conflict = nameConflict(name, names.get(name), taken);
    if (conflict !== undefined) {
      problems.push({
        kind: "Assistant",
        key,
        blocking: true,
        reason: "NameConflict",
        message: conflict,
      });
      continue;
    }
    names.set(name, key);
    const r = assistantOf(a, routed, input.prompts);
    if (!("reason" in r)) {
      out.push(r);
      continue;
    }
    const last = lastGood(input.previous, name, served);
    problems.push({
      ...r,
      message: `${r.message}${last === undefined ? "" : "; the last good configuration keeps serving"}`,
    });
    if (last !== undefined) out.push(last);
  }
  return out.sort((x, y) => (x.name < y.name ? -1 : 1));
}

/** Why an assistant name cannot be served, if it cannot. */
function nameConflict(
  name: string,
  holder: string | undefined,
  taken: ReadonlySet<string>,
): string | undefined {
  if (holder !== undefined) return `Assistant ${holder} already serves the name "${name}"`;
  return taken.has(name) ? `"${name}" is already a model name` : undefined;
}

/** The served config of an assistant, kept while every model it routes to is still served. */
function lastGood(
  previous: RoutingConfig | undefined,
  name: string,
  served: ReadonlySet<string>,
): AssistantConfig | undefined {
  const last = previous?.assistants?.find((x) => x.name === name);
  return last?.versions.every((v) => served.has(v.model)) === true ? last : undefined;
}

const FAULT_KEYS = [
  "errorRate",
  "errorStatus",
  "addedLatencyMs",
  "midStreamDropRate",
  "dropAfterChunks",
] as const;

/** One active fault, if well-formed, on a routed backend and not expired. */
function faultOf(raw: unknown, backends: ReadonlySet<string>, now: Date): FaultConfig | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const f = raw as Record<string, unknown>;
  const { backend, expiresAt } = f;
  if (typeof backend !== "string" || !backends.has(backend) || typeof expiresAt !== "string")
    return undefined;
  const end = Date.parse(expiresAt);
  if (!(end > now.getTime())) return undefined;
  const fault: FaultConfig & Record<string, unknown> = { backend, expiresAt };
  for (const k of FAULT_KEYS) if (typeof f[k] === "number") fault[k] = f[k];
  return fault;
}

/** Active, unexpired faults on routed backends; malformed entries are dropped. */
export function faultsOf(
  active: readonly unknown[],
  backends: ReadonlySet<string>,
  now: Date,
): FaultConfig[] {
  const out = new Map<string, FaultConfig>();
  for (const raw of active) {
    const fault = faultOf(raw, backends, now);
    if (fault !== undefined) out.set(fault.backend, fault); // one per backend: the last wins
  }
  return [...out.values()].sort((a, b) => (a.backend < b.backend ? -1 : 1));
}

/** Renders the whole routing config. Pure. */
export function renderRouting(input: RenderInput, o: RenderOptions): RenderResult {
  const currency = budgetCurrency(input.tenants);
  const { routed, problems } = indexModels(input.aimodels, input.credentials, currency);
  const ordered = byKey([...routed.values()]);
  const backends = ordered.map((m) => backendOf(m, o));
  const models = ordered
    .map((m) => modelOf(m, routed, problems))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const modelNames = new Set(models.map((m) => m.name));
  const assistants = renderAssistants(input, routed, modelNames, problems);
  const callable = new Set([...modelNames, ...assistants.map((a) => a.name)]);
  const scope: TenantScope = { callable, input, o, problems };
  const tenants = byKey(input.tenants)
    .filter((t) =>
      sameCurrency(
        t.spec.models?.budget?.currency,
        currency,
        { kind: "Tenant", key: keyOf(t) },
        problems,
      ),
    )
    .map((t) => tenantOf(t, scope));
  const config: RoutingConfig = {
    apiVersion: ROUTING_CONFIG_API_VERSION,
    kind: ROUTING_CONFIG_KIND,
    generation: input.generation,
    backends,
    models,
    tenants,
  };
  if (assistants.length > 0) config.assistants = assistants;
  const faults = faultsOf(input.activeFaults, new Set(backends.map((b) => b.name)), input.now);
  if (faults.length > 0) config.faults = faults;
  return { config, problems };
}
