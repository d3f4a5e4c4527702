/** Condition types and reasons of AIModel. Controllers use these constants, never free strings. */

export const AIModelConditionType = {
  /** Summary: the model can serve requests. */
  Ready: "Ready",
  /** A rollout or scale change is in progress. */
  Progressing: "Progressing",
  /** Serving, but with fewer ready replicas than desired. */
  Degraded: "Degraded",
} as const;
export type AIModelConditionType = (typeof AIModelConditionType)[keyof typeof AIModelConditionType];

export const AIModelReadyReason = {
  Reconciling: "Reconciling",
  Available: "Available",
  Unavailable: "Unavailable",
  ScaledToZero: "ScaledToZero",
  CredentialsMissing: "CredentialsMissing",
  CredentialsKeyMissing: "CredentialsKeyMissing",
  /** A referenced Secret lacks the librechat.io/model-secret=true label; nothing is applied. */
  SecretNotAllowed: "SecretNotAllowed",
  ApplyFailed: "ApplyFailed",
  /** A child's name is held by an object the AIModel does not control; retried until it goes. */
  ChildConflict: "ChildConflict",
} as const;
export type AIModelReadyReason = (typeof AIModelReadyReason)[keyof typeof AIModelReadyReason];

export const AIModelProgressingReason = {
  Reconciling: "Reconciling",
  RolloutInProgress: "RolloutInProgress",
  RolloutComplete: "RolloutComplete",
} as const;
export type AIModelProgressingReason =
  (typeof AIModelProgressingReason)[keyof typeof AIModelProgressingReason];

export const AIModelDegradedReason = {
  Reconciling: "Reconciling",
  ReplicasUnavailable: "ReplicasUnavailable",
  AsExpected: "AsExpected",
} as const;
export type AIModelDegradedReason =
  (typeof AIModelDegradedReason)[keyof typeof AIModelDegradedReason];

/** Every reason, per condition type. */
export const AIModelConditionReasons = {
  Ready: AIModelReadyReason,
  Progressing: AIModelProgressingReason,
  Degraded: AIModelDegradedReason,
} as const satisfies Record<AIModelConditionType, Record<string, string>>;

export type AIModelConditionReason =
  AIModelReadyReason | AIModelProgressingReason | AIModelDegradedReason;
