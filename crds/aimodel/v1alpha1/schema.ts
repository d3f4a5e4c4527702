/**
 * AIModel (librechat.io/v1alpha1, namespaced): one model that chat clients can request by
 * `spec.modelName`, either served by a self-hosted engine in the cluster (vllm, ollama) or proxied to
 * an external provider API (openai, anthropic, google, azure).
 */
import { Type } from "@sinclair/typebox";
import type { TUnsafe } from "@sinclair/typebox";
import {
  Conditions,
  Currency,
  Decimal,
  Duration,
  LabelName,
  ObjectName,
  ObservedGeneration,
  Quantity,
  Resource,
  SecretKeyRef,
  StringEnum,
  StringMap,
  Timestamp,
} from "../../shared/schema.ts";
import type { CelRule } from "../../shared/schema.ts";

export const SELF_HOSTED_PROVIDERS = ["vllm", "ollama"] as const;
export const EXTERNAL_PROVIDERS = ["openai", "anthropic", "google", "azure"] as const;
export const PROVIDERS = [...EXTERNAL_PROVIDERS, ...SELF_HOSTED_PROVIDERS] as const;
export const FALLBACK_TRIGGERS = [
  "RateLimited",
  "ServerError",
  "Timeout",
  "ContextWindow",
  "QuotaExhausted",
] as const;
export const AIMODEL_PHASES = ["Pending", "Active", "Inactive", "Error"] as const;
export const ROLLOUT_STRATEGIES = ["Canary", "BlueGreen"] as const;

/** Defaults applied by the API server (exported so controllers and tests share them). */
export const AIMODEL_DEFAULTS = {
  replicas: 1,
  minReplicas: 1,
  enginePort: 8000,
  gpuResourceName: "nvidia.com/gpu",
  gpuCount: 1,
  currency: "USD",
  healthPath: "/health",
  healthIntervalSeconds: 30,
  healthTimeoutSeconds: 5,
  healthFailureThreshold: 3,
  targetRequestsPerReplica: 100,
  scaleDownDelaySeconds: 30,
  maxTrafficWeight: 100,
  progressDeadlineSeconds: 600,
} as const;

const selfHosted = "self.provider in ['vllm', 'ollama']";

