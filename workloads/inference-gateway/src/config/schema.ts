/**
 * Routing configuration of the inference gateway: the file the AIModel, Assistant, Tenant and
 * ChaosPolicy controllers write (a ConfigMap mounted into the gateway pod). The gateway watches it
 * and hot-reloads. Import {@link RoutingConfigSchema}, {@link RoutingConfig} and
 * {@link validateRoutingConfig} from controllers; this module has no side effects.
 */
import { Type } from "@sinclair/typebox";
import type { Static, TInteger } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";

/** `apiVersion` of the current format. */
export const ROUTING_CONFIG_API_VERSION = "gateway.librechat.io/v1alpha1";
/** `kind` of the routing file. */
export const ROUTING_CONFIG_KIND = "InferenceGatewayConfig";

const Name = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: "^[A-Za-z0-9][A-Za-z0-9._:/@-]*$",
});
const Ms = (max: number): TInteger => Type.Integer({ minimum: 1, maximum: max });

/** Timeouts in milliseconds. */
export const TimeoutsSchema = Type.Object(
  {
    connectMs: Type.Optional(Ms(60_000)),
    firstTokenMs: Type.Optional(Ms(600_000)),
    totalMs: Type.Optional(Ms(3_600_000)),
  },
  { additionalProperties: false },
);

/** Retries on retryable errors (connect errors, timeouts before output, 408/409/429/5xx). */
export const RetrySchema = Type.Object(
  {
    maxAttempts: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10,
        description: "Attempts per backend, first included",
      }),
    ),
    baseDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
  },
  { additionalProperties: false },
);

/** Circuit breaker per backend. */
export const BreakerSchema = Type.Object(
  {
    failureThreshold: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: "Consecutive failures that open it" }),
    ),
    openMs: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3_600_000, description: "Time open before half-open" }),
    ),
    halfOpenRequests: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description: "Probe requests allowed while half-open",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Price per one million tokens, in the currency of the tenants' cost budgets (e.g. USD). */
export const CostSchema = Type.Object(
  {
    inputPerMillion: Type.Number({ minimum: 0 }),
    outputPerMillion: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/** Where a credential comes from: a mounted Secret file or an environment variable. */
export const CredentialSchema = Type.Union([
  Type.Object({ file: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  Type.Object(
    { env: Type.String({ minLength: 1, pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }) },
    { additionalProperties: false },
  ),
]);

/** Active health check of a backend (self-hosted engines): GET <origin><path> every interval. */
export const HealthCheckSchema = Type.Object(
  {
    path: Type.String({ pattern: "^/", maxLength: 256 }),
    intervalSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  },
  { additionalProperties: false },
);

/** One upstream: a self-hosted AIModel Service or an external provider. */
export const BackendSchema = Type.Object(
  {
    name: Name,
    provider: Type.Union([
      Type.Literal("openai"), // any OpenAI-compatible API: OpenAI, vLLM, Ollama, test upstream
      Type.Literal("azure-openai"),
      Type.Literal("anthropic"),
    ]),
    baseURL: Type.String({
      pattern: "^https?://",
      description:
        "OpenAI-compatible: URL ending before /chat/completions (e.g. http://svc:8000/v1). Azure: the deployment URL. Anthropic: https://api.anthropic.com",
    }),
    apiKey: Type.Optional(CredentialSchema),
    apiVersion: Type.Optional(
      Type.String({
        minLength: 1,
        description: "azure-openai api-version query value; anthropic-version header for anthropic",
      }),
    ),
    headers: Type.Optional(Type.Record(Type.String({ pattern: "^[A-Za-z0-9-]+$" }), Type.String())),
    timeouts: Type.Optional(TimeoutsSchema),
    retry: Type.Optional(RetrySchema),
    breaker: Type.Optional(BreakerSchema),
    cost: Type.Optional(CostSchema),
    healthCheck: Type.Optional(HealthCheckSchema),
    maxConnections: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

/** One way to serve a model: a backend plus the upstream model name and split/fallback data. */
export const ModelRouteSchema = Type.Object(
  {
    backend: Name,
    upstreamModel: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Model name sent upstream; defaults to the model name",
      }),
    ),
    weight: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1_000_000,
        description: "A/B split weight within a priority (default 1)",
      }),
    ),
    priority: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1000,
        description: "Lower is preferred; higher priorities are fallbacks (default 0)",
      }),
    ),
  },
  { additionalProperties: false },
);

