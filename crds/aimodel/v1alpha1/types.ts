/** TypeScript types of AIModel, derived from the TypeBox schema (never written by hand). */
import type { Static } from "@sinclair/typebox";
import type {
  AIModelSchema,
  AIModelSpecSchema,
  AIModelStatusSchema,
  AnalysisMetricSchema,
  AutoscalingSchema,
  CanaryStepSchema,
  CostPerTokenSchema,
  EngineSchema,
  ExternalSchema,
  FallbackSchema,
  HealthCheckSchema,
  RolloutSchema,
  EXTERNAL_PROVIDERS,
  FALLBACK_TRIGGERS,
  AIMODEL_PHASES,
  PROVIDERS,
  SELF_HOSTED_PROVIDERS,
} from "./schema.ts";

export type AIModel = Static<typeof AIModelSchema>;
export type AIModelSpec = Static<typeof AIModelSpecSchema>;
export type AIModelStatus = Static<typeof AIModelStatusSchema>;
export type AIModelEngine = Static<typeof EngineSchema>;
export type AIModelExternal = Static<typeof ExternalSchema>;
export type AIModelCostPerToken = Static<typeof CostPerTokenSchema>;
export type AIModelHealthCheck = Static<typeof HealthCheckSchema>;
export type AIModelAutoscaling = Static<typeof AutoscalingSchema>;
export type AIModelRollout = Static<typeof RolloutSchema>;
export type AIModelCanaryStep = Static<typeof CanaryStepSchema>;
export type AIModelAnalysisMetric = Static<typeof AnalysisMetricSchema>;
export type AIModelFallback = Static<typeof FallbackSchema>;
export type AIModelProvider = (typeof PROVIDERS)[number];
export type SelfHostedProvider = (typeof SELF_HOSTED_PROVIDERS)[number];
export type ExternalProvider = (typeof EXTERNAL_PROVIDERS)[number];
export type FallbackTrigger = (typeof FALLBACK_TRIGGERS)[number];
export type AIModelPhase = (typeof AIMODEL_PHASES)[number];
