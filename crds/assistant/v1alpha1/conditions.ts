/** Condition types and reasons of Assistant. */

export const AssistantConditionType = {
  /** Summary: every variant is routable (its AIModel exists and is Ready, its prompt resolves). */
  Ready: "Ready",
  VariantsHealthy: "VariantsHealthy",
  /** True while traffic is pinned to the rollback version instead of spec.variants. */
  RolledBack: "RolledBack",
} as const;
export type AssistantConditionType =
  (typeof AssistantConditionType)[keyof typeof AssistantConditionType];

export const AssistantReadyReason = {
  Reconciling: "Reconciling",
  VariantsRoutable: "VariantsRoutable",
  ModelNotFound: "ModelNotFound",
  ModelNotReady: "ModelNotReady",
  PromptNotFound: "PromptNotFound",
  ApplyFailed: "ApplyFailed",
} as const;
export type AssistantReadyReason = (typeof AssistantReadyReason)[keyof typeof AssistantReadyReason];

export const AssistantVariantsHealthyReason = {
  Reconciling: "Reconciling",
  AsExpected: "AsExpected",
  ErrorRateExceeded: "ErrorRateExceeded",
  MetricsUnavailable: "MetricsUnavailable",
} as const;
export type AssistantVariantsHealthyReason =
  (typeof AssistantVariantsHealthyReason)[keyof typeof AssistantVariantsHealthyReason];

export const AssistantRolledBackReason = {
  NotRolledBack: "NotRolledBack",
  AutomaticRollback: "AutomaticRollback",
  ManualRollback: "ManualRollback",
} as const;
export type AssistantRolledBackReason =
  (typeof AssistantRolledBackReason)[keyof typeof AssistantRolledBackReason];

export const AssistantConditionReasons = {
  Ready: AssistantReadyReason,
  VariantsHealthy: AssistantVariantsHealthyReason,
  RolledBack: AssistantRolledBackReason,
} as const satisfies Record<AssistantConditionType, Record<string, string>>;

export type AssistantConditionReason =
  AssistantReadyReason | AssistantVariantsHealthyReason | AssistantRolledBackReason;
