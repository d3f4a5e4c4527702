/** Condition types and reasons of Tenant. */

export const TenantConditionType = {
  /** Summary: namespaces, quota, isolation and identity are all in place. */
  Ready: "Ready",
  NamespacesReady: "NamespacesReady",
  QuotaEnforced: "QuotaEnforced",
  NetworkIsolated: "NetworkIsolated",
  IdentitySynced: "IdentitySynced",
  /** True when Keycloak differs from the spec (reported in every sync mode). */
  IdentityDrifted: "IdentityDrifted",
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

export const TenantIdentitySyncedReason = {
  Reconciling: "Reconciling",
  Synced: "Synced",
  IdentityNotConfigured: "IdentityNotConfigured",
  KeycloakUnreachable: "KeycloakUnreachable",
  CredentialsMissing: "CredentialsMissing",
  RealmOwnedElsewhere: "RealmOwnedElsewhere",
  SyncFailed: "SyncFailed",
} as const;
export type TenantIdentitySyncedReason =
  (typeof TenantIdentitySyncedReason)[keyof typeof TenantIdentitySyncedReason];

export const TenantIdentityDriftedReason = {
  NoDrift: "NoDrift",
  DriftDetected: "DriftDetected",
  DriftReverted: "DriftReverted",
} as const;
export type TenantIdentityDriftedReason =
  (typeof TenantIdentityDriftedReason)[keyof typeof TenantIdentityDriftedReason];

export const TenantConditionReasons = {
  Ready: TenantReadyReason,
  NamespacesReady: TenantNamespacesReadyReason,
  QuotaEnforced: TenantQuotaEnforcedReason,
  NetworkIsolated: TenantNetworkIsolatedReason,
  IdentitySynced: TenantIdentitySyncedReason,
  IdentityDrifted: TenantIdentityDriftedReason,
} as const satisfies Record<TenantConditionType, Record<string, string>>;

export type TenantConditionReason =
  | TenantReadyReason
  | TenantNamespacesReadyReason
  | TenantQuotaEnforcedReason
  | TenantNetworkIsolatedReason
  | TenantIdentitySyncedReason
  | TenantIdentityDriftedReason;
