/** Condition types and reasons of ChaosPolicy. */

export const ChaosPolicyConditionType = {
  /** Summary: the policy is admitted and its last run did not leave the target unrecovered. */
  Ready: "Ready",
  Admitted: "Admitted",
  TargetsSelected: "TargetsSelected",
  AllInjected: "AllInjected",
  AllRecovered: "AllRecovered",
  SteadyStateOK: "SteadyStateOK",
  KillSwitchEngaged: "KillSwitchEngaged",
  /** A fault could not be removed within recovery.timeout. */
  Unrecovered: "Unrecovered",
} as const;
export type ChaosPolicyConditionType =
  (typeof ChaosPolicyConditionType)[keyof typeof ChaosPolicyConditionType];

export const ChaosPolicyReadyReason = {
  Reconciling: "Reconciling",
  Idle: "Idle",
  Running: "Running",
  Finished: "Finished",
  Suspended: "Suspended",
  KillSwitchEngaged: "KillSwitchEngaged",
  TargetUnrecovered: "TargetUnrecovered",
  NotAdmitted: "NotAdmitted",
} as const;
export type ChaosPolicyReadyReason =
  (typeof ChaosPolicyReadyReason)[keyof typeof ChaosPolicyReadyReason];

export const ChaosPolicyAdmittedReason = {
  Admitted: "Admitted",
  TargetOutsideTenant: "TargetOutsideTenant",
  DurationExceedsClusterMaximum: "DurationExceedsClusterMaximum",
  TargetNotFound: "TargetNotFound",
} as const;
export type ChaosPolicyAdmittedReason =
  (typeof ChaosPolicyAdmittedReason)[keyof typeof ChaosPolicyAdmittedReason];

export const ChaosPolicyTargetsSelectedReason = {
  Selected: "Selected",
  NoEligiblePods: "NoEligiblePods",
  MinHealthyReplicasWouldBreak: "MinHealthyReplicasWouldBreak",
  BlastRadiusInUse: "BlastRadiusInUse",
  RolloutInProgress: "RolloutInProgress",
  TargetNotFound: "TargetNotFound",
} as const;
export type ChaosPolicyTargetsSelectedReason =
  (typeof ChaosPolicyTargetsSelectedReason)[keyof typeof ChaosPolicyTargetsSelectedReason];

export const ChaosPolicyInjectionReason = {
  Pending: "Pending",
  Injected: "Injected",
  PartiallyInjected: "PartiallyInjected",
  DryRun: "DryRun",
  InjectionFailed: "InjectionFailed",
  EvictionBlocked: "EvictionBlocked",
  Removed: "Removed",
  Recovered: "Recovered",
  RecoveryInProgress: "RecoveryInProgress",
  RecoveryTimedOut: "RecoveryTimedOut",
} as const;
export type ChaosPolicyInjectionReason =
  (typeof ChaosPolicyInjectionReason)[keyof typeof ChaosPolicyInjectionReason];

export const ChaosPolicySteadyStateReason = {
  ProbesPassing: "ProbesPassing",
  ProbeFailed: "ProbeFailed",
  NoProbes: "NoProbes",
  NotChecked: "NotChecked",
} as const;
export type ChaosPolicySteadyStateReason =
  (typeof ChaosPolicySteadyStateReason)[keyof typeof ChaosPolicySteadyStateReason];

export const ChaosPolicyKillSwitchReason = {
  NotEngaged: "NotEngaged",
  ClusterKillSwitch: "ClusterKillSwitch",
  TenantKillSwitch: "TenantKillSwitch",
} as const;
export type ChaosPolicyKillSwitchReason =
  (typeof ChaosPolicyKillSwitchReason)[keyof typeof ChaosPolicyKillSwitchReason];

export const ChaosPolicyConditionReasons = {
  Ready: ChaosPolicyReadyReason,
  Admitted: ChaosPolicyAdmittedReason,
  TargetsSelected: ChaosPolicyTargetsSelectedReason,
  AllInjected: ChaosPolicyInjectionReason,
  AllRecovered: ChaosPolicyInjectionReason,
  SteadyStateOK: ChaosPolicySteadyStateReason,
  KillSwitchEngaged: ChaosPolicyKillSwitchReason,
  Unrecovered: ChaosPolicyInjectionReason,
} as const satisfies Record<ChaosPolicyConditionType, Record<string, string>>;

export type ChaosPolicyConditionReason =
  | ChaosPolicyReadyReason
  | ChaosPolicyAdmittedReason
  | ChaosPolicyTargetsSelectedReason
  | ChaosPolicyInjectionReason
  | ChaosPolicySteadyStateReason
  | ChaosPolicyKillSwitchReason;
