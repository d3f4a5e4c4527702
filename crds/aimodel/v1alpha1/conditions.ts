/** Condition types and reasons of AIModel. Controllers use these constants, never free strings. */

export const AIModelConditionType = {
  /** Summary: the model can serve requests. */
  Ready: "Ready",
  /** A rollout or scale change is in progress. */
  Progressing: "Progressing",
  /** Serving, but with fewer ready replicas than desired, or failing traffic (TrafficHealthy=False). */
  Degraded: "Degraded",
  /**
   * What the inference gateway measured for this model's backend over the last window (success
   * rate, active health checks). Written by the gateway-metrics controller, not the AIModel one.
   */
  TrafficHealthy: "TrafficHealthy",
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
  /** The gateway's measurements say requests fail or the health check fails (TrafficHealthy=False). */
  TrafficUnhealthy: "TrafficUnhealthy",
  AsExpected: "AsExpected",
} as const;
export type AIModelDegradedReason =
  (typeof AIModelDegradedReason)[keyof typeof AIModelDegradedReason];

export const AIModelTrafficHealthyReason = {
  /** Enough requests succeeded and the health check (if any) passes. */
  AsExpected: "AsExpected",
  /** Fewer requests than the minimum sample in the window, and no health check result. */
  NotEnoughTraffic: "NotEnoughTraffic",
  /** The success rate over the window is below the threshold. */
  SuccessRateLow: "SuccessRateLow",
  /** The gateway's active health check of the backend fails. */
  HealthCheckFailing: "HealthCheckFailing",
  /** The gateway's circuit breaker for the backend is open: recent attempts failed. */
  BreakerOpen: "BreakerOpen",
  /** No gateway process reports this backend (not routed, or no gateway pod is ready). */
  NotMeasured: "NotMeasured",
} as const;
export type AIModelTrafficHealthyReason =
  (typeof AIModelTrafficHealthyReason)[keyof typeof AIModelTrafficHealthyReason];

/** Every reason, per condition type. */
export const AIModelConditionReasons = {
  Ready: AIModelReadyReason,
  Progressing: AIModelProgressingReason,
  Degraded: AIModelDegradedReason,
  TrafficHealthy: AIModelTrafficHealthyReason,
} as const satisfies Record<AIModelConditionType, Record<string, string>>;

export type AIModelConditionReason =
  | AIModelReadyReason
  | AIModelProgressingReason
  | AIModelDegradedReason
  | AIModelTrafficHealthyReason;
