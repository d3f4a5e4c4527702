/** Condition types and reasons of ChatRegion. */

export const ChatRegionConditionType = {
  /** Summary: the fleet serves connections in this region. */
  Ready: "Ready",
  /** Pods are draining connections (scale-down, rollout or failover). */
  Draining: "Draining",
  /** This region's traffic is routed to status.failover.activeTarget. */
  FailoverActive: "FailoverActive",
  /** Database and backplane are in the region's dataRegion and failover targets respect residency. */
  ResidencyCompliant: "ResidencyCompliant",
  /** The OIDC issuers of the Tenant owning the namespace were found and rendered. */
  IdentityResolved: "IdentityResolved",
} as const;
export type ChatRegionConditionType =
  (typeof ChatRegionConditionType)[keyof typeof ChatRegionConditionType];

export const ChatRegionReadyReason = {
  Reconciling: "Reconciling",
  Available: "Available",
  Unavailable: "Unavailable",
  BackplaneUnreachable: "BackplaneUnreachable",
  DatabaseUnreachable: "DatabaseUnreachable",
  SecretMissing: "SecretMissing",
  CapacityExhausted: "CapacityExhausted",
  ApplyFailed: "ApplyFailed",
  BackplaneUnsupported: "BackplaneUnsupported",
} as const;
export type ChatRegionReadyReason =
  (typeof ChatRegionReadyReason)[keyof typeof ChatRegionReadyReason];

export const ChatRegionDrainingReason = {
  NotDraining: "NotDraining",
  ScaleDown: "ScaleDown",
  Rollout: "Rollout",
  Failover: "Failover",
} as const;
export type ChatRegionDrainingReason =
  (typeof ChatRegionDrainingReason)[keyof typeof ChatRegionDrainingReason];

export const ChatRegionFailoverActiveReason = {
  Primary: "Primary",
  FailedOver: "FailedOver",
  NoFallbackAvailable: "NoFallbackAvailable",
} as const;
export type ChatRegionFailoverActiveReason =
  (typeof ChatRegionFailoverActiveReason)[keyof typeof ChatRegionFailoverActiveReason];

export const ChatRegionResidencyCompliantReason = {
  Compliant: "Compliant",
  CrossRegionFailoverForbidden: "CrossRegionFailoverForbidden",
} as const;
export type ChatRegionResidencyCompliantReason =
  (typeof ChatRegionResidencyCompliantReason)[keyof typeof ChatRegionResidencyCompliantReason];

export const ChatRegionIdentityResolvedReason = {
  TenantFound: "TenantFound",
  NoTenantLabel: "NoTenantLabel",
  TenantNotFound: "TenantNotFound",
  NoRealm: "NoRealm",
} as const;
export type ChatRegionIdentityResolvedReason =
  (typeof ChatRegionIdentityResolvedReason)[keyof typeof ChatRegionIdentityResolvedReason];

export const ChatRegionConditionReasons = {
  Ready: ChatRegionReadyReason,
  Draining: ChatRegionDrainingReason,
  FailoverActive: ChatRegionFailoverActiveReason,
  ResidencyCompliant: ChatRegionResidencyCompliantReason,
  IdentityResolved: ChatRegionIdentityResolvedReason,
} as const satisfies Record<ChatRegionConditionType, Record<string, string>>;

export type ChatRegionConditionReason =
  | ChatRegionReadyReason
  | ChatRegionDrainingReason
  | ChatRegionFailoverActiveReason
  | ChatRegionResidencyCompliantReason
  | ChatRegionIdentityResolvedReason;