/** A model name clients request, its aliases and its routes. */
export const ModelSchema = Type.Object(
  {
    name: Name,
    aliases: Type.Optional(Type.Array(Name, { maxItems: 64 })),
    type: Type.Optional(Type.Union([Type.Literal("chat"), Type.Literal("embedding")])),
    strategy: Type.Optional(
      Type.Union([Type.Literal("weighted"), Type.Literal("cost-latency")], {
        description:
          "weighted: random by weight within the best healthy priority (A/B). cost-latency: lowest score of cost and observed latency",
      }),
    ),
    defaultMaxTokens: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000_000,
        description:
          "Output tokens reserved (and sent upstream) when the request has no max_tokens",
      }),
    ),
    maxTokens: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000_000,
        description:
          "Most output tokens a request may ask for (AIModel spec.maxTokens); larger max_tokens are clamped to it",
      }),
    ),
    cache: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604_800 })),
        },
        { additionalProperties: false },
      ),
    ),
    routes: Type.Array(ModelRouteSchema, { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
);

/** An API key of a tenant, stored only as the lowercase hex SHA-256 of the key. */
export const ApiKeySchema = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
  },
  { additionalProperties: false },
);

/** An OIDC issuer (a Keycloak realm URL) whose tokens identify the tenant. */
export const OidcSchema = Type.Object(
  {
    issuer: Type.String({ pattern: "^https?://" }),
    audience: Type.Union([
      Type.String({ minLength: 1 }),
      Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    ]),
    jwksURL: Type.Optional(
      Type.String({
        pattern: "^https?://",
        description:
          "Skip discovery; default: jwks_uri from <issuer>/.well-known/openid-configuration",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Limits of a tenant; all optional, absent means unlimited. */
export const LimitsSchema = Type.Object(
  {
    rpm: Type.Optional(Type.Integer({ minimum: 1 })),
    tpm: Type.Optional(Type.Integer({ minimum: 1 })),
    tokenBudget: Type.Optional(
      Type.Object(
        {
          tokens: Type.Integer({ minimum: 0 }),
          periodSeconds: Type.Optional(
            Type.Integer({
              minimum: 60,
              description:
                "Budget window aligned to the epoch (e.g. 86400 = daily, UTC); default 2592000 (30 days)",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    costBudget: Type.Optional(
      Type.Object(
        {
          microUnits: Type.Integer({
            minimum: 0,
            description:
              "Money per period in millionths of `currency`; a request costs inputTokens × backend cost.inputPerMillion + outputTokens × cost.outputPerMillion micro-units",
          }),
          currency: Type.String({
            pattern: "^[A-Z]{3}$",
            description: "ISO 4217 code (e.g. USD); backend costs are read in this currency",
          }),
          periodSeconds: Type.Optional(
            Type.Integer({
              minimum: 60,
              description: "Window aligned to the epoch, UTC; default 2592000 (30 days)",
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A tenant: credentials, allowed models and limits. */
export const TenantSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 63, pattern: "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$" }),
    apiKeys: Type.Optional(Type.Array(ApiKeySchema, { maxItems: 1000 })),
    oidc: Type.Optional(Type.Array(OidcSchema, { maxItems: 16 })),
    models: Type.Array(Type.String({ minLength: 1 }), {
      description: 'Model names (not aliases) the tenant may use; "*" allows all',
    }),
    limits: Type.Optional(LimitsSchema),
  },
  { additionalProperties: false },
);

/** Fault injection for one backend, written by the ChaosPolicy controller. Off unless present. */
export const FaultSchema = Type.Object(
  {
    backend: Name,
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    errorStatus: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
    addedLatencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    midStreamDropRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    dropAfterChunks: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    expiresAt: Type.Optional(
      Type.String({ description: "RFC 3339; the fault switches itself off after this time" }),
    ),
  },
  { additionalProperties: false },
);

/** One immutable configuration of an assistant: the model it calls and what it adds to requests. */
export const AssistantVersionConfigSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
    }),
    model: Name,
    instructions: Type.Optional(
      Type.String({
        maxLength: 1_048_576,
        description: "System message put before the request's messages",
      }),
    ),
    parameters: Type.Optional(
      Type.Object(
        {
          temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
          topP: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          maxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    tools: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 63 }),
            type: Type.String({ minLength: 1, maxLength: 63 }),
            url: Type.Optional(Type.String({ pattern: "^https?://" })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 16, description: "Informational: listed by GET /v1/models; not sent upstream" },
      ),
    ),
  },
  { additionalProperties: false },
);

/** An Assistant: a model name whose requests go to one of its versions, split by weight. */
export const AssistantConfigSchema = Type.Object(
  {
    name: Name,
    stickiness: Type.Optional(
      Type.Union([Type.Literal("conversation"), Type.Literal("user")], {
        description:
          "conversation: the x-conversation-id header keeps a conversation on one version; user: the body's user field (or x-user-id) keeps a user on one (default conversation)",
      }),
    ),
    versions: Type.Array(AssistantVersionConfigSchema, { minItems: 1, maxItems: 16 }),
    variants: Type.Array(
      Type.Object(
        {
          version: Type.String({ minLength: 1, maxLength: 63 }),
          weight: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 16 },
    ),
  },
  { additionalProperties: false },
);

/** Gateway-wide defaults, overridable per backend. */
export const DefaultsSchema = Type.Object(
  {
    timeouts: Type.Optional(TimeoutsSchema),
    retry: Type.Optional(RetrySchema),
    breaker: Type.Optional(BreakerSchema),
    cacheTtlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 604_800 })),
    defaultMaxTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    scoring: Type.Optional(
      Type.Object(
        {
          costWeight: Type.Optional(Type.Number({ minimum: 0 })),
          latencyWeight: Type.Optional(Type.Number({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The whole routing file. */
export const RoutingConfigSchema = Type.Object(
  {
    apiVersion: Type.Literal(ROUTING_CONFIG_API_VERSION),
    kind: Type.Literal(ROUTING_CONFIG_KIND),
    generation: Type.Optional(
      Type.Integer({ minimum: 0, description: "Informational; logged and exported as a metric" }),
    ),
    defaults: Type.Optional(DefaultsSchema),
    backends: Type.Array(BackendSchema, { maxItems: 10_000 }),
    models: Type.Array(ModelSchema, { maxItems: 10_000 }),
    tenants: Type.Array(TenantSchema, { maxItems: 100_000 }),
    assistants: Type.Optional(Type.Array(AssistantConfigSchema, { maxItems: 10_000 })),
    faults: Type.Optional(Type.Array(FaultSchema, { maxItems: 10_000 })),
  },
  { additionalProperties: false, $id: "InferenceGatewayConfig" },
);

export type Timeouts = Static<typeof TimeoutsSchema>;
export type RetryConfig = Static<typeof RetrySchema>;
export type BreakerConfig = Static<typeof BreakerSchema>;
export type Cost = Static<typeof CostSchema>;
export type Credential = Static<typeof CredentialSchema>;
export type BackendConfig = Static<typeof BackendSchema>;
export type ModelRoute = Static<typeof ModelRouteSchema>;
export type ModelConfig = Static<typeof ModelSchema>;
export type TenantConfig = Static<typeof TenantSchema>;
export type FaultConfig = Static<typeof FaultSchema>;
export type HealthCheckConfig = Static<typeof HealthCheckSchema>;
export type AssistantConfig = Static<typeof AssistantConfigSchema>;
export type AssistantVersionConfig = Static<typeof AssistantVersionConfigSchema>;
export type RoutingDefaults = Static<typeof DefaultsSchema>;
/** The routing file as TypeScript. */
export type RoutingConfig = Static<typeof RoutingConfigSchema>;

/** Result of {@link validateRoutingConfig}. */
export type ValidationResult =
  { ok: true; config: RoutingConfig } | { ok: false; errors: string[] };

const compiled = TypeCompiler.Compile(RoutingConfigSchema);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Validates a parsed routing file: schema first, then cross references (routes name existing
 * backends, names and aliases unique, tenant models exist, fault backends exist). Pure; every
 * error names its JSON path.
 */
export function validateRoutingConfig(input: unknown): ValidationResult {
  const errors: string[] = [];
  // The compiled check first: walking Errors() is interpretive and took 50 ms for 1,000 AIModels
  // on a valid config (both the operator and every gateway reload validate), Check() 1–2 ms.
  if (!compiled.Check(input)) {
    for (const e of compiled.Errors(input)) {
      errors.push(`${e.path === "" ? "/" : e.path}: ${e.message}`);
      if (errors.length >= 50) break;
    }
    return { ok: false, errors: errors.length > 0 ? errors : ["/: does not match the schema"] };
  }
  const config = input;
  errors.push(...crossCheck(config));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config };
}

function dupes(values: string[]): string[] {
  const seen = new Set<string>();
  const out = new Set<string>();
  for (const v of values) (seen.has(v) ? out : seen).add(v);
  return [...out];
}

function crossCheck(c: RoutingConfig): string[] {
  const errors: string[] = [];
  const backendNames = new Set(c.backends.map((b) => b.name));
  for (const d of dupes(c.backends.map((b) => b.name)))
    errors.push(`/backends: duplicate backend name "${d}"`);
  const modelKeys = c.models.flatMap((m) => [m.name, ...(m.aliases ?? [])]);
  for (const d of dupes(modelKeys))
    errors.push(`/models: model name or alias "${d}" is used more than once`);
  c.models.forEach((m, i) => {
    m.routes.forEach((r, j) => {
      if (!backendNames.has(r.backend))
        errors.push(`/models/${i}/routes/${j}/backend: unknown backend "${r.backend}"`);
    });
    if (m.routes.every((r) => r.weight === 0))
      errors.push(`/models/${i}/routes: all weights are 0`);
  });
  const modelNames = new Set(c.models.map((m) => m.name));
  errors.push(...checkAssistants(c.assistants ?? [], modelNames, new Set(modelKeys)));
  const callable = new Set([...modelNames, ...(c.assistants ?? []).map((a) => a.name)]);
  for (const d of dupes(c.tenants.map((t) => t.id)))
    errors.push(`/tenants: duplicate tenant id "${d}"`);
  for (const d of dupes(c.tenants.flatMap((t) => (t.apiKeys ?? []).map((k) => k.sha256)))) {
    errors.push(`/tenants: API key hash ${d.slice(0, 8)}… belongs to more than one key`);
  }
  c.tenants.forEach((t, i) => {
    t.models.forEach((m, j) => {
      if (m !== "*" && !callable.has(m))
        errors.push(`/tenants/${i}/models/${j}: unknown model "${m}"`);
    });
  });
  // Backend prices carry no currency: they are read in the currency of the cost budgets, so all
  // budgets must agree on it.
  const currencies = new Set<string>();
  c.tenants.forEach((t, i) => {
    const cur = t.limits?.costBudget?.currency;
    if (cur === undefined) return;
    currencies.add(cur);
    if (currencies.size > 1)
      errors.push(
        `/tenants/${i}/limits/costBudget/currency: "${cur}" differs from another tenant's currency; backend costs have one currency`,
      );
  });
  (c.faults ?? []).forEach((f, i) => {
    if (!backendNames.has(f.backend))
      errors.push(`/faults/${i}/backend: unknown backend "${f.backend}"`);
    if (f.expiresAt !== undefined && !RFC3339.test(f.expiresAt))
      errors.push(`/faults/${i}/expiresAt: not an RFC 3339 date-time`);
  });
  return errors;
}

function checkAssistants(
  list: readonly AssistantConfig[],
  modelNames: ReadonlySet<string>,
  modelKeys: ReadonlySet<string>,
): string[] {
  const errors: string[] = [];
  for (const d of dupes(list.map((a) => a.name)))
    errors.push(`/assistants: duplicate assistant name "${d}"`);
  list.forEach((a, i) => {
    if (modelKeys.has(a.name))
      errors.push(`/assistants/${i}/name: "${a.name}" is also a model name or alias`);
    for (const d of dupes(a.versions.map((v) => v.name)))
      errors.push(`/assistants/${i}/versions: duplicate version "${d}"`);
    a.versions.forEach((v, j) => {
      if (!modelNames.has(v.model))
        errors.push(`/assistants/${i}/versions/${j}/model: unknown model "${v.model}"`);
    });
    const versions = new Set(a.versions.map((v) => v.name));
    a.variants.forEach((v, j) => {
      if (!versions.has(v.version))
        errors.push(`/assistants/${i}/variants/${j}/version: unknown version "${v.version}"`);
    });
    if (a.variants.every((v) => v.weight === 0))
      errors.push(`/assistants/${i}/variants: all weights are 0`);
  });
  return errors;
}