const EnvVarSchema = Type.Object(
  {
    name: Type.String({
      description: "Environment variable name.",
      minLength: 1,
      maxLength: 128,
      pattern: "^[-._a-zA-Z][-._a-zA-Z0-9]*$",
    }),
    value: Type.Optional(
      Type.String({
        description: "Literal value. Use valueFrom for anything secret.",
        maxLength: 4096,
      }),
    ),
    valueFrom: Type.Optional(
      Type.Object(
        {
          secretKeyRef: SecretKeyRef(
            "Secret key whose value becomes the variable (e.g. a Hugging Face token).",
          ),
        },
        {
          additionalProperties: false,
          description: "Source of the value when it must not be written inline.",
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "One environment variable of the engine container.",
    "x-kubernetes-validations": [
      {
        rule: "has(self.value) != has(self.valueFrom)",
        message: "exactly one of value or valueFrom must be set",
      },
    ] satisfies CelRule[],
  },
);

const ResourceListSchema = (what: string): TUnsafe<Record<string, string>> =>
  StringMap(Quantity({ description: "Resource quantity, e.g. 500m, 16Gi." }), {
    description: `${what}, keyed by resource name (cpu, memory, ephemeral-storage).`,
    maxProperties: 16,
  });

export const EngineSchema = Type.Object(
  {
    image: Type.String({
      description: "Container image of the inference engine, e.g. vllm/vllm-openai:v0.10.1.",
      minLength: 1,
      maxLength: 512,
    }),
    args: Type.Optional(
      Type.Array(Type.String({ description: "One argument.", maxLength: 1024 }), {
        description:
          "Extra arguments passed to the engine (the model and port arguments are added by the controller).",
        maxItems: 64,
        "x-kubernetes-list-type": "atomic",
      }),
    ),
    env: Type.Optional(
      Type.Array(EnvVarSchema, {
        description: "Environment variables of the engine container.",
        maxItems: 64,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    ),
    resources: Type.Optional(
      Type.Object(
        {
          requests: Type.Optional(
            ResourceListSchema("Minimum resources reserved for each replica"),
          ),
          limits: Type.Optional(ResourceListSchema("Maximum resources each replica may use")),
        },
        {
          additionalProperties: false,
          description: "CPU and memory of each engine replica. GPUs go in gpu, not here.",
        },
      ),
    ),
    gpu: Type.Optional(
      Type.Object(
        {
          count: Type.Integer({
            description: "GPUs per replica; 0 runs on CPU.",
            minimum: 0,
            maximum: 16,
            default: AIMODEL_DEFAULTS.gpuCount,
          }),
          resourceName: Type.String({
            description: "Extended resource name of the GPU device plugin.",
            default: AIMODEL_DEFAULTS.gpuResourceName,
            maxLength: 253,
            pattern:
              "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$",
          }),
        },
        {
          additionalProperties: false,
          description:
            "GPU requirement per replica, checked against Tenant GPU quota at admission.",
        },
      ),
    ),
    port: Type.Integer({
      description: "Container port the engine serves its OpenAI-compatible API on.",
      minimum: 1,
      maximum: 65535,
      default: AIMODEL_DEFAULTS.enginePort,
    }),
  },
  {
    additionalProperties: false,
    description:
      "Self-hosted inference engine. Required when provider is vllm or ollama; forbidden otherwise.",
  },
);

export const ExternalSchema = Type.Object(
  {
    baseURL: Type.Optional(
      Type.String({
        description:
          "Base URL of the provider API. Defaults to the provider's public endpoint; required for azure.",
        format: "uri",
        maxLength: 2048,
        pattern: "^https?://",
      }),
    ),
    providerModel: Type.Optional(
      Type.String({
        description: "Model or deployment name at the provider, when it differs from modelName.",
        minLength: 1,
        maxLength: 256,
      }),
    ),
    apiVersion: Type.Optional(
      Type.String({
        description:
          "Azure OpenAI API version, e.g. 2024-10-21. Required for azure; forbidden for other providers.",
        minLength: 1,
        maxLength: 64,
      }),
    ),
    credentialsSecretRef: SecretKeyRef(
      "Secret key holding the provider API key. The key is never stored in the AIModel.",
    ),
  },
  {
    additionalProperties: false,
    description:
      "External provider API. Required when provider is openai, anthropic, google or azure; forbidden otherwise.",
  },
);

export const CostPerTokenSchema = Type.Object(
  {
    input: Decimal({ description: "Price of one input (prompt) token." }),
    output: Decimal({ description: "Price of one output (completion) token." }),
    cachedInput: Type.Optional(
      Decimal({ description: "Price of one cached input token, if the provider discounts them." }),
    ),
    currency: Currency("Currency of the prices."),
  },
  { additionalProperties: false, description: "Token prices used for budgets and cost reporting." },
);

export const HealthCheckSchema = Type.Object(
  {
    path: Type.String({
      description: "HTTP path probed on the engine (self-hosted) or gateway route (external).",
      default: AIMODEL_DEFAULTS.healthPath,
      maxLength: 256,
      pattern: "^/",
    }),
    intervalSeconds: Type.Integer({
      description: "Seconds between probes (an integer number of seconds, not a duration string).",
      minimum: 1,
      maximum: 3600,
      default: AIMODEL_DEFAULTS.healthIntervalSeconds,
    }),
    timeoutSeconds: Type.Integer({
      description: "Seconds before a probe counts as failed; must not exceed intervalSeconds.",
      minimum: 1,
      maximum: 3600,
      default: AIMODEL_DEFAULTS.healthTimeoutSeconds,
    }),
    failureThreshold: Type.Integer({
      description: "Consecutive failures before the model is reported unavailable.",
      minimum: 1,
      maximum: 100,
      default: AIMODEL_DEFAULTS.healthFailureThreshold,
    }),
  },
  {
    additionalProperties: false,
    description: "Health probing of the model endpoint.",
    "x-kubernetes-validations": [
      {
        rule: "self.timeoutSeconds <= self.intervalSeconds",
        message: "timeoutSeconds must be less than or equal to intervalSeconds",
        fieldPath: ".timeoutSeconds",
      },
    ] satisfies CelRule[],
  },
);

export const AutoscalingSchema = Type.Object(
  {
    enabled: Type.Boolean({
      description:
        "When true the controller owns spec.replicas and keeps it within [minReplicas, maxReplicas]; when false spec.replicas is set by hand (or kubectl scale).",
      default: false,
    }),
    targetRequestsPerReplica: Type.Integer({
      description: "Average in-flight requests per replica the autoscaler aims for.",
      minimum: 1,
      maximum: 100000,
      default: AIMODEL_DEFAULTS.targetRequestsPerReplica,
    }),
    scaleDownDelaySeconds: Type.Integer({
      description:
        "Seconds load must stay low before scaling down (and before scaling to zero when minReplicas is 0).",
      minimum: 0,
      maximum: 86400,
      default: AIMODEL_DEFAULTS.scaleDownDelaySeconds,
    }),
  },
  { additionalProperties: false, description: "Request-based autoscaling of a self-hosted model." },
);

const MetricNameSchema = LabelName(
  "Name of an analysis metric declared in rollout.analysis.metrics.",
);

export const AnalysisMetricSchema = Type.Object(
  {
    name: LabelName("Metric name, unique within the analysis, e.g. error-rate, p95-latency, ttft."),
    query: Type.String({
      description: "PromQL query returning one scalar or single-element vector.",
      minLength: 1,
      maxLength: 4096,
    }),
    successCondition: Type.String({
      description:
        "Condition on `result`, e.g. `result[0] < 0.05` (Argo Rollouts expression syntax).",
      minLength: 1,
      maxLength: 1024,
    }),
    interval: Type.Optional(Duration({ description: "Time between measurements." })),
    count: Type.Optional(
      Type.Integer({ description: "Number of measurements to take.", minimum: 1, maximum: 1000 }),
    ),
    failureLimit: Type.Optional(
      Type.Integer({
        description: "Failed measurements tolerated before the analysis fails.",
        minimum: 0,
        maximum: 1000,
      }),
    ),
    consecutiveErrorLimit: Type.Optional(
      Type.Integer({
        description: "Consecutive query errors tolerated.",
        minimum: 0,
        maximum: 1000,
      }),
    ),
    emptyResult: StringEnum(["Inconclusive", "Fail", "Pass"] as const, {
      description:
        "How an empty query result counts. Pass is discouraged: a missing metric would promote.",
      default: "Inconclusive",
    }),
    minValidMeasurements: Type.Optional(
      Type.Integer({
        description: "Measurements that must be valid for the analysis to succeed.",
        minimum: 1,
        maximum: 1000,
      }),
    ),
  },
  { additionalProperties: false, description: "One metric evaluated during a rollout." },
);

export const CanaryStepSchema = Type.Object(
  {
    setWeight: Type.Optional(
      Type.Integer({
        description: "Percentage of traffic sent to the new version.",
        minimum: 0,
        maximum: 100,
      }),
    ),
    pause: Type.Optional(
      Type.Object(
        {
          duration: Type.Optional(
            Duration({ description: "How long to pause; absent pauses until promoted by hand." }),
          ),
        },
        { additionalProperties: false, description: "Pause the rollout." },
      ),
    ),
    analysis: Type.Optional(
      Type.Object(
        {
          metrics: Type.Array(MetricNameSchema, {
            description: "Metric names (from rollout.analysis.metrics) to evaluate at this step.",
            minItems: 1,
            maxItems: 16,
            "x-kubernetes-list-type": "set",
          }),
        },
        { additionalProperties: false, description: "Run an analysis and stop on failure." },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "One canary step: exactly one of setWeight, pause or analysis.",
    "x-kubernetes-validations": [
      {
        rule: "(has(self.setWeight) ? 1 : 0) + (has(self.pause) ? 1 : 0) + (has(self.analysis) ? 1 : 0) == 1",
        message: "each canary step must set exactly one of setWeight, pause or analysis",
      },
    ] satisfies CelRule[],
  },
);

export const RolloutSchema = Type.Object(
  {
    strategy: StringEnum(ROLLOUT_STRATEGIES, {
      description: "Rollout strategy for version changes (rendered as an Argo Rollout).",
    }),
    canary: Type.Optional(
      Type.Object(
        {
          steps: Type.Array(CanaryStepSchema, {
            description: "Ordered canary steps.",
            minItems: 1,
            maxItems: 32,
            "x-kubernetes-list-type": "atomic",
          }),
          maxTrafficWeight: Type.Integer({
            description: "Traffic weight treated as 100%.",
            minimum: 1,
            maximum: 100,
            default: AIMODEL_DEFAULTS.maxTrafficWeight,
          }),
          capacity: StringEnum(["FullStable", "DynamicStableScale"] as const, {
            description:
              "FullStable keeps the stable version fully scaled during the canary; DynamicStableScale scales it down as weight shifts (saves GPUs).",
            default: "DynamicStableScale",
          }),
        },
        {
          additionalProperties: false,
          description: "Canary settings; required when strategy is Canary.",
          "x-kubernetes-validations": [
            {
              rule: "self.steps.all(s, !has(s.setWeight) || s.setWeight <= self.maxTrafficWeight)",
              message: "setWeight must not exceed maxTrafficWeight",
              fieldPath: ".steps",
            },
          ] satisfies CelRule[],
        },
      ),
    ),
    blueGreen: Type.Optional(
      Type.Object(
        {
          autoPromotion: Type.Boolean({
            description:
              "Promote the preview automatically; off by default so GPU models are promoted deliberately.",
            default: false,
          }),
          autoPromotionSeconds: Type.Optional(
            Type.Integer({
              description: "Seconds after the preview is ready before automatic promotion.",
              minimum: 0,
              maximum: 86400,
            }),
          ),
          previewReplicas: Type.Optional(
            Type.Integer({
              description:
                "Replicas of the preview version before promotion; defaults to spec.replicas.",
              minimum: 0,
              maximum: 1000,
            }),
          ),
          prePromotionAnalysis: Type.Optional(
            Type.Array(MetricNameSchema, {
              description: "Metrics that must pass before promotion.",
              maxItems: 16,
              "x-kubernetes-list-type": "set",
            }),
          ),
        },
        {
          additionalProperties: false,
          description: "Blue-green settings; required when strategy is BlueGreen.",
          "x-kubernetes-validations": [
            {
              rule: "!has(self.autoPromotionSeconds) || self.autoPromotion",
              message: "autoPromotionSeconds requires autoPromotion: true",
              fieldPath: ".autoPromotionSeconds",
            },
          ] satisfies CelRule[],
        },
      ),
    ),
    analysis: Type.Optional(
      Type.Object(
        {
          metrics: Type.Array(AnalysisMetricSchema, {
            description:
              "Metrics referenced by canary analysis steps and blue-green prePromotionAnalysis.",
            minItems: 1,
            maxItems: 16,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
          }),
        },
        { additionalProperties: false, description: "Analysis metrics shared by the steps." },
      ),
    ),
    progressDeadlineSeconds: Type.Integer({
      description: "Seconds a rollout may make no progress before onProgressDeadline applies.",
      minimum: 30,
      maximum: 86400,
      default: AIMODEL_DEFAULTS.progressDeadlineSeconds,
    }),
    onProgressDeadline: StringEnum(["Abort", "Pause"] as const, {
      description: "What to do when progressDeadlineSeconds passes.",
      default: "Pause",
    }),
  },
  {
    additionalProperties: false,
    description: "How a version change of a self-hosted model is rolled out.",
    "x-kubernetes-validations": [
      {
        rule: "self.strategy == 'Canary' ? has(self.canary) : !has(self.canary)",
        message: "canary must be set when strategy is Canary and only then",
        fieldPath: ".canary",
      },
      {
        rule: "self.strategy == 'BlueGreen' ? has(self.blueGreen) : !has(self.blueGreen)",
        message: "blueGreen must be set when strategy is BlueGreen and only then",
        fieldPath: ".blueGreen",
      },
      {
        rule: "!has(self.canary) || self.canary.steps.all(s, !has(s.analysis) || s.analysis.metrics.all(m, has(self.analysis) && self.analysis.metrics.exists(d, d.name == m)))",
        message: "every canary analysis step must name metrics declared in analysis.metrics",
        fieldPath: ".canary.steps",
      },
      {
        rule: "!has(self.blueGreen) || !has(self.blueGreen.prePromotionAnalysis) || self.blueGreen.prePromotionAnalysis.all(m, has(self.analysis) && self.analysis.metrics.exists(d, d.name == m))",
        message: "blueGreen.prePromotionAnalysis must name metrics declared in analysis.metrics",
        fieldPath: ".blueGreen.prePromotionAnalysis",
      },
    ] satisfies CelRule[],
  },
);

export const FallbackSchema = Type.Object(
  {
    modelRef: ObjectName(
      "Name of another AIModel in the same namespace to send the request to.",
      253,
    ),
    // Named `triggers`, not `on`: kubectl parses YAML 1.1, where an unquoted `on:` key is the boolean true.
    triggers: Type.Array(
      StringEnum(FALLBACK_TRIGGERS, { description: "Failure class that triggers this fallback." }),
      {
        description: "Failure classes that trigger this fallback.",
        minItems: 1,
        maxItems: FALLBACK_TRIGGERS.length,
        "x-kubernetes-list-type": "set",
      },
    ),
  },
  {
    additionalProperties: false,
    description: "A fallback model tried, in list order, when this model fails.",
  },
);

export const AIModelSpecSchema = Type.Object(
  {
    provider: StringEnum(PROVIDERS, {
      description:
        "Who serves the model: an external API (openai, anthropic, google, azure) or a self-hosted engine (vllm, ollama).",
    }),
    modelName: Type.String({
      description: "Name clients request, e.g. llama-3.1-8b or gpt-4o.",
      minLength: 1,
      maxLength: 128,
      pattern: "^[A-Za-z0-9]([-A-Za-z0-9_.:/]*[A-Za-z0-9])?$",
    }),
    version: Type.Optional(
      Type.String({
        description: "Model version; changing it on a self-hosted model starts a rollout.",
        minLength: 1,
        maxLength: 64,
      }),
    ),
    features: Type.Optional(
      Type.Array(
        StringEnum(["TextGeneration", "TextEmbedding", "SpeechToText", "Reranking"] as const, {
          description: "One capability.",
        }),
        {
          description: "Capabilities offered by the model; defaults to TextGeneration when absent.",
          maxItems: 4,
          "x-kubernetes-list-type": "set",
        },
      ),
    ),
    engine: Type.Optional(EngineSchema),
    external: Type.Optional(ExternalSchema),
    replicas: Type.Integer({
      description:
        "Desired engine replicas (scale subresource). Owned by the controller when autoscaling.enabled (it clamps to [minReplicas, maxReplicas]); otherwise set by hand or kubectl scale and must lie within [minReplicas, maxReplicas]. Ignored (and unchecked) for external providers.",
      minimum: 0,
      maximum: 1000,
      default: AIMODEL_DEFAULTS.replicas,
    }),
    minReplicas: Type.Integer({
      description: "Lower replica bound; 0 allows scale to zero.",
      minimum: 0,
      maximum: 1000,
      default: AIMODEL_DEFAULTS.minReplicas,
    }),
    maxReplicas: Type.Optional(
      Type.Integer({
        description:
          "Upper replica bound. Required when autoscaling is enabled; otherwise optional, and when set it also caps kubectl scale.",
        minimum: 1,
        maximum: 1000,
      }),
    ),
    costPerToken: Type.Optional(CostPerTokenSchema),
    maxTokens: Type.Optional(
      Type.Integer({
        description: "Context window in tokens, used for context-window pre-checks.",
        minimum: 1,
        maximum: 100000000,
      }),
    ),
    healthCheck: Type.Optional(HealthCheckSchema),
    autoscaling: Type.Optional(AutoscalingSchema),
    rollout: Type.Optional(RolloutSchema),
    fallbacks: Type.Optional(
      Type.Array(FallbackSchema, {
        description:
          "Ordered fallbacks; each modelRef appears at most once and never names this AIModel.",
        maxItems: 8,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["modelRef"],
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "Desired state of the AIModel.",
    "x-kubernetes-validations": [
      {
        rule: `!(${selfHosted}) || has(self.engine)`,
        message: "engine is required when provider is vllm or ollama",
        fieldPath: ".engine",
        reason: "FieldValueRequired",
      },
      {
        rule: `${selfHosted} || !has(self.engine)`,
        message: "engine is forbidden when provider is openai, anthropic, google or azure",
        fieldPath: ".engine",
        reason: "FieldValueForbidden",
      },
      {
        rule: `${selfHosted} || has(self.external)`,
        message: "external is required when provider is openai, anthropic, google or azure",
        fieldPath: ".external",
        reason: "FieldValueRequired",
      },
      {
        rule: `!(${selfHosted}) || !has(self.external)`,
        message: "external is forbidden when provider is vllm or ollama",
        fieldPath: ".external",
        reason: "FieldValueForbidden",
      },
      {
        rule: "!has(self.maxReplicas) || self.minReplicas <= self.maxReplicas",
        message: "minReplicas must be less than or equal to maxReplicas",
        fieldPath: ".minReplicas",
      },
      {
        rule: `!(${selfHosted}) || (has(self.autoscaling) && self.autoscaling.enabled) || (self.replicas >= self.minReplicas && (!has(self.maxReplicas) || self.replicas <= self.maxReplicas))`,
        message:
          "replicas must be at least minReplicas, and at most maxReplicas when it is set, while autoscaling is disabled",
        fieldPath: ".replicas",
      },
      {
        rule: "!(has(self.autoscaling) && self.autoscaling.enabled) || has(self.maxReplicas)",
        message: "maxReplicas is required when autoscaling is enabled",
        fieldPath: ".maxReplicas",
        reason: "FieldValueRequired",
      },
      {
        rule: `${selfHosted} || !has(self.autoscaling)`,
        message: "autoscaling applies only to self-hosted providers (vllm, ollama)",
        fieldPath: ".autoscaling",
        reason: "FieldValueForbidden",
      },
      {
        rule: `${selfHosted} || !has(self.rollout)`,
        message: "rollout applies only to self-hosted providers (vllm, ollama)",
        fieldPath: ".rollout",
        reason: "FieldValueForbidden",
      },
      {
        rule: "self.provider != 'azure' || (has(self.external) && has(self.external.baseURL) && has(self.external.apiVersion))",
        message: "external.baseURL and external.apiVersion are required when provider is azure",
        fieldPath: ".external",
        reason: "FieldValueRequired",
      },
      {
        rule: "self.provider == 'azure' || !has(self.external) || !has(self.external.apiVersion)",
        message: "external.apiVersion is only allowed when provider is azure",
        fieldPath: ".external.apiVersion",
        reason: "FieldValueForbidden",
      },
    ] satisfies CelRule[],
  },
);

export const AIModelStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration()),
    phase: Type.Optional(
      StringEnum(AIMODEL_PHASES, {
        description: "Summary derived from conditions: Inactive means scaled to zero or disabled.",
      }),
    ),
    conditions: Type.Optional(
      Conditions("Ready, Progressing and Degraded conditions, keyed by type."),
    ),
    replicas: Type.Optional(
      Type.Integer({
        description: "Engine replicas that exist (scale subresource statusReplicasPath).",
        minimum: 0,
        format: "int32",
      }),
    ),
    readyReplicas: Type.Optional(
      Type.Integer({ description: "Engine replicas that are ready.", minimum: 0, format: "int32" }),
    ),
    selector: Type.Optional(
      Type.String({
        description:
          "Label selector of the engine pods in string form (scale subresource labelSelectorPath).",
        maxLength: 1024,
      }),
    ),
    endpoint: Type.Optional(
      Type.String({ description: "URL the gateway uses to reach the model.", maxLength: 2048 }),
    ),
    latency: Type.Optional(
      Type.Object(
        {
          p50Ms: Type.Optional(
            Type.Integer({ description: "Median request latency in milliseconds.", minimum: 0 }),
          ),
          p99Ms: Type.Optional(
            Type.Integer({
              description: "99th percentile request latency in milliseconds.",
              minimum: 0,
            }),
          ),
        },
        { additionalProperties: false, description: "Observed request latency." },
      ),
    ),
    successRate: Type.Optional(
      Type.String({
        description: "Share of successful requests over the last window, decimal string in [0, 1].",
        maxLength: 32,
        pattern: "^(0(\\.[0-9]+)?|1(\\.0+)?)$",
      }),
    ),
    lastHealthCheckTime: Type.Optional(Timestamp("Time of the last health probe.")),
  },
  { additionalProperties: false, description: "Observed state of the AIModel." },
);

export const AIModelSchema = Resource("AIModel", AIModelSpecSchema, AIModelStatusSchema, {
  description:
    "An AI model served in-cluster by an inference engine or proxied to an external provider.",
  "x-kubernetes-validations": [
    {
      rule: "!has(self.spec.fallbacks) || self.spec.fallbacks.all(f, f.modelRef != self.metadata.name)",
      message: "spec.fallbacks must not reference the AIModel itself",
      fieldPath: ".spec.fallbacks",
    },
  ],
});
