/** Condition types and reasons of Tenant. */

export const TenantConditionType = {
  /** Summary: namespaces, quota, isolation and identity are all in place. */
  Ready: "Ready",
  NamespacesReady: "NamespacesReady",
  QuotaEnforced: "QuotaEnforced",
  NetworkIsolated: "NetworkIsolated",
  /** The Keycloak realm matches the spec (or the Tenant has no identity block). */
  IdentityReady: "IdentityReady",
  /** True when Keycloak differs from the spec (reported in every sync mode). */
  IdentityDrifted: "IdentityDrifted",
  /** True while something the Tenant needs is failing (Keycloak unreachable, apply errors, deletion timeout). */
  Degraded: "Degraded",
} as const;
export type TenantConditionType = (typeof TenantConditionType)[keyof typeof TenantConditionType];

export const TenantReadyReason = {
  Reconciling: "Reconciling",
  Provisioned: "Provisioned",
  NamespacesNotReady: "NamespacesNotReady",
  IdentityNotSynced: "IdentityNotSynced",
  ApplyFailed: "ApplyFailed",
  Terminating: "Terminating",
} as const;
export type TenantReadyReason = (typeof TenantReadyReason)[keyof typeof TenantReadyReason];

export const TenantNamespacesReadyReason = {
  Reconciling: "Reconciling",
  AllNamespacesReady: "AllNamespacesReady",
  NamespaceConflict: "NamespaceConflict",
  NamespaceLimitExceeded: "NamespaceLimitExceeded",
  ApplyFailed: "ApplyFailed",
} as const;
export type TenantNamespacesReadyReason =
  (typeof TenantNamespacesReadyReason)[keyof typeof TenantNamespacesReadyReason];

export const TenantQuotaEnforcedReason = {
  Reconciling: "Reconciling",
  QuotaApplied: "QuotaApplied",
  QuotaNotConfigured: "QuotaNotConfigured",
  ApplyFailed: "ApplyFailed",
} as const;
export type TenantQuotaEnforcedReason =
  (typeof TenantQuotaEnforcedReason)[keyof typeof TenantQuotaEnforcedReason];

export const TenantNetworkIsolatedReason = {
  Reconciling: "Reconciling",
  PoliciesApplied: "PoliciesApplied",
  IsolationDisabled: "IsolationDisabled",
  ApplyFailed: "ApplyFailed",
} as const;
export type TenantNetworkIsolatedReason =
  (typeof TenantNetworkIsolatedReason)[keyof typeof TenantNetworkIsolatedReason];

export const TenantIdentityReadyReason = {
  Reconciling: "Reconciling",
  Synced: "Synced",
  IdentityNotConfigured: "IdentityNotConfigured",
  KeycloakUnreachable: "KeycloakUnreachable",
  CredentialsMissing: "CredentialsMissing",
  RealmOwnedElsewhere: "RealmOwnedElsewhere",
  SyncFailed: "SyncFailed",
  /** Observe mode: the realm differs and is deliberately left as it is. */
  DriftObserved: "DriftObserved",
} as const;
export type TenantIdentityReadyReason =
  (typeof TenantIdentityReadyReason)[keyof typeof TenantIdentityReadyReason];

export const TenantIdentityDriftedReason = {
  NoDrift: "NoDrift",
  DriftDetected: "DriftDetected",
  DriftReverted: "DriftReverted",
} as const;
export type TenantIdentityDriftedReason =
  (typeof TenantIdentityDriftedReason)[keyof typeof TenantIdentityDriftedReason];

export const TenantDegradedReason = {
  AsExpected: "AsExpected",
  KeycloakUnreachable: "KeycloakUnreachable",
  KeycloakError: "KeycloakError",
  ApplyFailed: "ApplyFailed",
  NamespaceConflict: "NamespaceConflict",
  DeletionTimedOut: "DeletionTimedOut",
} as const;
export type TenantDegradedReason = (typeof TenantDegradedReason)[keyof typeof TenantDegradedReason];

export const TenantConditionReasons = {
  Ready: TenantReadyReason,
  NamespacesReady: TenantNamespacesReadyReason,
  QuotaEnforced: TenantQuotaEnforcedReason,
  NetworkIsolated: TenantNetworkIsolatedReason,
  IdentityReady: TenantIdentityReadyReason,
  IdentityDrifted: TenantIdentityDriftedReason,
  Degraded: TenantDegradedReason,
} as const satisfies Record<TenantConditionType, Record<string, string>>;

export type TenantConditionReason =
  | TenantReadyReason
  | TenantNamespacesReadyReason
  | TenantQuotaEnforcedReason
  | TenantNetworkIsolatedReason
  | TenantIdentityReadyReason
  | TenantIdentityDriftedReason
  | TenantDegradedReason;
